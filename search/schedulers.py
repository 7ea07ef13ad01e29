"""Fidelity schedulers: at what fidelity the next trial runs, and which results earn more.

A scheduler never proposes a point; it decides whether the next trial is a *new* point (which
the strategy proposes, at the fidelity the scheduler names) or the *promotion* of a point
already tried to a higher fidelity. That split is what lets any strategy ride any scheduler:
random + Hyperband is Hyperband (Li et al. 2017), TPE or the GP + Hyperband is BOHB (Falkner et
al. 2018), evolution + ASHA (Li et al. 2020) is asynchronous evolution with early culling.

Rungs are fidelities ``eta**-k`` of the full one, k = levels-1 .. 0 (see ``Fidelity.scaled``).
Like strategies, schedulers keep no state: every decision is a function of the history, each
trial carrying its rung (and bracket) in its own typed fields, so a resumed search picks up
mid-bracket.
"""

from __future__ import annotations

import abc
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from search.fidelity import TRAIN_SECONDS, TRIAL_SECONDS, Fidelity
from search.trial import Trial, TrialStatus

# Trials that must report their training and whole time before a rung is judged too cheap.
MEASURED_TRIALS = 3


@dataclass(frozen=True)
class Assignment:
    """The next trial: a fidelity and rung, and either a new point (``promote`` None) or a
    promotion of an earlier trial's point."""

    fidelity: Fidelity
    rung: int
    promote: Trial | None = None
    bracket: int | None = None

    def place(self, trial: Trial) -> None:
        """Writes the assignment into the trial it became."""
        trial.fidelity, trial.rung, trial.bracket = self.fidelity, self.rung, self.bracket
        trial.promoted_from = self.promote.number if self.promote is not None else None


def _loss(trial: Trial) -> float:
    """Failed and unscored trials rank last, so they are never promoted ahead of a result."""
    return float(trial.value) if trial.scored else math.inf  # type: ignore[arg-type]


class Scheduler(abc.ABC):
    name: ClassVar[str]
    # What a scheduler runs with when the config leaves eta and levels out.
    default_eta: ClassVar[int] = 3
    default_levels: ClassVar[int] = 3

    def __init__(self, full: Fidelity, eta: int | None = None, levels: int | None = None) -> None:
        eta = self.default_eta if eta is None else eta
        levels = self.default_levels if levels is None else levels
        if eta < 2:
            raise ValueError(f"eta={eta}: each rung must keep at most half, so eta must be >= 2")
        if levels < 1:
            raise ValueError(f"levels={levels}: a scheduler needs at least one rung")
        self.full = full
        self.eta = eta
        self.levels = levels

    def rung_fidelity(self, rung: int) -> Fidelity:
        """Rung ``levels - 1`` is the full fidelity; each rung below costs 1/eta of the next."""
        return self.full.scaled(float(self.eta) ** (rung - (self.levels - 1)))

    @property
    def top(self) -> int:
        return self.levels - 1

    def entry_rung(self, history: Sequence[Trial]) -> int:
        """The lowest rung a new point should start at: the lowest whose training, foreseen
        from the trials measured so far, takes at least as long as a trial's fixed cost (its
        process's seconds outside the training loop: start, data, build, measuring, record).
        Below that a trial mostly measures its overhead and ranks points on a sliver of
        training; on a small table (penguins, digits) every rung below the full one is, and
        new points train in full (issue 21: a fidelity schedule for wall time).

        The training is foreseen per full-data epoch (``Fidelity.compute``), the median over
        trials, so it follows the data's size and the machine's speed without a constant;
        rung 0 until ``MEASURED_TRIALS`` trials reported both times."""
        per_compute, fixed = [], []
        for trial in history:
            train, whole = trial.cost.get(TRAIN_SECONDS), trial.cost.get(TRIAL_SECONDS)
            compute = trial.cost.get("compute")
            if trial.finished and train and whole and compute:
                per_compute.append(train / compute)
                fixed.append(max(0.0, whole - train))
        if len(per_compute) < MEASURED_TRIALS:
            return 0
        training, overhead = statistics.median_high(per_compute), statistics.median_high(fixed)
        for rung in range(self.top):
            if training * self.rung_fidelity(rung).compute >= overhead:
                return rung
        return self.top

    @abc.abstractmethod
    def assign(self, history: Sequence[Trial]) -> Assignment:
        """What the next trial is."""

    def comparable(self, history: Sequence[Trial], min_points: int = 4) -> int:
        """The rung whose results a model should be fitted on: BOHB's rule, the highest rung
        with at least ``min_points`` results (the lowest rung while none has)."""
        for rung in range(self.top, -1, -1):
            if sum(1 for t in history if t.scored and t.rung == rung) >= min_points:
                return rung
        return 0

    def view(self, history: Sequence[Trial], min_points: int = 4) -> list[Trial]:
        """The history as a strategy should see it: results of one rung only, so that it never
        ranks a one-epoch loss against a full one. Trials of other rungs stay in the view as
        unscored (still counted as tried), and trials stopped by their learning curve count
        with their predicted final value, as Domhan et al. feed them back."""
        rung = self.comparable(history, min_points)
        seen: list[Trial] = []
        for trial in history:
            predicted = trial.attrs.get("predicted_value")
            if trial.rung != rung:
                seen.append(replace(trial, status=TrialStatus.RUNNING, value=None))
            elif trial.status is TrialStatus.PRUNED and predicted is not None:
                seen.append(replace(trial, status=TrialStatus.COMPLETE, value=float(predicted)))
            else:
                seen.append(trial)
        return seen

    def _new(self, rung: int, bracket: int | None = None) -> Assignment:
        return Assignment(self.rung_fidelity(rung), rung, bracket=bracket)

    def _promote(self, trial: Trial, bracket: int | None = None) -> Assignment:
        rung = trial.rung + 1
        return Assignment(self.rung_fidelity(rung), rung, promote=trial, bracket=bracket)


class FixedFidelity(Scheduler):
    """Every trial at one fidelity: the full one, or a fixed low fidelity (a fraction of the
    rows, fewer epochs, narrower layers) whose ranking stands in for the full one's."""

    name = "fixed"

    def __init__(self, full: Fidelity, eta: int | None = None, levels: int | None = None) -> None:
        super().__init__(full, eta, levels=1)

    def assign(self, history: Sequence[Trial]) -> Assignment:
        return self._new(0)


class Hyperband(Scheduler):
    """Brackets of successive halving, from the most aggressive (many points at the lowest
    rung) to plain full-fidelity trials, cycled for as long as the budget lasts.

    Bracket ``b`` starts ``n = ceil(levels / (s + 1) * eta**s)`` points at rung
    ``top - s`` (s cycles top .. 0) and promotes the best ``1/eta`` of each rung to the next.
    """

    name = "hyperband"

    def _aggressiveness(self, bracket: int) -> int:
        return self.top - bracket % self.levels

    def _bracket_sizes(
        self, bracket: int, max_aggressiveness: int | None = None
    ) -> dict[int, int]:
        s = self._aggressiveness(bracket)
        if max_aggressiveness is not None:
            s = min(s, max_aggressiveness)
        n = math.ceil(self.levels / (s + 1) * self.eta**s)
        return {self.top - s + i: max(1, n // self.eta**i) for i in range(s + 1)}

    def assign(self, history: Sequence[Trial]) -> Assignment:
        """The first bracket with something to do: earlier brackets first, so that one that
        waited on a running rung (parallel workers) is finished before newer ones."""
        by_bracket: dict[int, list[Trial]] = {}
        for trial in history:
            if trial.bracket is not None:
                by_bracket.setdefault(trial.bracket, []).append(trial)
        floor = self.entry_rung(history)
        bracket = 0
        while (
            step := self._next_in_bracket(bracket, by_bracket.get(bracket, []), floor)
        ) is None:
            bracket += 1
        return step

    def _sizes(self, bracket: int, trials: Sequence[Trial], floor: int) -> dict[int, int]:
        """A bracket's trials per rung. One not started yet starts no lower than ``floor``;
        one started below it takes no new points there: it promotes from those it has."""
        if not trials:
            return self._bracket_sizes(bracket, max_aggressiveness=self.top - floor)
        first = min(t.rung for t in trials)
        sizes = self._bracket_sizes(bracket, max_aggressiveness=self.top - first)
        started = sum(1 for t in trials if t.rung == first)
        if first < floor and started < sizes[first]:
            sizes = {first + i: max(1, started // self.eta**i) for i in range(len(sizes))}
        return sizes

    def _next_in_bracket(
        self, bracket: int, trials: Sequence[Trial], floor: int = 0
    ) -> Assignment | None:
        sizes = self._sizes(bracket, trials, floor)
        first = min(sizes)
        at = {rung: [t for t in trials if t.rung == rung] for rung in sizes}
        if len(at[first]) < sizes[first]:
            return self._new(first, bracket=bracket)
        for rung in sorted(sizes)[:-1]:
            if len(at[rung + 1]) >= sizes[rung + 1]:
                continue
            if not all(t.finished for t in at[rung]):
                # Synchronous by definition: the rung must finish before it is ranked. A new
                # bracket keeps a second worker busy meanwhile.
                return None
            promoted = {t.promoted_from for t in at[rung + 1]}
            ranked = sorted(
                (t for t in at[rung] if t.scored and t.number not in promoted), key=_loss
            )
            if ranked:
                return self._promote(ranked[0], bracket=bracket)
            return None  # nothing scored is left to promote: the bracket ends early
        return None


class SuccessiveHalving(Hyperband):
    """Hyperband's most aggressive bracket only, repeated (Jamieson & Talwalkar 2016)."""

    name = "successive_halving"
    # Nine points screened at a ninth of the compute for each one trained in full: the first
    # full-fidelity result comes after at most 2 full trials' compute (eta 3, 3 levels: 3),
    # and bench/estimators.py chose it (evolution + successive_halving+inherit, the default).
    # Hyperband and ASHA keep the textbook eta 3: their brackets and rungs hedge already.
    default_eta = 9
    default_levels = 2

    def _aggressiveness(self, bracket: int) -> int:
        return self.top


class AsynchronousSuccessiveHalving(Scheduler):
    """ASHA: promote a result as soon as it is in the top ``1/eta`` of its rung so far, else
    start a new point at the lowest rung. No rung ever waits for stragglers, which is what
    parallel workers need; sequentially it behaves like successive halving that never stalls.
    """

    name = "asha"

    def assign(self, history: Sequence[Trial]) -> Assignment:
        for rung in range(self.top - 1, -1, -1):
            done = sorted(
                (t for t in history if t.finished and t.rung == rung), key=_loss
            )
            promoted = {t.promoted_from for t in history if t.rung == rung + 1}
            for trial in done[: len(done) // self.eta]:
                if trial.scored and trial.number not in promoted:
                    return self._promote(trial)
        return self._new(self.entry_rung(history))


SCHEDULERS: dict[str, type[Scheduler]] = {
    s.name: s for s in (FixedFidelity, SuccessiveHalving, Hyperband, AsynchronousSuccessiveHalving)
}
