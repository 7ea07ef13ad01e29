"""What a trained model costs to keep and to run: the size and latency objectives.

Latency is measured, not estimated from parameter counts: a GLU or a batch norm costs more
than its weights suggest. One call on a batch of 1,000 rows through a compiled tf.function (the
way a serving signature runs), after one warm-up call, median of several calls.
"""

from __future__ import annotations

import statistics
import time

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import numpy as np
import tensorflow as tf
import tf_keras

LATENCY_ROWS = 1000


def size(model: tf_keras.Model) -> dict[str, float]:
    """Parameters and bytes; a model that knows its size better says it (a forest's nodes)."""
    if hasattr(model, "model_size"):
        return model.model_size()
    weights = model.get_weights()
    return {
        "params": float(sum(w.size for w in weights)),
        "size_bytes": float(sum(np.asarray(w).nbytes for w in weights)),
    }


def rows_for_latency(cached_examples: tf.data.Dataset) -> dict[str, tf.Tensor]:
    """LATENCY_ROWS feature rows (repeating a small split), built once per search."""
    features_only = cached_examples.map(lambda features, _: features)
    return next(iter(features_only.repeat().take(LATENCY_ROWS).batch(LATENCY_ROWS)))


def latency_ms(model: tf_keras.Model, rows: dict[str, tf.Tensor], repeats: int = 5) -> float:
    """Milliseconds to predict LATENCY_ROWS rows."""
    predict = tf.function(lambda x: model(x, training=False))
    predict(rows)  # trace and warm up
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        np.asarray(tf.nest.flatten(predict(rows))[0])  # waits for the result
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)
