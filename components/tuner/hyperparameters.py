"""The Tuner's ``best_hyperparameters`` artifact, written by the Tuner and read by the Trainer.

It is KerasTuner's HyperParameters config, as TFX's own Tuner writes it (TFX's Trainer hands
it to ``run_fn``), with the space's name, the class weighting the trials trained with and the
Trainer's candidates (the chosen point and the runners-up, with their searched models and
what a retrain of each would cost) recorded as fixed values. Both sides import this module,
so neither imports the other's executor.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from modeling.spaces.families import is_forest
from components.tuner import snapshots
from components.tuner.plan import SearchPlan
from search.trial import Trial

BEST_HYPERPARAMETERS_FILE = "best_hyperparameters.txt"  # the name TFX's Trainer reads
SPACE_KEY = "space"  # recorded with the hyperparameters: which builder they are for
CLASS_WEIGHTING_KEY = "class_weighting"  # and how the trials weighted the classes
CANDIDATES_KEY = "ensemble_candidates"  # and the best points, for the Trainer's ensemble


def best_hyperparameters_config(
    plan: SearchPlan,
    trial: Trial,
    class_weighting: str | None = None,
    runners_up: Sequence[Trial] = (),
    weights: dict[int, str] | None = None,
) -> dict[str, Any]:
    """KerasTuner's HyperParameters config (what TFX's Tuner writes), the space's ranges kept;
    with the space's name and the class weighting the trials trained with, so the Trainer
    trains the same way, and the next best points, which it may ensemble with the chosen
    (each with its searched network's snapshot, ``weights``, where one was kept)."""
    from components.tuner.keras_tuner_oracle import to_hyperparameters  # KerasTuner: 1 s to import

    hp = to_hyperparameters(plan.space)
    for name, value in trial.params.items():
        hp.values[name] = value
    hp.Fixed(SPACE_KEY, plan.space_name)
    hp.Fixed(CLASS_WEIGHTING_KEY, class_weighting or "none")
    weights = weights or {}
    candidates = [
        {"trial": t.number, "params": t.params, **_trial_time(t), **_epochs_to_best(t)}
        | ({"weights": weights[t.number]} if t.number in weights else {})
        | ({"full_fidelity": True} if snapshots.trial_trained_in_full(t, plan.full) else {})
        for t in [trial, *runners_up]
    ]
    hp.Fixed(CANDIDATES_KEY, json.dumps(candidates, sort_keys=True))
    return hp.get_config()


def _trial_time(trial: Trial) -> dict[str, float]:
    """What the Trainer needs to foresee a full retrain's time: the trial's seconds and the
    share of a full training they bought (components.trainer.ensembling.retrain_seconds)."""
    compute, full = trial.cost.get("compute"), trial.params.get("epochs")
    if not (trial.wall_time_s and compute and full):
        return {}
    return {"seconds": float(trial.wall_time_s), "share": min(1.0, float(compute) / int(full))}


def _epochs_to_best(trial: Trial) -> dict[str, int]:
    """A network's epochs up to its lowest eval loss, its parents' included (the curves run
    through the lineage): what a refit on train+eval trains for, having no eval of its own to
    stop on (components.trainer.refit)."""
    losses = [v if math.isfinite(v) else math.inf for v in trial.curves.get("val_loss", [])]
    if is_forest(trial.params) or not losses or min(losses) == math.inf:
        return {}
    return {"best_epochs": losses.index(min(losses)) + 1}


def point_from_config(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The space name and the active parameters of a best_hyperparameters config."""
    import keras_tuner

    hp = keras_tuner.HyperParameters.from_config(config)
    recorded = (SPACE_KEY, CLASS_WEIGHTING_KEY, CANDIDATES_KEY)
    point = {n: v for n, v in hp.values.items() if n not in recorded and hp.is_active(n)}
    return str(hp.values[SPACE_KEY]), point


def class_weighting_from_config(config: dict[str, Any]) -> str | None:
    """How the trials weighted classes ("balanced"), recorded beside the point."""
    value = config.get("values", {}).get(CLASS_WEIGHTING_KEY, "none")
    return None if value == "none" else str(value)


def candidates_from_config(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The chosen trial and the runners-up, best first: [{"trial": n, "params": {...}}, with
    "weights": the searched network's snapshot where the Tuner kept one]."""
    recorded = config.get("values", {}).get(CANDIDATES_KEY)
    return json.loads(recorded) if recorded else []
