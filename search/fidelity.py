"""Fidelity: how much of a full training run a trial gets, and the unit its cost is counted in.

Three knobs, all of which make a trial cheaper and its result noisier: fewer epochs, a fraction
of the training rows per epoch, and narrower layers. Compute is counted in *full-data epochs*
(epochs x fraction of rows): the unit of "epochs x rows trained", normalised by the training
split's size so that budgets read the same on any dataset. Two searches given the same compute
have trained on the same number of rows, whatever mix of trials they chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


class FidelityError(ValueError):
    """A fidelity that trains nothing; one line, fit for a terminal."""


@dataclass(frozen=True, order=True)
class Fidelity:
    epochs: int
    rows: float = 1.0  # fraction of the training rows seen per epoch
    width: float = 1.0  # multiplier on every layer's width

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise FidelityError(f"a fidelity needs at least one epoch, not {self.epochs}")
        for name in ("rows", "width"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise FidelityError(f"fidelity {name}={value} must be in (0, 1]")

    @property
    def compute(self) -> float:
        """Full-data epochs this fidelity trains from scratch."""
        return self.epochs * self.rows

    def scaled(self, fraction: float) -> Fidelity:
        """``fraction`` of this fidelity's compute: fewer epochs first, and below one epoch a
        fraction of the rows (one pass over half the data beats half a pass's worth of
        gradient steps on all of it, and is what a 100k-row dataset needs)."""
        if not 0.0 < fraction <= 1.0:
            raise FidelityError(f"a fidelity fraction must be in (0, 1], not {fraction}")
        exact = fraction * self.epochs
        epochs = max(1, round(exact))
        return Fidelity(epochs, rows=self.rows * min(1.0, exact / epochs), width=self.width)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Fidelity:
        return cls(int(values["epochs"]), float(values["rows"]), float(values["width"]))


# What an objective and its trial process may add to a trial's cost, in seconds: the training
# loop alone, and the whole trial process (start, data, build, measuring, record). Their
# difference is the trial's fixed cost, which the schedulers weigh a rung's training against.
TRAIN_SECONDS = "train_s"
TRIAL_SECONDS = "trial_s"


def trial_cost(epochs: int, rows: float, row_count: int | None = None) -> dict[str, float]:
    """What a trial spent: ``compute`` in full-data epochs, and absolute row-epochs when the
    objective knows how many rows the training split has."""
    cost = {"epochs": float(epochs), "rows": float(rows), "compute": float(epochs * rows)}
    if row_count is not None:
        cost["row_epochs"] = float(round(epochs * rows * row_count))
    return cost
