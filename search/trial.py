"""A trial: one point of the space, its budget, and what came of it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from search.fidelity import Fidelity
from search.space import Value


class TrialStatus(enum.Enum):
    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"  # stopped early (its curve was not going to win); value as observed
    FAILED = "failed"  # final: the point cannot be trained (reason in ``error``)


@dataclass
class Trial:
    """Strategies read trials; only the study writes them.

    ``value`` is the objective, always minimised by the engine (a metric to maximise is
    negated at the boundary, once). ``fidelity`` is what the estimator asked for and ``cost``
    what the trial spent (epochs, rows, ``compute`` in full-data epochs, seconds): real
    fields, never fake hyperparameters, so results are compared like with like.
    """

    number: int
    params: dict[str, Value]
    status: TrialStatus = TrialStatus.RUNNING
    value: float | None = None
    fidelity: Fidelity | None = None
    cost: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    error: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)  # strategy bookkeeping, e.g. parent
    metrics: dict[str, float] = field(default_factory=dict)  # every measured objective
    curves: dict[str, list[float]] = field(default_factory=dict)  # per-epoch metrics
    wall_time_s: float = 0.0  # the objective's time (training and measuring)
    proposal_s: float = 0.0  # the strategy's own time to propose this point

    @property
    def finished(self) -> bool:
        return self.status is not TrialStatus.RUNNING

    @property
    def scored(self) -> bool:
        return self.status is TrialStatus.COMPLETE and self.value is not None
