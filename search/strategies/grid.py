"""Grid search: every combination once, in declaration order (floats need a step).

When the first parameter is a branch (a model family, whose value decides which parameters
exist), the branches' grids are taken in turn, one point each: otherwise a budget of a few
dozen trials would never leave the first family's thousands of points.

The grid is generated lazily and the generated prefix is kept (a cache of a pure function of
the space), so a proposal is a scan of set lookups rather than a re-enumeration of the
product, which mattered once a few hundred points had been tried.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from search.space import PointKey, SearchSpace, Value, point_key
from search.strategy import Exhausted, Proposal, Strategy
from search.trial import Trial


class GridSearch(Strategy):
    name = "grid"

    def __init__(self, space: SearchSpace, seed: int = 0) -> None:
        super().__init__(space, seed)
        self._points: list[tuple[PointKey, dict[str, Value]]] = []
        self._source = _branches_in_turn(space)

    def _point(self, index: int) -> tuple[PointKey, dict[str, Value]] | None:
        while len(self._points) <= index:
            point = next(self._source, None)
            if point is None:
                return None
            self._points.append((point_key(point), point))
        return self._points[index]

    def propose(self, history: Sequence[Trial], number: int) -> Proposal:
        tried = {point_key(t.params) for t in history}
        index = 0
        while (entry := self._point(index)) is not None:
            if entry[0] not in tried:
                return Proposal(dict(entry[1]))
            index += 1
        raise Exhausted(f"all {len(tried)} grid points have been tried")


def _branches_in_turn(space: SearchSpace) -> Iterator[dict[str, Value]]:
    first = space.params[0]
    if not any(p.condition is not None and p.condition.parent == first.name for p in space):
        yield from space.grid()
        return
    branches = [space.grid({first.name: value}) for value in first.grid()]
    while branches:
        for branch in list(branches):
            point = next(branch, None)
            if point is None:
                branches.remove(branch)
            else:
                yield point
