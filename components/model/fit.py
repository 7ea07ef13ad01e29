"""One training run, shared by every Tuner trial and by the final Trainer."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import numpy as np
import tf_keras

from components.model import build, data
from components.spaces import FeatureSet


@dataclass(frozen=True)
class FitResult:
    model: tf_keras.Model
    history: dict[str, list[float]]  # per epoch: loss, val_loss, and the task's metrics
    best_epoch: int  # 0-based epoch of the lowest validation loss

    @property
    def objective(self) -> float:
        """Best validation loss seen; lower is better (inf if it never was finite)."""
        return self.validation_metrics().get("val_loss", math.inf)

    def validation_metrics(self) -> dict[str, float]:
        """Every validation metric at the best epoch, e.g. val_loss and val_accuracy."""
        return {
            name: float(values[self.best_epoch])
            for name, values in self.history.items()
            if name.startswith("val_") and math.isfinite(float(values[self.best_epoch]))
        }


def fit(
    point: Mapping[str, Any],
    space: str,
    splits: data.Splits,
    inputs_info: FeatureSet,
    task: str,
    seed: int,
    epochs: int | None = None,
    patience: int | None = None,
) -> FitResult:
    """Trains on train, validates on eval; optional early stopping restores the best weights."""
    tf_keras.utils.set_random_seed(seed)
    batch_size = int(point["batch_size"])
    model = build.build_model(
        point, space, inputs_info, task, splits.n_classes, splits.label_mean, splits.label_std
    )
    callbacks = [c for c in [build.schedule_callback(point)] if c is not None]
    if patience is not None:
        callbacks.append(
            tf_keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=patience, restore_best_weights=True
            )
        )
    history = model.fit(
        data.batches(splits.train, batch_size, shuffle=True, seed=seed),
        validation_data=data.batches(splits.eval, batch_size, shuffle=False),
        epochs=int(epochs if epochs is not None else point["epochs"]),
        verbose=0,
        callbacks=callbacks,
    )
    per_epoch = {k: [float(v) for v in values] for k, values in history.history.items()}
    losses = np.array(per_epoch["val_loss"], dtype=float)
    losses[~np.isfinite(losses)] = np.inf
    return FitResult(model, per_epoch, int(np.argmin(losses)))
