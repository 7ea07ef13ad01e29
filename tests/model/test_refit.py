"""After every choice is made on eval, the served models are trained again on train and eval
together (components/trainer/refit.py): forests grown in full as their points say, networks
for their epochs to the best on eval; lower-rung forests stay as chosen, a family turned off
stays as chosen, and a time budget too short for a refit leaves the model as it was."""

import numpy as np
import pytest

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.model import fit, scoring
from modeling.model.ensemble import EnsembleModel
from modeling.spaces import build_space
from components.trainer import ensembling, refit
from tests.model.test_forest import INPUTS, forest_point, splits


def test_train_and_eval_together_recompute_what_the_head_needs():
    part = splits("regression", seed=3)
    together = part.with_eval_rows("regression")
    assert len(together.train) == len(part.train) + len(part.eval)
    assert together.eval is part.eval
    labels = np.concatenate([part.train.labels, part.eval.labels])
    assert np.isclose(together.label_mean, labels.mean(), rtol=1e-5)


@pytest.fixture(scope="module")
def served():
    """An ensemble of a boosted forest grown in full, a network the Trainer trained (2
    epochs to its best) and a random forest the search grew at a lower rung."""
    data_splits = splits("classification", 3)
    network_point = next(
        iter(build_space("families", INPUTS, max_epochs=2).grid({"family": "nn"}))
    )
    boosted = fit.servable(
        fit.fit(forest_point("gbt"), "families", data_splits, INPUTS, "classification", seed=1)
    )
    network = fit.fit(network_point, "families", data_splits, INPUTS, "classification", seed=1)
    rf = fit.servable(
        fit.fit(forest_point("rf"), "families", data_splits, INPUTS, "classification", seed=1,
                epochs=1)
    )  # fmt: skip
    pool = [
        {"trial": 2, "params": forest_point("gbt"), "seconds": 1.0, "share": 1.0},
        {"trial": 5, "params": network_point, "seconds": 1.0, "share": 1.0},
        {"trial": 7, "params": forest_point("rf"), "searched": object(), "share": 0.25},
    ]
    record = {
        "trials": [2, 5, 7],
        "searched": [False, False, True],
        "weights": [0.5, 0.3, 0.2],
        "best_epochs": [
            None, ensembling.epochs_to_best(pool[1], network), None
        ],
    }  # fmt: skip
    model = EnsembleModel([boosted.model, network.model, rf.model], record["weights"])
    members = ensembling.served_members(model, record, pool)
    assert [c["trial"] for c, _ in members] == [2, 5, 7]
    return data_splits, members, record, model


def test_the_served_forest_and_network_are_trained_again_on_more_rows(served):
    data_splits, members, record, before = served
    unseen = splits("classification", 3, seed=11).eval  # neither train nor eval
    assert record["best_epochs"][1] in (1, 2)
    model, refit_trials = refit.on_all_rows(
        members, record, data_splits, INPUTS, "classification", 1, "families"
    )
    assert refit_trials == [2, 5]  # the low rung's forest is not the point's: left as grown
    assert model.members[2] is before.members[2]
    labels = np.asarray(unseen.labels)
    scores = {}
    for i in (0, 1):
        assert model.members[i] is not before.members[i]
        old = np.asarray(before.members[i](unseen.features))
        new = np.asarray(model.members[i](unseen.features))
        assert not np.allclose(old, new)  # trained on other rows
        scores[i] = [scoring.score(p, labels, "classification", 1.0) for p in (old, new)]
    assert scores[0][1]["accuracy"] > 0.8  # the forest, on rows neither fit saw
    # The network (a grid corner: 2 epochs at a learning rate of 1e-4) learns more from
    # 1,200 rows than from 600 in as many epochs: its loss on unseen rows drops.
    assert scores[1][1]["loss"] < scores[1][0]["loss"]


def test_a_family_turned_off_or_no_time_left_serves_the_model_as_chosen(served):
    data_splits, members, record, before = served
    forests_only = refit.Refits(forests=True, networks=False)
    model, refit_trials = refit.on_all_rows(
        members, record, data_splits, INPUTS, "classification", 1, "families",
        refits=forests_only,
    )  # fmt: skip
    assert refit_trials == [2] and model.members[1] is before.members[1]
    kept, none = refit.on_all_rows(
        members, record, data_splits, INPUTS, "classification", 1, "families", seconds=0.5
    )
    assert none == [] and all(a is b for a, b in zip(kept.members, before.members, strict=True))


def test_a_searched_network_refits_for_its_lineage_epochs_to_the_best():
    """A searched network is validated, not trained: its epochs to the best are the search's
    (ones its parents trained included); a forest has none."""
    restored = fit.FitResult(model=None, history={"loss": [], "val_loss": [0.3]}, best_epoch=0)
    searched = {"trial": 1, "params": {"family": "nn"}, "best_epochs": 7}
    assert ensembling.epochs_to_best(searched, restored) == 7
    assert ensembling.epochs_to_best({"params": forest_point("gbt")}, restored) is None
