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


def trial_to_record(trial: Trial) -> dict[str, Any]:
    """The trial as plain JSON types: what study files and the study store hold."""
    return {
        "number": trial.number,
        "status": trial.status.value,
        "value": trial.value,
        "params": trial.params,
        "fidelity": trial.fidelity.to_dict() if trial.fidelity else None,
        "cost": trial.cost,
        "seed": trial.seed,
        "error": trial.error,
        "attrs": trial.attrs,
        "metrics": trial.metrics,
        "curves": trial.curves,
        "wall_time_s": trial.wall_time_s,
        "proposal_s": trial.proposal_s,
    }


def trial_from_record(record: dict[str, Any]) -> Trial:
    fidelity = record.get("fidelity")
    return Trial(
        number=int(record["number"]),
        params=dict(record["params"]),
        status=TrialStatus(record["status"]),
        value=record.get("value"),
        fidelity=Fidelity.from_dict(fidelity) if fidelity else None,
        cost=dict(record.get("cost") or {}),
        seed=int(record.get("seed", 0)),
        error=record.get("error"),
        attrs=dict(record.get("attrs") or {}),
        metrics=dict(record.get("metrics") or {}),
        curves={k: list(v) for k, v in (record.get("curves") or {}).items()},
        wall_time_s=float(record.get("wall_time_s") or 0.0),
        proposal_s=float(record.get("proposal_s") or 0.0),
    )
