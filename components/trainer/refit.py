"""The served models trained once more on train and eval together, once every choice is made.

The search ranks trials on eval and the Trainer chooses its ensemble on eval, so the model
served has learned from the training split alone: 70 % of the rows a user gave, where FLAML
refits its best on all of them and AutoGluon's refit_full does the same. On a small table
that share is most of what a model lacks (digits: about 1,000 training rows of 1,400).

A forest refits safely: its hyperparameters hold the trees it grows, and YDF's boosting stops
early on a share of whatever rows it is given. A network has nothing left to stop it on, so
it is trained from scratch for the epochs that brought it to its lowest eval loss (through
its parents', for a searched network that inherited weights: components.trainer.ensembling
.epochs_to_best), as AutoGluon's refit_full trains each network for its best iteration
count. An epoch stays at least ``data.MIN_EPOCH_EXAMPLES`` examples, so those epochs are as
many gradient steps as before, more on a small table (more rows a pass).

Forests grown in full and networks whose best epoch is known are refit (a lower rung's
forest stays as the search grew it), each where its foreseen time fits what the run's time
budget leaves; trainer.refit_forests and trainer.refit_networks turn either off. The weights
stay those chosen on eval; the Evaluator then judges the refit model on the test split, which
no choice and no training ever saw.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from modeling.model import data, fit
from modeling.model.ensemble import EnsembleModel
from modeling.spaces import FeatureSet
from modeling.spaces.families import is_forest
from components.trainer import ensembling

log = logging.getLogger("automl.trainer")


@dataclass(frozen=True)
class Refits:
    """Which of the served families are refit (trainer.refit_forests, refit_networks)."""

    forests: bool = True
    networks: bool = True


def _epochs(candidate: dict[str, Any], best_epochs: int | None, refits: Refits) -> int | None:
    """What a member's refit trains: 0 for a forest grown in full (its own size), a network's
    epochs to its best; None where it is not refit."""
    if is_forest(candidate["params"]):
        grown_in_full = not ensembling.is_searched(candidate) or ensembling.reusable(candidate)
        return 0 if refits.forests and grown_in_full else None
    return best_epochs if refits.networks and best_epochs else None


def _foreseen(candidate: dict[str, Any], epochs: int, ratio: float) -> float:
    """A refit's seconds: a full training's (the trial's time over its share) scaled to the
    rows, and for a network to the epochs it trains of the point's full count."""
    seconds = (ensembling.retrain_seconds(candidate) or 0.0) * ratio
    return seconds * epochs / max(1, int(candidate["params"]["epochs"])) if epochs else seconds


def on_all_rows(
    members: Sequence[tuple[dict[str, Any], Any]],
    record: dict[str, Any],
    splits: data.Splits,
    inputs_info: FeatureSet,
    task: str,
    seed: int,
    space: str,
    seconds: float | None = None,
    refits: Refits = Refits(),
) -> tuple[Any, list[int]]:
    """(the model to serve, the trials refit). ``members``: (candidate, served model) in the
    order of ``record`` (ensembling.choose's: the members' weights and epochs to best);
    ``seconds``: what the run's time budget leaves for refitting (None: no budget), given to
    the members in turn, the longest refit left out first."""
    weights, best = record["weights"], record.get("best_epochs") or [None] * len(members)
    epochs = {i: _epochs(c, best[i], refits) for i, (c, _) in enumerate(members)}
    grow = [i for i, e in epochs.items() if e is not None]
    ratio = (len(splits.train) + len(splits.eval)) / len(splits.train)
    foreseen = {i: _foreseen(members[i][0], epochs[i] or 0, ratio) for i in grow}
    if seconds is not None:
        while grow and sum(foreseen[i] for i in grow) > seconds:
            longest = max(grow, key=foreseen.__getitem__)
            log.info(
                "Trial %d is not refit on train+eval: ~%.0f s, the time budget leaves %.0f s",
                members[longest][0]["trial"] + 1, foreseen[longest], seconds,
            )  # fmt: skip
            grow.remove(longest)
    served = [m for _, m in members]
    if not grow:
        return _served(served, weights), []
    all_rows = splits.with_eval_rows(task)
    for i in grow:
        candidate = members[i][0]
        log.info(
            "Refitting trial %d on train+eval%s", candidate["trial"] + 1,
            f" ({epochs[i]} epochs, its best on eval)" if epochs[i] else "",
        )  # fmt: skip
        grown = fit.fit(
            candidate["params"], space, all_rows, inputs_info, task, seed=seed,
            epochs=epochs[i] or None,
            max_seconds=_allowed(foreseen[i], seconds),
        )  # fmt: skip
        served[i] = fit.servable(grown).model
    return _served(served, weights), [members[i][0]["trial"] for i in grow]


def _allowed(foreseen: float, seconds: float | None) -> float | None:
    """A refit's time limit under a run's budget: twice its foresight (a forest keeps the trees
    grown by then, a network stops after the epoch that passes it), or all that is left where
    the search recorded no time to foresee it by."""
    if seconds is None:
        return None
    return max(1.0, 2 * foreseen) if foreseen > 0 else max(1.0, seconds)


def _served(models: Sequence[Any], weights: Sequence[float]) -> Any:
    return models[0] if len(models) == 1 else EnsembleModel(models, weights)
