"""FLAML, AutoGluon-Tabular and HistGradientBoosting, each driven as its documentation shows,
on one dataset's train.csv, scored on its test.csv. Runs in the peers' own environment
(bench/work/automl-peers, built by `make bench-automl`), never the product's.

Usage: python bench/peer_automl.py TOOL TRAIN TEST LABEL TASK BUDGET_S RESULT_JSON [SEED]
Writes {"score", "fit_s", "wall_s", "version", "detail"} to RESULT_JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import holdout  # noqa: E402


def _frames(train: Path, test: Path, label: str, task: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """As a user reads a CSV with pandas: numbers as numbers, strings as categories (which
    HistGradientBoosting's default ``categorical_features="from_dtype"`` and both AutoML tools
    take as categorical), the class label as text."""
    frames = []
    for path in (train, test):
        frame = pd.read_csv(path, na_values=sorted(holdout.MISSING), keep_default_na=False)
        if task == "classification":
            frame[label] = frame[label].astype(str)
        frames.append(frame)
    both = pd.concat(frames)
    for column in both.columns:
        if column != label and both[column].dtype == object:
            dtype = pd.CategoricalDtype(sorted(both[column].dropna().unique()))
            for frame in frames:
                frame[column] = frame[column].astype(dtype)
    return frames[0], frames[1]


def flaml_fit(
    train: pd.DataFrame, test: pd.DataFrame, label: str, task: str, budget: float, seed: int
):
    """FLAML as `pip install flaml[automl]` gives it: without CatBoost, which this environment
    holds for AutoGluon (FLAML adds it to its default estimators when importable, and its
    CatBoost trials hung on 2 cores)."""
    sys.modules["catboost"] = None  # type: ignore[assignment]  (import catboost fails)
    import flaml
    from flaml import AutoML

    automl = AutoML()
    seeded = {"seed": seed} if seed else {}  # 0: FLAML's own default
    automl.fit(
        train.drop(columns=[label]), train[label], task=task, time_budget=budget, verbose=0,
        **seeded,
    )  # fmt: skip
    detail = {"best_estimator": automl.best_estimator, "metric": "flaml default"}
    return automl.predict(test.drop(columns=[label])), flaml.__version__, detail


def autogluon_fit(
    train: pd.DataFrame, test: pd.DataFrame, label: str, task: str, budget: float, seed: int
):
    """AutoGluon's default preset; it takes no seed, so a repeat runs it again as it is."""
    import autogluon.tabular
    from autogluon.tabular import TabularPredictor

    problem = None if task == "classification" else "regression"
    with tempfile.TemporaryDirectory() as path:
        predictor = TabularPredictor(label=label, problem_type=problem, path=path, verbosity=0)
        predictor.fit(train, time_limit=budget)  # the default preset
        detail = {"best_model": predictor.model_best, "preset": "default (medium_quality)"}
        predicted = predictor.predict(test.drop(columns=[label]))
    return predicted, autogluon.tabular.__version__, detail


def hgb_fit(
    train: pd.DataFrame, test: pd.DataFrame, label: str, task: str, budget: float, seed: int
):
    import sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    seeded = {"random_state": seed} if seed else {}  # 0: the default (unseeded)
    model = (
        HistGradientBoostingClassifier(**seeded)
        if task == "classification"
        else HistGradientBoostingRegressor(**seeded)
    )
    # A column with no value at all (the taxi CSV's pickup_census_tract) fails HGB's binning
    # ("window shape cannot be larger than input array shape"); a user drops it, as we do.
    empty = [c for c in train.columns if train[c].isna().all()]
    features = [c for c in train.columns if c != label and c not in empty]
    model.fit(train[features], train[label])
    detail = {"settings": "default", "dropped_empty_columns": empty}
    return model.predict(test[features]), sklearn.__version__, detail


TOOLS = {"flaml": flaml_fit, "autogluon": autogluon_fit, "hgb": hgb_fit}


def main() -> None:
    tool, train, test, label, task, budget, result, *repeat = sys.argv[1:]
    started = time.monotonic()
    train_frame, test_frame = _frames(Path(train), Path(test), label, task)
    fit_started = time.monotonic()
    predicted, version, detail = TOOLS[tool](
        train_frame, test_frame, label, task, float(budget), int(repeat[0]) if repeat else 0
    )
    done = time.monotonic()
    truth = holdout.labels(Path(test), label)
    values = (
        [str(p) for p in predicted] if task == "classification" else [float(p) for p in predicted]
    )
    Path(result).write_text(
        json.dumps(
            {
                "score": holdout.score(task, truth, values),
                "fit_s": round(done - fit_started, 1),
                "wall_s": round(done - started, 1),
                "version": version,
                "detail": detail,
            }
        )
    )


if __name__ == "__main__":
    main()
