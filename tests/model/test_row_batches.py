"""A training split too large to hand Keras whole is fed batch by batch from its columns
(modeling.model.network.RowBatches): every row once an epoch in a new order, each row with its
own label and weight, and a network trained that way learns as one trained on the arrays."""

from __future__ import annotations

import numpy as np

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.model import data, fit, network
from modeling.spaces import FeatureSet, build_space

INPUTS = FeatureSet(numeric=("x1__z", "x2__z"), categorical={})


def rows(count: int, seed: int) -> data.Rows:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=count), rng.normal(size=count)
    columns = {"x1__z": x1.astype("float32"), "x2__z": x2.astype("float32")}
    return data.Rows(columns, ((x1 + 0.5 * x2) > 0).astype("int64"))


def test_every_row_comes_once_an_epoch_with_its_label_and_weight_in_a_new_order():
    split = rows(1_000, 0)
    weights = np.arange(1_000, dtype="float32")
    batches = network.RowBatches(split, 64, weights, seed=3)
    assert len(batches) == 16
    seen, orders = [], []
    for _epoch in range(2):
        positions = []
        for number in range(len(batches)):
            x, y, w = batches[number]
            assert len(y) == len(w) == len(x["x1__z"]) <= 64
            taken = w.astype(int)  # a row's weight is its position here
            np.testing.assert_array_equal(y, split.labels[taken])
            np.testing.assert_array_equal(x["x2__z"], split.features["x2__z"][taken])
            positions.append(taken)
        batches.on_epoch_end()
        order = np.concatenate(positions)
        seen.append(np.sort(order))
        orders.append(order)
    np.testing.assert_array_equal(seen[0], np.arange(1_000))
    np.testing.assert_array_equal(seen[1], np.arange(1_000))
    assert not np.array_equal(orders[0], orders[1])
    fixed = network.RowBatches(split, 100, shuffle=False)
    np.testing.assert_array_equal(fixed[2][1], split.labels[200:300])


def test_a_network_fed_batch_by_batch_learns_like_one_fed_the_arrays(monkeypatch):
    splits = data.Splits.of(rows(4_000, 1), rows(1_000, 2), "classification", n_classes=2)
    space = build_space("families", INPUTS, max_epochs=6)
    point = {**next(iter(space.grid({"family": "nn"}))), "learning_rate": 0.01}

    def accuracy() -> float:
        result = fit.fit(point, "families", splits, INPUTS, "classification", seed=1)
        predicted, labels = data.predictions(result.model, splits.eval)
        return float(np.mean(np.argmax(predicted, axis=1) == labels))

    in_memory = accuracy()
    monkeypatch.setattr(network, "STREAM_FROM_BYTES", 0)  # this split counts as large
    streamed = accuracy()
    assert in_memory > 0.9 and streamed > 0.9, (in_memory, streamed)
