"""One training run, shared by every Tuner trial and by the final Trainer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tensorflow_transform as tft
import tf_keras

from components.model import data, mlp


@dataclass(frozen=True)
class FitResult:
    model: tf_keras.Model
    history: dict[str, list[float]]
    objective: float  # best validation loss seen; lower is better


def fit(
    hparams: dict[str, Any],
    fn_args: Any,
    tf_transform_output: tft.TFTransformOutput,
    task: str,
    epochs: int,
    seed: int,
    patience: int | None = None,
) -> FitResult:
    """Trains on the train split, validates on eval; optional early stopping restores the best."""
    tf_keras.utils.set_random_seed(seed)
    batch_size = int(hparams.get("batch_size", 64))
    train = data.dataset(
        fn_args.train_files,
        fn_args.data_accessor,
        tf_transform_output,
        batch_size,
        shuffle=True,
        seed=seed,
    )
    evaluation = data.dataset(
        fn_args.eval_files, fn_args.data_accessor, tf_transform_output, batch_size, shuffle=False
    )
    n_classes = data.class_count(tf_transform_output) if task == "classification" else 1
    mean, std = data.label_moments(train) if task == "regression" else (0.0, 1.0)
    model = mlp.build_model(hparams, tf_transform_output, task, n_classes, mean, std)
    callbacks = []
    if patience is not None:
        callbacks.append(
            tf_keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=patience, restore_best_weights=True
            )
        )
    history = model.fit(
        train, validation_data=evaluation, epochs=epochs, verbose=0, callbacks=callbacks
    )
    losses = [float(v) for v in history.history["val_loss"]]
    finite = [v for v in losses if math.isfinite(v)]
    return FitResult(model, dict(history.history), min(finite) if finite else float("inf"))
