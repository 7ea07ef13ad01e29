"""Running one trial: train the point at its fidelity, then measure what the objectives need.

The estimator's decisions arrive in the trial (its ``fidelity``, ``inherit`` and
``stop_target``); this is where they are carried out: a fraction of the rows and
narrower layers, weights inherited from an earlier trial's snapshot, and the learning-curve
rule checked after every epoch.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tf_keras

from modeling.model import data, fit, measure, morph
from modeling.spaces import FeatureSet
from modeling.spaces.families import family_of, is_forest
from components.tuner.snapshots import forest_name, snapshot_name
from search.curves import CurveStopping
from search.fidelity import TRAIN_SECONDS, Fidelity, trial_cost
from search.objectives import Objective
from search.study import Outcome
from search.trial import Trial

log = logging.getLogger("automl.tuner")
CANDIDATES = 10  # at most the Trainer's ensemble_size candidates are handed to it


@dataclass
class TrialRunner:
    """The objective of a study: the same data, read once, for every trial."""

    space_name: str
    splits: data.Splits
    inputs_info: FeatureSet
    task: str
    primary: Objective
    curve_stopping: CurveStopping | None = None
    weights_dir: str | None = None  # where snapshots for weight inheritance are kept
    history: Sequence[Trial] = field(default_factory=list)  # the study's trials, for parents
    final_rung: int | None = None  # only trials of this rung can be selected: measure those
    # The costly metrics the plan ranks, bounds or selects by (SearchPlan.measures); None: all.
    measures: frozenset[str] | None = None

    def __post_init__(self) -> None:
        self._latency_rows: Any = None

    def __call__(self, trial: Trial) -> Outcome:
        try:
            return self._run(trial)
        finally:
            # Graphs of earlier trials would otherwise pile up in Keras' global state.
            tf_keras.backend.clear_session()

    def _snapshot_path(self, number: int) -> str | None:
        return os.path.join(self.weights_dir, snapshot_name(number)) if self.weights_dir else None

    def _may_be_a_candidate(self, trial: Trial, value: float) -> bool:
        """Whether the trial could still be one of the Trainer's candidates, which are the best
        of the highest rung first (components.tuner.executor): fewer than CANDIDATES scored
        trials of its rung are better than it. The study only grows, so a trial that is not
        one now never will be, and its model need not be written."""
        better = [
            t for t in self.history
            if t.scored and t.rung == trial.rung and t.value is not None
            and t.value < value
        ]  # fmt: skip
        return len(better) < CANDIDATES

    def _measures(self, metric: str) -> bool:
        return self.measures is None or metric in self.measures

    def _primary_curve(self, metrics: dict[str, list[float]]) -> list[float]:
        values = metrics.get(self.primary.name, [])
        return [self.primary.loss_of({self.primary.name: v}) for v in values]

    def _run(self, trial: Trial) -> Outcome:
        full_epochs = int(trial.params["epochs"])
        fidelity = trial.fidelity or Fidelity(full_epochs)
        epochs, initial_epoch, initial, earlier = fidelity.epochs, 0, None, {}
        inherit = trial.inherit
        path = self._snapshot_path(inherit.source) if inherit else None
        if inherit and path and os.path.exists(path) and not is_forest(trial.params):
            initial = morph.Snapshot.load(path)
            epochs, initial_epoch = inherit.epochs, inherit.initial_epoch
            if inherit.kind == "continue":
                earlier = self.history[inherit.source].curves

        should_stop = None
        target = trial.stop_target
        if self.curve_stopping is not None and target is not None:
            rule, horizon = self.curve_stopping, initial_epoch + epochs
            forecasts: list[Any] = []

            def should_stop(seen: dict[str, list[float]]) -> bool:
                curve = self._primary_curve(earlier) + self._primary_curve(seen)
                forecasts[:] = [rule.check(curve, horizon, target)]
                return forecasts[0] is not None

        result = fit.fit(
            trial.params,
            self.space_name,
            self.splits,
            self.inputs_info,
            self.task,
            seed=trial.seed,
            epochs=epochs,
            rows=fidelity.rows,
            width_scale=fidelity.width,
            initial=initial,
            initial_epoch=initial_epoch,
            should_stop=should_stop,
        )
        trained = result.epochs_run
        family = family_of(trial.params)
        if (path := self._snapshot_path(trial.number)) and family.epoch_trained:
            family.model().save(result, path)
        metrics = {
            **result.validation_metrics(),
            **measure.size(result.model, with_bytes=self._measures("size_bytes")),
        }
        final = self.final_rung is None or trial.rung == self.final_rung
        if final and self._measures("latency_ms"):
            if self._latency_rows is None:
                self._latency_rows = measure.rows_for_latency(self.splits.eval)
            metrics["latency_ms"] = measure.latency_ms(result.model, self._latency_rows)
        if self.primary.name not in metrics:
            raise FloatingPointError(f"{self.primary.name} was never finite (training diverged)")
        value = self.primary.loss_of(metrics)
        if self.weights_dir and is_forest(trial.params) and self._may_be_a_candidate(trial, value):
            # The Trainer reuses a forest grown in full rather than growing it again, and
            # weighs one grown at a lower rung against its retrain, or serves it where the
            # run's time budget leaves no time to grow it in full.
            family.model().save(result, os.path.join(self.weights_dir, forest_name(trial.number)))
        attrs: dict[str, Any] = {"model_epochs": initial_epoch + trained}
        if result.inheritance is not None:
            attrs["inherited"] = result.inheritance.as_dict()
        if result.stopped_early:
            forecast = forecasts[0]
            attrs.update(
                predicted_value=forecast.predicted,
                stop_probability=forecast.probability,
                stop_reason=(
                    f"curve: P(beats {target:.4g}) = {forecast.probability:.3f} "
                    f"after {initial_epoch + trained} of {initial_epoch + epochs} epochs"
                ),
            )
        return Outcome(
            value=value,
            metrics=metrics,
            curves={k: [*earlier.get(k, []), *v] for k, v in result.history.items()},
            cost={
                **trial_cost(trained, fidelity.rows, self.splits.train_rows),
                TRAIN_SECONDS: result.train_s,
            },
            attrs=attrs,
            stopped_early=result.stopped_early,
        )
