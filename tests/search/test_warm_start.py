"""Warm start from an earlier study: its best points first, its results in the model."""

from __future__ import annotations

import numpy as np

from search.budget import Budget
from search.estimator import create_estimator
from search.fidelity import Fidelity
from search.strategies import create_strategy
from search.study import Study
from search.synthetic import PROBLEMS
from search.trial import Trial, TrialStatus
from search.warm_start import prior_trials

BRANIN = PROBLEMS["branin"]


def run(study: Study, trials: int) -> list[Trial]:
    study.optimize(lambda t: BRANIN.objective(t.params), budget=Budget(max_trials=trials))
    return study.trials


def earlier_study(trials: int = 40) -> list[Trial]:
    return run(Study(BRANIN.space, create_strategy("tpe", BRANIN.space, seed=0), seed=0), trials)


def test_the_best_earlier_points_are_tried_first_in_order_then_new_ones():
    earlier = earlier_study()
    prior = prior_trials(earlier, BRANIN.space, top_rung=0)
    assert [t.number for t in prior] == list(range(-1, -len(prior) - 1, -1))
    assert [t.value for t in prior] == sorted(t.value for t in earlier)
    study = Study(
        BRANIN.space, create_strategy("tpe", BRANIN.space, seed=1), seed=1, prior=prior, replay=3
    )
    trials = run(study, 6)
    best_three = sorted(earlier, key=lambda t: t.value)[:3]
    assert [t.params for t in trials[:3]] == [t.params for t in best_three]
    assert [t.attrs["replay_of"] for t in trials[:3]] == [t.number for t in best_three]
    assert all("replay_of" not in t.attrs for t in trials[3:])
    assert {str(t.params) for t in trials[3:]}.isdisjoint(str(t.params) for t in earlier)


def test_the_strategy_models_earlier_results_so_a_warm_search_gets_there_sooner():
    """Without replaying anything, TPE given the earlier results as history gets close to
    the optimum in fewer trials than TPE from scratch, on every seed tried."""
    prior = prior_trials(earlier_study(), BRANIN.space, top_rung=0)
    target = BRANIN.optimum + 1.0

    def trials_to_target(study: Study) -> int:
        values = [t.value for t in run(study, 25)]
        hits = [i for i, v in enumerate(values) if v <= target]
        return hits[0] + 1 if hits else 26

    cold, warm = [], []
    for seed in range(1, 6):
        cold.append(trials_to_target(Study(
            BRANIN.space, create_strategy("tpe", BRANIN.space, seed=seed), seed=seed
        )))  # fmt: skip
        warm.append(trials_to_target(Study(
            BRANIN.space, create_strategy("tpe", BRANIN.space, seed=seed), seed=seed,
            prior=prior, replay=0,
        )))  # fmt: skip
    assert np.mean(warm) < np.mean(cold) / 2, (warm, cold)


def test_earlier_results_outside_the_space_or_below_the_final_rung_are_left_out():
    good = Trial(0, {"x1": 0.0, "x2": 5.0}, status=TrialStatus.COMPLETE, value=3.0,
                 rung=2)  # fmt: skip
    low_rung = Trial(1, {"x1": 1.0, "x2": 5.0}, status=TrialStatus.COMPLETE, value=1.0,
                     rung=1)  # fmt: skip
    outside = Trial(2, {"x1": 99.0, "x2": 5.0}, status=TrialStatus.COMPLETE, value=0.5,
                    rung=2)  # fmt: skip
    failed = Trial(3, {"x1": 2.0, "x2": 5.0}, status=TrialStatus.FAILED, rung=2)
    prior = prior_trials([good, low_rung, outside, failed], BRANIN.space, top_rung=0)
    assert [(t.number, t.rung, t.attrs) for t in prior] == [(-1, 0, {"warm_start": 0})]


def test_an_earlier_result_is_never_a_parent_to_inherit_weights_from():
    estimator = create_estimator("asha+inherit", Fidelity(3), BRANIN.space)
    child = Trial(0, {"x1": 0.0, "x2": 5.0}, fidelity=Fidelity(1), attrs={"parent": -1})
    assert estimator.inheritance(child, []) is None
