"""Weight inheritance: function-preserving morphisms give the parent's outputs before training.

Each case trains a parent a few steps (so its weights are not the initialiser's), grows a child
by one morphism, inherits, and compares predictions on the same rows.
"""

import numpy as np
import pytest

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.spaces import FeatureSet

INPUTS = FeatureSet(numeric=("bill__z", "mass__z"), categorical={"island__id": 4, "sex__id": 3})
ROWS = 128
MACRO = {
    "blocks": 2,
    "width_1": 16,
    "width_2": 16,
    "activation": "relu",
    "dropout": 0.0,
    "norm": "none",
    "skip": "none",
    "embed_island": 3,
    "embed_sex": 2,
    "optimizer": "adam",
    "learning_rate": 0.01,
    "schedule": "constant",
    "batch_size": 32,
    "epochs": 2,
}
MICRO = {
    **{k: v for k, v in MACRO.items() if not k.startswith(("blocks", "width_", "norm", "skip"))},
    "cell_nodes": 2,
    "op_1": "dense",
    "op_2": "glu",
    "input_2": 0,
    "combine": "concat",
    "cells": 1,
    "width": 16,
    "width_multiplier": 1.0,
}


def data(seed=0):
    rng = np.random.default_rng(seed)
    features = {name: rng.normal(size=ROWS).astype("float32") for name in INPUTS.numeric}
    for name, buckets in INPUTS.categorical.items():
        features[name] = rng.integers(0, buckets, size=ROWS).astype("int64")
    return features, rng.integers(0, 3, size=ROWS)


def trained(point, space):
    from modeling.model import build

    model = build.build_model(point, space, INPUTS, "classification", n_classes=3)
    features, labels = data()
    for _ in range(5):
        model.train_on_batch(features, labels)
    return model


def morphed(parent_point, child_point, space):
    from modeling.model import build, morph

    parent = trained(parent_point, space)
    snapshot = morph.Snapshot.of(parent)
    child = build.build_model(child_point, space, INPUTS, "classification", n_classes=3)
    report = morph.inherit(child, snapshot, child_point)
    features, _ = data(seed=1)
    return parent.predict(features, verbose=0), child.predict(features, verbose=0), report


PRESERVING = {
    "same architecture, new learning rate": ("macro", MACRO, {**MACRO, "learning_rate": 0.001}),
    "wider block": ("macro", MACRO, {**MACRO, "width_1": 40}),
    "wider blocks, residual, batch norm": (
        "macro",
        {**MACRO, "skip": "residual", "norm": "batch"},
        {**MACRO, "skip": "residual", "norm": "batch", "width_1": 24, "width_2": 32},
    ),
    "wider blocks, dense skips": (
        "macro",
        {**MACRO, "skip": "dense"},
        {**MACRO, "skip": "dense", "width_1": 32},
    ),
    "deeper: identity block": ("macro", MACRO, {**MACRO, "blocks": 3, "width_3": 16}),
    "deeper: near-zero residual block": (
        "macro",
        {**MACRO, "skip": "residual", "activation": "gelu"},
        {**MACRO, "skip": "residual", "activation": "gelu", "blocks": 3, "width_3": 24},
    ),
    "bigger embedding": ("macro", MACRO, {**MACRO, "embed_island": 6}),
    "dropout added": ("macro", MACRO, {**MACRO, "dropout": 0.2}),
    "wider cell": ("micro", MICRO, {**MICRO, "width": 32}),
    "new cell node, concatenated": (
        "micro",
        MICRO,
        {**MICRO, "cell_nodes": 3, "op_3": "dense", "input_3": 0},
    ),
    "new cell node, added": (
        "micro",
        {**MICRO, "combine": "add"},
        {**MICRO, "combine": "add", "cell_nodes": 3, "op_3": "dense", "input_3": 0},
    ),
    "new residual node after the cell's output": (
        "micro",
        {**MICRO, "input_2": 1},
        {**MICRO, "input_2": 1, "cell_nodes": 3, "op_3": "residual_dense", "input_3": 2},
    ),
}


@pytest.mark.parametrize("case", PRESERVING)
def test_morphism_preserves_the_function(case):
    space, parent_point, child_point = PRESERVING[case]
    before, after, report = morphed(parent_point, child_point, space)
    assert report.copied  # something was inherited whole
    np.testing.assert_allclose(after, before, atol=2e-3)


def test_an_unpreservable_change_still_inherits_a_warm_start():
    before, after, report = morphed(MACRO, {**MACRO, "width_1": 8, "activation": "tanh"}, "macro")
    assert "b1_dense" in report.morphed and "b2_dense" in report.morphed
    assert not np.allclose(after, before, atol=2e-3)  # a narrower layer loses units
    assert np.all(np.isfinite(after))


def test_a_snapshot_survives_the_disk(tmp_path):
    from modeling.model import build, morph

    parent = trained(MACRO, "macro")
    path = str(tmp_path / "parent.npz")
    morph.Snapshot.of(parent).save(path)
    loaded = morph.Snapshot.load(path)
    child = build.build_model(MACRO, "macro", INPUTS, "classification", n_classes=3)
    report = morph.inherit(child, loaded, MACRO)
    assert not report.morphed and not report.new
    features, _ = data(seed=2)
    np.testing.assert_allclose(
        child.predict(features, verbose=0), parent.predict(features, verbose=0), atol=1e-6
    )


def test_a_child_that_inherits_trains_from_there():
    from modeling.model import build, morph

    parent = trained(MACRO, "macro")
    child_point = {**MACRO, "blocks": 3, "width_3": 16, "width_1": 32}
    child = build.build_model(child_point, "macro", INPUTS, "classification", n_classes=3)
    morph.inherit(child, morph.Snapshot.of(parent), child_point)
    features, labels = data()
    first = child.train_on_batch(features, labels)
    for _ in range(10):
        last = child.train_on_batch(features, labels)
    assert last < first
    new_block = child.get_layer("b3_dense").get_weights()[0]
    assert not np.allclose(new_block, np.eye(*new_block.shape))  # it learned
