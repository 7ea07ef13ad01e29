"""The AutoML comparison's datasets: all exist offline, and each is split once into train/test.

- ``interactions_100k``: generated, 100k rows, binary, string categoricals, a label that only
  feature interactions explain;
- ``taxi``: the Chicago taxi CSV shipped in the tfx wheel (15k rows), regression of the fare,
  string categoricals and missing values;
- ``letters26``: generated, 30k rows, 26 classes, two string columns (one carries signal that
  no numeric column does);
- ``digits``: scikit-learn's bundled 8x8 digits (1.8k rows, 10 classes);
- ``penguins``: the palmerpenguins CSV (344 rows, 3 classes), what `make run` trains on.

Generation is seeded, so every machine writes the same files.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import holdout  # noqa: E402
from bench.search_datasets import LARGE_ROWS, _taxi_sample, digits_csv, interaction_csv  # noqa: E402

LETTER_ROWS = 30_000


@dataclass(frozen=True)
class Dataset:
    name: str
    label: str
    task: str
    train: Path
    test: Path


def letters_csv(path: Path, rows: int = LETTER_ROWS, seed: int = 26) -> Path:
    """26 classes from scikit-learn's generator; one informative numeric column is replaced by
    its quartile as a word, and a noise column of ten city names is added."""
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=rows, n_features=18, n_informative=14, n_redundant=2, n_classes=26,
        n_clusters_per_class=2, class_sep=2.0, flip_y=0.01, random_state=seed,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    band = np.array(["low", "mid", "high", "top"])[
        np.digitize(x[:, 0], np.quantile(x[:, 0], [0.25, 0.5, 0.75]))
    ]
    city = rng.choice([f"city_{i}" for i in range(10)], size=rows)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(f"f{i:02d}" for i in range(1, 18)), "band", "city", "letter"])
        for i in range(rows):
            writer.writerow([*(f"{v:.4f}" for v in x[i, 1:]), band[i], city[i], chr(65 + y[i])])
    return path


def _penguins(work: Path) -> Path:
    from pipeline.definition.dataset import embedded_penguins_csv

    return embedded_penguins_csv()


SOURCES = {  # name: (writes the full CSV into a work folder, label, task)
    "interactions_100k": (
        lambda w: interaction_csv(w / "interactions_100k.csv", rows=LARGE_ROWS),
        "outcome",
        "classification",
    ),
    "taxi": (lambda w: _taxi_sample(w, rows=None), "fare", "regression"),
    "letters26": (lambda w: letters_csv(w / "letters26.csv"), "letter", "classification"),
    "digits": (lambda w: digits_csv(w / "digits.csv"), "digit", "classification"),
    "penguins": (_penguins, "species", "classification"),
}  # fmt: skip


def prepare(name: str, work: Path) -> Dataset:
    """The dataset's train.csv and test.csv under ``work/name`` (written on first use)."""
    make, label, task = SOURCES[name]
    folder = work / name
    if not (folder / "train.csv").exists():
        folder.mkdir(parents=True, exist_ok=True)
        holdout.split(make(folder), folder, label)
    return Dataset(name, label, task, folder / "train.csv", folder / "test.csv")
