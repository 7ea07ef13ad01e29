"""After every choice is made on eval, the served forests grown in full are grown again on
train and eval together (components/trainer/refit.py); networks and lower-rung forests stay
as chosen, and a time budget too short for a refit leaves the model as it was."""

import numpy as np

import components  # noqa: F401  (Keras 2 before TensorFlow)
from components.model import fit, scoring
from components.model.ensemble import EnsembleModel
from components.spaces import build_space
from components.trainer import ensembling, refit
from tests.model.test_forest import INPUTS, forest_point, splits


def test_train_and_eval_together_recompute_what_the_head_needs():
    part = splits("regression", seed=3)
    together = part.with_eval_rows("regression")
    assert len(together.train) == len(part.train) + len(part.eval)
    assert together.eval is part.eval
    labels = np.concatenate([part.train.labels, part.eval.labels])
    assert np.isclose(together.label_mean, labels.mean(), rtol=1e-5)


def test_the_served_forest_is_grown_again_on_more_rows_and_the_network_kept():
    data_splits = splits("classification", 3)
    unseen = splits("classification", 3, seed=11).eval  # neither train nor eval
    network_point = next(
        iter(build_space("families", INPUTS, max_epochs=2).grid({"family": "nn"}))
    )
    boosted = fit.servable(
        fit.fit(forest_point("gbt"), "families", data_splits, INPUTS, "classification", seed=1)
    )
    network = fit.fit(network_point, "families", data_splits, INPUTS, "classification", seed=1)
    forest_candidate = {"trial": 2, "params": forest_point("gbt"), "seconds": 1.0, "share": 1.0}
    network_candidate = {"trial": 5, "params": network_point}
    low_rung = {"trial": 7, "params": forest_point("rf"), "searched": object(), "share": 0.25}
    pool = [forest_candidate, network_candidate, low_rung]
    record = {"trials": [2, 5, 7], "searched": [False, False, True], "weights": [0.5, 0.3, 0.2]}
    rf = fit.servable(
        fit.fit(forest_point("rf"), "families", data_splits, INPUTS, "classification", seed=1,
                epochs=1)
    )  # fmt: skip
    served = EnsembleModel([boosted.model, network.model, rf.model], record["weights"])
    members = ensembling.served_members(served, record, pool)
    assert [c["trial"] for c, _ in members] == [2, 5, 7]

    model, refit_trials = refit.forests_on_all_rows(
        members, record["weights"], data_splits, INPUTS, "classification", 1, "families"
    )
    assert refit_trials == [2]  # the low rung's forest is not the point's: left as grown
    assert model.members[1] is network.model and model.members[2] is rf.model
    assert model.members[0] is not boosted.model
    features = unseen.features
    before = np.asarray(boosted.model(features))
    after = np.asarray(model.members[0](features))
    assert not np.allclose(before, after)  # grown on other rows
    accuracy = scoring.score(after, np.asarray(unseen.labels), "classification", 1.0)["accuracy"]
    assert accuracy > 0.8  # on rows neither fit saw

    kept, none = refit.forests_on_all_rows(
        members, record["weights"], data_splits, INPUTS, "classification", 1, "families",
        seconds=0.5,
    )  # fmt: skip
    assert none == [] and kept.members[0] is boosted.model  # no time: served as chosen
