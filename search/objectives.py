"""Several objectives: the Pareto front of the trials, and the rule that picks the final one.

The strategy optimises one number (the primary objective, a validation metric); size and
latency are measured for every trial and only enter here, after the search. That keeps every
single-objective strategy usable as it is, and lets a user change the selection rule (a new
latency bound) without searching again: the study holds every measurement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from search.trial import Trial

Direction = Literal["min", "max"]
RULES = ("best", "fastest", "smallest")


class NoFeasibleTrial(RuntimeError):
    """No completed trial satisfies the user's constraints."""


@dataclass(frozen=True)
class Objective:
    name: str
    direction: Direction = "min"

    def loss(self, trial: Trial) -> float:
        """The metric as a quantity to minimise."""
        return self.loss_of(trial.metrics)

    def loss_of(self, metrics: Mapping[str, float]) -> float:
        value = metrics[self.name]
        return value if self.direction == "min" else -value

    def allows(self, trial: Trial, bound: float) -> bool:
        value = trial.metrics[self.name]
        return value <= bound if self.direction == "min" else value >= bound


def _measured(trials: Sequence[Trial], objectives: Sequence[Objective]) -> list[Trial]:
    return [t for t in trials if t.scored and all(o.name in t.metrics for o in objectives)]


def runners_up(
    trials: Sequence[Trial],
    chosen: Trial,
    primary: Objective,
    constraints: Mapping[Objective, float] | None = None,
    count: int = 9,
    rank: Callable[[Trial], Any] | None = None,
) -> list[Trial]:
    """The next best trials after ``chosen``, each point once, meeting the constraints: the
    candidates an ensemble may add to it. ``rank``: the order (default: the primary metric),
    e.g. higher fidelity first, since values at different fidelities do not compare."""
    constraints = dict(constraints or {})
    measured = _measured(trials, [primary, *constraints])
    feasible = [t for t in measured if all(o.allows(t, b) for o, b in constraints.items())]
    found: list[Trial] = []
    for trial in sorted(feasible, key=rank or primary.loss):
        if len(found) == count:
            break
        if all(trial.params != t.params for t in [chosen, *found]):
            found.append(trial)
    return found


def dominates(a: Trial, b: Trial, objectives: Sequence[Objective]) -> bool:
    pairs = [(o.loss(a), o.loss(b)) for o in objectives]
    return all(x <= y for x, y in pairs) and any(x < y for x, y in pairs)


def pareto_front(trials: Sequence[Trial], objectives: Sequence[Objective]) -> list[Trial]:
    """The completed trials no other completed trial beats on every objective at once."""
    candidates = _measured(trials, objectives)
    return [t for t in candidates if not any(dominates(o, t, objectives) for o in candidates)]


def rule_cost(rule: str) -> str | None:
    """The metric a selection rule trades accuracy for (None: the rule looks at none)."""
    return {"fastest": "latency_ms", "smallest": "params"}.get(rule)


def select(
    trials: Sequence[Trial],
    primary: Objective,
    constraints: Mapping[Objective, float] | None = None,
    rule: str = "best",
    tolerance: float = 0.0,
) -> Trial:
    """The final trial.

    ``best``: the best primary metric among the trials that meet every constraint.
    ``fastest`` / ``smallest``: among those within ``tolerance`` (relative) of that best, the
    lowest latency / fewest parameters: a slightly worse model that is ten times cheaper.
    """
    constraints = dict(constraints or {})
    measured = _measured(trials, [primary, *constraints])
    feasible = [t for t in measured if all(o.allows(t, b) for o, b in constraints.items())]
    if not feasible:
        bounds = ", ".join(
            f"{o.name} {'<=' if o.direction == 'min' else '>='} {b:g}"
            for o, b in constraints.items()
        )
        raise NoFeasibleTrial(
            f"none of the {len(measured)} completed trials meets {bounds or 'the objectives'}"
        )
    best = min(feasible, key=primary.loss)
    if rule == "best":
        return best
    if rule not in RULES:
        raise ValueError(f"unknown selection rule '{rule}' (choose from: {', '.join(RULES)})")
    slack = abs(primary.loss(best)) * tolerance
    near = [t for t in feasible if primary.loss(t) <= primary.loss(best) + slack]
    cost = rule_cost(rule)
    assert cost is not None  # "best", the rule without one, returned above
    return min(near, key=lambda t: (t.metrics.get(cost, float("inf")), primary.loss(t)))
