"""When a search stops: trials, wall-clock seconds or compute, whichever ends first.

Budgets are checked before each trial starts; a trial that has started runs to its end, so a
budget can be overrun by at most one trial (as with Optuna's timeout). Compute is counted in
full-data epochs from each trial's recorded cost (epochs x fraction of rows actually trained,
see ``search.fidelity``), so estimators that train on fewer rows or epochs, stop curves early
or inherit weights are charged what they spent, and searches compare at equal compute.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from search.trial import Trial


# A retrain foreseen to take more than this share of a time budget is not reserved for: on
# letters26 a 26-class boosted-tree rung took 55 s, a full retrain ~8 min, and reserving three
# top-rung trials' time stopped the search after 96 s of a 300 s run.
LONGEST_RETRAIN = 1 / 3


class BudgetError(ValueError):
    """A budget that allows no trial at all; one line, fit for a terminal."""


@dataclass(frozen=True)
class Budget:
    max_trials: int | None = None
    max_seconds: float | None = None
    max_epochs: float | None = None  # compute, in full-data epochs
    # Of max_seconds, what must be left when the search stops for what follows it (a run's
    # final training and evaluation): a fixed part and a number of the longest trials'
    # worth, which only the trials themselves tell (``reserved_seconds``).
    reserve_s: float = 0.0
    reserve_trials: float = 0.0
    # A full trial's compute: trials trained that far are reused by the final training, not
    # retrained, so each one finished takes one of ``reserve_trials`` off the reserve.
    full_compute: float | None = None
    # What the final training spends refitting a trial trained in full on more rows (a
    # forest grown again on train+eval, components.trainer.refit), reserved like a retrain;
    # None: nothing is refit.
    refit_seconds: Callable[[Trial], float] | None = None

    def __post_init__(self) -> None:
        limits = {
            "max_trials": self.max_trials,
            "max_seconds": self.max_seconds,
            "max_epochs": self.max_epochs,
        }
        if all(v is None for v in limits.values()):
            raise BudgetError("a search needs a budget: max trials, a time budget or max epochs")
        for name, value in limits.items():
            if value is not None and value <= 0:
                raise BudgetError(f"budget {name}={value} allows no trial; it must be positive")
        if self.reserve_s < 0 or self.reserve_trials < 0:
            raise BudgetError("a time reserve cannot be negative")

    def stop_reason(self, trials: Sequence[Trial], elapsed_seconds: float) -> str | None:
        """Why no further trial may start, or None while budget is left."""
        if self.max_trials is not None and len(trials) >= self.max_trials:
            return f"reached max trials ({self.max_trials})"
        if self.max_seconds is not None and trials:  # a search always starts one trial
            reserved = self.reserved_seconds(trials)
            if elapsed_seconds + reserved >= self.max_seconds:
                kept = f", {reserved:.0f} s of it kept for what follows" if reserved else ""
                return f"reached the time budget ({self.max_seconds:g} s{kept})"
        spent = compute_spent(trials)
        if self.max_epochs is not None and spent >= self.max_epochs:
            return (
                f"reached the compute budget ({spent:.3g} of {self.max_epochs} full-data epochs)"
            )
        return None

    def reserved_seconds(self, trials: Sequence[Trial]) -> float:
        """The reserve for what follows the search, once a trial has given a result (the
        first always starts: a search must give a model): the fixed part plus the retrains
        the final training will run. Its candidates are the best ``reserve_trials`` scored
        trials, highest fidelity first (as the Tuner hands them on); one trained in full is
        reused (and refit in ``refit_seconds``), one the search is promoting to full compute
        right now needs nothing more (that trial is its retrain), and another is retrained
        in the time its trial foresees (its seconds scaled up to a full trial's compute),
        unless either is more than LONGEST_RETRAIN of the budget: it would not finish in its
        share, and the final training serves the searched model as it is instead
        (components.trainer.ensembling.within, components.trainer.refit)."""
        # Scored trials only: a stopped or failed one was cut short and gives no model.
        finished = [t for t in trials if t.scored and t.wall_time_s > 0]
        if not finished or not (self.reserve_s or self.reserve_trials):
            return 0.0
        ranked = sorted(finished, key=lambda t: (-_fidelity_compute(t), t.value))
        longest = LONGEST_RETRAIN * (self.max_seconds or math.inf)
        retrains, promoted = 0.0, self._promoted_to_full(trials)
        for trial in ranked[: math.ceil(self.reserve_trials)]:
            compute, full = _fidelity_compute(trial), self.full_compute
            if trial.number in promoted:
                continue  # the search is training it in full now, for the final training
            if full is not None and compute >= full:  # trained in full: reused
                foreseen = self.refit_seconds(trial) if self.refit_seconds else 0.0
            else:
                foreseen = trial.wall_time_s * (full / compute if full else 1.0)
            retrains += foreseen if foreseen <= longest else 0.0
        return self.reserve_s + retrains

    def _promoted_to_full(self, trials: Sequence[Trial]) -> set[int]:
        """Trials a running promotion is training at full compute: that trial is their
        retrain, done by the search (and reused), so none is reserved for them. Reserving it
        as well counted one training twice, and the cut-off stopped the very promotion that
        would have made a candidate reusable (interactions_100k: the search stopped after
        32 s of 229 and the run ended at 195 s of 300)."""
        if self.full_compute is None:
            return set()
        return {
            t.promoted_from
            for t in trials
            if not t.finished
            and t.promoted_from is not None
            and _fidelity_compute(t) >= self.full_compute
        }


def _fidelity_compute(trial: Trial) -> float:
    return trial.fidelity.compute if trial.fidelity is not None else 1.0


def compute_spent(trials: Sequence[Trial]) -> float:
    """Full-data epochs trained so far (a trial without a recorded row fraction: all rows).

    A trial still running (on a parallel worker) is charged what its fidelity plans, so N
    workers stop starting trials once the budget is committed instead of overrunning it by N.
    """
    return sum(_compute(t) for t in trials)


def _compute(trial: Trial) -> float:
    if trial.finished:
        return trial.cost.get("compute", trial.cost.get("epochs", 0.0))
    if trial.fidelity is None:
        return 0.0
    epochs = trial.inherit.epochs if trial.inherit else trial.fidelity.epochs
    return float(epochs) * trial.fidelity.rows
