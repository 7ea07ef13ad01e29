"""An ensemble of a network and a forest answers with the weighted average of its members,
and survives a SavedModel round trip (TF-DF's ops registered, as a server must)."""

import numpy as np
import pytest
import tensorflow as tf

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.model import fit, measure, network
from modeling.model.ensemble import EnsembleModel
from modeling.spaces import build_space
from tests.model.test_forest import INPUTS, splits


def test_a_network_and_a_forest_average_and_round_trip(tmp_path):
    import tensorflow_decision_forests  # noqa: F401

    data_splits = splits("classification", 3)
    space = build_space("families", INPUTS, max_epochs=2)
    members = [
        fit.servable(fit.fit(next(iter(space.grid({"family": f}))), "families", data_splits,
                             INPUTS, "classification", seed=1)).model
        for f in ("nn", "gbt")
    ]  # fmt: skip
    ensemble = EnsembleModel(members + [members[0]], [0.25, 0.75, 0.0])
    assert len(ensemble.members) == 2  # the zero-weight member is dropped
    features = {k: tf.constant(v) for k, v in data_splits.eval.take(slice(0, 40)).features.items()}
    expected = 0.25 * np.asarray(members[0](features)) + 0.75 * np.asarray(members[1](features))
    np.testing.assert_allclose(np.asarray(ensemble(features)), expected, rtol=1e-5)
    sizes = [measure.size(m)["params"] for m in members]
    assert measure.size(ensemble)["params"] == pytest.approx(sum(sizes))

    specs = {k: tf.TensorSpec([None], v.dtype, k) for k, v in features.items()}
    serve = tf.function(
        lambda inputs: {"probabilities": ensemble(inputs)}, input_signature=[specs]
    )
    tf.saved_model.save(ensemble, str(tmp_path), signatures=serve.get_concrete_function())
    loaded = tf.saved_model.load(str(tmp_path)).signatures["serving_default"]
    np.testing.assert_allclose(loaded(**features)["probabilities"].numpy(), expected, rtol=1e-5)


def test_an_ensemble_without_weight_is_refused():
    with pytest.raises(ValueError, match="positive weight"):
        EnsembleModel([], [])


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_trainer_serves_an_ensemble_only_when_it_beats_each_candidate_alone(task):
    from modeling.model import data, scoring
    from modeling.model.build import label_scale
    from components.trainer import ensembling

    data_splits = splits(task, 3)
    space = build_space("families", INPUTS, max_epochs=3)
    points = [next(iter(space.grid({"family": f}))) for f in ("nn", "gbt", "rf")]
    candidates = [{"trial": i, "params": p} for i, p in enumerate(points)]

    def train(candidate):
        trained = fit.fit(candidate["params"], "families", data_splits, INPUTS, task, seed=1)
        return fit.servable(trained)

    model, best_single, record = ensembling.choose(candidates, train, data_splits, task)
    alone = [c["eval_loss"] for c in record["candidates"]]
    assert record["eval_loss"] <= min(alone)
    scale = label_scale(data_splits.label_std)

    def eval_loss(candidate) -> float:
        predicted, labels = data.predictions(candidate, data_splits.eval)
        return scoring.score(predicted, labels, task, scale)["loss"]

    assert eval_loss(best_single.model) == pytest.approx(min(alone), rel=1e-4)
    assert eval_loss(model) == pytest.approx(record["eval_loss"], rel=1e-4)  # chosen = served
    if record["method"] == "single":
        assert record["trials"] == [int(np.argmin(alone))]
    else:
        assert isinstance(model, EnsembleModel) and record["eval_loss"] < min(alone)
        assert sum(record["weights"]) == pytest.approx(1.0)


def test_one_candidate_is_trained_and_served_alone():
    from components.trainer import ensembling

    data_splits = splits("classification", 3)
    point = next(iter(build_space("families", INPUTS, max_epochs=2).grid({"family": "nn"})))
    trained = []

    def train(candidate):
        trained.append(candidate["params"])
        return fit.fit(
            candidate["params"], "families", data_splits, INPUTS, "classification", seed=1
        )

    model, best, record = ensembling.choose([{"trial": 4, "params": point}], train, data_splits,
                                            "classification")  # fmt: skip
    assert trained == [point] and model is best.model
    assert record == {
        "method": "single", "trials": [4], "searched": [False], "weights": [1.0],
        "best_epochs": [best.best_epoch + 1],  # what a refit on train+eval trains for
    }  # fmt: skip


def test_a_searched_network_is_served_as_it_was_trained_when_it_beats_its_retrain(tmp_path):
    """Weight inheritance: the search's network of a trial (its parents' training and its
    own) is restored exactly from the Tuner's snapshot and weighed against the trial's
    retrain; only the better one is served, never an ensemble of the two takes."""
    from modeling.model import data, morph, scoring
    from modeling.model.build import label_scale
    from components.trainer import ensembling

    data_splits = splits("classification", 3)
    point = next(iter(build_space("families", INPUTS, max_epochs=2).grid({"family": "nn"})))
    searched = fit.fit(
        point, "families", data_splits, INPUTS, "classification", seed=2, epochs=6
    )  # longer than a retrain: as an inheriting trial
    path = tmp_path / "trial_4.npz"
    morph.Snapshot.of(searched.model).save(str(path))

    def eval_loss(model) -> float:
        predicted, labels = data.predictions(model, data_splits.eval)
        return scoring.score(predicted, labels, "classification", label_scale(1.0))["loss"]

    def train(candidate):
        if (snapshot := candidate.get("searched")) is not None:
            return network.restore(point, "families", data_splits, INPUTS, "classification",
                                   snapshot)  # fmt: skip
        return fit.fit(point, "families", data_splits, INPUTS, "classification", seed=1,
                       epochs=1)  # fmt: skip

    pool = ensembling.with_searched([{"trial": 4, "params": point, "weights": str(path)}])
    assert [c.get("searched") is not None for c in pool] == [False, True]
    model, best, record = ensembling.choose(pool, train, data_splits, "classification")
    assert record["method"] == "single"  # one trial: no ensemble of its two takes
    retrained, as_searched = (c["eval_loss"] for c in record["candidates"])
    assert as_searched == pytest.approx(eval_loss(searched.model), rel=1e-5)  # restored exactly
    assert record["searched"] == [as_searched < retrained] and model is best.model
    assert eval_loss(model) == pytest.approx(min(retrained, as_searched), rel=1e-5)

    unreadable = ensembling.with_searched([{"trial": 4, "params": point, "weights": "/gone"}])
    assert [c.get("searched") for c in unreadable] == [None]  # retrained only


def test_a_candidate_the_search_trained_in_full_is_reused_not_retrained(tmp_path):
    """The Tuner marks a candidate whose searched network had a full trial's training; the
    Trainer then weighs that network alone for it, and retrains only the others."""
    from modeling.model import morph
    from components.trainer import ensembling

    data_splits = splits("classification", 3)
    point = next(iter(build_space("families", INPUTS, max_epochs=2).grid({"family": "nn"})))
    searched = fit.fit(point, "families", data_splits, INPUTS, "classification", seed=2)
    path = tmp_path / "trial_4.npz"
    morph.Snapshot.of(searched.model).save(str(path))
    full = {"trial": 4, "params": point, "weights": str(path), "full_fidelity": True}
    other = {"trial": 7, "params": point}
    pool = ensembling.with_searched([full, other])
    assert [(c["trial"], c.get("searched") is not None) for c in pool] == [(7, False), (4, True)]
    unreadable = ensembling.with_searched([{**full, "weights": str(tmp_path / "gone.npz")}])
    assert [(c["trial"], c.get("searched")) for c in unreadable] == [(4, None)]  # retrained


def test_under_a_time_budget_only_the_retrains_that_fit_are_kept():
    """A full retrain's time is foreseen from its trial (seconds / share of a full training).
    One foreseen at more than twice its share of the time left is dropped, longest first: the
    searched model stands for it, a runner-up without one leaves the ensemble, and the
    selected candidate is trained however little time is left."""
    from components.trainer import ensembling

    def candidate(trial, seconds, share, searched=False):
        return {"trial": trial, "params": {}, "seconds": seconds, "share": share} | (
            {"searched": object()} if searched else {}
        )

    network = candidate(0, 4.5, 1 / 9)  # ~40 s in full
    boosted, boosted_searched = candidate(1, 55.0, 1 / 9), candidate(1, 55.0, 1 / 9, True)
    forest = candidate(2, 16.0, 1 / 9)  # ~144 s, no searched model
    assert ensembling.retrain_seconds(network) == pytest.approx(40.5)
    assert ensembling.retrain_seconds({"trial": 3, "params": {}}) is None

    pool = [network, boosted, forest, boosted_searched]
    kept = ensembling.within(pool, seconds=120.0, minimum=5.0)
    assert kept == [network, boosted_searched]  # 120 s: the network's 40 s fit, no forest
    # 450 s: 150 s each, and the boosted trees' 495 s are over twice that; once they are
    # gone the forest's 144 s fit in 225 s.
    kept = ensembling.within(pool, seconds=450.0, minimum=5.0)
    assert kept == [network, forest, boosted_searched]
    assert ensembling.within(pool, seconds=900.0, minimum=5.0) == pool  # 495 <= 2 x 300

    late = [candidate(0, 30.0, 1 / 9), candidate(4, 1.0, 1.0), candidate(6, 4.5, 1 / 9)]
    kept_late = ensembling.within(late, seconds=30.0, minimum=5.0)
    assert kept_late == late[:2]  # 10 s each: the 40 s network is over twice that
    selected_only = ensembling.within(late[:1], seconds=10.0, minimum=5.0)
    assert selected_only == late[:1]  # the selected is trained, for the 10 s there are
    unknown = [{"trial": 5, "params": {}}, {"trial": 6, "params": {}}]
    assert ensembling.within(unknown, seconds=1.0, minimum=5.0) == unknown
