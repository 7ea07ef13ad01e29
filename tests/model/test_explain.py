"""Permutation importance ranks the columns a model uses above those it cannot use, in the
CSV's columns (a column's derived features shuffled together), for a forest and a network."""

import numpy as np
import pytest

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.model import build, data, explain, fit
from modeling.spaces import FeatureSet, build_space

INPUTS = FeatureSet(
    numeric=("noise__z", "x1__missing", "x1__z", "x2__z"), categorical={"colour__id": 3}
)
ROWS = 800


def splits(seed: int = 0) -> data.Splits:
    def part(offset: int) -> data.Rows:
        rng = np.random.default_rng(seed + offset)
        x1, x2 = rng.normal(size=ROWS), rng.normal(size=ROWS)
        columns = {
            "x1__z": x1.astype("float32"),
            "x1__missing": np.zeros(ROWS, "float32"),
            "x2__z": x2.astype("float32"),
            "noise__z": rng.normal(size=ROWS).astype("float32"),
            "colour__id": rng.integers(0, 3, size=ROWS).astype("int64"),
        }
        label = (3 * x1 + x2 + 0.1 * rng.normal(size=ROWS)).astype("float32")
        return data.Rows(columns, label)

    return data.Splits.of(part(0), part(1), "regression")


@pytest.mark.parametrize("family", ["gbt", "nn"])
def test_the_columns_the_label_depends_on_rank_first(family):
    space = build_space("families", INPUTS, max_epochs=20)
    point = next(iter(space.grid({"family": family})))
    if family == "nn":
        point = {**point, "learning_rate": 0.01, "width_1": 64}
    data_splits = splits()
    result = fit.servable(fit.fit(point, "families", data_splits, INPUTS, "regression", seed=1))
    scale = build.label_scale(data_splits.label_std)
    importance = explain.permutation_importance(
        result.model, data_splits.eval, "regression", scale
    )
    assert set(importance) == {"x1", "x2", "noise", "colour"}  # CSV columns, not features
    assert list(importance)[:2] == ["x1", "x2"]
    assert importance["x1"] > 5 * importance["x2"] > 0
    assert abs(importance["noise"]) < 0.2 * importance["x2"]


def test_a_time_bound_shrinks_the_sample_and_keeps_the_ranking():
    """Under a run's time budget the sample shrinks to what fits the time (MIN_ROWS at
    least); the columns the label depends on still rank first."""
    space = build_space("families", INPUTS, max_epochs=20)
    point = next(iter(space.grid({"family": "gbt"})))
    data_splits = splits()
    result = fit.servable(fit.fit(point, "families", data_splits, INPUTS, "regression", seed=1))
    scale = build.label_scale(data_splits.label_std)
    bounded = explain.permutation_importance(
        result.model, data_splits.eval, "regression", scale, max_seconds=1e-6
    )
    assert list(bounded)[:2] == ["x1", "x2"]
    assert bounded["x1"] > 5 * bounded["x2"] > 0
