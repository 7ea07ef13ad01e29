"""Progressive search, after Liu et al. 2018 ("Progressive Neural Architecture Search").

The search grows models from simple to complex along one integer "complexity" parameter of the
space (the number of cell nodes, or of blocks): stage 1 trains points at the lowest level,
stage k expands the best points of stage k-1 by one level (keeping what they chose, sampling
only what the new level activates) and by one-parameter mutations. A learned surrogate, fitted
on every scored trial so far, ranks those candidates and only the best-ranked is trained,
which is how PNAS spends its budget on the few expansions worth training. After the last level
the search keeps refining the best points of every level the same way.

PNAS's surrogate is an LSTM/MLP ensemble over thousands of cells; at tens of trials an
extra-trees ensemble (scikit-learn) fits better, needs no scaling and takes milliseconds.
Inactive parameters are encoded as -1 so that trees can split on "absent". A space without an
integer parameter that others depend on has one level: the search is then surrogate-ranked
local refinement of the best points.

Stages are sized from the trial budget when the caller passes ``max_trials`` (budget split
evenly over the levels plus one refining stage); otherwise ``beam`` trials per stage. All of
it is a function of the history: no state to save.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor

from search.mutation import mutate
from search.space import Choice, Int, Param, SearchSpace, Value, Vector
from search.strategy import Proposal, Strategy, untried
from search.trial import Trial

INACTIVE = -1.0


def complexity_parameter(space: SearchSpace) -> Param | None:
    """The first integer parameter that conditions others, e.g. ``blocks`` (a user may have
    narrowed it to a list of integers, which makes it a choice)."""
    parents = {p.condition.parent for p in space if p.condition is not None}
    for param in space:
        integral = isinstance(param, Int) or (
            isinstance(param, Choice)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in param.values)
        )
        if integral and param.name in parents:
            return param
    return None


class ProgressiveSearch(Strategy):
    name = "progressive"

    def __init__(
        self,
        space: SearchSpace,
        seed: int = 0,
        max_trials: int | None = None,
        beam: int = 8,
        candidates_per_parent: int = 16,
    ) -> None:
        super().__init__(space, seed)
        self.complexity = complexity_parameter(space)
        levels = self.complexity.grid() if self.complexity else []
        self.levels: list[int] = sorted(int(v) for v in levels)
        stages = len(self.levels) + 1
        self.per_stage = max(2, max_trials // stages) if max_trials else beam
        self.beam = beam
        self.candidates_per_parent = candidates_per_parent

    def _stage(self, number: int) -> int:
        return number // self.per_stage

    def _at_level(
        self, point: dict[str, Value], level: int, rng: np.random.Generator
    ) -> dict[str, Value]:
        """``point`` grown (or shrunk) to ``level``: kept choices stay, new ones are sampled."""
        assert self.complexity is not None
        grown: dict[str, Value] = {}
        for param in self.space:
            if not self.space.is_active(param, grown):
                continue
            if param.name == self.complexity.name:
                grown[param.name] = level
            elif param.name in point:
                grown[param.name] = point[param.name]
            else:
                grown[param.name] = param.sample(rng)
        return grown

    def _encode(self, points: Sequence[dict[str, Value]]) -> Vector:
        return np.array([self.space.to_unit(p, inactive=INACTIVE) for p in points])

    def propose(self, history: Sequence[Trial], number: int) -> Proposal:
        rng = self.rng_for(number)
        stage = self._stage(number)
        scored = [t for t in history if t.scored]
        level = self.levels[stage] if stage < len(self.levels) else None
        if stage == 0 or len(scored) < 2:
            point = self.space.sample(rng)
            if level is not None:
                point = self._at_level(point, level, rng)
            return Proposal(point, attrs={"stage": stage})

        # Parents: the best of the previous level while growing, the best overall after. A
        # point of a branch without the complexity parameter (a tree family beside networks)
        # has no level: it is a parent at every stage.
        pool = scored
        if level is not None:
            name = self.complexity.name  # type: ignore[union-attr]
            previous = [t for t in scored if t.params.get(name, -math.inf) < level]  # type: ignore[operator]
            pool = previous or scored
        parents = sorted(pool, key=lambda t: t.value)[: self.beam]  # type: ignore[arg-type,return-value]
        candidates: list[dict[str, Value]] = []
        for parent in parents:
            for _ in range(self.candidates_per_parent):
                child = mutate(self.space, parent.params, rng)
                if level is not None:
                    child = self._at_level(
                        parent.params if rng.random() < 0.5 else child, level, rng
                    )
                candidates.append(child)
        # Some fresh samples at the level keep the surrogate from only ever looking nearby.
        for _ in range(len(candidates) // 4):
            point = self.space.sample(rng)
            candidates.append(self._at_level(point, level, rng) if level is not None else point)
        fresh = untried(candidates, history)

        surrogate = ExtraTreesRegressor(
            n_estimators=32, min_samples_leaf=1, random_state=int(rng.integers(2**31)), n_jobs=1
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            surrogate.fit(
                self._encode([t.params for t in scored]),
                [float(t.value) for t in scored],  # type: ignore[arg-type]
            )
            encoded = self._encode(fresh)
            per_tree = np.stack([tree.predict(encoded) for tree in surrogate.estimators_])
        predicted = per_tree.mean(axis=0)
        # Optimistic ranking (mean minus the trees' spread) breaks the ties of a greedy mean
        # and sends the odd trial where the surrogate is unsure.
        best = int(np.argmin(predicted - per_tree.std(axis=0)))
        return Proposal(fresh[best], attrs={"stage": stage, "predicted": float(predicted[best])})
