"""Every registered strategy inherits this suite: adding a strategy is one registry entry."""

import pytest

from search.strategies import STRATEGIES, strategy_by_name
from search.strategy import Strategy
from search.study import Study
from search.synthetic import PROBLEMS
from search.trial import TrialStatus

STRATEGY_NAMES = sorted(STRATEGIES)


def run(name: str, problem: str, seed: int, n_trials: int = 25) -> Study:
    p = PROBLEMS[problem]
    study = Study(p.space, strategy_by_name(name)(p.space, seed=seed), seed=seed)
    study.optimize(lambda trial: p.objective(trial.params), n_trials)
    return study


@pytest.mark.parametrize("name", STRATEGY_NAMES)
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_proposals_are_valid_points(name, problem):
    study = run(name, problem, seed=0)
    assert study.trials
    for trial in study.trials:
        assert PROBLEMS[problem].space.check(trial.params) is None
        assert trial.status is TrialStatus.COMPLETE


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_same_seed_same_search(name):
    first = [t.params for t in run(name, "architecture", seed=7).trials]
    again = [t.params for t in run(name, "architecture", seed=7).trials]
    assert first == again


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_history_alone_rebuilds_the_strategy(name):
    """Resume = a fresh instance (plus its saved state) given the same history."""
    p = PROBLEMS["architecture"]
    study = run(name, "architecture", seed=3, n_trials=10)
    original = study.strategy
    fresh: Strategy = strategy_by_name(name)(p.space, seed=3)
    fresh.set_state(original.get_state())
    history = tuple(study.trials)
    assert fresh.propose(history, len(history)) == original.propose(history, len(history))


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_failed_trials_do_not_stop_the_search(name):
    p = PROBLEMS["branin"]
    study = Study(p.space, strategy_by_name(name)(p.space, seed=0))

    def flaky(trial):
        if float(trial.params["x1"]) < 0:
            raise ValueError("diverged")
        return p.objective(trial.params)

    study.optimize(flaky, 15)
    assert len(study.trials) == 15
    failed = [t for t in study.trials if t.status is TrialStatus.FAILED]
    assert all("diverged" in t.error for t in failed)


def test_unknown_strategy_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown strategy 'annealing' \\(choose from: "):
        strategy_by_name("annealing")


def test_grid_is_exhaustive_then_stops():
    from search.space import Choice, Int, SearchSpace

    space = SearchSpace([Int("a", 1, 3), Choice("b", ("x", "y"))])
    study = Study(space, strategy_by_name("grid")(space))
    study.optimize(lambda trial: trial.params["a"], 50)
    assert len(study.trials) == 6
    assert {(t.params["a"], t.params["b"]) for t in study.trials} == {
        (a, b) for a in (1, 2, 3) for b in ("x", "y")
    }
    assert study.best.params["a"] == 1


# Strategies that learn from the history must beat random search on mean regret at an equal
# trial budget, over 10 seeds, on every synthetic problem (grid and random are the baselines).
LEARNING = [n for n in STRATEGY_NAMES if n not in ("random", "grid")]
SEEDS = range(10)
BUDGET = 40


def mean_regret(name: str, problem: str) -> float:
    p = PROBLEMS[problem]
    return sum(run(name, problem, seed, BUDGET).best.value - p.optimum for seed in SEEDS) / len(
        SEEDS
    )


@pytest.fixture(scope="module")
def random_regret():
    return {problem: mean_regret("random", problem) for problem in PROBLEMS}


@pytest.mark.parametrize("name", LEARNING)
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_learning_strategies_beat_random_search(name, problem, random_regret):
    assert mean_regret(name, problem) < random_regret[problem]
