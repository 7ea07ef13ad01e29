"""Every space builds a Keras model for sampled points (and for every cell operation), and
that model trains a step and predicts; no TFX run needed, the inputs mimic Transform's."""

import itertools

import numpy as np
import pytest

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.spaces import SPACE_NAMES, FeatureSet, build_space, network_of
from modeling.spaces.micro import OPERATIONS

INPUTS = FeatureSet(numeric=("bill__z", "mass__z"), categorical={"island__id": 4, "sex__id": 3})
ROWS = 64


def batch(rng):
    features = {name: rng.normal(size=ROWS).astype("float32") for name in INPUTS.numeric}
    for name, buckets in INPUTS.categorical.items():
        features[name] = rng.integers(0, buckets, size=ROWS).astype("int64")
    return features


def sampled_points(space_name, count=4):
    """Network points of the space (forests: tests/model/test_forest.py)."""
    space = build_space(space_name, INPUTS, max_epochs=4)
    fixed = {"family": "nn"} if network_of(space_name) != space_name else {}
    rng = np.random.default_rng(0)
    points = [
        p for p in (space.sample(rng) for _ in range(count * 3)) if p.get("family", "nn") == "nn"
    ]
    points = points[:count] + [next(iter(space.grid(fixed)))]  # the grid's corner: smallest
    return space, points


def cell_points():
    """Every operation at some node, with shared inputs (several loose ends), both combines."""
    space = build_space("micro", INPUTS, max_epochs=4)
    base = space.sample(np.random.default_rng(1))
    layouts = [OPERATIONS[:4], OPERATIONS[4:] + OPERATIONS[:3]]
    points = []
    for ops, combine in itertools.product(layouts, ("add", "concat")):
        point = {**base, "cell_nodes": 4, "combine": combine, "cells": 2}
        for i, op in enumerate(ops, start=1):
            point[f"op_{i}"] = op
            if i > 1:
                point[f"input_{i}"] = i % 2
        points.append(point)
    assert {op for ops in layouts for op in ops} == set(OPERATIONS)
    return space, points


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("space_name", sorted(SPACE_NAMES))
def test_sampled_points_build_train_one_step_and_predict(space_name, task):
    from modeling.model import build

    space, points = sampled_points(space_name)
    rng = np.random.default_rng(2)
    for point in points:
        assert space.check(point) is None
        model = build.build_model(point, space_name, INPUTS, task, n_classes=3, label_std=2.0)
        features = batch(rng)
        labels = (
            rng.integers(0, 3, size=ROWS) if task == "classification" else rng.normal(size=ROWS)
        )
        loss = model.train_on_batch(features, labels, return_dict=True)["loss"]
        assert np.isfinite(loss), point
        predicted = model.predict(features, verbose=0)
        assert predicted.shape == ((ROWS, 3) if task == "classification" else (ROWS,))


def test_every_cell_operation_and_combination_builds():
    from modeling.model import build

    space, points = cell_points()
    rng = np.random.default_rng(3)
    for point in points:
        assert space.check(point) is None, space.check(point)
        model = build.build_model(point, "micro", INPUTS, "classification", n_classes=3)
        loss = model.train_on_batch(batch(rng), rng.integers(0, 3, size=ROWS), return_dict=True)[
            "loss"
        ]
        assert np.isfinite(loss), point


def test_size_and_latency_are_measured_and_grow_with_the_model():
    from modeling.model import build, measure

    space = build_space("macro", INPUTS, max_epochs=4)
    small_point = next(iter(space.grid()))
    big_point = {**small_point, "blocks": 4, **{f"width_{i}": 256 for i in range(1, 5)}}
    rows = {k: np.resize(v, 1000) for k, v in batch(np.random.default_rng(4)).items()}
    measured = {}
    for name, point in (("small", small_point), ("big", big_point)):
        model = build.build_model(point, "macro", INPUTS, "classification", n_classes=3)
        measured[name] = {**measure.size(model), "latency_ms": measure.latency_ms(model, rows)}
    assert measured["small"]["params"] < measured["big"]["params"]
    assert measured["big"]["size_bytes"] == 4 * measured["big"]["params"]  # float32 weights
    assert 0 < measured["small"]["latency_ms"] < measured["big"]["latency_ms"]


def test_optimizers_and_schedules_follow_the_point():
    from modeling.model import build

    point = {"optimizer": "sgd", "learning_rate": 0.01, "weight_decay": 1e-4}
    optimizer = build.optimizer(point)
    assert type(optimizer).__name__ == "SGD" and optimizer.weight_decay == pytest.approx(1e-4)
    assert build.schedule_callback({**point, "schedule": "constant", "epochs": 4}) is None
    cosine = build.schedule_callback({**point, "schedule": "cosine", "epochs": 4})
    assert cosine.schedule(0) == pytest.approx(0.01) and cosine.schedule(2) == pytest.approx(0.005)
