"""What a benchmark run spent and the best it found, kept apart from the peers' module so that
reading or testing results never imports KerasTuner (whose import order matters there)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Meter:
    """Compute spent and the best full-fidelity result so far, after each trial."""

    budget: float
    rows_per_epoch: float = 1.0
    spent: float = 0.0
    best: float = math.inf
    best_point: dict[str, Any] | None = None
    curve: list[tuple[float, float]] = field(default_factory=list)
    trials: int = 0
    searched_served: bool = False  # the Trainer may serve the best trial's own network

    @property
    def exhausted(self) -> bool:
        return self.spent >= self.budget

    def epoch(self) -> None:
        self.spent += self.rows_per_epoch

    def trial_ended(self, value: float | None, point: dict[str, Any], full: bool) -> None:
        self.trials += 1
        if full and value is not None and math.isfinite(value) and value < self.best:
            self.best, self.best_point = value, dict(point)
        self.curve.append((self.spent, self.best))

    def served(self, retrained: float | None) -> float | None:
        """What the Trainer serves for this search's pick: the retrain, or where it keeps the
        searched networks (an estimator that inherits weights) the better of the retrain and
        the best trial's own network; both are validated on the same split."""
        kept = self.best if self.searched_served and self.best_point else None
        return min((v for v in (retrained, kept) if v is not None), default=None)
