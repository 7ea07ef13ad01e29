"""Which hyperparameters mattered in a study: fANOVA (Hutter et al. 2014, "An Efficient
Approach for Assessing Hyperparameter Importance"), through Optuna's evaluator: a random
forest fitted on the points, its variance decomposed per parameter.

fANOVA needs every assessed parameter in every trial, but a conditional space has parameters
that exist in some trials only (a forest's depth, a network's third width). So importance is
given per scope: over all trials, the parameters they all have (the family, the learning
rate of a network-only space); then, for each value of a top-level choice that other
parameters hang under (each family), that branch's own parameters over its trials. A scope
needs ``min_trials`` scored trials and a parameter that varies in them; otherwise it is left
out rather than reported from noise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import optuna

from search.space import Choice, SearchSpace
from search.strategies.optuna_samplers import distribution
from search.trial import Trial

MIN_TRIALS = 8
ALL_TRIALS = "all trials"


@dataclass(frozen=True)
class Importance:
    parameter: str
    share: float  # of the objective's variance within the scope; a scope's shares sum to 1
    scope: str  # ALL_TRIALS, or a branch such as "family = gbt"
    trials: int  # scored trials the scope was measured on


def _branches(space: SearchSpace) -> list[tuple[str, object]]:
    """(parameter, value) of every top-level choice value that other parameters hang under."""
    parents = {p.condition.parent for p in space if p.condition is not None}
    return [
        (param.name, value)
        for param in space
        if isinstance(param, Choice) and param.condition is None and param.name in parents
        for value in param.values
    ]


def _scope(
    space: SearchSpace, name: str, trials: list[Trial], seed: int, min_trials: int
) -> list[Importance]:
    common = [
        p.name
        for p in space
        if all(p.name in t.params for t in trials) and len({t.params[p.name] for t in trials}) > 1
    ]
    if len(trials) < min_trials or not common:
        return []
    study = optuna.create_study(direction="minimize")
    for trial in trials:
        study.add_trial(
            optuna.trial.create_trial(
                params={k: trial.params[k] for k in common},
                distributions={k: distribution(space[k]) for k in common},
                value=float(trial.value),  # type: ignore[arg-type]
            )
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        shares = optuna.importance.get_param_importances(
            study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=seed), params=common
        )
    return [Importance(k, float(v), name, len(trials)) for k, v in shares.items()]


def importances(
    space: SearchSpace, trials: Sequence[Trial], seed: int = 0, min_trials: int = MIN_TRIALS
) -> list[Importance]:
    """Importance per scope, most important first within each (see the module's docstring)."""
    scored = [t for t in trials if t.scored and t.value is not None and math.isfinite(t.value)]
    result = _scope(space, ALL_TRIALS, scored, seed, min_trials)
    for parent, value in _branches(space):
        branch = [t for t in scored if t.params.get(parent) == value]
        result += _scope(space, f"{parent} = {value}", branch, seed, min_trials)
    return result
