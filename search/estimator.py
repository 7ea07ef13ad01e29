"""Performance estimation, the engine's third axis: how cheaply a point's quality is measured.

An estimator combines three independent choices, any of which works with any strategy and any
space: a fidelity scheduler (full, a fixed low fidelity, successive halving, Hyperband, ASHA),
learning-curve stopping (cut a trial whose curve will not beat the best), and weight
inheritance (start a trial from another's trained weights and train it for fewer epochs).
They are named together, e.g. ``hyperband+curve+inherit``; ``full`` is plain training.

Like strategies, the estimator decides and never trains: it writes its decisions into the
trial (its fidelity, ``inherit`` and ``stop_target`` fields) and the objective carries them
out, so the search engine stays free of TensorFlow and every decision is in the study record.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from search.curves import CurveStopping
from search.fidelity import Fidelity
from search.schedulers import (
    AsynchronousSuccessiveHalving,
    FixedFidelity,
    Hyperband,
    Scheduler,
    SuccessiveHalving,
)
from search.space import SearchSpace
from search.trial import InheritedWeights, Trial

SCHEDULER_NAMES: dict[str, Callable[..., Scheduler]] = {
    "full": FixedFidelity,
    "low": FixedFidelity,
    "successive_halving": SuccessiveHalving,
    "hyperband": Hyperband,
    "asha": AsynchronousSuccessiveHalving,
}
MODIFIERS = ("curve", "inherit")
INACTIVE = -1.0


class EstimatorError(ValueError):
    """An estimator name or setting that cannot work; one line, fit for a terminal."""


@dataclass(frozen=True)
class EstimatorSettings:
    """The knobs of every estimator, with defaults that suit tens of trials of tabular data."""

    # Schedulers keep the best 1/eta of each rung, over ``levels`` rungs (the lowest at
    # eta**-(levels-1) of the full compute); None: the scheduler's own default.
    eta: int | None = None
    levels: int | None = None
    low_fidelity: Fidelity | None = None  # for "low"; default: a third of the epochs and rows
    curve_threshold: float = 0.05  # stop when P(beat the best) falls below this
    curve_min_epochs: int = 3
    inherit_fraction: float = 0.5  # a child that inherits trains this fraction of the epochs


@dataclass(frozen=True)
class Estimator:
    name: str
    scheduler: Scheduler
    curve_stopping: CurveStopping | None = None
    inherit: bool = False
    inherit_fraction: float = 0.5
    _space: SearchSpace | None = field(default=None, repr=False, compare=False)

    @property
    def full(self) -> Fidelity:
        """The fidelity results are finally compared at (the top rung)."""
        return self.scheduler.rung_fidelity(self.scheduler.top)

    def final_trials(self, trials: Sequence[Trial]) -> list[Trial]:
        """The trials a final choice is made among: those at the top rung, else (a budget
        spent before any reached it) those at the highest rung reached."""
        top = max((t.rung for t in trials if t.scored), default=0)
        return [t for t in trials if t.rung == top]

    def stop_target(self, trial: Trial, history: Sequence[Trial]) -> float | None:
        """The value a running curve must be able to beat: the best of the trial's rung."""
        if self.curve_stopping is None:
            return None
        values = [float(t.value) for t in history if t.scored and t.rung == trial.rung]  # type: ignore[arg-type]
        return min(values, default=None)

    def inheritance(self, trial: Trial, history: Sequence[Trial]) -> InheritedWeights | None:
        """Which trial's weights ``trial`` starts from, and for how many epochs it trains.

        A promotion continues its own lower-rung weights up to the new rung's epochs (as
        KerasTuner's Hyperband does). Any other trial inherits from the parent its strategy
        derived it from (evolution, progressive) or, for strategies that sample afresh, from
        the most similar of the better half of its rung's results, morphed to its
        architecture; it then trains ``inherit_fraction`` of its epochs.
        """
        if not self.inherit or trial.fidelity is None:
            return None
        if trial.promoted_from is not None:
            parent = history[trial.promoted_from]
            done = int(parent.attrs.get("model_epochs", parent.cost.get("epochs", 0)))
            epochs = max(1, trial.fidelity.epochs - done)
            return InheritedWeights(parent.number, "continue", epochs, initial_epoch=done)
        similar = self._parent(trial, history)
        if similar is None:
            return None
        epochs = max(1, math.ceil(trial.fidelity.epochs * self.inherit_fraction))
        return InheritedWeights(similar.number, "morph", epochs)

    def _parent(self, trial: Trial, history: Sequence[Trial]) -> Trial | None:
        if "parent" in trial.attrs:
            number = int(trial.attrs["parent"])
            if number < 0:  # an earlier study's result (warm start): its weights are gone
                return None
            parent = history[number]
            return parent if parent.scored else None
        ranked = sorted(
            (t for t in history if t.scored and t.rung == trial.rung),
            key=lambda t: float(t.value),  # type: ignore[arg-type]
        )
        better = ranked[: max(1, len(ranked) // 2)]
        if not better or self._space is None:
            return None
        here = np.array(self._space.to_unit(trial.params, inactive=INACTIVE))
        distances = [
            float(np.abs(np.array(self._space.to_unit(t.params, inactive=INACTIVE)) - here).sum())
            for t in better
        ]
        return better[int(np.argmin(distances))]


def parse_estimator_name(name: str) -> tuple[str, tuple[str, ...]]:
    """(scheduler, modifiers) of a name such as ``hyperband+curve``; EstimatorError if bad."""
    parts = [p.strip() for p in name.split("+") if p.strip()]
    if not parts:
        raise EstimatorError("an estimator name is needed, e.g. 'hyperband' or 'full+curve'")
    unknown = [p for p in parts if p not in SCHEDULER_NAMES and p not in MODIFIERS]
    if unknown:
        raise EstimatorError(
            f"unknown estimator part '{unknown[0]}' (schedulers: {', '.join(SCHEDULER_NAMES)}; "
            f"modifiers: {', '.join(MODIFIERS)})"
        )
    schedulers = [p for p in parts if p in SCHEDULER_NAMES]
    if len(schedulers) > 1:
        both = " and ".join(schedulers)
        raise EstimatorError(f"estimator '{name}' names two schedulers: {both}")
    if len(set(parts)) != len(parts):
        raise EstimatorError(f"estimator '{name}' repeats a part")
    return (schedulers[0] if schedulers else "full"), tuple(m for m in MODIFIERS if m in parts)


def create_estimator(
    name: str, full: Fidelity, space: SearchSpace, settings: EstimatorSettings | None = None
) -> Estimator:
    """``name``: a scheduler (full, low, successive_halving, hyperband, asha), optionally
    followed by ``+curve`` and/or ``+inherit``; the modifiers alone mean full fidelity."""
    settings = settings or EstimatorSettings()
    kind, modifiers = parse_estimator_name(name)
    try:
        if kind == "low":
            low = settings.low_fidelity or Fidelity(
                max(1, round(full.epochs / 3)), rows=full.rows / 3, width=full.width
            )
            scheduler: Scheduler = FixedFidelity(low)
        elif kind == "full":
            scheduler = FixedFidelity(full)
        else:
            scheduler = SCHEDULER_NAMES[kind](full, eta=settings.eta, levels=settings.levels)
        curve = (
            CurveStopping(settings.curve_threshold, settings.curve_min_epochs)
            if "curve" in modifiers
            else None
        )
    except ValueError as exc:
        raise EstimatorError(str(exc)) from None
    if not 0.0 < settings.inherit_fraction <= 1.0:
        raise EstimatorError(f"inherit_fraction {settings.inherit_fraction} must be in (0, 1]")
    return Estimator(
        "+".join([kind, *modifiers]),
        scheduler,
        curve_stopping=curve,
        inherit="inherit" in modifiers,
        inherit_fraction=settings.inherit_fraction,
        _space=space,
    )
