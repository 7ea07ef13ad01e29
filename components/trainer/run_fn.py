"""run_fn for TFX's Trainer: the Tuner's best hyperparameters, full epochs, early stopping."""

from __future__ import annotations

import json
import logging
import os

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import keras_tuner
import tensorflow_transform as tft
from tfx.components.trainer.fn_args_utils import FnArgs

from components.model import export, fit, mlp

log = logging.getLogger("automl.trainer")


def best_hyperparameters(fn_args: FnArgs) -> dict:
    if not fn_args.hyperparameters:
        return mlp.search_space().values  # no Tuner upstream: the space's defaults
    return keras_tuner.HyperParameters.from_config(fn_args.hyperparameters).values


def run_fn(fn_args: FnArgs) -> None:
    """Entry point named in the Trainer component by dotted path."""
    config = fn_args.custom_config
    hparams = best_hyperparameters(fn_args)
    log.info("Training with %s", hparams)
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    result = fit.fit(
        hparams,
        fn_args,
        transform_output,
        task=config["task"],
        epochs=config["max_epochs"],
        seed=config["seed"],
        patience=config["early_stopping_patience"],
    )
    epochs_run = len(result.history["loss"])
    log.info("Trained %d epochs, best val_loss=%.4f", epochs_run, result.objective)
    signatures = export.serving_signatures(
        result.model, transform_output, config["label"], config["task"]
    )
    result.model.save(fn_args.serving_model_dir, save_format="tf", signatures=signatures)
    with open(os.path.join(fn_args.model_run_dir, "training.json"), "w") as handle:
        json.dump(
            {
                "hyperparameters": hparams,
                "epochs": epochs_run,
                "best_val_loss": result.objective,
                "history": {k: [float(x) for x in v] for k, v in result.history.items()},
            },
            handle,
            indent=2,
        )
