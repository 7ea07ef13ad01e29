"""When a search stops: trials, wall-clock seconds, total training epochs, whichever ends first.

Budgets are checked before each trial starts; a trial that has started runs to its end, so a
budget can be overrun by at most one trial (as with Optuna's timeout). Epochs are counted from
each trial's recorded ``budget["epochs"]``, so estimators that train trials for fewer epochs
(low fidelity) spend the epoch budget honestly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from search.trial import Trial


class BudgetError(ValueError):
    """A budget that allows no trial at all; one line, fit for a terminal."""


@dataclass(frozen=True)
class Budget:
    max_trials: int | None = None
    max_seconds: float | None = None
    max_epochs: int | None = None

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

    def stop_reason(self, trials: Sequence[Trial], elapsed_seconds: float) -> str | None:
        """Why no further trial may start, or None while budget is left."""
        if self.max_trials is not None and len(trials) >= self.max_trials:
            return f"reached max trials ({self.max_trials})"
        if self.max_seconds is not None and elapsed_seconds >= self.max_seconds:
            return f"reached the time budget ({self.max_seconds:g} s)"
        epochs = sum(t.budget.get("epochs", 0) for t in trials)
        if self.max_epochs is not None and epochs >= self.max_epochs:
            return f"reached the epoch budget ({epochs:g} of {self.max_epochs} epochs)"
        return None
