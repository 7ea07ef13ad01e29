"""The names the `automl` command lists in its help: strategies, schedulers and spaces.

Their registries (search.strategies.STRATEGIES, search.estimator.SCHEDULER_NAMES,
modeling.spaces.SPACE_NAMES) import Optuna, SciPy and every strategy, about 4 s that
`automl --help` should not pay; the names are kept here and tests/unit/test_cli_help.py
checks them against the registries.
"""

from __future__ import annotations

STRATEGY_NAMES = ("bayesian", "evolution", "grid", "progressive", "random", "rl", "tpe")
SCHEDULER_NAMES = ("full", "low", "successive_halving", "hyperband", "asha")
SPACE_NAMES = ("macro", "micro", "families")
