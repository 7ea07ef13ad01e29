"""A trial: one point of the space, its budget, and what came of it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal

from search.fidelity import Fidelity
from search.space import Value


class TrialStatus(enum.Enum):
    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"  # stopped early (its curve was not going to win); value as observed
    FAILED = "failed"  # final: the point cannot be trained (reason in ``error``)


@dataclass(frozen=True)
class InheritedWeights:
    """The trained weights a trial starts from, as the estimator decided (the objective carries
    it out): ``continue``, a promotion resuming its own lower-rung model at ``initial_epoch``;
    ``morph``, another trial's weights mapped onto this architecture. Either way the trial
    then trains ``epochs`` more."""

    source: int  # the trial whose snapshot it starts from
    kind: Literal["continue", "morph"]
    epochs: int
    initial_epoch: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "kind": self.kind, "epochs": self.epochs,
                "initial_epoch": self.initial_epoch}  # fmt: skip

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> InheritedWeights:
        kind = record["kind"]
        if kind not in ("continue", "morph"):
            raise ValueError(f"unknown inheritance kind {kind!r}")
        return cls(int(record["from"]), kind, int(record["epochs"]),
                   int(record.get("initial_epoch", 0)))  # fmt: skip


@dataclass
class Trial:
    """Strategies read trials; only the study writes them.

    ``value`` is the objective, always minimised by the engine (a metric to maximise is
    negated at the boundary, once). ``fidelity`` is what the estimator asked for and ``cost``
    what the trial spent (epochs, rows, ``compute`` in full-data epochs, seconds): real
    fields, never fake hyperparameters, so results are compared like with like.

    Where the fidelity scheduler put the trial (``rung``, ``bracket``, ``promoted_from``) and
    what the estimator decided for it (``inherit``, ``stop_target``) are typed fields that
    schedulers, budget, estimator and the Tuner share; ``attrs`` holds only a strategy's or an
    objective's own notes (a parent, a stage, the epochs a model reached).
    """

    number: int
    params: dict[str, Value]
    status: TrialStatus = TrialStatus.RUNNING
    value: float | None = None
    fidelity: Fidelity | None = None
    cost: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    error: str | None = None
    rung: int = 0  # the scheduler's fidelity level, 0 the lowest
    bracket: int | None = None  # Hyperband's bracket
    promoted_from: int | None = None  # the lower-rung trial whose point this one trains further
    inherit: InheritedWeights | None = None
    stop_target: float | None = None  # the value a learning curve must be able to beat
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
        "rung": trial.rung,
        "bracket": trial.bracket,
        "promoted_from": trial.promoted_from,
        "inherit": trial.inherit.to_dict() if trial.inherit else None,
        "stop_target": trial.stop_target,
        "attrs": trial.attrs,
        "metrics": trial.metrics,
        "curves": trial.curves,
        "wall_time_s": trial.wall_time_s,
        "proposal_s": trial.proposal_s,
    }


# Records written before the schedule had fields kept it in ``attrs`` under these keys.
_SCHEDULE_KEYS = ("rung", "bracket", "promoted_from", "inherit", "stop_target")


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def trial_from_record(record: dict[str, Any]) -> Trial:
    fidelity = record.get("fidelity")
    attrs = dict(record.get("attrs") or {})
    legacy = {key: attrs.pop(key) for key in _SCHEDULE_KEYS if key in attrs}
    schedule = {key: record.get(key, legacy.get(key)) for key in _SCHEDULE_KEYS}
    return Trial(
        number=int(record["number"]),
        params=dict(record["params"]),
        status=TrialStatus(record["status"]),
        value=record.get("value"),
        fidelity=Fidelity.from_dict(fidelity) if fidelity else None,
        cost=dict(record.get("cost") or {}),
        seed=int(record.get("seed", 0)),
        error=record.get("error"),
        rung=int(schedule["rung"] or 0),
        bracket=_optional_int(schedule["bracket"]),
        promoted_from=_optional_int(schedule["promoted_from"]),
        inherit=InheritedWeights.from_dict(schedule["inherit"]) if schedule["inherit"] else None,
        stop_target=None if schedule["stop_target"] is None else float(schedule["stop_target"]),
        attrs=attrs,
        metrics=dict(record.get("metrics") or {}),
        curves={k: list(v) for k, v in (record.get("curves") or {}).items()},
        wall_time_s=float(record.get("wall_time_s") or 0.0),
        proposal_s=float(record.get("proposal_s") or 0.0),
    )
