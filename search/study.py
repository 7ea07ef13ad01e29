"""The ask/tell loop: one study, driven alike by the Tuner component, the CLI and tests."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from search.budget import Budget
from search.estimator import Estimator
from search.space import SearchSpace
from search.strategy import Exhausted, Strategy
from search.trial import Trial, TrialStatus, trial_to_record

log = logging.getLogger("automl.search")


class InvalidProposal(RuntimeError):
    """A strategy proposed a point outside its space: a bug in the strategy, never user error."""


@dataclass(frozen=True)
class Outcome:
    """What an objective may return instead of a bare number: the measurements around it."""

    value: float
    metrics: dict[str, float] = field(default_factory=dict)
    curves: dict[str, list[float]] = field(default_factory=dict)
    cost: dict[str, float] = field(default_factory=dict)  # see search.fidelity.trial_cost
    attrs: dict[str, Any] = field(default_factory=dict)  # the objective's notes, recorded
    stopped_early: bool = False  # the curve rule cut it: its value is as far as it got


EXHAUSTED = "the strategy has nothing left to propose"


def run_trial(objective: Callable[[Trial], float | Outcome], trial: Trial) -> None:
    """Runs the objective on ``trial`` and records what came of it in the trial.

    An objective that raises fails only its trial: a diverging or unbuildable point must not
    end a search that other points can still win.
    """
    started = time.monotonic()
    try:
        outcome = objective(trial)
    except Exception as exc:  # noqa: BLE001
        trial.status, trial.value = TrialStatus.FAILED, None
        trial.error = f"{type(exc).__name__}: {exc}"
    else:
        status = TrialStatus.COMPLETE
        if isinstance(outcome, Outcome):
            trial.metrics.update(outcome.metrics)
            trial.curves.update(outcome.curves)
            trial.cost.update(outcome.cost)
            trial.attrs.update(outcome.attrs)
            status = TrialStatus.PRUNED if outcome.stopped_early else status
            outcome = outcome.value
        trial.status, trial.value, trial.error = status, float(outcome), None
    trial.wall_time_s = time.monotonic() - started
    trial.cost["seconds"] = trial.wall_time_s


class Study:
    def __init__(
        self,
        space: SearchSpace,
        strategy: Strategy,
        seed: int = 0,
        estimator: Estimator | None = None,
        prior: Sequence[Trial] = (),
        replay: int = 0,
        openers: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.space = space
        self.strategy = strategy
        self.seed = seed
        self.estimator = estimator  # None: every trial as the objective sees fit
        # Warm start (search.warm_start): an earlier study's results, best first, which the
        # strategy sees as history; the best ``replay`` of them are this study's first points.
        self.prior = list(prior)
        self.replay = min(replay, len(self.prior))
        # Points tried right after the replays, before the strategy proposes: one per model
        # family, so that every family is measured however short the budget.
        self.openers = [dict(p) for p in openers]
        self.trials: list[Trial] = []
        self.stop_reason: str | None = None

    def ask(self) -> Trial | None:
        """The next trial to run, or None when the strategy has nothing left.

        With an estimator, its scheduler first decides between a new point (proposed by the
        strategy from the history of one rung) and the promotion of a point already tried.
        """
        number = len(self.trials)
        started = time.perf_counter()
        assignment = self.estimator.scheduler.assign(self.trials) if self.estimator else None
        replayed = sum(1 for t in self.trials if "replay_of" in t.attrs)
        opened = sum(1 for t in self.trials if "opener" in t.attrs)
        attrs: dict[str, Any] = {}
        if assignment is not None and assignment.promote is not None:
            params = dict(assignment.promote.params)
        elif replayed < self.replay:
            earlier = self.prior[replayed]
            params, attrs = dict(earlier.params), {"replay_of": earlier.attrs["warm_start"]}
        elif opened < len(self.openers):
            params, attrs = dict(self.openers[opened]), {"opener": opened}
        else:
            seen = [*self.prior, *self.trials]
            history = self.estimator.scheduler.view(seen) if self.estimator else seen
            try:
                proposal = self.strategy.propose(tuple(history), number)
            except Exhausted as done:
                log.info("Search exhausted: %s", done)
                return None
            if reason := self.space.check(proposal.params):
                raise InvalidProposal(f"{self.strategy.name} proposed an invalid point: {reason}")
            params, attrs = dict(proposal.params), dict(proposal.attrs)
        trial = Trial(number, params, seed=self.seed * 100_003 + number, attrs=attrs)
        if assignment is not None:
            assignment.place(trial)
        if self.estimator is not None:
            trial.inherit = self.estimator.inheritance(trial, self.trials)
            trial.stop_target = self.estimator.stop_target(trial, self.trials)
        trial.proposal_s = time.perf_counter() - started
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
        """The best result at the highest fidelity reached (never a one-epoch fluke)."""
        pool = self.estimator.final_trials(self.trials) if self.estimator else self.trials
        scored = [t for t in pool if t.scored]
        return min(scored, key=lambda t: t.value) if scored else None  # type: ignore[arg-type,return-value]

    def optimize(
        self,
        objective: Callable[[Trial], float | Outcome],
        n_trials: int | None = None,
        budget: Budget | None = None,
        on_trial_end: Callable[[Trial], None] | None = None,
    ) -> Trial | None:
        """Runs trials one after the other in this process until the budget (or
        ``n_trials``) is spent or the strategy is exhausted. (The Tuner runs them in worker
        processes over a shared store instead, see components.tuner.workers.)"""
        budget = budget or Budget(max_trials=n_trials)
        started = time.monotonic()
        while (reason := budget.stop_reason(self.trials, time.monotonic() - started)) is None:
            trial = self.ask()
            if trial is None:
                reason = EXHAUSTED
                break
            run_trial(objective, trial)
            if on_trial_end is not None:
                on_trial_end(trial)
        self.stop_reason = reason
        return self.best

    def propose_next(
        self, history: Sequence[Trial], budget: Budget, elapsed_s: float
    ) -> Trial | str:
        """``ask`` for a shared study: the next trial given the whole history as the store
        holds it (other workers' trials included, running ones charged their planned
        compute), or the reason there is none."""
        self.trials = list(history)
        if (reason := budget.stop_reason(self.trials, elapsed_s)) is not None:
            return reason
        trial = self.ask()
        return trial if trial is not None else EXHAUSTED

    def to_records(self) -> list[dict[str, Any]]:
        return [trial_to_record(t) for t in self.trials]
