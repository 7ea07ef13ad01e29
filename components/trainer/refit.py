"""The served forests grown once more on train and eval together, once every choice is made.

The search ranks trials on eval and the Trainer chooses its ensemble on eval, so the model
served has learned from the training split alone: 70 % of the rows a user gave, where FLAML
refits its best on all of them and AutoGluon's refit_full does the same. A forest refits
safely: its hyperparameters hold the trees it grows, and YDF's boosting stops early on a
share of whatever rows it is given, so more rows only give it more to learn from. A network
is not refit: the searched one carries inherited training a retrain does not reproduce
(components.tuner.snapshots), and without eval nothing would tell when to stop it.

Only members grown in full are refit (a lower rung's forest stays as the search grew it),
each where its foreseen time fits what the run's time budget leaves. The weights stay those
chosen on eval; the Evaluator then judges the refit model on the test split, which no choice
and no training ever saw.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from components.model import data, fit
from components.model.ensemble import EnsembleModel
from components.spaces import FeatureSet
from components.spaces.trees import is_forest
from components.trainer import ensembling

log = logging.getLogger("automl.trainer")


def _refittable(candidate: dict[str, Any]) -> bool:
    """A forest the Trainer grew in full, or one the search grew in full."""
    return is_forest(candidate["params"]) and (
        not ensembling.is_searched(candidate) or ensembling.reusable(candidate)
    )


def forests_on_all_rows(
    members: Sequence[tuple[dict[str, Any], Any]],
    weights: Sequence[float],
    splits: data.Splits,
    inputs_info: FeatureSet,
    task: str,
    seed: int,
    space: str,
    seconds: float | None = None,
) -> tuple[Any, list[int]]:
    """(the model to serve, the trials refit). ``members``: (candidate, served model) in the
    ensemble's order, with its ``weights``; ``seconds``: what the run's time budget leaves for
    refitting (None: no budget), given to the members in turn, the longest refit left out
    first."""
    grow = [i for i, (c, _) in enumerate(members) if _refittable(c)]
    if not grow:
        return _served([m for _, m in members], weights), []
    ratio = (len(splits.train) + len(splits.eval)) / len(splits.train)
    foreseen = {i: (ensembling.retrain_seconds(members[i][0]) or 0.0) * ratio for i in grow}
    if seconds is not None:
        while grow and sum(foreseen[i] for i in grow) > seconds:
            longest = max(grow, key=foreseen.__getitem__)
            log.info(
                "Trial %d's forest is not refit on train+eval: ~%.0f s, the time budget "
                "leaves %.0f s", members[longest][0]["trial"] + 1, foreseen[longest], seconds,
            )  # fmt: skip
            grow.remove(longest)
    all_rows = splits.with_eval_rows(task)
    served = [m for _, m in members]
    for i in grow:
        candidate = members[i][0]
        log.info("Refitting trial %d's forest on train+eval", candidate["trial"] + 1)
        grown = fit.fit(
            candidate["params"], space, all_rows, inputs_info, task, seed=seed,
            max_seconds=None if seconds is None else max(1.0, 2 * foreseen[i]),
        )  # fmt: skip
        served[i] = fit.servable(grown).model
    return _served(served, weights), [members[i][0]["trial"] for i in grow]


def _served(models: Sequence[Any], weights: Sequence[float]) -> Any:
    return models[0] if len(models) == 1 else EnsembleModel(models, weights)
