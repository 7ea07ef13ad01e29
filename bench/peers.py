"""The peers of the estimator benchmark, driven as their users drive them.

KerasTuner's RandomSearch, BayesianOptimization and Hyperband tuners and Optuna's TPE sampler
with its Hyperband pruner, each on the same search space (ours, converted to their
hyperparameters), the same transformed data split, the same model builder and the same
compute budget in full-data epochs. The only addition to their code is the budget stop: an
oracle that reports "stopped" once the budget is spent (KerasTuner), ``study.stop()`` after
the trial that spent it (Optuna); both may overrun by one trial, as ours may.

A run's anytime curve counts only full-fidelity results (a trial trained for all epochs), as
ours does: a Hyperband rung's one-epoch loss is not a model anyone would ship.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from typing import Any

import components  # noqa: F401  (Keras 2 before TensorFlow)
import tf_keras


from bench.keras_tuner_2 import kt  # noqa: E402  (before tfx.components)

from bench.meter import Meter  # noqa: E402
from modeling.model import build, data  # noqa: E402


class CountEpochs(tf_keras.callbacks.Callback):
    def __init__(self, meter: Meter) -> None:
        super().__init__()
        self.meter = meter

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.meter.epoch()


@dataclass
class Problem:
    """What every method trains on: the data, the space and the full fidelity."""

    splits: data.Splits
    inputs_info: Any
    task: str
    space: Any  # search.space.SearchSpace
    space_name: str
    epochs: int  # a full trial's epochs

    def model(self, point: dict[str, Any]) -> tf_keras.Model:
        return build.build_model(
            point,
            self.space_name,
            self.inputs_info,
            self.task,
            self.splits.n_classes,
            self.splits.label_mean,
            self.splits.label_std,
        )

    def fit_kwargs(self, point: dict[str, Any], seed: int) -> dict[str, Any]:
        return {
            "x": self.splits.train.features,
            "y": self.splits.train.labels,
            "batch_size": int(point["batch_size"]),
            "shuffle": True,
            "validation_data": (self.splits.eval.features, self.splits.eval.labels),
            "verbose": 0,
        }


def _active(hp: Any) -> dict[str, Any]:
    return {n: v for n, v in hp.values.items() if hp.is_active(n) and not n.startswith("tuner/")}


def keras_tuner_run(kind: str, problem: Problem, seed: int, budget: float) -> Meter:
    from components.tuner.keras_tuner_oracle import to_hyperparameters

    meter = Meter(budget)
    objective = kt.Objective("val_loss", "min")
    hyperparameters = to_hyperparameters(problem.space)

    def budgeted(oracle_class: type) -> type:
        class Budgeted(oracle_class):  # type: ignore[misc,valid-type]
            def populate_space(self, trial_id: str) -> dict:
                if meter.exhausted:
                    return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}
                return super().populate_space(trial_id)

        return Budgeted

    class HyperModel(kt.HyperModel):
        def build(self, hp: Any) -> tf_keras.Model:
            return problem.model(_active(hp))

        def fit(self, hp: Any, model: tf_keras.Model, *args: Any, **kwargs: Any) -> Any:
            point = _active(hp)
            callbacks = [*kwargs.pop("callbacks", []), CountEpochs(meter)]
            if (schedule := build.schedule_callback(point)) is not None:
                callbacks.append(schedule)
            for ours in ("x", "y", "batch_size", "shuffle", "validation_data", "verbose"):
                kwargs.pop(ours, None)
            return model.fit(**problem.fit_kwargs(point, seed), callbacks=callbacks, **kwargs)

    def on_trial_end(tuner: Any, trial: Any) -> None:
        hp = trial.hyperparameters
        full = hp.values.get("tuner/epochs", problem.epochs) >= problem.epochs
        score = trial.score if trial.status == "COMPLETED" else None
        meter.trial_ended(score, _active(hp), full)

    common = {
        "objective": objective,
        "hyperparameters": hyperparameters,
        "seed": seed,
        "max_consecutive_failed_trials": 20,  # a diverging point fails only its trial
    }
    if kind == "random":
        oracle = budgeted(kt.oracles.RandomSearchOracle)(max_trials=100_000, **common)
        tuner_class = kt.Tuner
    elif kind == "bayesian":
        oracle = budgeted(kt.oracles.BayesianOptimizationOracle)(max_trials=100_000, **common)
        tuner_class = kt.Tuner
    else:
        oracle = budgeted(kt.oracles.HyperbandOracle)(
            max_epochs=problem.epochs, factor=3, hyperband_iterations=1000, **common
        )
        tuner_class = kt.Hyperband

    class Tuner(tuner_class):  # type: ignore[misc,valid-type]
        def __init__(self, **kwargs: Any) -> None:
            kt.Tuner.__init__(self, **kwargs)  # our oracle; Hyperband keeps its run_trial

        def on_trial_end(self, trial: Any) -> None:
            super().on_trial_end(trial)
            on_trial_end(self, trial)

    with tempfile.TemporaryDirectory() as directory:
        tuner = Tuner(
            oracle=oracle,
            hypermodel=HyperModel(),
            directory=directory,
            project_name="peer",
            overwrite=True,
        )
        tuner.search(epochs=problem.epochs, verbose=0)
    return meter


def optuna_tpe_hyperband_run(problem: Problem, seed: int, budget: float) -> Meter:
    import optuna

    from search.strategies.optuna_samplers import _suggest

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    meter = Meter(budget)
    study = optuna.create_study(
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=problem.epochs, reduction_factor=3
        ),
    )

    def objective(trial: optuna.Trial) -> float:
        point: dict[str, Any] = {}
        for param in problem.space:
            if problem.space.is_active(param, point):
                point[param.name] = _suggest(trial, param)
        model = problem.model(point)
        callbacks = [CountEpochs(meter)]
        if (schedule := build.schedule_callback(point)) is not None:
            callbacks.append(schedule)
        best = math.inf
        try:
            for epoch in range(problem.epochs):
                history = model.fit(
                    **problem.fit_kwargs(point, seed),
                    initial_epoch=epoch,
                    epochs=epoch + 1,
                    callbacks=callbacks,
                )
                loss = float(history.history["val_loss"][-1])
                best = min(best, loss) if math.isfinite(loss) else best
                trial.report(loss if math.isfinite(loss) else 1e9, epoch)
                if trial.should_prune():
                    meter.trial_ended(None, point, full=False)
                    raise optuna.TrialPruned()
        finally:
            tf_keras.backend.clear_session()
        meter.trial_ended(best, point, full=True)
        return best

    def stop_when_spent(study: optuna.Study, _: Any) -> None:
        if meter.exhausted:
            study.stop()

    study.optimize(objective, callbacks=[stop_when_spent], catch=(Exception,))
    return meter
