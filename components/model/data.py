"""Reading Transform's output for the Tuner and the Trainer, the same way in both."""

from __future__ import annotations

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft
from tfx.components.trainer.fn_args_utils import DataAccessor
from tfx_bsl.public import tfxio

from components import features

SHUFFLE_BUFFER = 10_000


def dataset(
    file_pattern: list[str],
    data_accessor: DataAccessor,
    tf_transform_output: tft.TFTransformOutput,
    batch_size: int,
    shuffle: bool,
    seed: int = 0,
) -> tf.data.Dataset:
    """One pass over the transformed examples as (features, label) batches.

    One epoch per iteration (not an endless repeat with a step count) so that Keras' epochs
    are real epochs whatever the data size, and early stopping counts real passes. Decoded
    batches are cached in memory after the first epoch: decoding tf.Examples costs more than
    a small MLP's step, and transformed tabular data is small next to the 24 GiB we plan for.
    Shuffling happens after the cache so that every epoch sees a new order.
    """
    batches = data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(
            batch_size=batch_size,
            label_key=features.LABEL_KEY,
            num_epochs=1,
            shuffle=False,
        ),
        tf_transform_output.transformed_metadata.schema,
    )
    examples = batches.unbatch().cache()
    if shuffle:
        examples = examples.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
    return examples.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def class_count(tf_transform_output: tft.TFTransformOutput) -> int:
    return tf_transform_output.vocabulary_size_by_name(features.LABEL_VOCABULARY)


def label_moments(ds: tf.data.Dataset, max_batches: int = 200) -> tuple[float, float]:
    """Mean and standard deviation of a regression label, from (a prefix of) the training data."""
    labels = np.concatenate([np.asarray(y).reshape(-1) for _, y in ds.take(max_batches)])
    return float(labels.mean()), float(labels.std())
