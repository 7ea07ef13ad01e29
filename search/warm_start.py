"""Warm start: a new search (a scheduled retrain on new data) begins from an earlier one.

Two things carry over, as in Vizier's and Katib's transfer and Optuna's enqueue_trial: the
earlier study's best points are trained again first (on the new data their values are new
facts, and usually still good ones), and the strategy models the earlier results as if they
were its own history from the start, so TPE or the GP skip the random start-up they would
otherwise spend. Earlier results are numbered -1, -2, ... so they are never mistaken for this
study's trials (nor their long-gone weights inherited).
"""

from __future__ import annotations

from collections.abc import Sequence

from search.space import SearchSpace
from search.trial import Trial


def prior_trials(earlier: Sequence[Trial], space: SearchSpace, top_rung: int) -> list[Trial]:
    """The earlier study's final results that are points of ``space``, best first, tagged
    as results of this study's top rung (they were trained at the earlier full fidelity)."""
    scored = [t for t in earlier if t.scored]
    final_rung = max((t.rung for t in scored), default=0)
    final = [t for t in scored if t.rung == final_rung]
    valid = [t for t in final if space.check(t.params) is None]
    ranked = sorted(valid, key=lambda t: float(t.value))  # type: ignore[arg-type]
    return [
        Trial(
            -(i + 1),
            dict(t.params),
            status=t.status,
            value=t.value,
            fidelity=t.fidelity,
            metrics=dict(t.metrics),
            rung=top_rung,
            attrs={"warm_start": t.number},
        )
        for i, t in enumerate(ranked)
    ]
