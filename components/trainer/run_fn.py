"""run_fn for TFX's Trainer: retrain the Tuner's selected point, export with serving signatures.

The Trainer rebuilds the model from the best_hyperparameters artifact alone (the space name is
recorded in it), so it trains what the study selected even if the config changed since.
"""

from __future__ import annotations

import json
import logging
import os

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tensorflow_transform as tft
from tfx.components.trainer.fn_args_utils import FnArgs

from modeling.model import build, data, explain, export, fit
from modeling.spaces.families import family_of
from components.common.settings import validated
from components.trainer import ensembling, refit
from components.trainer.settings import TrainerConfig
from components.tuner import deadline
from components.tuner.hyperparameters import (
    candidates_from_config,
    class_weighting_from_config,
    point_from_config,
)

log = logging.getLogger("automl.trainer")
MIN_TRAINING_S = 5.0  # however late, a retrain gets this long (a forest of a few trees)
IMPORTANCE_S = 5.0  # under a run's time budget, the feature importance's share of it


def run_fn(fn_args: FnArgs) -> None:
    """Entry point named in the Trainer component by dotted path."""
    config = fn_args.custom_config
    validated(TrainerConfig, {k: config[k] for k in TrainerConfig.model_fields}, "trainer")
    if not fn_args.hyperparameters:
        raise ValueError("the Trainer needs the Tuner's best_hyperparameters")
    space, point = point_from_config(fn_args.hyperparameters)
    candidates = candidates_from_config(fn_args.hyperparameters) or [
        {"trial": None, "params": point}
    ]
    candidates = [{**candidates[0], "params": point}, *candidates[1:]]
    candidates = candidates[: int(config.get("ensemble_size", 1))]
    run_deadline = deadline.RunDeadline.from_env()
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    task = config["task"]
    weighting = class_weighting_from_config(fn_args.hyperparameters)
    splits = data.Splits.load(fn_args, transform_output, task, weighting)
    feature_set = build.feature_set(transform_output)

    pool = ensembling.with_searched(candidates)
    if run_deadline is not None:
        pool = ensembling.within(pool, run_deadline.seconds_left(), MIN_TRAINING_S)
    retrains = [c for c in pool if c.get("searched") is None]

    def time_allowed() -> float | None:
        """Under a run's time budget, a retrain's share of what is left before the reserve
        for the export, the Evaluator and the push: the retrains still to come split it, the
        selected first. A forest stops growing and a network after the epoch that passes its
        share, so the run ends on time even when a lower rung's time misjudged a full
        training (26 classes of boosted trees: 6 minutes where a rung took 56 s)."""
        if run_deadline is None:
            return None
        return max(MIN_TRAINING_S, run_deadline.seconds_left() / max(1, len(retrains)))

    def train(candidate: dict) -> fit.FitResult:
        params = candidate["params"]
        if (kept := candidate.get("searched")) is not None:
            family = family_of(params)
            log.info("Validating trial %d's searched %s", candidate["trial"] + 1, family.name)
            return family.model().restore(params, space, splits, feature_set, task, kept)
        epochs = config.get("epochs") or int(params["epochs"])
        allowed = time_allowed()
        log.info(
            "Training a %s point for %d epochs%s: %s", space, epochs,
            f" (at most {allowed:.0f} s: the run's time budget)" if allowed else "", params,
        )  # fmt: skip
        retrains.remove(candidate)
        trained = fit.fit(
            params,
            space,
            splits,
            feature_set,
            task,
            seed=config["seed"],
            epochs=epochs,
            patience=config["early_stopping_patience"],
            max_seconds=allowed,
        )
        return fit.servable(trained)

    model, result, ensemble = ensembling.choose(pool, train, splits, task)
    epochs_run = result.epochs_run  # 0: the best single model is a searched network
    log.info("Trained (%d epochs' worth), best val_loss=%.4f", epochs_run, result.objective)
    importance = explain.permutation_importance(
        model, splits.eval, task, build.label_scale(splits.label_std), config["seed"],
        max_seconds=IMPORTANCE_S if run_deadline is not None else None,
    )  # fmt: skip
    log.info("Feature importance (eval loss growth when shuffled): %s", importance)
    refits = refit.Refits(
        forests=bool(config.get("refit_forests")), networks=bool(config.get("refit_networks"))
    )
    if refits.forests or refits.networks:
        left = run_deadline.seconds_left() if run_deadline is not None else None
        members = ensembling.served_members(model, ensemble, pool)
        model, ensemble["refit_on_eval"] = refit.on_all_rows(
            members, ensemble, splits, feature_set, task, config["seed"], space,
            seconds=left, refits=refits,
        )  # fmt: skip
    signatures = export.serving_signatures(model, transform_output, config["label"], task)
    model.save(fn_args.serving_model_dir, save_format="tf", signatures=signatures)
    with open(os.path.join(fn_args.model_run_dir, "training.json"), "w") as handle:
        json.dump(
            {
                "space": space,
                "hyperparameters": point,
                "class_weights": splits.class_weights,
                "ensemble": ensemble,
                "epochs": epochs_run,
                "best_val_loss": result.objective,
                "feature_importance": importance,
                "history": result.history,
            },
            handle,
            indent=2,
        )
