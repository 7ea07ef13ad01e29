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

import itertools
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import tensorflow as tf

from modeling import features
from modeling.model import data, scoring

REPEATS = 3
MAX_ROWS = 20_000  # enough for a stable ranking; bounds the cost on big evaluation splits
MIN_ROWS = 500  # however short the time, the ranking is made on this many rows


def permutation_importance(
    model: Any,
    rows: data.Rows,
    task: str,
    scale: float,
    seed: int = 0,
    max_seconds: float | None = None,
) -> dict[str, float]:
    """Mean growth of the evaluation loss when each CSV column is shuffled, largest first.

    ``max_seconds`` (a run's time budget) bounds it: the sample shrinks (to MIN_ROWS at
    least) to what the model predicts, for every shuffled copy, in that time, as timed on a
    first batch. An ensemble with a 26-class forest predicted 6k rows a second: 57 copies
    of letters26's eval split took 35 s and ran the run past its budget."""
    grouped: dict[str, list[str]] = {}
    for name in sorted(rows.features):
        grouped.setdefault(features.raw_name(name), []).append(name)
    count = min(len(rows), MAX_ROWS)
    if max_seconds is not None:
        probe = rows.take(slice(0, min(count, data.PREDICT_BATCH)))
        started = time.monotonic()
        model({k: tf.constant(np.asarray(v)) for k, v in probe.features.items()})
        per_row = (time.monotonic() - started) / len(probe)
        shuffled_copies = 1 + len(grouped) * REPEATS
        count = max(
            min(count, MIN_ROWS), min(count, int(max_seconds / (per_row * shuffled_copies)))
        )
    rng = np.random.default_rng(seed)
    # Drawn over the whole split: the split's files keep the CSV's order (ExampleGen writes
    # them unshuffled), so its first rows may be its oldest, or one class.
    sample = rows.take(np.sort(rng.choice(len(rows), count, replace=False)))
    columns = {k: np.asarray(v) for k, v in sample.features.items()}
    labels = np.asarray(sample.labels).reshape(-1)
    # The sample, then a shuffled copy of it per column and repeat: made as they are
    # predicted, a few at a time, since all of them at once would not fit in memory.
    copies = itertools.chain(
        [columns],
        (
            {**columns, **{n: columns[n][rng.permutation(len(labels))] for n in names}}
            for names in grouped.values()
            for _ in range(REPEATS)
        ),
    )
    losses = _losses(model, copies, labels, task, scale)
    growth = np.reshape(losses[1:], (len(grouped), REPEATS)) - losses[0]
    importance = {raw: float(np.mean(g)) for raw, g in zip(grouped, growth, strict=True)}
    return dict(sorted(importance.items(), key=lambda item: -item[1]))


def _losses(
    model: Any,
    copies: Iterator[dict[str, np.ndarray]],
    labels: np.ndarray,
    task: str,
    scale: float,
) -> list[float]:
    """The loss on each copy of the sample, predicted many copies to a call: a call per copy
    cost more than the predictions on a small split (digits: 192 calls of an ensemble took
    24 s of a run's five-minute budget)."""
    per_call = max(1, data.PREDICT_BATCH // len(labels))
    losses: list[float] = []
    while chunk := list(itertools.islice(copies, per_call)):
        inputs = {k: tf.constant(np.concatenate([c[k] for c in chunk])) for k in chunk[0]}
        predicted = np.asarray(model(inputs))
        losses += [
            scoring.score(part, labels, task, scale)["loss"]
            for part in np.split(predicted, len(chunk))
        ]
    return losses
