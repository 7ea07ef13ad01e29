"""Forest points of the families space train through the same fit() as networks and honour
the networks' contract: outputs over every class, the same history names, a loss on the same
scale, the budget charged in epochs; no TFX run needed, the inputs mimic Transform's."""

import numpy as np
import pytest
import tensorflow as tf

import modeling  # noqa: F401  (Keras 2 before TensorFlow)
from modeling.model import data, fit, measure
from modeling.spaces import FeatureSet, build_space

INPUTS = FeatureSet(numeric=("x1__z", "x2__z"), categorical={"colour__id": 3})
ROWS = 600


def splits(task: str, n_classes: int = 3, seed: int = 0) -> data.Splits:
    """A label that depends on both numbers and the category, learnable by trees."""

    def part(offset: int) -> data.Rows:
        rng = np.random.default_rng(seed + offset)
        x1, x2 = rng.normal(size=ROWS).astype("float32"), rng.normal(size=ROWS).astype("float32")
        colour = rng.integers(0, 3, size=ROWS).astype("int64")
        signal = x1 + 0.5 * x2 + (colour == 1)
        if task == "classification":
            label = np.digitize(signal, np.quantile(signal, [0.5, 0.8][: n_classes - 1]))
        else:
            label = 10 * signal + 50
        features = {"x1__z": x1, "x2__z": x2, "colour__id": colour}
        return data.Rows(
            features, label.astype(np.int64 if task == "classification" else np.float32)
        )

    return data.Splits.of(part(0), part(1), task, n_classes)


def forest_point(family: str) -> dict:
    space = build_space("families", INPUTS, max_epochs=4)
    point = next(iter(space.grid({"family": family})))
    assert space.check(point) is None
    return point


@pytest.mark.parametrize("family", ["gbt", "rf"])
@pytest.mark.parametrize(
    "task, n_classes", [("classification", 3), ("classification", 2), ("regression", 1)]
)
def test_a_forest_learns_and_answers_like_a_network(family, task, n_classes):
    point = forest_point(family)
    result = fit.fit(point, "families", splits(task, n_classes), INPUTS, task, seed=1)
    names = (
        {"loss", "val_loss", "accuracy", "val_accuracy"}
        if task == "classification"
        else {"loss", "val_loss", "rmse", "val_rmse"}
    )
    assert set(result.history) == names
    assert result.epochs_run == 4  # charged the point's full epochs
    features = splits(task, n_classes, seed=5).eval.take(slice(0, 50)).features
    predicted = np.asarray(result.model(features))
    if task == "classification":
        assert predicted.shape == (50, n_classes)
        np.testing.assert_allclose(predicted.sum(axis=1), 1.0, atol=1e-5)
        assert result.validation_metrics()["val_accuracy"] > 1 / n_classes + 0.15
    else:
        assert predicted.shape == (50,)
        assert (
            result.validation_metrics()["val_rmse"] < 10 * 1.2 * 0.6
        )  # well under the label's std
    size = measure.size(result.model)
    assert size["params"] > 0 and size["size_bytes"] > 0
    served = fit.servable(result).model  # its size carried over; bytes only when asked
    assert measure.size(served) == size
    assert measure.size(served, with_bytes=False) == {"params": size["params"]}


def test_a_binary_forest_that_never_saw_the_last_class_still_answers_for_every_class():
    train = splits("classification", 3)
    only_two = train.train.take(train.train.labels < 2)
    reduced = data.Splits(only_two, train.eval, n_classes=3)
    result = fit.fit(forest_point("gbt"), "families", reduced, INPUTS, "classification", seed=1)
    features = train.eval.take(slice(0, 20)).features
    assert np.asarray(result.model(features)).shape == (20, 3)
    assert np.asarray(fit.servable(result).model(features)).shape == (20, 3)
    assert np.isfinite(result.objective)


def test_a_low_fidelity_forest_grows_a_share_of_the_trees_and_is_charged_that_share():
    point = {**forest_point("rf"), "rf_trees": 200}
    full = fit.fit(point, "families", splits("regression"), INPUTS, "regression", seed=1)
    quarter = fit.fit(
        point, "families", splits("regression"), INPUTS, "regression", seed=1, epochs=1
    )
    assert quarter.epochs_run == 1 and full.epochs_run == 4
    assert full.model.model.num_trees() == 200
    assert quarter.model.model.num_trees() == 50


def test_inheritance_never_crosses_families(tmp_path):
    """A forest trial told to inherit from a network grows all its trees and is charged
    them; a network told to inherit from a forest (which keeps no snapshot) trains afresh."""
    from components.tuner.trials import TrialRunner
    from search.fidelity import Fidelity
    from search.objectives import Objective
    from search.trial import InheritedWeights, Trial

    space = build_space("families", INPUTS, max_epochs=4)
    network = next(iter(space.grid({"family": "nn"})))
    data_splits = splits("classification")
    runner = TrialRunner(
        "families", data_splits, INPUTS, "classification", Objective("val_loss"),
        weights_dir=str(tmp_path),
    )  # fmt: skip
    parent = Trial(0, network, fidelity=Fidelity(1), seed=1)
    runner.history = [parent]
    runner(parent)
    assert (tmp_path / "trial_0.npz").exists()

    morph = InheritedWeights(0, "morph", epochs=2, initial_epoch=1)
    forest = Trial(1, forest_point("gbt"), fidelity=Fidelity(4), seed=2, inherit=morph)
    outcome = runner(forest)
    assert outcome.cost["epochs"] == 4 and "inherited" not in outcome.attrs
    assert not (tmp_path / "trial_1.npz").exists()  # a forest keeps no weight snapshot
    assert (tmp_path / "trial_1.ydf").is_dir()  # but, grown in full, itself for the Trainer

    cont = InheritedWeights(1, "continue", epochs=1, initial_epoch=1)
    child = Trial(2, network, fidelity=Fidelity(2), seed=3, inherit=cont)
    runner.history = [parent, forest]
    outcome = runner(child)
    assert outcome.cost["epochs"] == 2 and "inherited" not in outcome.attrs
    assert len(outcome.curves["val_loss"]) == 2  # its own epochs only, nothing continued


def test_a_forest_grown_in_full_is_kept_and_reused_by_the_trainer_as_it_was(tmp_path):
    """The trial saves a forest it grew in full; the Tuner keeps it for the Trainer, which
    validates it as it is instead of growing it again, and serves the same predictions. A
    forest of a lower rung is saved too while it may still be a candidate, and not once
    CANDIDATES trials of its rung beat it."""
    from modeling.model import forest
    from components.trainer import ensembling
    from components.tuner import snapshots
    from components.tuner.trials import CANDIDATES, TrialRunner
    from search.fidelity import Fidelity
    from search.objectives import Objective
    from search.trial import Trial, TrialStatus

    data_splits = splits("classification")
    weights = tmp_path / "study-1"
    weights.mkdir()
    runner = TrialRunner(
        "families", data_splits, INPUTS, "classification", Objective("val_loss"),
        weights_dir=str(weights),
    )  # fmt: skip
    grown = Trial(0, forest_point("rf"), fidelity=Fidelity(4), seed=3)
    low = Trial(1, forest_point("gbt"), fidelity=Fidelity(1), seed=3)
    outcome = runner(grown)
    low_outcome = runner(low)
    assert (weights / "trial_1.ydf").is_dir()  # the best of its rung so far
    better = [
        Trial(9 + i, low.params, fidelity=Fidelity(1), seed=i, status=TrialStatus.COMPLETE,
              value=low_outcome.value / 2, rung=0)
        for i in range(CANDIDATES)
    ]  # fmt: skip
    runner.history = better
    runner(Trial(2, low.params, fidelity=Fidelity(1), seed=3))
    assert not (weights / "trial_2.ydf").exists()  # beaten by enough of its rung
    kept = snapshots.keep(str(weights), [grown, low])
    assert sorted(kept) == [0, 1] and kept[0].endswith("searched/study-1/trial_0.ydf")

    candidate = {"trial": 0, "params": grown.params, "weights": kept[0], "full_fidelity": True}
    (pool,) = ensembling.with_searched([candidate])  # reused: not grown again
    restored = forest.validate(pool["searched"], data_splits, "classification")
    assert restored.epochs_run == 0
    assert restored.objective == pytest.approx(outcome.metrics["val_loss"], rel=1e-6)
    served = fit.servable(restored).model
    features = data_splits.eval.take(slice(0, 30)).features
    np.testing.assert_allclose(np.asarray(served(features)), restored.model(features), rtol=1e-5)


def test_a_time_bound_ends_a_network_after_the_epoch_that_passes_it_and_bounds_a_forest():
    """The Trainer under a run's time budget: a network stops after the epoch that passes
    ``max_seconds``, and a forest's learner is given YDF's own training-time limit (it keeps
    the trees grown by then)."""
    from modeling.model import forest

    space = build_space("families", INPUTS, max_epochs=4)
    network = next(iter(space.grid({"family": "nn"})))
    data_splits = splits("classification")
    result = fit.fit(
        network, "families", data_splits, INPUTS, "classification", seed=1, epochs=200,
        max_seconds=0.0,
    )  # fmt: skip
    assert (result.epochs_run, result.stopped_early) == (1, True)
    learner = forest.learner(
        forest_point("gbt"), 1.0, "classification", INPUTS, 1, weighted=False, max_seconds=30
    )
    assert learner.hyperparameters["maximum_training_duration_seconds"] == 30
    grown = fit.fit(
        forest_point("rf"), "families", data_splits, INPUTS, "classification", seed=1,
        max_seconds=30,
    )  # fmt: skip
    assert grown.model.model.num_trees() == int(forest_point("rf")["rf_trees"])  # in time


@pytest.mark.parametrize("task, n_classes", [("classification", 3), ("regression", 1)])
def test_a_sparse_oblique_forest_serves_through_tensorflow_as_ydf_predicts(task, n_classes):
    """Oblique splits (YDF's benchmark_rank1) are a YDF feature TF-DF's inference ops must
    carry: the served function answers as YDF does on rows it never saw."""
    point = {**forest_point("gbt"), "gbt_split": "sparse_oblique"}
    result = fit.fit(point, "families", splits(task, n_classes), INPUTS, task, seed=1)
    from modeling.model import forest

    learner = forest.learner(point, 1.0, task, INPUTS, 1, weighted=False)
    assert learner.hyperparameters["split_axis"] == "SPARSE_OBLIQUE"
    features = splits(task, n_classes, seed=7).eval.take(slice(0, 64)).features
    served = fit.servable(result).model
    np.testing.assert_allclose(
        np.asarray(served({k: tf.constant(v) for k, v in features.items()})),
        np.asarray(result.model(features)),
        rtol=1e-4, atol=1e-5,
    )  # fmt: skip


@pytest.mark.parametrize("family", ["nn", "gbt"])
def test_a_trial_measures_what_costs_time_only_when_the_plan_names_it(family):
    """A model's bytes (for a forest a save of every tree) and its latency (a traced
    function, or a forest's predictions) are measured only when the search ranks, bounds or
    selects by them; its size in parameters or nodes always (the report lists it)."""
    from components.tuner.trials import TrialRunner
    from search.fidelity import Fidelity
    from search.objectives import Objective
    from search.trial import Trial

    point = next(iter(build_space("families", INPUTS, max_epochs=2).grid({"family": family})))
    data_splits = splits("classification")

    def measured(measures):
        runner = TrialRunner(
            "families", data_splits, INPUTS, "classification", Objective("val_loss"),
            measures=measures,
        )  # fmt: skip
        return runner(Trial(0, point, fidelity=Fidelity(2), seed=1)).metrics

    lean = measured(frozenset({"val_loss", "val_accuracy"}))
    assert "val_accuracy" in lean and lean["params"] > 0
    assert "size_bytes" not in lean and "latency_ms" not in lean
    every = measured(None)
    assert every["params"] == lean["params"]
    assert every["size_bytes"] > 0 and every["latency_ms"] > 0


def test_the_plan_measures_its_objectives_constraints_and_selection_cost():
    from components.tuner.plan import SearchPlan
    from pipeline.definition.config import TunerConfig

    settings = TunerConfig(
        objectives=("val_loss",), selection="fastest", constraints={"size_bytes": 1e6}
    ).model_dump(mode="json")
    plan = SearchPlan.from_settings(settings, "classification", INPUTS)
    assert plan.measures == {"val_loss", "size_bytes", "latency_ms"}
    default = SearchPlan.from_settings(TunerConfig().model_dump(mode="json"), "classification")
    assert default.measures == {"val_loss", "latency_ms", "params"}
