"""The one interface every search strategy implements.

A strategy proposes what to try next from the history of trials, and never trains, prints,
reads the environment or touches files. It keeps no state that cannot be rebuilt from the
history (Optuna's rule), so resuming a study or sharing it between workers is just handing the
same history to a new instance; the rare strategy that must remember more (an RL controller's
weights) round-trips it through ``get_state``/``set_state``.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from search.space import SearchSpace, Value, point_key
from search.trial import Trial


@dataclass(frozen=True)
class Proposal:
    params: dict[str, Value]
    attrs: dict[str, Any] = field(default_factory=dict)


def untried(
    candidates: list[dict[str, Value]], history: Sequence[Trial]
) -> list[dict[str, Value]]:
    """The candidates no trial has tried yet (all of them when every one has been tried)."""
    tried = {point_key(t.params) for t in history}
    return [c for c in candidates if point_key(c) not in tried] or candidates


class Exhausted(Exception):
    """The strategy has nothing left to propose (a finished grid, say)."""


class Strategy(abc.ABC):
    """Subclasses implement ``propose``; ``name`` is how configs and the CLI refer to them."""

    name: ClassVar[str]

    def __init__(self, space: SearchSpace, seed: int = 0) -> None:
        self.space = space
        self.seed = seed

    def rng_for(self, number: int) -> np.random.Generator:
        """A generator for trial ``number``: the same seed and history give the same proposal."""
        return np.random.default_rng([self.seed, number])

    @abc.abstractmethod
    def propose(self, history: Sequence[Trial], number: int) -> Proposal:
        """The point for trial ``number``; raises Exhausted when there is none left."""

    def get_state(self) -> dict[str, Any]:
        return {}

    def set_state(self, state: dict[str, Any]) -> None:
        del state
