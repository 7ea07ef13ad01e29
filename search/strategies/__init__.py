"""Search strategies, registered by name for configs and the CLI."""

from __future__ import annotations

from search.strategies.bayesian import GaussianProcessEI
from search.strategies.evolution import AgingEvolution
from search.strategies.grid import GridSearch
from search.strategies.optuna_samplers import TreeParzenEstimator
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
    )
}


def strategy_by_name(name: str) -> type[Strategy]:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ValueError(
            f"unknown strategy '{name}' (choose from: {', '.join(sorted(STRATEGIES))})"
        ) from None
