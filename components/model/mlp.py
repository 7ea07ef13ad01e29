"""The small MLP search space of the foundation pipeline, and the Keras model it builds.

The space is declared once (``search_space``) and used by both the Tuner (to sample) and the
Trainer (to rebuild the winner from the Tuner's best_hyperparameters artifact), so the two can
never disagree about what a hyperparameter means.
"""

from __future__ import annotations

import math
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import keras_tuner
import tensorflow as tf
import tensorflow_transform as tft
import tf_keras

from components import features


def search_space() -> keras_tuner.HyperParameters:
    hp = keras_tuner.HyperParameters()
    hp.Int("num_layers", 1, 3, default=2)
    hp.Choice("units", [16, 32, 64, 128], default=64)
    hp.Float("dropout", 0.0, 0.3, step=0.1, default=0.1)
    hp.Float("learning_rate", 1e-4, 3e-2, sampling="log", default=3e-3)
    hp.Choice("batch_size", [32, 64, 128], default=64)
    return hp


def embedding_size(buckets: int) -> int:
    """fast.ai's rule of thumb for categorical embeddings, capped for small tabular nets."""
    return max(2, min(32, round(1.6 * buckets**0.56)))


def build_model(
    hparams: dict[str, Any],
    tf_transform_output: tft.TFTransformOutput,
    task: str,
    n_classes: int,
    label_mean: float = 0.0,
    label_std: float = 1.0,
) -> tf_keras.Model:
    """An MLP over every transformed feature; categorical ids go through embeddings.

    For regression the network predicts a standardised target and a fixed affine layer maps it
    back, so the output is in the label's units and the optimiser works at unit scale.
    """
    spec = tf_transform_output.transformed_feature_spec()
    inputs: dict[str, tf_keras.Input] = {}
    encoded = []
    for name in sorted(spec):
        if name == features.LABEL_KEY:
            continue
        if features.is_categorical(name):
            inputs[name] = tf_keras.Input(shape=(), name=name, dtype=tf.int64)
            buckets = tf_transform_output.num_buckets_for_transformed_feature(name)
            embedded = tf_keras.layers.Embedding(buckets, embedding_size(buckets))(inputs[name])
            encoded.append(embedded)
        else:
            inputs[name] = tf_keras.Input(shape=(), name=name, dtype=tf.float32)
            encoded.append(tf_keras.layers.Reshape((1,))(inputs[name]))
    x = tf_keras.layers.Concatenate()(encoded) if len(encoded) > 1 else encoded[0]
    for _ in range(int(hparams["num_layers"])):
        x = tf_keras.layers.Dense(int(hparams["units"]), activation="relu")(x)
        if hparams["dropout"] > 0:
            x = tf_keras.layers.Dropout(float(hparams["dropout"]))(x)
    optimizer = tf_keras.optimizers.Adam(float(hparams["learning_rate"]))
    if task == "classification":
        outputs = tf_keras.layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
        model = tf_keras.Model(inputs, outputs)
        model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    else:
        standardised = tf_keras.layers.Dense(1)(x)
        scale = label_std if label_std > 0 and math.isfinite(label_std) else 1.0
        rescaled = tf_keras.layers.Rescaling(scale, offset=label_mean)(standardised)
        outputs = tf_keras.layers.Reshape((), name="prediction")(rescaled)
        model = tf_keras.Model(inputs, outputs)
        model.compile(optimizer, "mse", metrics=[tf_keras.metrics.RootMeanSquaredError("rmse")])
    return model
