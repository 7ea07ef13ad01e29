"""Every registered model family (modeling.spaces.families) inherits this suite: adding a
family is one module and one registry line, and this is what it must honour. Its
hyperparameters exist only under it; a point trains at a fidelity through fit() with the
history names, scale and charge every family shares; its outputs cover every class; a model
it saves reads back, restores to the same validation and serves the same predictions."""

from __future__ import annotations

import numpy as np
import pytest

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.model import fit
from modeling.spaces import build_space
from modeling.spaces.families import FAMILIES, FAMILY, family_of
from search.space import Condition
from tests.model.test_forest import INPUTS, splits

NAMES = sorted(FAMILIES)
EPOCHS = 2


def middle_point(name: str) -> dict:
    space = build_space("families", INPUTS, max_epochs=EPOCHS)
    (point,) = [p for p in space.branch_midpoints(FAMILY) if p[FAMILY] == name]
    assert space.check(point) is None and family_of(point) is FAMILIES[name]
    return point


@pytest.mark.parametrize("name", NAMES)
def test_a_familys_hyperparameters_exist_only_under_it(name):
    space = build_space("families", INPUTS, max_epochs=EPOCHS)
    assert name in next(p for p in space if p.name == FAMILY).values
    for param in FAMILIES[name].params():
        assert param.condition == Condition(FAMILY, (name,)), param.name
        assert param.name in {p.name for p in space}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("task, n_classes", [("classification", 3), ("regression", 1)])
def test_a_point_trains_at_a_fidelity_and_answers_for_every_class(name, task, n_classes):
    data_splits = splits(task, n_classes)
    result = fit.fit(middle_point(name), "families", data_splits, INPUTS, task, seed=1,
                     epochs=1, rows=0.5)  # fmt: skip
    metric = "accuracy" if task == "classification" else "rmse"
    assert {"loss", "val_loss", metric, f"val_{metric}"} <= set(result.history)
    assert np.isfinite(result.objective) and result.epochs_run == 1 and result.train_s > 0
    predicted = np.asarray(result.model(data_splits.eval.take(slice(0, 40)).features))
    if task == "classification":
        assert predicted.shape == (40, n_classes)
        np.testing.assert_allclose(predicted.sum(axis=1), 1.0, atol=1e-5)
    else:
        assert predicted.reshape(-1).shape == (40,)


@pytest.mark.parametrize("name", NAMES)
def test_a_saved_model_reads_back_and_restores_servable_with_the_same_answers(name, tmp_path):
    data_splits = splits("classification", 3)
    point = middle_point(name)
    trained = fit.fit(point, "families", data_splits, INPUTS, "classification", seed=2,
                      epochs=EPOCHS)  # fmt: skip
    implementation = FAMILIES[name].model()
    implementation.save(trained, str(tmp_path / "kept"))
    kept = implementation.load(str(tmp_path / "kept"))
    restored = implementation.restore(point, "families", data_splits, INPUTS, "classification",
                                      kept)  # fmt: skip
    assert restored.epochs_run == 0  # validated, not trained
    assert restored.objective == pytest.approx(trained.objective, rel=1e-4)
    features = data_splits.eval.take(slice(0, 30)).features
    served = fit.servable(restored).model  # restore's model is servable already
    np.testing.assert_allclose(np.asarray(served(features)),
                               np.asarray(fit.servable(trained).model(features)),
                               rtol=1e-4, atol=1e-6)  # fmt: skip
