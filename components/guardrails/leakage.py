"""Label leakage: a column that alone predicts the label almost perfectly, which in tabular
data is nearly always information from after the fact (a refund flag beside "churned", the
fare beside the tip) rather than a gift, and yields a model that fails in production.

Each column is tried on its own with a small decision tree (scikit-learn), cross-validated
on a sample of the training rows: numbers as they are, strings by their value's id, missing
as a value of its own. A column leaks when its held-out score reaches ``LEAK_SCORE``
(accuracy for classification, R² for regression) while predicting the majority class (or
the mean) would not. Statistics cannot see this: it is a property of the column and the
label together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from components.guardrails.checks import Finding

LEAK_SCORE = 0.99
SAMPLE_ROWS = 20_000
FOLDS = 3
DEPTH = 6


def _encoded(column: pd.Series) -> np.ndarray:
    """One feature for a tree: the number (missing below every value), or the string's id."""
    if pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype=float)
        floor = np.nanmin(values) - 1 if np.isfinite(values).any() else 0.0
        return np.where(np.isnan(values), floor, values).reshape(-1, 1)
    codes, _ = pd.factorize(column.astype("string").fillna("\0missing"), sort=True)
    return codes.reshape(-1, 1).astype(float)


def leaking_columns(frame: pd.DataFrame, label: str, task: str, seed: int = 0) -> list[Finding]:
    """Every column that alone predicts ``label`` at LEAK_SCORE or better, best first."""
    sample = frame.dropna(subset=[label])
    if len(sample) > SAMPLE_ROWS:
        sample = sample.sample(SAMPLE_ROWS, random_state=seed)
    if len(sample) < FOLDS * 10:
        return []
    target = sample[label]
    if task == "classification":
        target = pd.factorize(target.astype(str), sort=True)[0]
        counts = np.bincount(target)
        if counts.max() / len(target) >= LEAK_SCORE:
            return []  # the majority class alone scores that high: nothing to tell apart
        if counts.max() < FOLDS:
            return []  # no class fills the folds (a sample of many rare classes)
        model, scoring = DecisionTreeClassifier(max_depth=DEPTH, random_state=seed), "accuracy"
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    else:
        target = target.to_numpy(dtype=float)
        model, scoring = DecisionTreeRegressor(max_depth=DEPTH, random_state=seed), "r2"
        folds = KFold(FOLDS, shuffle=True, random_state=seed)
    found = []
    for column in sample.columns.drop(label):
        scores = cross_val_score(
            model, _encoded(sample[column]), target, cv=folds, scoring=scoring
        )
        score = float(np.mean(scores))
        if score >= LEAK_SCORE:
            measure = "accuracy" if task == "classification" else "R²"
            found.append(Finding(
                "leakage", column,
                f"alone predicts {label} with held-out {measure} {score:.3f} (>= {LEAK_SCORE})",
                score,
            ))  # fmt: skip
    return sorted(found, key=lambda f: -f.value)
