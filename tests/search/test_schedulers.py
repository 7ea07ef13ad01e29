"""Fidelity and the schedulers' promotion rules, driven through a real Study."""

import math
from dataclasses import replace

import pytest

from search.estimator import EstimatorSettings, create_estimator
from search.fidelity import TRAIN_SECONDS, TRIAL_SECONDS, Fidelity, FidelityError, trial_cost
from search.schedulers import MEASURED_TRIALS, AsynchronousSuccessiveHalving, Hyperband
from search.space import Float, SearchSpace
from search.strategies import create_strategy
from search.study import Outcome, Study
from search.trial import Trial, TrialStatus

SPACE = SearchSpace([Float("x", 0.0, 1.0, step=0.01)])  # a step for grid search
FULL = Fidelity(9)


def noisy_by_fidelity(trial: Trial) -> Outcome:
    """Lower fidelity reads higher, by the same amount for every point: ranks are kept."""
    fidelity = trial.fidelity
    return Outcome(
        trial.params["x"] + 1.0 / fidelity.epochs,
        cost=trial_cost(fidelity.epochs, fidelity.rows),
    )


def run(
    estimator: str,
    n_trials: int,
    strategy: str = "random",
    seed: int = 0,
    settings: EstimatorSettings | None = None,
) -> Study:
    study = Study(
        SPACE,
        create_strategy(strategy, SPACE, seed=seed),
        seed=seed,
        estimator=create_estimator(estimator, FULL, SPACE, settings),
    )
    study.optimize(noisy_by_fidelity, n_trials=n_trials)
    return study


def rungs(study: Study) -> list[int]:
    return [t.rung for t in study.trials]


def test_scaled_fidelity_spends_the_fraction_epochs_first_then_rows():
    five = Fidelity(5)
    third = five.scaled(1 / 3)
    assert (third.epochs, third.rows) == (2, pytest.approx(5 / 6))
    assert five.scaled(1 / 9).epochs == 1
    for fraction in (1 / 27, 1 / 9, 1 / 3, 1.0):
        assert five.scaled(fraction).compute == pytest.approx(5 * fraction)
    with pytest.raises(FidelityError, match="rows=1.5"):
        Fidelity(3, rows=1.5)


def test_hyperband_runs_its_brackets_and_promotes_the_best_third():
    study = run("hyperband", n_trials=22)
    # eta 3, 3 rungs: 9 -> 3 -> 1, then 5 -> 1 (at rung 1), then 3 at full fidelity.
    assert rungs(study) == [0] * 9 + [1] * 3 + [2] + [1] * 5 + [2] + [2] * 3
    assert [t.bracket for t in study.trials] == [0] * 13 + [1] * 6 + [2] * 3
    first_rung = sorted(study.trials[:9], key=lambda t: t.value)
    promoted = [study.trials[t.promoted_from] for t in study.trials[9:12]]
    assert promoted == first_rung[:3]  # best first
    for trial in study.trials[9:13]:
        source = study.trials[trial.promoted_from]
        assert trial.params == source.params
        assert trial.fidelity.compute == pytest.approx(source.fidelity.compute * 3)
    assert (
        study.trials[12].promoted_from
        == min(study.trials[9:12], key=lambda t: t.value).number
    )
    assert study.trials[12].fidelity == FULL


def test_successive_halving_repeats_the_most_aggressive_bracket():
    study = run("successive_halving", n_trials=26, settings=EstimatorSettings(eta=3, levels=3))
    assert rungs(study) == ([0] * 9 + [1] * 3 + [2]) * 2


def test_successive_halving_defaults_to_the_benchmarks_eta_9_over_two_rungs():
    """Left out of the config, eta and levels are each scheduler's own: Hyperband's textbook
    eta 3 (see above), successive halving's nine screened at 1/9 for one trained in full."""
    study = run("successive_halving", n_trials=20)
    assert rungs(study) == ([0] * 9 + [1]) * 2
    full = [t for t in study.trials if t.rung == 1]
    assert all(t.fidelity == FULL for t in full)
    screened = sorted(study.trials[:9], key=lambda t: t.value)
    assert full[0].promoted_from == screened[0].number


def test_asha_promotes_whatever_is_in_the_top_third_of_its_rung_so_far():
    study = run("asha", n_trials=40)
    assert rungs(study)[:4] == [0, 0, 0, 1]  # three results: the best one goes up
    for trial in study.trials:
        if trial.promoted_from is None:
            assert trial.rung == 0
            continue
        source = study.trials[trial.promoted_from]
        before = [
            t
            for t in study.trials[: trial.number]
            if t.rung == source.rung and t.finished
        ]
        rank = sorted(before, key=lambda t: t.value).index(source)
        assert rank < len(before) // 3
    assert max(rungs(study)) == 2
    assert len(
        {t.promoted_from for t in study.trials if t.promoted_from is not None}
    ) == sum(1 for t in study.trials if t.promoted_from is not None)  # nothing promoted twice


def test_failed_trials_are_never_promoted():
    def fail_low_x(trial: Trial) -> Outcome:
        if trial.params["x"] < 0.5:
            raise FloatingPointError("diverged")
        return noisy_by_fidelity(trial)

    study = Study(
        SPACE,
        create_strategy("random", SPACE, seed=3),
        seed=3,
        estimator=create_estimator("asha", FULL, SPACE),
    )
    study.optimize(fail_low_x, n_trials=30)
    assert any(t.status is TrialStatus.FAILED for t in study.trials)
    for trial in study.trials:
        if trial.promoted_from is not None:
            assert study.trials[trial.promoted_from].scored


def test_schedulers_rebuild_their_decisions_from_the_history_alone():
    study = run("hyperband", n_trials=15)
    for cls in (Hyperband, AsynchronousSuccessiveHalving):
        fresh = cls(FULL).assign(study.trials)
        again = cls(FULL).assign(study.trials)
        assert fresh == again
    resumed = Hyperband(FULL).assign(study.trials)
    assert resumed.bracket == 1 and resumed.rung == 1


def test_strategies_see_the_results_of_one_rung_only():
    study = run("hyperband", n_trials=13)
    view = study.estimator.scheduler.view(study.trials)
    scored = [t for t in view if t.scored]
    assert {t.rung for t in scored} == {0}  # rung 1 has 3 results, fewer than 4
    assert len(view) == len(study.trials)  # the rest still count as tried
    study = run("hyperband", n_trials=19)
    view = study.estimator.scheduler.view(study.trials)
    assert {t.rung for t in view if t.scored} == {1}  # 3 + 5 results at rung 1
    study = run("hyperband", n_trials=22)
    view = study.estimator.scheduler.view(study.trials)
    assert {t.rung for t in view if t.scored} == {2}  # 1 + 1 + 3 at full fidelity


def test_best_is_chosen_at_full_fidelity_only():
    study = run("hyperband", n_trials=13)
    assert study.best is study.trials[12]
    assert study.best.value > min(t.value for t in study.trials[:9]) - 1.0  # not a rung-0 value
    assert math.isclose(study.best.value, study.best.params["x"] + 1 / 9)


def test_any_strategy_rides_any_scheduler():
    for strategy in ("tpe", "bayesian", "evolution", "rl", "progressive", "grid"):
        for estimator in ("hyperband", "asha", "low"):
            study = run(estimator, n_trials=14, strategy=strategy, seed=1)
            assert len(study.trials) == 14, (strategy, estimator)
            assert all(t.scored for t in study.trials), (strategy, estimator)


def timed(per_compute_s: float, fixed_s: float):
    """An objective that reports what a trial process does: training seconds in proportion to
    the compute its fidelity buys, and a fixed cost on top (start, data, build, measuring)."""

    def objective(trial: Trial) -> Outcome:
        outcome = noisy_by_fidelity(trial)
        train = per_compute_s * outcome.cost["compute"]
        seconds = {TRAIN_SECONDS: train, TRIAL_SECONDS: train + fixed_s}
        return replace(outcome, cost={**outcome.cost, **seconds})

    return objective


def run_timed(estimator: str, n_trials: int, per_compute_s: float, fixed_s: float) -> Study:
    study = Study(
        SPACE,
        create_strategy("random", SPACE, seed=0),
        seed=0,
        estimator=create_estimator(estimator, FULL, SPACE, EstimatorSettings(eta=3, levels=3)),
    )
    study.optimize(timed(per_compute_s, fixed_s), n_trials=n_trials)
    return study


@pytest.mark.parametrize("scheduler", ["successive_halving", "hyperband", "asha"])
def test_new_points_start_where_training_outweighs_a_trials_fixed_cost(scheduler):
    """Rung compute 1, 3, 9 full-data epochs. Training 0.1 s a full-data epoch against 0.5 s
    of fixed cost a trial: rungs 0 and 1 would mostly measure overhead, so once three trials
    reported their times every new point trains in full, and nothing is promoted up to it."""
    study = run_timed(scheduler, 30, per_compute_s=0.1, fixed_s=0.5)
    measured = study.trials[:MEASURED_TRIALS]
    assert all(t.rung == 0 for t in measured)  # nothing known yet: the lowest rung
    new = [t for t in study.trials[8:] if t.promoted_from is None]
    assert new and all(t.rung == 2 for t in new)
    assert study.estimator.scheduler.entry_rung(study.trials) == 2
    assert sum(1 for t in study.trials if t.rung == 0) < 9  # bracket 0 cut short
    assert study.best.rung == 2


def test_the_entry_rung_is_the_lowest_whose_training_is_foreseen_to_outweigh_the_fixed_cost():
    # 0.2 s a full-data epoch: rung 1 (3 epochs' compute) trains 0.6 s against 0.5 s fixed.
    study = run_timed("successive_halving", 24, per_compute_s=0.2, fixed_s=0.5)
    assert study.estimator.scheduler.entry_rung(study.trials) == 1
    new = [t for t in study.trials[10:] if t.promoted_from is None]
    assert new and {t.rung for t in new} == {1}
    # Training that outweighs the fixed cost at the lowest rung keeps the textbook schedule.
    study = run_timed("successive_halving", 26, per_compute_s=1.0, fixed_s=0.5)
    assert rungs(study) == ([0] * 9 + [1] * 3 + [2]) * 2
    # Nothing measured (an objective that reports no times): rung 0, as before.
    assert study.estimator.scheduler.entry_rung(run("hyperband", n_trials=5).trials) == 0
