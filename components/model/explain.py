"""Which input columns the final model relies on: permutation importance (Breiman 2001) on the
evaluation split, in the CSV's columns rather than Transform's features.

Transform turns one column into several features (a z-score and a missing indicator, or an
id), so the features made from one column are shuffled together: the importance of a column is
how much the evaluation loss grows when the model can no longer use anything derived from it.
It works the same for every family (it only calls the model), which impurity-based importance
would not. Repeated shuffles are averaged; a column the model ignores scores about zero, and
one whose shuffling happens to help can score slightly below.
"""

from __future__ import annotations

from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import numpy as np
import tensorflow as tf

from components import features
from components.model import data, scoring

REPEATS = 3
MAX_ROWS = 20_000  # enough for a stable ranking; bounds the cost on big evaluation splits


def permutation_importance(
    model: Any, rows: data.Rows, task: str, scale: float, seed: int = 0
) -> dict[str, float]:
    """Mean growth of the evaluation loss when each CSV column is shuffled, largest first."""
    sample = rows.take(slice(0, MAX_ROWS))
    columns = {k: np.asarray(v) for k, v in sample.features.items()}
    labels = np.asarray(sample.labels).reshape(-1)

    def loss(inputs: dict[str, np.ndarray]) -> float:
        predicted = np.asarray(model({k: tf.constant(v) for k, v in inputs.items()}))
        return scoring.score(predicted, labels, task, scale)["loss"]

    base = loss(columns)
    rng = np.random.default_rng(seed)
    grouped: dict[str, list[str]] = {}
    for name in sorted(columns):
        grouped.setdefault(features.raw_name(name), []).append(name)
    importance = {}
    for raw, names in grouped.items():
        growth = []
        for _ in range(REPEATS):
            order = rng.permutation(len(labels))
            growth.append(loss({**columns, **{n: columns[n][order] for n in names}}) - base)
        importance[raw] = float(np.mean(growth))
    return dict(sorted(importance.items(), key=lambda item: -item[1]))
