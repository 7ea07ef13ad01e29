"""A point of any search space + the transformed features -> a compiled tf_keras model.

Shared by every Tuner trial and by the Trainer, so the two can never disagree about what a
hyperparameter means. Inputs: numeric features as they come from Transform (z-scored),
categorical ids through embeddings sized by the point. Heads: softmax for classification; for
regression a standardised output mapped back to the label's units by a fixed affine layer, and
a loss measured in standard deviations (``StandardisedMSE``), so the optimiser works at unit
scale whatever the label's magnitude.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras

from modeling import features
from modeling.model.architectures import BODIES
from modeling.spaces import FeatureSet, network_of
from modeling.spaces.features import embedding_param_name


def feature_set(tf_transform_output: tft.TFTransformOutput) -> FeatureSet:
    spec = tf_transform_output.transformed_feature_spec()
    names = sorted(n for n in spec if n != features.LABEL_KEY)
    return FeatureSet(
        numeric=tuple(n for n in names if not features.is_categorical(n)),
        categorical={
            n: tf_transform_output.num_buckets_for_transformed_feature(n)
            for n in names
            if features.is_categorical(n)
        },
    )


def optimizer(point: Mapping[str, Any]) -> tf_keras.optimizers.Optimizer:
    rate = float(point["learning_rate"])
    kind = point["optimizer"]
    if kind == "adam":
        return tf_keras.optimizers.Adam(rate)
    if kind == "adamw":
        return tf_keras.optimizers.AdamW(rate, weight_decay=float(point["weight_decay"]))
    if kind == "sgd":
        return tf_keras.optimizers.SGD(
            rate, momentum=0.9, nesterov=True, weight_decay=float(point["weight_decay"])
        )
    raise ValueError(f"unknown optimizer '{kind}'")


def schedule_callback(point: Mapping[str, Any]) -> tf_keras.callbacks.Callback | None:
    """Per-epoch learning-rate schedule over the point's own number of epochs."""
    kind, base, epochs = point["schedule"], float(point["learning_rate"]), int(point["epochs"])
    if kind == "constant":
        return None
    if kind == "cosine":
        return tf_keras.callbacks.LearningRateScheduler(
            lambda epoch: base * 0.5 * (1 + math.cos(math.pi * epoch / max(epochs, 1)))
        )
    if kind == "exponential":  # ten-fold decay over the run
        return tf_keras.callbacks.LearningRateScheduler(
            lambda epoch: base * 0.1 ** (epoch / max(epochs, 1))
        )
    raise ValueError(f"unknown schedule '{kind}'")


def build_model(
    point: Mapping[str, Any],
    space: str,
    inputs_info: FeatureSet,
    task: str,
    n_classes: int,
    label_mean: float = 0.0,
    label_std: float = 1.0,
    width_scale: float = 1.0,
) -> tf_keras.Model:
    """Layers are named by structure (see ``architectures``) so weights can be inherited."""
    inputs: dict[str, Any] = {}
    encoded = []
    for name in inputs_info.numeric:
        inputs[name] = tf_keras.Input(shape=(), name=name, dtype=tf.float32)
    if inputs_info.numeric:
        encoded.append(NumericColumns(name="numeric")([inputs[n] for n in inputs_info.numeric]))
    for name, buckets in sorted(inputs_info.categorical.items()):
        inputs[name] = tf_keras.Input(shape=(), name=name, dtype=tf.int64)
        size = int(point[embedding_param_name(name)])
        encoded.append(
            tf_keras.layers.Embedding(buckets, size, name=f"embed_{name}")(inputs[name])
        )
    x = tf_keras.layers.Concatenate(name="features")(encoded) if len(encoded) > 1 else encoded[0]
    x = BODIES[network_of(space)](point, x, width_scale)
    if task == "classification":
        outputs = tf_keras.layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
        model = tf_keras.Model(inputs, outputs)
        model.compile(optimizer(point), "sparse_categorical_crossentropy", metrics=["accuracy"])
        return _with_training_state(model, tf.int64)
    standardised = tf_keras.layers.Dense(1, name="standardised")(x)
    scale = label_scale(label_std)
    rescaled = tf_keras.layers.Rescaling(scale, offset=label_mean, name="rescale")(standardised)
    outputs = tf_keras.layers.Reshape((), name="prediction")(rescaled)
    model = tf_keras.Model(inputs, outputs)
    model.compile(
        optimizer(point),
        StandardisedMSE(scale),
        metrics=[tf_keras.metrics.RootMeanSquaredError("rmse")],
    )
    return _with_training_state(model, tf.float32)


def _with_training_state(model: tf_keras.Model, label_dtype: tf.DType) -> tf_keras.Model:
    """The compiled model with its optimizer's slots and its loss and metric variables made
    now, on two rows of zeros. Keras makes them in the first training step, and a
    tf.function that makes variables is traced twice (once to make them, once to run): a
    1-epoch digits trial's fit took 1.77 s in a fresh process instead of 2.0 s."""
    zeros = {
        name: tf.zeros((2,), dtype=tensor.dtype) for name, tensor in model.input.items()
    }
    predicted = model(zeros, training=False)
    model.optimizer.build(model.trainable_variables)
    model.compiled_loss.build(predicted)
    model.compiled_metrics.build(predicted, tf.zeros((2,), dtype=label_dtype))
    return model


def label_scale(label_std: float) -> float:
    """The unit a regression loss is measured in: the label's standard deviation (1 for a
    constant or unknown label)."""
    return label_std if label_std > 0 and math.isfinite(label_std) else 1.0


@tf_keras.utils.register_keras_serializable(package="automl")
class NumericColumns(tf_keras.layers.Layer):
    """The numeric inputs, one value a row each, side by side as one (rows, columns) matrix.

    One layer for all of them rather than a Reshape per column: building a network is part of
    every trial's fixed cost, and 61 Reshape layers (digits) took 0.2 s of a 0.35 s build. The
    columns keep their order, so the matrix is what the Reshapes' concatenation was.
    """

    def call(self, columns: list[tf.Tensor]) -> tf.Tensor:
        return tf.stack(columns, axis=-1)


@tf_keras.utils.register_keras_serializable(package="automl")
class StandardisedMSE(tf_keras.losses.Loss):
    """Squared error in units of the label's standard deviation.

    The model predicts in the label's units, but a plain MSE would then scale every gradient
    by the label's variance (x150 for taxi fares): learning rates that suit one dataset diverge
    on another. Dividing by the scale gives the optimiser unit-scale gradients everywhere; the
    RMSE metric stays in the label's units.
    """

    def __init__(self, scale: float = 1.0, name: str = "standardised_mse", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.scale = float(scale)

    def call(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        return tf.square((tf.cast(y_true, y_pred.dtype) - y_pred) / self.scale)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale}
