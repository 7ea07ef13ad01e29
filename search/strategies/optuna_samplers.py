"""Optuna's samplers as our strategies: TPE (Bergstra et al. 2011) without rewriting it.

Optuna samplers read the study's trial history, so each proposal replays our history into a
fresh in-memory Optuna study and asks it for one trial, suggesting parameters in declaration
order so that conditional parameters are asked only when active (define-by-run, as Optuna
intends). The sampler is seeded from (seed, trial number): the same history gives the same
proposal, which keeps our rule that a strategy is rebuilt from its history alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from search.space import Choice, Float, Int, Param, SearchSpace, Value
from search.strategy import Proposal, Strategy
from search.trial import Trial

optuna.logging.set_verbosity(optuna.logging.WARNING)


def distribution(param: Param) -> BaseDistribution:
    if isinstance(param, Int):
        return IntDistribution(param.low, param.high, log=param.log, step=param.step)
    if isinstance(param, Float):
        return FloatDistribution(param.low, param.high, log=param.log)
    if isinstance(param, Choice):
        return CategoricalDistribution(param.values)
    raise TypeError(f"no Optuna distribution for {type(param).__name__}")


class TreeParzenEstimator(Strategy):
    name = "tpe"

    def __init__(self, space: SearchSpace, seed: int = 0, startup_trials: int = 10) -> None:
        super().__init__(space, seed)
        self.startup_trials = startup_trials
        self._distributions = {p.name: distribution(p) for p in space}

    def _sampler(self, number: int) -> optuna.samplers.BaseSampler:
        seed = int(self.rng_for(number).integers(2**31))
        with warnings.catch_warnings():  # multivariate and group are "experimental" since 2020
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                seed=seed, n_startup_trials=self.startup_trials, multivariate=True, group=True
            )

    def propose(self, history: Sequence[Trial], number: int) -> Proposal:
        study = optuna.create_study(sampler=self._sampler(number), direction="minimize")
        for trial in history:
            if not trial.finished:
                continue
            state = (
                optuna.trial.TrialState.COMPLETE if trial.scored else optuna.trial.TrialState.FAIL
            )
            study.add_trial(
                optuna.trial.create_trial(
                    params=trial.params,
                    distributions={k: self._distributions[k] for k in trial.params},
                    value=trial.value if trial.scored else None,
                    state=state,
                )
            )
        asked = study.ask()
        point: dict[str, Value] = {}
        for param in self.space:
            if self.space.is_active(param, point):
                point[param.name] = _suggest(asked, param)
        return Proposal(point)


def _suggest(trial: optuna.Trial, param: Param) -> Value:
    if isinstance(param, Int):
        return trial.suggest_int(param.name, param.low, param.high, step=param.step, log=param.log)
    if isinstance(param, Float):
        return trial.suggest_float(param.name, param.low, param.high, log=param.log)
    if isinstance(param, Choice):
        value = trial.suggest_categorical(param.name, list(param.values))
        assert value is not None  # a Choice has no None among its values
        return value
    raise TypeError(f"cannot suggest {type(param).__name__}")
