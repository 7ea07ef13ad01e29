"""Search strategies, registered by name for configs and the CLI."""

from __future__ import annotations

import inspect

from search.space import SearchSpace
from search.strategies.bayesian import GaussianProcessEI
from search.strategies.evolution import AgingEvolution
from search.strategies.grid import GridSearch
from search.strategies.optuna_samplers import TreeParzenEstimator
from search.strategies.progressive import ProgressiveSearch
from search.strategies.random import RandomSearch
from search.strategies.reinforce import ReinforceController
from search.strategy import Strategy

STRATEGIES: dict[str, type[Strategy]] = {
    s.name: s
    for s in (
        RandomSearch,
        GridSearch,
        AgingEvolution,
        GaussianProcessEI,
        TreeParzenEstimator,
        ReinforceController,
        ProgressiveSearch,
    )
}


def strategy_by_name(name: str) -> type[Strategy]:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ValueError(
            f"unknown strategy '{name}' (choose from: {', '.join(sorted(STRATEGIES))})"
        ) from None


def create_strategy(
    name: str, space: SearchSpace, seed: int = 0, max_trials: int | None = None
) -> Strategy:
    """An instance of strategy ``name``; the trial budget goes to strategies that plan by it."""
    cls = strategy_by_name(name)
    if max_trials is not None and "max_trials" in inspect.signature(cls).parameters:
        return cls(space, seed=seed, max_trials=max_trials)  # type: ignore[call-arg]
    return cls(space, seed=seed)
