"""Grid search: every combination once, in declaration order (floats need a step)."""

from __future__ import annotations

from collections.abc import Sequence

from search.strategy import Exhausted, Proposal, Strategy
from search.trial import Trial


class GridSearch(Strategy):
    name = "grid"

    def propose(self, history: Sequence[Trial], number: int) -> Proposal:
        tried = {tuple(sorted(t.params.items())) for t in history}
        for point in self.space.grid():
            if tuple(sorted(point.items())) not in tried:
                return Proposal(point)
        raise Exhausted(f"all {len(tried)} grid points have been tried")
