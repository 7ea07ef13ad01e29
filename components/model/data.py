"""Reading Transform's output for the Tuner and the Trainer, the same way in both."""

from __future__ import annotations

from dataclasses import dataclass

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft
from tfx.components.trainer.fn_args_utils import DataAccessor
from tfx_bsl.public import tfxio

from components import features
from components.guardrails import handling

SHUFFLE_BUFFER = 10_000
READ_BATCH = 1024
HASH_BUCKETS = 1_000_000


def examples(
    file_pattern: list[str],
    data_accessor: DataAccessor,
    tf_transform_output: tft.TFTransformOutput,
) -> tf.data.Dataset:
    """The transformed examples of one split, one at a time, cached in memory once read.

    Decoding tf.Examples costs more than a small MLP's step, and transformed tabular data is
    small next to the memory we plan for, so every trial of a search (whatever its batch size)
    and every epoch read the decoded examples from the same cache.
    """
    decoded = data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(
            batch_size=READ_BATCH, label_key=features.LABEL_KEY, num_epochs=1, shuffle=False
        ),
        tf_transform_output.transformed_metadata.schema,
    )
    return decoded.unbatch().cache()


def batches(
    cached: tf.data.Dataset, batch_size: int, shuffle: bool, seed: int = 0
) -> tf.data.Dataset:
    """One pass (a real epoch, whatever the data size); reshuffled every epoch when training."""
    if shuffle:
        cached = cached.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
    return cached.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def subset(cached: tf.data.Dataset, fraction: float) -> tf.data.Dataset:
    """The same ``fraction`` of the rows on every call, spread over the whole split.

    Rows are kept by a hash of their position, so every low-fidelity trial sees the same rows
    (results stay comparable) and a CSV sorted by time or by label is sampled evenly, which
    taking its first rows would not.
    """
    if fraction >= 1.0:
        return cached
    threshold = int(fraction * HASH_BUCKETS)
    kept = cached.enumerate().filter(
        lambda i, _: (
            tf.strings.to_hash_bucket_fast(tf.strings.as_string(i), HASH_BUCKETS) < threshold
        )
    )
    return kept.map(lambda _, row: row)


@dataclass
class Splits:
    """Train and eval examples, read once and shared by every model trained on them, with
    what the model's head needs to know about the label."""

    train: tf.data.Dataset
    eval: tf.data.Dataset
    n_classes: int = 1  # classification: the label vocabulary's size
    label_mean: float = 0.0  # regression: the label's moments on the training split
    label_std: float = 1.0
    # classification, an imbalanced label (components.guardrails): weight of each class id
    class_weights: dict[int, float] | None = None

    def __post_init__(self) -> None:
        self._train_rows: int | None = None

    @property
    def train_rows(self) -> int:
        """Rows in the training split, counted once (which also fills the cache)."""
        if self._train_rows is None:
            self._train_rows = int(self.train.reduce(0, lambda count, _: count + 1))
        return self._train_rows

    def training(self, rows: float = 1.0) -> tf.data.Dataset:
        """The training rows a model fits (a fraction of them for a low-fidelity trial), with
        each row's class weight as a third element when classes are weighted."""
        train = subset(self.train, rows)
        if not self.class_weights:
            return train
        table = tf.constant(
            [self.class_weights.get(c, 1.0) for c in range(self.n_classes)], tf.float32
        )
        return train.map(
            lambda x, y: (x, y, tf.gather(table, tf.reshape(tf.cast(y, tf.int32), [-1])[0]))
        )

    @classmethod
    def load(
        cls,
        fn_args,
        tf_transform_output: tft.TFTransformOutput,
        task: str,
        class_weighting: str | None = None,
    ) -> Splits:
        """``class_weighting``: "balanced" weights classes inversely to their frequency in
        training (the guardrails' handling of an imbalanced label)."""
        train = examples(fn_args.train_files, fn_args.data_accessor, tf_transform_output)
        evaluation = examples(fn_args.eval_files, fn_args.data_accessor, tf_transform_output)
        splits = cls(train, evaluation)
        if task == "classification":
            splits.n_classes = class_count(tf_transform_output)
            if class_weighting == handling.BALANCED:
                splits.class_weights = handling.balanced_weights(class_counts(train))
        else:
            splits.label_mean, splits.label_std = label_moments(train)
        return splits


def predictions(model, examples: tf.data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """A model's outputs on a split, and the split's labels (one per row)."""
    predicted, labels = [], []
    for batch, label in examples.batch(READ_BATCH):
        predicted.append(np.asarray(model(batch)))
        labels.append(np.asarray(label).reshape(-1))
    return np.concatenate(predicted), np.concatenate(labels)


def class_count(tf_transform_output: tft.TFTransformOutput) -> int:
    return tf_transform_output.vocabulary_size_by_name(features.LABEL_VOCABULARY)


def class_counts(cached: tf.data.Dataset) -> dict[int, int]:
    """Rows per class id in a split."""
    labels = np.concatenate(
        [np.asarray(y).reshape(-1) for _, y in cached.batch(READ_BATCH)]
    ).astype(int)
    ids, counts = np.unique(labels, return_counts=True)
    return {int(i): int(n) for i, n in zip(ids, counts, strict=True)}


def label_moments(cached: tf.data.Dataset, max_rows: int = 50_000) -> tuple[float, float]:
    """Mean and standard deviation of a regression label, from (a prefix of) the training data."""
    labels = np.concatenate(
        [np.asarray(y).reshape(-1) for _, y in cached.take(max_rows).batch(READ_BATCH)]
    )
    return float(labels.mean()), float(labels.std())
