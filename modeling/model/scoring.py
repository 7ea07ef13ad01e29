"""A model's loss and metric from its predictions, computed as Keras computes the networks'
(cross-entropy with Keras' clipping; squared error in label standard deviations), for models
Keras does not score (forests) and for scores Keras is not asked for (permuted features)."""

from __future__ import annotations

import numpy as np

EPSILON = 1e-7  # Keras clips probabilities the same way in its cross-entropy


def score(predicted: np.ndarray, labels: np.ndarray, task: str, scale: float) -> dict[str, float]:
    """{"loss", "accuracy"} for class probabilities, {"loss", "rmse"} for predictions."""
    labels = labels.reshape(-1)
    if task == "classification":
        chosen = predicted[np.arange(len(labels)), labels.astype(int)]
        return {
            "loss": float(-np.mean(np.log(np.clip(chosen, EPSILON, 1.0)))),
            "accuracy": float(np.mean(predicted.argmax(axis=1) == labels)),
        }
    errors = predicted.reshape(-1) - labels
    return {
        "loss": float(np.mean((errors / scale) ** 2)),
        "rmse": float(np.sqrt(np.mean(errors**2))),
    }
