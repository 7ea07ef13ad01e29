"""Running one trial: train the point, then measure what the objectives need."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tf_keras

from components.model import data, fit, measure
from components.spaces import FeatureSet
from search.objectives import Objective
from search.study import Outcome
from search.trial import Trial

log = logging.getLogger("automl.tuner")


@dataclass
class TrialRunner:
    """The objective of a study: the same data, read once, for every trial."""

    space_name: str
    splits: data.Splits
    inputs_info: FeatureSet
    task: str
    primary: Objective

    def __post_init__(self) -> None:
        self._latency_rows: Any = None

    def __call__(self, trial: Trial) -> Outcome:
        try:
            return self._run(trial)
        finally:
            # Graphs of earlier trials would otherwise pile up in Keras' global state.
            tf_keras.backend.clear_session()

    def _run(self, trial: Trial) -> Outcome:
        result = fit.fit(
            trial.params,
            self.space_name,
            self.splits,
            self.inputs_info,
            self.task,
            seed=trial.seed,
        )
        if self._latency_rows is None:
            self._latency_rows = measure.rows_for_latency(self.splits.eval)
        metrics = {
            **result.validation_metrics(),
            **measure.size(result.model),
            "latency_ms": measure.latency_ms(result.model, self._latency_rows),
        }
        if self.primary.name not in metrics:
            raise FloatingPointError(f"{self.primary.name} was never finite (training diverged)")
        return Outcome(
            value=self.primary.loss_of(metrics),
            metrics=metrics,
            curves=result.history,
            budget={"epochs": float(len(result.history["loss"]))},
        )
