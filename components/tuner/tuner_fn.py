"""tuner_fn for TFX's Tuner component: KerasTuner's RandomSearch oracle over the MLP space.

KerasTuner 1.4.7 checks models against Keras 3 (`import keras`), while TensorFlow Transform's
layers are Keras 2 (tf_keras). So we keep KerasTuner for what it is good at (the oracle: what to
try, de-duplication, trial bookkeeping) and run each trial ourselves in ``run_trial`` with the
same ``fit`` the Trainer uses. The next iteration of the engine replaces the oracle.
"""

from __future__ import annotations

import logging
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import keras_tuner
import tensorflow_transform as tft
from tfx.components.trainer.fn_args_utils import FnArgs
from tfx.components.tuner.component import TunerFnResult

from components.model import fit, mlp

log = logging.getLogger("automl.tuner")


class MlpSearch(keras_tuner.engine.base_tuner.BaseTuner):
    """Trains one tf_keras MLP per trial and reports its best validation loss."""

    def __init__(
        self,
        fn_args: Any,
        tf_transform_output: tft.TFTransformOutput,
        config: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._fn_args = fn_args
        self._transform = tf_transform_output
        self._config = config
        self._started = 0

    # TFX's Tuner executor calls these two, and KerasTuner print()s them; we log instead.
    def search_space_summary(self, extended: bool = False) -> None:
        log.info("Search space: %s", self.oracle.hyperparameters.get_config())

    def results_summary(self, num_trials: int = 10) -> None:
        for trial in self.oracle.get_best_trials(num_trials):
            log.info(
                "Trial %s: score=%s %s", trial.trial_id, trial.score, trial.hyperparameters.values
            )

    def on_trial_begin(self, trial: keras_tuner.engine.trial.Trial) -> None:
        super().on_trial_begin(trial)
        self._started += 1
        log.info(
            "Trial %d of %d: %s",
            self._started,
            self.oracle.max_trials,
            trial.hyperparameters.values,
        )

    def run_trial(self, trial: keras_tuner.engine.trial.Trial, **_: Any) -> dict[str, float]:
        result = fit.fit(
            trial.hyperparameters.values,
            self._fn_args,
            self._transform,
            task=self._config["task"],
            epochs=self._config["epochs_per_trial"],
            seed=self._config["seed"],
        )
        log.info(
            "Trial %d of %d: val_loss=%.4f",
            self._started,
            self.oracle.max_trials,
            result.objective,
        )
        return {"val_loss": result.objective}


def tuner_fn(fn_args: FnArgs) -> TunerFnResult:
    """Entry point named in the Tuner component by dotted path."""
    config = fn_args.custom_config
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("val_loss", "min"),
        max_trials=config["max_trials"],
        hyperparameters=mlp.search_space(),
        seed=config["seed"],
    )
    tuner = MlpSearch(
        fn_args,
        tft.TFTransformOutput(fn_args.transform_graph_path),
        config,
        oracle=oracle,
        directory=fn_args.working_dir,
        project_name="mlp_random_search",
        overwrite=True,
    )
    return TunerFnResult(tuner=tuner, fit_kwargs={"verbose": 0})
