"""A network's epoch on a small table is several passes over it (modeling.model.data), so
five epochs are enough training to compare a network with a forest; a large table's epoch
stays one pass."""

import numpy as np
import pytest

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.model import data


def rows(count: int) -> data.Rows:
    return data.Rows({"x": np.arange(count, dtype="float32")}, np.arange(count) % 3)


@pytest.mark.parametrize(
    ("count", "passes"),
    [(240, data.MAX_EPOCH_PASSES), (20_000, 5.0), (data.MIN_EPOCH_EXAMPLES, 1.0), (500_000, 1.0)],
)
def test_an_epoch_is_at_least_the_floor_of_examples_and_at_most_the_cap_of_passes(count, passes):
    assert data.Splits.of(rows(count), rows(10), "classification", 3).epoch_passes == passes


def test_repeated_rows_are_every_row_as_often_plus_a_fixed_draw_with_their_weights():
    splits = data.Splits.of(rows(1000), rows(10), "classification", 3, "balanced")
    train, weights = splits.training(rows=0.5, passes=2.5)
    half, _ = splits.training(rows=0.5)
    counts = np.bincount(train.features["x"].astype(int), minlength=1000)
    assert len(train) == round(2.5 * len(half))
    assert set(counts[half.features["x"].astype(int)]) == {2, 3}  # each row twice or thrice
    assert counts.sum() == len(train) and set(np.flatnonzero(counts)) == set(
        half.features["x"].astype(int)
    )  # no row outside the trial's fraction
    again, _ = splits.training(rows=0.5, passes=2.5)
    np.testing.assert_array_equal(again.features["x"], train.features["x"])  # fixed
    np.testing.assert_array_equal(train.labels, train.features["x"].astype(int) % 3)
    assert weights is not None and len(weights) == len(train)


def test_a_trial_keeps_its_best_epochs_network_not_its_last():
    """A search trial (no early stopping) returns the weights of the epoch its validation
    metrics come from: the snapshot the Trainer reuses and a child inherits is what the trial
    was ranked by. A constant learning rate too high to settle makes a later epoch worse."""
    from modeling.model import fit
    from modeling.spaces import build_space
    from tests.model.test_forest import INPUTS, splits

    data_splits = splits("classification")
    space = build_space("families", INPUTS, max_epochs=6)
    point = {
        **next(iter(space.grid({"family": "nn"}))),
        "optimizer": "adam", "learning_rate": 3e-2, "schedule": "constant", "batch_size": 32,
        "norm": "none", "dropout": 0.0,
    }  # fmt: skip
    point.pop("weight_decay", None)
    result = fit.fit(point, "families", data_splits, INPUTS, "classification", seed=3)
    losses = result.history["val_loss"]
    assert result.best_epoch < len(losses) - 1 and losses[-1] > 1.1 * min(losses)
    measured = result.model.evaluate(
        data_splits.eval.features, data_splits.eval.labels, verbose=0, return_dict=True
    )
    assert measured["loss"] == pytest.approx(result.objective, rel=1e-3)


def test_a_fit_reports_its_training_apart_from_the_build_and_tracing():
    """``train_s`` is what the schedulers weigh against a trial's fixed cost: a network's
    excludes its build and the tracing of its first batch and validation pass, a forest's is
    YDF's training alone (not the scoring after it)."""
    import time

    from modeling.model import fit
    from modeling.spaces import build_space
    from tests.model.test_forest import INPUTS, forest_point, splits

    data_splits = splits("classification")
    network = next(iter(build_space("families", INPUTS, max_epochs=3).grid({"family": "nn"})))
    for point in (network, forest_point("gbt")):
        started = time.monotonic()
        result = fit.fit(point, "families", data_splits, INPUTS, "classification", seed=1)
        wall = time.monotonic() - started
        assert 0.0 < result.train_s < wall, point["family"]
