"""The fixed held-out test rows of the AutoML comparison, and the one metric every tool is
scored by.

numpy and pandas only: the peers' benchmark environment (FLAML, AutoGluon) imports this too,
so that each tool is scored by the same code on the same rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

TEST_FRACTION = 0.2
SPLIT_SEED = 2026
MISSING = frozenset({"", "NA", "N/A", "NaN", "nan", "NULL", "null", "#N/A"})


def split(source: Path, folder: Path, label: str) -> tuple[Path, Path]:
    """``train.csv`` (what every tool gets) and ``test.csv`` (what none sees before scoring):
    a fixed-seed 20 % draw of the labelled rows, written once and byte-identical after."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    train, test = folder / "train.csv", folder / "test.csv"
    if train.exists() and test.exists():
        return train, test
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame = frame[~frame[label].isin(MISSING)]
    order = np.random.default_rng(SPLIT_SEED).permutation(len(frame))
    cut = int(round(len(frame) * TEST_FRACTION))
    frame.iloc[np.sort(order[cut:])].to_csv(train.with_suffix(".part"), index=False)
    frame.iloc[np.sort(order[:cut])].to_csv(test.with_suffix(".part"), index=False)
    train.with_suffix(".part").rename(train)
    test.with_suffix(".part").rename(test)
    return train, test


def labels(test: Path, label: str) -> list[str]:
    """The test rows' labels as the CSV spells them."""
    import pandas as pd

    return pd.read_csv(test, dtype=str, keep_default_na=False)[label].tolist()


def score(task: str, truth: list[str], predicted: list) -> float:
    """Accuracy for classification (class names compared as text), RMSE for regression."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(predicted)} predictions for {len(truth)} test rows")
    if task == "classification":
        return float(np.mean([str(p) == t for p, t in zip(predicted, truth, strict=True)]))
    errors = np.asarray(predicted, dtype=float) - np.asarray(truth, dtype=float)
    return math.sqrt(float(np.mean(errors**2)))


def higher_is_better(task: str) -> bool:
    return task == "classification"


def metric_name(task: str) -> str:
    return "accuracy" if task == "classification" else "RMSE"
