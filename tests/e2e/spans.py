"""Span folders made deterministically from the embedded penguins data, for retrain tests.

Each span resamples the penguins rows (seeded by the span number) and jitters the numbers
slightly, so spans differ as fresh samples of one population do; variants inject what a
retrain must catch: a drifted feature, or labels scrambled by a broken upstream job.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from pipeline.definition.dataset import embedded_penguins_csv

ROWS = 400
NUMERIC = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")


def _base() -> tuple[list[str], list[dict[str, str]]]:
    with open(embedded_penguins_csv(), newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [r for r in reader if r["species"] and all(r[c] not in ("", "NA") for c in NUMERIC)]
        return list(reader.fieldnames or []), rows


def write_span(
    folder: Path, span: int, shift: dict[str, float] | None = None, scramble_labels: bool = False
) -> Path:
    """``folder/span-N/data.csv``: a resample, with ``shift`` added to numeric columns (in
    their units) and, with ``scramble_labels``, the species shuffled across rows."""
    header, rows = _base()
    rng = np.random.default_rng(span)
    picked = [dict(rows[i]) for i in rng.integers(0, len(rows), ROWS)]
    for row in picked:
        for column in NUMERIC:
            value = float(row[column]) * (1 + rng.normal(0, 0.01)) + (shift or {}).get(column, 0)
            row[column] = f"{value:.1f}"
    if scramble_labels:
        labels = [row["species"] for row in picked]
        rng.shuffle(labels)
        for row, label in zip(picked, labels, strict=True):
            row["species"] = label
    target = folder / f"span-{span}" / "data.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(picked)
    return target
