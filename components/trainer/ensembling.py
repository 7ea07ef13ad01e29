"""The Trainer's last choice: the selected model alone, or an ensemble of it and the next
best trials of the search, whichever is best on the evaluation split.

Each candidate is retrained the way the selected point is (its epochs, early stopping), and
where the search kept its model, that searched model joins as a candidate of its own
(components.tuner.snapshots: it carries its parents' training, which a retrain does not);
modeling.model.ensemble_selection compares each alone, their average and Caruana's greedy
weights, and an ensemble wins only when it is strictly better, so the ensemble is never the
worse choice on the data it was chosen on. That data is the evaluation split the Tuner
already ranked the trials on; the Evaluator judges the choice on the test split, which
neither saw, so its numbers carry no selection's optimism. Under a run's time budget a
retrain that would not finish in its share of the time left is not started (``within``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from modeling.model import build, data, ensemble_selection
from modeling.model.ensemble import EnsembleModel
from modeling.spaces.families import family_of, is_forest

log = logging.getLogger("automl.trainer")
SHORT_BY = 2.0  # a retrain foreseen past this many times its share of the time is not started


def with_searched(candidates: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates with the searched network of each that has a readable snapshot (as
    {..., "searched": the snapshot}). A candidate the search trained in full is not trained
    again: its searched network stands for it (issue 21: the Trainer reuses what the search
    trained). One whose snapshot cannot be read is retrained."""
    retrained, searched = [], []
    for candidate in candidates:
        snapshot = None
        if path := candidate.get("weights"):
            try:
                snapshot = family_of(candidate["params"]).model().load(path)
            except (OSError, ValueError, KeyError, RuntimeError) as error:
                log.warning(
                    "Trial %d's searched network could not be read (%s); it is retrained only",
                    candidate["trial"] + 1, error,
                )  # fmt: skip
        if snapshot is None or not reusable(candidate):
            retrained.append(candidate)
        else:
            log.info("Trial %d was trained in full by the search: reused", candidate["trial"] + 1)
        if snapshot is not None:
            searched.append({**candidate, "searched": snapshot})
    return [*retrained, *searched]


def reusable(candidate: dict[str, Any]) -> bool:
    """Whether the search trained the candidate in full and kept its model (the Trainer
    reuses it rather than retraining it, if the model reads back)."""
    return bool(candidate.get("full_fidelity") and candidate.get("weights"))


def retrain_seconds(candidate: dict[str, Any]) -> float | None:
    """How long a full retrain of the candidate should take: its trial's seconds scaled up
    from the share of a full training they bought (a rung's share of the epochs or trees on
    a fraction of the rows). None where the Tuner recorded no time."""
    seconds, share = candidate.get("seconds"), candidate.get("share")
    return float(seconds) / float(share) if seconds and share else None


def within(pool: Sequence[dict[str, Any]], seconds: float, minimum: float) -> list[dict[str, Any]]:
    """The pool less the retrains that would not come near finishing in their share of
    ``seconds`` (``seconds`` split evenly over the retrains kept, at least ``minimum``
    each): those foreseen to need more than ``SHORT_BY`` times their share, longest first.
    A candidate the search kept a model of is then served as searched, and a runner-up
    without one is left out. The selected candidate (the pool's first trial) is always
    trained, if need be for less than it needs. On letters26 a 26-class boosted-tree trial
    took 55 s at a ninth of a full training; grown in full it needed ~8 minutes, and the 60 s
    it was given ended it worse than the searched one (eval loss 1.44 against 1.02). The
    foresight is rough (a trial's seconds include its fixed costs), so a retrain foreseen a
    little over its share is started: it stops when its time is up (a network after an
    epoch), and a network's retrain cut short beat its one-epoch searched model (letters26:
    0.50 against 0.88)."""
    kept = list(pool)
    selected = pool[0]["trial"] if pool else None
    while True:
        retrains = [c for c in kept if not is_searched(c)]
        share = max(minimum, seconds / max(1, len(retrains)))
        searched = {c["trial"] for c in kept if is_searched(c)}
        late = [
            (needed, c) for c in retrains
            if (needed := retrain_seconds(c)) is not None and needed > SHORT_BY * share
            and (c["trial"] in searched or c["trial"] != selected)
        ]  # fmt: skip
        if not late:
            return kept
        needed, dropped = max(late, key=lambda pair: pair[0])
        log.info(
            "Trial %d would need ~%.0f s to train in full, %.0f s are left for it: %s",
            dropped["trial"] + 1, needed, share,
            "its searched model stands for it" if dropped["trial"] in searched
            else "left out of the ensemble",
        )  # fmt: skip
        kept.remove(dropped)


def is_searched(candidate: dict[str, Any]) -> bool:
    return candidate.get("searched") is not None


def epochs_to_best(candidate: dict[str, Any], result: Any) -> int | None:
    """A network's epochs up to its best on eval: its retrain's here, or the search's
    (through its parents) for a searched network, which is validated, not trained; None for
    a forest, whose size its hyperparameters hold."""
    if is_forest(candidate["params"]):
        return None
    if result.history.get("loss"):  # trained here, not restored
        return int(result.best_epoch) + 1
    return candidate.get("best_epochs")


def served_members(
    model: Any, record: dict[str, Any], pool: Sequence[dict[str, Any]]
) -> list[tuple[dict[str, Any], Any]]:
    """(candidate, model) for each member of what ``choose`` returned, in the record's order."""
    models = model.members if isinstance(model, EnsembleModel) else [model]
    by_take = {(c["trial"], is_searched(c)): c for c in pool}
    takes = zip(record["trials"], record["searched"], strict=True)
    return [(by_take[take], m) for take, m in zip(takes, models, strict=True)]


def choose(
    candidates: Sequence[dict[str, Any]],
    train: Callable[[dict[str, Any]], Any],
    splits: data.Splits,
    task: str,
) -> tuple[Any, Any, dict[str, Any]]:
    """(model to export, the fit result of the best single candidate, the record of the
    choice). ``candidates``: [{"trial", "params"[, "searched"]}], the selected first;
    ``train`` fits one (or restores its searched network) and returns its
    modeling.model.fit.FitResult."""
    results = [train(c) for c in candidates]
    if len(results) == 1:
        record = {
            "method": "single",
            "trials": [candidates[0]["trial"]],
            "searched": [is_searched(candidates[0])],
            "weights": [1.0],
            "best_epochs": [epochs_to_best(candidates[0], results[0])],
        }
        return results[0].model, results[0], record
    outputs = [data.predictions(r.model, splits.eval) for r in results]
    labels = outputs[0][1]
    chosen = ensemble_selection.select(
        [p for p, _ in outputs],
        labels,
        task,
        build.label_scale(splits.label_std),
        # one trial's retrain and searched network are two takes on one model, not an
        # ensemble of the trials ensemble_size asked for
        ensembles=len({c["trial"] for c in candidates}) > 1,
    )
    members = chosen.members
    best_single = results[min(range(len(results)), key=lambda i: chosen.candidate_losses[i])]
    record = {
        "method": chosen.method,
        "trials": [candidates[i]["trial"] for i in members],
        "searched": [is_searched(candidates[i]) for i in members],
        "weights": [chosen.weights[i] for i in members],
        "best_epochs": [epochs_to_best(candidates[i], results[i]) for i in members],
        "eval_loss": chosen.loss,
        "candidates": [
            {"trial": c["trial"], "searched": is_searched(c), "eval_loss": loss}
            for c, loss in zip(candidates, chosen.candidate_losses, strict=True)
        ],
    }
    log.info(
        "Ensemble selection over trials %s: %s of trials %s (eval loss %.4f; alone: %s)",
        [c["trial"] + 1 for c in candidates], chosen.method,
        [t + 1 for t in record["trials"]], chosen.loss,
        ", ".join(f"{loss:.4f}" for loss in chosen.candidate_losses),
    )  # fmt: skip
    if chosen.method == "single":
        return results[members[0]].model, best_single, record
    model = EnsembleModel([results[i].model for i in members], record["weights"])
    return model, best_single, record
