"""Known-good points the families space opens with after each family's middle point, in the
spirit of AutoGluon's portfolio and FLAML's zero-shot defaults: configurations that do well
across tables, tried before the strategy searches from there.

Each entry names a family and what differs from that family's middle point
(components.tuner.job.family_openers), cheapest first: a run's time budget may end the
search after a few trials, and a 26-class boosted forest can take minutes.

- A wide network: three residual blocks of 256, batches of 256. The middle point (64 wide,
  batches of 128) is a small network that the families' rung-0 comparison ranked below the
  forests on letters26 (26 classes, 17k training rows), where this one reached 0.930 eval
  accuracy in five epochs (24 s) against the middle point's 0.876 (and a 5-epoch retrain of
  it, 44 s): tabular MLPs want width (Gorishniy et al. 2021 use 256-512 units, AutoGluon's
  MLP 256-wide blocks), and larger batches pay Keras's per-step cost fewer times.
- Boosting as scikit-learn's HistGradientBoosting sets it by default (31 leaves grown
  best-first, shrinkage near 0.1, at least 20 rows a leaf, every row), the baseline a
  practitioner tries first and that beat our search on digits (bench/results/vs_automl.md).
  Its splits are axis-aligned, as HistGradientBoosting's are: the boosting middle point's are
  sparse oblique (YDF's ``benchmark_rank1`` template, modeling.spaces.trees), so the two
  openers compare both kinds of split on every table.
"""

from __future__ import annotations

from typing import Any

from modeling.spaces.trees import FAMILY, NETWORK

PORTFOLIO: tuple[dict[str, Any], ...] = (
    {
        FAMILY: NETWORK, "blocks": 3, "width_1": 256, "width_2": 256, "width_3": 256,
        "batch_size": 256, "dropout": 0.1, "weight_decay": 1e-5,
    },
    {
        FAMILY: "gbt", "gbt_trees": 500, "gbt_max_depth": 8, "gbt_shrinkage": 0.08,
        "gbt_subsample": 1.0, "gbt_min_examples": 20, "gbt_growing": "best_first_global",
        "gbt_split": "axis_aligned",
    },
)  # fmt: skip
