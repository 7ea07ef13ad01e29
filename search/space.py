"""Search spaces declared as data: typed parameters, conditions, validation, sampling, encoding.

A space is a value object that strategies only read. Every point is validated against it
(``check``), so an invalid point is rejected with a reason instead of failing deep inside model
building. Conditions (a parameter that exists only for some values of an earlier one, e.g. the
width of block 3 only when there are at least 3 blocks) keep the space honest: inactive
parameters are absent from a point, not filled with noise that a model-based strategy would
try to learn from.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Value = int | float | str | bool
Vector = npt.NDArray[np.float64]  # a point in the unit box, curves, scores
PointKey = tuple[tuple[str, Value], ...]  # search.space.point_key


class SpaceError(ValueError):
    """A space or a point that cannot be used; one line, fit for a terminal."""


@dataclass(frozen=True)
class Condition:
    """Active only when the earlier parameter ``parent`` takes one of ``values``."""

    parent: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Param(abc.ABC):
    """Base of the parameter kinds; a numeric one samples uniformly in its unit encoding."""

    name: str
    condition: Condition | None = field(default=None, kw_only=True)

    def sample(self, rng: np.random.Generator) -> Value:
        return self.from_unit(float(rng.random()))

    @abc.abstractmethod
    def check(self, value: Any) -> str | None:
        """None if ``value`` belongs to this parameter, else the reason it does not."""

    @abc.abstractmethod
    def to_unit(self, value: Value) -> float:
        """Position in [0, 1], for strategies that model the space as a box."""

    @abc.abstractmethod
    def from_unit(self, u: float) -> Value:
        """The value at position ``u`` of [0, 1] (log scales and steps applied)."""

    @abc.abstractmethod
    def grid(self) -> list[Value]:
        """Every value grid search tries."""


@dataclass(frozen=True)
class Int(Param):
    low: int = 0
    high: int = 1
    step: int = 1
    log: bool = False

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise SpaceError(f"{self.name}: low {self.low} is above high {self.high}")
        if self.step < 1:
            raise SpaceError(f"{self.name}: step must be at least 1")
        if self.log and self.low < 1:
            raise SpaceError(f"{self.name}: a log scale needs low >= 1")

    def grid(self) -> list[Value]:
        return list(range(self.low, self.high + 1, self.step))

    def check(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            return f"{self.name}={value!r} is not an integer"
        if not self.low <= value <= self.high or (value - self.low) % self.step:
            return f"{self.name}={value} is not in {self.low}..{self.high} step {self.step}"
        return None

    def to_unit(self, value: Value) -> float:
        if self.high == self.low:
            return 0.5
        if self.log:
            return math.log(float(value) / self.low) / math.log(self.high / self.low)
        return (float(value) - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> Value:
        u = min(max(u, 0.0), 1.0)
        raw = (
            self.low * (self.high / self.low) ** u
            if self.log
            else self.low + u * (self.high - self.low)
        )
        snapped = self.low + round((raw - self.low) / self.step) * self.step
        return int(min(max(snapped, self.low), self.high - (self.high - self.low) % self.step))


@dataclass(frozen=True)
class Float(Param):
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    step: float | None = None  # grid search only (a factor on a log scale); sampling is continuous

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise SpaceError(f"{self.name}: low {self.low} must be below high {self.high}")
        if self.log and self.low <= 0:
            raise SpaceError(f"{self.name}: a log scale needs low > 0")
        if self.step is not None and (self.step <= 0 or (self.log and self.step <= 1)):
            raise SpaceError(
                f"{self.name}: step {self.step} must be positive (above 1 on a log scale)"
            )

    def grid(self) -> list[Value]:
        if self.step is None:
            raise SpaceError(f"{self.name}: a float needs a step to be searched on a grid")
        if self.log:  # on a log scale the step is a factor: 1e-4, 1e-3, ... for step=10
            count = math.floor(math.log(self.high / self.low) / math.log(self.step) + 1e-9) + 1
            return [float(f"{self.low * self.step**i:.12g}") for i in range(count)]
        count = math.floor((self.high - self.low) / self.step + 1e-9) + 1
        return [round(self.low + i * self.step, 12) for i in range(count)]

    def check(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
            return f"{self.name}={value!r} is not a number"
        if not self.low <= value <= self.high:
            return f"{self.name}={value} is not in [{self.low}, {self.high}]"
        return None

    def to_unit(self, value: Value) -> float:
        if self.log:
            return math.log(float(value) / self.low) / math.log(self.high / self.low)
        return (float(value) - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> Value:
        u = min(max(u, 0.0), 1.0)
        if self.log:
            raw = self.low * (self.high / self.low) ** u
        else:
            raw = self.low + u * (self.high - self.low)
        # Clamped: in floats 1e-4 * 300.0**1.0 is 0.030000000000000002, outside [1e-4, 0.03].
        return float(min(max(raw, self.low), self.high))


@dataclass(frozen=True)
class Choice(Param):
    values: tuple[Value, ...] = ()

    def __post_init__(self) -> None:
        if not self.values:
            raise SpaceError(f"{self.name}: a choice needs at least one value")
        if len(set(self.values)) != len(self.values):
            raise SpaceError(f"{self.name}: repeated values in {list(self.values)}")

    def grid(self) -> list[Value]:
        return list(self.values)

    def sample(self, rng: np.random.Generator) -> Value:
        return self.values[int(rng.integers(len(self.values)))]

    def check(self, value: Any) -> str | None:
        return (
            None
            if value in self.values
            else f"{self.name}={value!r} is not one of {list(self.values)}"
        )

    def to_unit(self, value: Value) -> float:
        return (self.values.index(value) + 0.5) / len(self.values)

    def from_unit(self, u: float) -> Value:
        return self.values[
            min(int(min(max(u, 0.0), 1.0) * len(self.values)), len(self.values) - 1)
        ]


def point_key(point: Mapping[str, Value]) -> PointKey:
    """A hashable identity of a point: two points with the same values are the same trial."""
    return tuple(sorted(point.items()))


class SearchSpace:
    """An ordered set of parameters; conditions may only point at earlier parameters."""

    def __init__(self, params: Sequence[Param]) -> None:
        if not params:
            raise SpaceError("the search space is empty")
        self.params: tuple[Param, ...] = tuple(params)
        seen: dict[str, Param] = {}
        for param in self.params:
            if param.name in seen:
                raise SpaceError(f"parameter '{param.name}' is declared twice")
            if param.condition is not None:
                parent = seen.get(param.condition.parent)
                if parent is None:
                    raise SpaceError(
                        f"{param.name}: condition on '{param.condition.parent}', "
                        "which is not an earlier parameter"
                    )
                bad = [v for v in param.condition.values if parent.check(v) is not None]
                if bad or not param.condition.values:
                    raise SpaceError(
                        f"{param.name}: condition values {bad or '[]'} can never be taken "
                        f"by '{parent.name}'"
                    )
            seen[param.name] = param
        self._by_name = seen

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def is_active(self, param: Param, point: Mapping[str, Value]) -> bool:
        condition = param.condition
        return condition is None or point.get(condition.parent) in condition.values

    def sample(self, rng: np.random.Generator) -> dict[str, Value]:
        point: dict[str, Value] = {}
        for param in self.params:
            if self.is_active(param, point):
                point[param.name] = param.sample(rng)
        return point

    def from_unit(self, vector: Sequence[float]) -> dict[str, Value]:
        """Decodes a point of the unit box: one coordinate per parameter, inactive ones unused."""
        point: dict[str, Value] = {}
        for param, u in zip(self.params, vector, strict=True):
            if self.is_active(param, point):
                point[param.name] = param.from_unit(float(u))
        return point

    def to_unit(self, point: Mapping[str, Value], inactive: float = 0.5) -> Vector:
        return np.array(
            [
                param.to_unit(point[param.name]) if param.name in point else inactive
                for param in self.params
            ]
        )

    def branch_midpoints(self, name: str) -> list[dict[str, Value]]:
        """One point per value of the choice ``name``: that value, and the middle of every
        range (on its own scale) and choice list under it; a plain first try of each branch."""
        choice = self[name]
        points = []
        for value in choice.grid():
            vector = [p.to_unit(value) if p is choice else 0.5 for p in self.params]
            points.append(self.from_unit(vector))
        return points

    def check(self, point: Mapping[str, Value]) -> str | None:
        """None for a valid point, else why not (unknown, missing, inactive or bad values)."""
        known = set(self._by_name)
        unknown = sorted(set(point) - known)
        if unknown:
            return f"unknown parameter(s): {', '.join(unknown)}"
        for param in self.params:
            active = self.is_active(param, point)
            if active and param.name not in point:
                return f"{param.name} is missing"
            if not active and param.name in point:
                return f"{param.name} is set but inactive"
            if active and (reason := param.check(point[param.name])):
                return reason
        return None

    def grid(self, fixed: Mapping[str, Value] | None = None) -> Iterator[dict[str, Value]]:
        """Every combination, each valid and once, in declaration order (the last parameter
        varies fastest); ``fixed`` pins parameters to one value.

        Depth first over the active parameters only: an inactive parameter's values are never
        multiplied in, so a space of families (a network's and two forests' parameters, each
        behind its family) costs its own size, not the product of all of them.
        """
        fixed = fixed or {}

        def expand(index: int, point: dict[str, Value]) -> Iterator[dict[str, Value]]:
            if index == len(self.params):
                yield dict(point)
                return
            param = self.params[index]
            if not self.is_active(param, point):
                yield from expand(index + 1, point)
                return
            values = [fixed[param.name]] if param.name in fixed else param.grid()
            for value in values:
                point[param.name] = value
                yield from expand(index + 1, point)
            del point[param.name]

        yield from expand(0, {})

    def __str__(self) -> str:
        lines = []
        for param in self.params:
            kind = type(param).__name__
            if isinstance(param, Choice):
                domain = "{" + ", ".join(map(str, param.values)) + "}"
            else:
                domain = f"[{param.low}, {param.high}]" + (" log" if param.log else "")  # type: ignore[attr-defined]
            when = ""
            if param.condition is not None:
                when = f"  if {param.condition.parent} in {list(param.condition.values)}"
            lines.append(f"{param.name:<24}{kind:<8}{domain}{when}")
        return "\n".join(lines)
