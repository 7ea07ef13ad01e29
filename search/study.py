"""The ask/tell loop: one study, driven alike by the Tuner component, the CLI and tests."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from search.space import SearchSpace, Value
from search.strategy import Exhausted, Strategy
from search.trial import Trial, TrialStatus

log = logging.getLogger("automl.search")


class InvalidProposal(RuntimeError):
    """A strategy proposed a point outside its space: a bug in the strategy, never user error."""


class Study:
    def __init__(self, space: SearchSpace, strategy: Strategy, seed: int = 0) -> None:
        self.space = space
        self.strategy = strategy
        self.seed = seed
        self.trials: list[Trial] = []

    def ask(self) -> Trial | None:
        """The next trial to run, or None when the strategy has nothing left."""
        number = len(self.trials)
        try:
            proposal = self.strategy.propose(tuple(self.trials), number)
        except Exhausted as done:
            log.info("Search exhausted: %s", done)
            return None
        if reason := self.space.check(proposal.params):
            raise InvalidProposal(f"{self.strategy.name} proposed an invalid point: {reason}")
        trial = Trial(
            number,
            dict(proposal.params),
            seed=self.seed * 100_003 + number,
            attrs=dict(proposal.attrs),
        )
        self.trials.append(trial)
        return trial

    def tell(
        self,
        trial: Trial,
        value: float | None,
        status: TrialStatus = TrialStatus.COMPLETE,
        error: str | None = None,
    ) -> None:
        if trial.finished:
            raise ValueError(f"trial {trial.number} was already told ({trial.status.value})")
        trial.status = status
        trial.value = value
        trial.error = error

    @property
    def best(self) -> Trial | None:
        scored = [t for t in self.trials if t.scored]
        return min(scored, key=lambda t: t.value) if scored else None  # type: ignore[arg-type,return-value]

    def optimize(
        self, objective: Callable[[dict[str, Value]], float], n_trials: int
    ) -> Trial | None:
        """Runs up to ``n_trials`` sequentially; an objective that raises fails only its trial."""
        for _ in range(n_trials):
            trial = self.ask()
            if trial is None:
                break
            try:
                value = float(objective(trial.params))
            except Exception as exc:  # noqa: BLE001  (a failed trial must not end the study)
                self.tell(trial, None, TrialStatus.FAILED, f"{type(exc).__name__}: {exc}")
                continue
            self.tell(trial, value)
        return self.best

    def to_records(self) -> list[dict[str, Any]]:
        return [
            {
                "number": t.number,
                "status": t.status.value,
                "value": t.value,
                "params": t.params,
                "budget": t.budget,
                "seed": t.seed,
                "error": t.error,
                "attrs": t.attrs,
            }
            for t in self.trials
        ]
