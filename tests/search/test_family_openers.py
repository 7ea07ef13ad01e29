"""A families search opens with one middle-of-the-ranges point per family, whatever the
strategy and the budget, then lets the strategy choose; a warm start that measured a family
already skips its opener."""

from __future__ import annotations

import pytest

from search.budget import Budget
from search.estimator import create_estimator
from search.fidelity import Fidelity
from search.strategies import create_strategy
from search.study import Study
from search.synthetic import PROBLEMS
from search.trial import Trial, TrialStatus

FAMILIES = PROBLEMS["families"]


def test_branch_midpoints_give_each_family_its_middle_point():
    points = FAMILIES.space.branch_midpoints("family")
    assert [p["family"] for p in points] == ["nn", "gbt", "rf"]
    for point in points:
        assert FAMILIES.space.check(point) is None
    gbt = points[1]
    assert gbt["gbt_depth"] == 5  # the middle of 2..8
    assert gbt["gbt_shrinkage"] == pytest.approx(0.1)  # the middle of 0.01..1 on a log scale


@pytest.mark.parametrize("strategy", ["random", "tpe", "evolution", "grid", "progressive"])
@pytest.mark.parametrize("estimator", ["full", "asha"])
def test_every_strategy_starts_with_one_trial_per_family(strategy, estimator):
    openers = FAMILIES.space.branch_midpoints("family")
    study = Study(
        FAMILIES.space,
        create_strategy(strategy, FAMILIES.space, seed=3),
        seed=3,
        estimator=create_estimator(estimator, Fidelity(9), FAMILIES.space),
        openers=openers,
    )
    study.optimize(lambda t: FAMILIES.objective(t.params), budget=Budget(max_trials=8))
    first = study.trials[:3]
    assert [t.params for t in first] == openers
    assert [t.attrs["opener"] for t in first] == [0, 1, 2]
    assert all("opener" not in t.attrs for t in study.trials[3:])
    assert len(study.trials) == 8


def test_a_warm_start_that_measured_a_family_skips_its_opener():
    from modeling.spaces import FeatureSet, build_space
    from components.tuner.job import family_openers

    space = build_space("families", FeatureSet(numeric=("a__z",), categorical={}), 5)
    earlier = [Trial(-1, {"family": "gbt"}, status=TrialStatus.COMPLETE, value=0.1)]
    assert [p["family"] for p in family_openers(space, [])] == ["nn", "gbt", "rf", "nn", "gbt"]
    assert [p["family"] for p in family_openers(space, earlier)] == ["nn", "rf", "nn"]
    assert family_openers(build_space("macro", FeatureSet(numeric=("a__z",)), 5), []) == []


def test_the_portfolio_opens_after_the_middles_with_valid_points():
    """The known-good points (a wide network, boosting as HistGradientBoosting defaults
    it) follow the families' middle points, each a valid point of the space that differs
    where it says."""
    from modeling.spaces import FeatureSet, build_space, portfolio
    from components.tuner.job import family_openers

    space = build_space("families", FeatureSet(numeric=("a__z",), categorical={}), 5)
    openers = family_openers(space, [])
    middles, known_good = openers[:3], openers[3:]
    assert len(known_good) == len(portfolio.PORTFOLIO)
    for point, known in zip(known_good, portfolio.PORTFOLIO, strict=True):
        assert space.check(point) is None
        assert {k: point[k] for k in known} == known
        assert point not in middles
    assert middles[1]["gbt_growing"] == "best_first_global"  # YDF's better_default
    assert middles[1]["gbt_split"] == "sparse_oblique"  # YDF's benchmark_rank1
    assert known_good[1]["gbt_split"] == "axis_aligned"  # as HistGradientBoosting splits
