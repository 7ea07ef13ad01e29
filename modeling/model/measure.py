"""What a trained model costs to keep and to run: the size and latency objectives.

Latency is measured, not estimated from parameter counts: a GLU or a batch norm costs more
than its weights suggest. One call on a batch of 1,000 rows through a compiled tf.function (the
way a serving signature runs) or, for a forest in a trial, YDF's own predict (the engine TF-DF's
serving ops run), after one warm-up call, median of several calls.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
import tensorflow as tf
import tf_keras

from modeling.model import data

LATENCY_ROWS = 1000


def size(model: tf_keras.Model, with_bytes: bool = True) -> dict[str, float]:
    """Parameters and, ``with_bytes``, bytes; a model that knows its size better says it (a
    forest's nodes, and its bytes only by saving every tree)."""
    if hasattr(model, "model_size"):
        return model.model_size(with_bytes=with_bytes)
    weights = model.get_weights()
    sizes = {"params": float(sum(w.size for w in weights))}
    if with_bytes:
        sizes["size_bytes"] = float(sum(np.asarray(w).nbytes for w in weights))
    return sizes


def rows_for_latency(rows: data.Rows) -> dict[str, np.ndarray]:
    """LATENCY_ROWS feature rows (repeating a small split), built once per search."""
    return rows.take(np.arange(LATENCY_ROWS) % len(rows)).features


def latency_ms(model: Any, rows: dict[str, np.ndarray], repeats: int = 5) -> float:
    """Milliseconds to predict LATENCY_ROWS rows: a Keras model through a compiled
    tf.function, a model that predicts natively (a YDF forest) by its own call."""
    if isinstance(model, tf_keras.Model):
        compiled = tf.function(lambda x: model(x, training=False))
        tensors = {k: tf.constant(v) for k, v in rows.items()}

        def predict() -> Any:
            return np.asarray(tf.nest.flatten(compiled(tensors))[0])  # waits for the result

    else:

        def predict() -> Any:
            return model(rows)

    predict()  # trace and warm up
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        predict()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)
