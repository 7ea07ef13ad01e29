"""Every registered fidelity scheduler inherits this suite, as every strategy inherits the
strategy suite: adding a scheduler is one entry in ``search.schedulers.SCHEDULERS``.

The contract: a trial runs at its rung's fidelity; a promotion trains a finished, scored point
of the rung below, once, with the same parameters; a scheduler keeps no state (a fresh one
given the same history decides the same); the best result is one of the highest rung
reached; the schedule survives the study record; and it works under parallel workers."""

from __future__ import annotations

import random

import pytest

from search.fidelity import Fidelity, trial_cost
from search.schedulers import SCHEDULERS
from search.space import Float, SearchSpace
from search.strategies import create_strategy
from search.study import Outcome, Study
from search.trial import Trial, TrialStatus, trial_from_record, trial_to_record

SCHEDULER_NAMES = sorted(SCHEDULERS)
SPACE = SearchSpace([Float("x", 0.0, 1.0), Float("y", 0.0, 1.0)])
FULL = Fidelity(9)


def objective(trial: Trial) -> Outcome:
    """A loss that falls with fidelity, by the same amount for every point; a corner of the
    space fails, as diverging points do."""
    fidelity = trial.fidelity or FULL
    if trial.params["x"] > 0.9 and trial.params["y"] > 0.9:
        raise FloatingPointError("diverged")
    loss = (trial.params["x"] - 0.3) ** 2 + (trial.params["y"] - 0.6) ** 2
    return Outcome(loss + 1.0 / fidelity.epochs, cost=trial_cost(fidelity.epochs, fidelity.rows))


def study(name: str, seed: int = 0) -> Study:
    from search.estimator import Estimator

    scheduler = SCHEDULERS[name](FULL)
    return Study(
        SPACE,
        create_strategy("random", SPACE, seed=seed),
        seed=seed,
        estimator=Estimator(name, scheduler),
    )


def searched(name: str, n_trials: int = 30, seed: int = 0) -> Study:
    done = study(name, seed)
    done.optimize(objective, n_trials=n_trials)
    return done


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
def test_every_trial_runs_at_its_rungs_fidelity(name):
    done = searched(name)
    scheduler = done.estimator.scheduler
    assert len(done.trials) == 30
    for trial in done.trials:
        assert 0 <= trial.rung <= scheduler.top
        assert trial.fidelity == scheduler.rung_fidelity(trial.rung)


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
def test_a_promotion_trains_a_scored_point_of_the_rung_below_once(name):
    done = searched(name, n_trials=40, seed=1)
    promoted = [t for t in done.trials if t.promoted_from is not None]
    assert len({t.promoted_from for t in promoted}) == len(promoted)  # never twice
    for trial in promoted:
        source = done.trials[trial.promoted_from]
        assert source.number < trial.number and source.scored
        assert source.rung == trial.rung - 1 and source.params == trial.params


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
def test_a_fresh_scheduler_given_the_history_decides_the_same(name):
    """Stateless: a resumed search (a new process reading the store) picks up where it was."""
    done = searched(name, n_trials=17, seed=2)
    first = SCHEDULERS[name](FULL).assign(done.trials)
    again = SCHEDULERS[name](FULL).assign([trial_from_record(trial_to_record(t))
                                           for t in done.trials])  # fmt: skip
    assert (first.rung, first.bracket, first.fidelity) == (again.rung, again.bracket,
                                                           again.fidelity)  # fmt: skip
    assert (first.promote is None) == (again.promote is None)
    if first.promote is not None:
        assert first.promote.number == again.promote.number


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
def test_the_best_is_a_result_of_the_highest_rung_reached(name):
    done = searched(name, seed=3)
    reached = max(t.rung for t in done.trials if t.scored)
    assert done.best is not None and done.best.rung == reached


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
def test_the_schedule_survives_the_study_record(name):
    for trial in searched(name, seed=4).trials:
        again = trial_from_record(trial_to_record(trial))
        assert (again.rung, again.bracket, again.promoted_from, again.fidelity) == (
            trial.rung, trial.bracket, trial.promoted_from, trial.fidelity,
        )  # fmt: skip


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
def test_parallel_workers_get_valid_assignments_while_trials_run(name):
    """Two to four trials in flight, told in a random order: no assignment promotes a trial
    still running or one already promoted, and every trial is at its rung's fidelity."""
    rng = random.Random(5)
    live = study(name, seed=5)
    running: list[Trial] = []
    while len(live.trials) < 40:
        while len(running) < rng.randint(2, 4):
            trial = live.ask()
            if trial is None:
                break
            if trial.promoted_from is not None:  # promoted only once ranked
                assert live.trials[trial.promoted_from].scored
            running.append(trial)
        if not running:
            break
        trial = running.pop(rng.randrange(len(running)))
        try:
            outcome = objective(trial)
        except FloatingPointError as exc:
            live.tell(trial, None, TrialStatus.FAILED, str(exc))
        else:
            live.tell(trial, outcome.value)
    scheduler = live.estimator.scheduler
    promoted = [t.promoted_from for t in live.trials if t.promoted_from is not None]
    assert len(set(promoted)) == len(promoted)
    for trial in live.trials:
        assert trial.fidelity == scheduler.rung_fidelity(trial.rung)
        if trial.promoted_from is not None:
            source = live.trials[trial.promoted_from]
            assert source.scored and source.rung == trial.rung - 1
