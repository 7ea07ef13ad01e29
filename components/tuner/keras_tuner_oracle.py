"""Any of our strategies as a KerasTuner Oracle.

KerasTuner users (and TFX's tuner_fn convention) can then use our strategies unchanged:
``keras_tuner.RandomSearch`` is a Tuner around an Oracle, and so is ``Tuner(oracle=
StrategyOracle(AgingEvolution(space)))``. The adapter only translates: our space to KerasTuner
hyperparameters (conditions become parent_name/parent_values), KerasTuner's trials to our
history, and the strategy's proposal back to values.
"""

from __future__ import annotations

import contextlib
from typing import Any

import keras_tuner
from keras_tuner.src.engine import trial as kt_trial

from search.space import Choice, Float, Int, SearchSpace
from search.strategy import Exhausted, Strategy
from search.trial import Trial, TrialStatus

_STATUS = {
    kt_trial.TrialStatus.COMPLETED: TrialStatus.COMPLETE,
    kt_trial.TrialStatus.FAILED: TrialStatus.FAILED,
    kt_trial.TrialStatus.INVALID: TrialStatus.FAILED,
}


def _conditions(space: SearchSpace, param: Any) -> list[tuple[str, list[Any]]]:
    """The chain of (parent, values) a parameter is active under, outermost first (a nested
    space, e.g. a network's optimizer under family=nn and weight decay under adamw)."""
    chain = []
    while param.condition is not None:
        chain.append((param.condition.parent, list(param.condition.values)))
        param = space[param.condition.parent]
    return chain[::-1]


def to_hyperparameters(space: SearchSpace) -> keras_tuner.HyperParameters:
    """Conditions become KerasTuner's conditional scopes, nested as deep as the space's."""
    hp = keras_tuner.HyperParameters()
    for param in space:
        with contextlib.ExitStack() as scopes:
            for parent, values in _conditions(space, param):
                scopes.enter_context(hp.conditional_scope(parent, values))
            if isinstance(param, Int | Float):
                numeric = hp.Int if isinstance(param, Int) else hp.Float
                sampling = "log" if param.log else "linear"
                numeric(param.name, param.low, param.high, step=param.step, sampling=sampling)
            elif isinstance(param, Choice):
                hp.Choice(param.name, list(param.values))
            else:
                raise TypeError(f"no KerasTuner equivalent for {type(param).__name__}")
    return hp


class StrategyOracle(keras_tuner.Oracle):
    """Proposes with ``strategy``; KerasTuner keeps the trials, the files and the lifecycle."""

    def __init__(self, strategy: Strategy, objective: Any, max_trials: int, **kwargs: Any) -> None:
        super().__init__(
            objective=objective,
            max_trials=max_trials,
            hyperparameters=to_hyperparameters(strategy.space),
            allow_new_entries=False,
            tune_new_entries=False,
            seed=strategy.seed,
            **kwargs,
        )
        self.strategy = strategy

    def _history(self) -> list[Trial]:
        sign = -1.0 if self.objective.direction == "max" else 1.0
        history = []
        for number, trial_id in enumerate(self.start_order):
            kt = self.trials[trial_id]
            params = {
                p.name: kt.hyperparameters.values[p.name]
                for p in self.strategy.space
                if p.name in kt.hyperparameters.values and kt.hyperparameters.is_active(p.name)
            }
            status = _STATUS.get(kt.status, TrialStatus.RUNNING)
            value = (
                sign * kt.score
                if status is TrialStatus.COMPLETE and kt.score is not None
                else None
            )
            history.append(Trial(number, params, status=status, value=value))
        return history

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        history = self._history()
        try:
            proposal = self.strategy.propose(history, len(history))
        except Exhausted:
            return {"status": kt_trial.TrialStatus.STOPPED, "values": None}
        return {"status": kt_trial.TrialStatus.RUNNING, "values": dict(proposal.params)}
