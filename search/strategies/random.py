"""Random search: the baseline every other strategy must beat."""

from __future__ import annotations

from collections.abc import Sequence

from search.space import point_key
from search.strategy import Proposal, Strategy
from search.trial import Trial

MAX_DUPLICATE_DRAWS = 100


class RandomSearch(Strategy):
    name = "random"

    def propose(self, history: Sequence[Trial], number: int) -> Proposal:
        rng = self.rng_for(number)
        seen = {point_key(t.params) for t in history}
        for _ in range(MAX_DUPLICATE_DRAWS):  # a small discrete space can run dry
            point = self.space.sample(rng)
            if point_key(point) not in seen:
                return Proposal(point)
        return Proposal(point)
