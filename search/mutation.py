"""Changing one parameter of a point, the way evolution and progressive search derive children."""

from __future__ import annotations

import numpy as np

from search.space import Choice, Float, Int, Param, SearchSpace, Value

UNIT_STEP = 0.15  # standard deviation of a numeric mutation, in unit-box coordinates


def _mutate_value(param: Param, value: Value, rng: np.random.Generator) -> Value:
    if isinstance(param, Choice):
        others = [v for v in param.values if v != value]
        return others[int(rng.integers(len(others)))] if others else value
    if isinstance(param, Int | Float):
        u = param.to_unit(value) + rng.normal(0.0, UNIT_STEP)
        new = param.from_unit(float(np.clip(u, 0.0, 1.0)))
        if new == value and isinstance(param, Int) and param.high > param.low:
            current = int(value)
            step = (
                param.step
                if rng.random() < 0.5 or current - param.step < param.low
                else -param.step
            )
            new = int(min(max(current + step, param.low), param.high))
        return new
    raise TypeError(f"cannot mutate {type(param).__name__}")


def mutate(
    space: SearchSpace, point: dict[str, Value], rng: np.random.Generator
) -> dict[str, Value]:
    """One active parameter changes; parameters it (de)activates are sampled or dropped."""
    active = [p for p in space if p.name in point]
    target = active[int(rng.integers(len(active)))]
    child: dict[str, Value] = {}
    for param in space:
        if not space.is_active(param, child):
            continue
        if param.name == target.name:
            child[param.name] = _mutate_value(param, point[param.name], rng)
        elif param.name in point:
            child[param.name] = point[param.name]
        else:
            child[param.name] = param.sample(rng)  # newly active, e.g. a new block's width
    return child
