"""The estimator axis: names, and the decisions it writes into trials."""

import pytest

from search.estimator import EstimatorError, EstimatorSettings, create_estimator
from search.fidelity import Fidelity, trial_cost
from search.space import Choice, Condition, Float, Int, SearchSpace
from search.strategies import create_strategy
from search.study import Outcome, Study
from search.trial import Trial

SPACE = SearchSpace(
    [
        Int("blocks", 1, 3),
        Int("width_1", 8, 64),
        Int("width_2", 8, 64, condition=Condition("blocks", (2, 3))),
        Int("width_3", 8, 64, condition=Condition("blocks", (3,))),
        Float("learning_rate", 1e-4, 1e-1, log=True),
        Choice("activation", ("relu", "gelu")),
    ]
)
FULL = Fidelity(6)


def objective(trial: Trial) -> Outcome:
    epochs = trial.inherit.epochs if trial.inherit else trial.fidelity.epochs
    value = abs(trial.params["learning_rate"] - 0.01) + 0.01 * trial.params["blocks"]
    return Outcome(
        value + 1.0 / trial.fidelity.epochs,
        cost=trial_cost(epochs, trial.fidelity.rows),
        attrs={"model_epochs": (trial.inherit.initial_epoch if trial.inherit else 0) + epochs},
    )


def study_with(estimator: str, strategy: str = "random", n_trials: int = 20) -> Study:
    study = Study(
        SPACE,
        create_strategy(strategy, SPACE, seed=2),
        seed=2,
        estimator=create_estimator(estimator, FULL, SPACE),
    )
    study.optimize(objective, n_trials=n_trials)
    return study


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("full", "full"),
        ("curve", "full+curve"),
        ("inherit+asha", "asha+inherit"),
        ("hyperband+curve+inherit", "hyperband+curve+inherit"),
        ("low", "low"),
    ],
)
def test_estimator_names_parse_to_one_canonical_form(name, canonical):
    assert create_estimator(name, FULL, SPACE).name == canonical


@pytest.mark.parametrize(
    "name, message",
    [
        ("hyperbnad", "unknown estimator part 'hyperbnad'"),
        ("asha+hyperband", "two schedulers"),
        ("curve+curve", "repeats"),
        ("", "an estimator name is needed"),
    ],
)
def test_bad_estimator_names_are_one_line_errors(name, message):
    with pytest.raises(EstimatorError, match=message):
        create_estimator(name, FULL, SPACE)


def test_low_fidelity_trains_every_trial_at_a_ninth_of_the_compute():
    study = study_with("low", n_trials=5)
    assert {t.fidelity for t in study.trials} == {Fidelity(2, rows=1 / 3)}
    assert sum(t.cost["compute"] for t in study.trials) == pytest.approx(5 * 6 / 9)
    custom = create_estimator(
        "low", FULL, SPACE, EstimatorSettings(low_fidelity=Fidelity(3, rows=0.5, width=0.5))
    )
    assert custom.full == Fidelity(3, rows=0.5, width=0.5)


def test_promotions_continue_their_own_weights_for_the_remaining_epochs():
    study = study_with("hyperband+inherit", n_trials=13)
    for trial in study.trials:
        if trial.promoted_from is not None:
            inherit = trial.inherit
            source = study.trials[trial.promoted_from]
            assert inherit.kind == "continue" and inherit.source == source.number
            assert inherit.initial_epoch == source.attrs["model_epochs"]
            assert inherit.epochs == trial.fidelity.epochs - source.attrs["model_epochs"]


def test_children_inherit_from_their_parent_or_the_nearest_good_trial():
    evolved = study_with("full+inherit", strategy="evolution", n_trials=14)
    children = [t for t in evolved.trials if "parent" in t.attrs]
    assert children
    for child in children:
        assert child.inherit.source == child.attrs["parent"]
        assert child.inherit.kind == "morph"
        assert child.inherit.epochs == 3  # half of the full six
    sampled = study_with("full+inherit", strategy="random", n_trials=8)
    assert sampled.trials[0].inherit is None  # nothing to inherit from yet
    for trial in sampled.trials[2:]:
        parent = sampled.trials[trial.inherit.source]
        earlier = sorted(
            (t for t in sampled.trials[: trial.number] if t.scored), key=lambda t: t.value
        )
        assert parent in earlier[: max(1, len(earlier) // 2)]  # from the better half


def test_curve_stopping_targets_the_best_result_of_the_same_rung():
    study = study_with("asha+curve", n_trials=20)
    for trial in study.trials[1:]:
        same_rung = [
            t.value
            for t in study.trials[: trial.number]
            if t.scored and t.rung == trial.rung
        ]
        assert trial.stop_target == (min(same_rung) if same_rung else None)


def test_the_estimator_is_recorded_with_every_trial():
    study = study_with("hyperband", n_trials=5)
    for record in study.to_records():
        assert record["fidelity"]["epochs"] >= 1
        assert record["cost"]["compute"] > 0 and "seconds" in record["cost"]
