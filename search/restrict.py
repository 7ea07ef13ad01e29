"""User narrowing of a declared space: fix a parameter, restrict it to values, or narrow a range.

Declared spaces are wide on purpose; a user who knows better (a latency budget that rules out
wide blocks, a learning rate they trust) narrows one from the config file without writing
Python. Narrowing can only shrink a space: a value outside the declared domain is an error,
not an extension. A parameter whose condition can no longer hold is dropped, with everything
that depends on it, because it can never be active.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from search.space import Choice, Condition, Float, Int, Param, SearchSpace, SpaceError


def _narrowed(param: Param, rule: Any) -> Param:
    if isinstance(rule, Mapping):
        if not isinstance(param, Int | Float):
            raise SpaceError(f"{param.name}: only a numeric parameter takes a low/high range")
        unknown = set(rule) - {"low", "high"}
        if unknown:
            raise SpaceError(
                f"{param.name}: unknown range key(s) {sorted(unknown)} (use low, high)"
            )
        low, high = rule.get("low", param.low), rule.get("high", param.high)
        for bound in (low, high):
            if reason := param.check(bound):
                raise SpaceError(f"outside the declared space: {reason}")
        if low == high:
            return Choice(param.name, (low,), condition=param.condition)
        return replace(param, low=low, high=high)
    values = tuple(rule) if isinstance(rule, list | tuple) else (rule,)
    if not values:
        raise SpaceError(f"{param.name}: an empty list leaves nothing to search")
    for value in values:
        if reason := param.check(value):
            raise SpaceError(f"outside the declared space: {reason}")
    return Choice(param.name, values, condition=param.condition)


def restrict(space: SearchSpace, overrides: Mapping[str, Any]) -> SearchSpace:
    """``overrides`` maps a name to a value (fixed), a list (choices) or {low, high} (range)."""
    unknown = sorted(set(overrides) - {p.name for p in space})
    if unknown:
        raise SpaceError(
            f"unknown parameter(s) {', '.join(unknown)} in the space overrides "
            f"(known: {', '.join(p.name for p in space)})"
        )
    kept: dict[str, Param] = {}
    for param in space:
        if param.name in overrides:
            param = _narrowed(param, overrides[param.name])
        condition = param.condition
        if condition is not None:
            parent = kept.get(condition.parent)
            possible = tuple(
                v for v in condition.values if parent is not None and parent.check(v) is None
            )
            if not possible:
                continue  # can never be active any more
            param = replace(param, condition=Condition(condition.parent, possible))
        kept[param.name] = param
    return SearchSpace(list(kept.values()))
