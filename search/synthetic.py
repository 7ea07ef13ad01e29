"""Cheap objectives with known optima, for strategy tests and the search benchmark.

Branin and Hartmann6 are the standard continuous test functions of the Bayesian-optimisation
literature; ``architecture`` is a discrete, conditional function shaped like a tabular-network
search (depth, per-block width, activation, dropout, normalisation) whose choices interact, so
a strategy that models the space has something to learn that random search does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from search.space import Choice, Condition, Float, Int, SearchSpace, Value


@dataclass(frozen=True)
class Problem:
    name: str
    space: SearchSpace
    objective: Callable[[Mapping[str, Value]], float]
    optimum: float


def _branin(p: Mapping[str, Value]) -> float:
    x1, x2 = float(p["x1"]), float(p["x2"])
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def _hartmann6(p: Mapping[str, Value]) -> float:
    x = np.array([float(p[f"x{i}"]) for i in range(6)])
    return float(-np.sum(_H6_ALPHA * np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1))))


def _architecture(p: Mapping[str, Value]) -> float:
    """A validation loss: best at 3 wide-to-narrow blocks, gelu + batch norm, light dropout."""
    blocks = int(p["blocks"])
    widths = [int(p[f"width_{i}"]) for i in range(1, blocks + 1)]
    loss = 0.30 + 0.04 * (blocks - 3) ** 2
    loss += sum(0.02 * abs(math.log2(w) - (7 - i)) for i, w in enumerate(widths))
    norm_bonus = {"batch": 0.05, "layer": 0.03, "none": 0.0}[str(p["norm"])]
    act_bonus = {"gelu": 0.04, "relu": 0.02, "tanh": 0.0}[str(p["activation"])]
    loss -= (
        norm_bonus
        + act_bonus
        + (0.03 if p["norm"] == "batch" and p["activation"] == "gelu" else 0)
    )
    loss += 0.5 * (float(p["dropout"]) - 0.1) ** 2 * (2 if p["norm"] == "none" else 1)
    return loss


def _architecture_space() -> SearchSpace:
    widths = (16, 32, 64, 128, 256)
    return SearchSpace(
        [
            Int("blocks", 1, 4),
            *[
                Choice(
                    f"width_{i}",
                    widths,
                    condition=Condition("blocks", tuple(range(i, 5))) if i > 1 else None,
                )
                for i in range(1, 5)
            ],
            Choice("activation", ("relu", "gelu", "tanh")),
            Choice("norm", ("none", "batch", "layer")),
            Float("dropout", 0.0, 0.5, step=0.1),
        ]
    )


def _architecture_optimum() -> float:
    return min(_architecture(p) for p in _architecture_space().grid())


def _families(p: Mapping[str, Value]) -> float:
    """A model-family search: boosted trees are best (tuned: depth 5, shrinkage 0.1), a
    well-built network close behind, a random forest behind both."""
    family = p["family"]
    if family == "nn":
        return _architecture(p)
    if family == "gbt":
        rate = math.log10(float(p["gbt_shrinkage"]))
        return 0.15 + 0.02 * (int(p["gbt_depth"]) - 5) ** 2 + 0.2 * (rate + 1) ** 2
    return 0.25 + 0.0004 * (300 - int(p["rf_trees"])) + 0.01 * (int(p["rf_min_examples"]) - 2) ** 2


def _families_space() -> SearchSpace:
    """The family is the first choice; each family's parameters exist only under it."""
    nn = [
        replace(param, condition=param.condition or Condition("family", ("nn",)))
        for param in _architecture_space()
    ]
    return SearchSpace(
        [
            Choice("family", ("nn", "gbt", "rf")),
            *nn,
            Int("gbt_depth", 2, 8, condition=Condition("family", ("gbt",))),
            Float(
                "gbt_shrinkage",
                0.01,
                1.0,
                log=True,
                step=10**0.5,
                condition=Condition("family", ("gbt",)),
            ),  # fmt: skip
            Int("rf_trees", 50, 300, step=50, condition=Condition("family", ("rf",))),
            Int("rf_min_examples", 1, 10, condition=Condition("family", ("rf",))),
        ]
    )


PROBLEMS: dict[str, Problem] = {
    "branin": Problem(
        "branin",
        SearchSpace([Float("x1", -5.0, 10.0, step=0.75), Float("x2", 0.0, 15.0, step=0.75)]),
        _branin,
        0.397887,
    ),
    "hartmann6": Problem(
        "hartmann6",
        SearchSpace([Float(f"x{i}", 0.0, 1.0, step=0.25) for i in range(6)]),
        _hartmann6,
        -3.32237,
    ),
    "architecture": Problem(
        "architecture", _architecture_space(), _architecture, _architecture_optimum()
    ),
    "families": Problem(
        "families",
        _families_space(),
        _families,
        min(_architecture_optimum(), 0.15, 0.25),  # each family's best, by construction
    ),
}
