"""The Tuner executor: plan, search, select, write the two artifacts.

Everything that can be wrong with the settings is checked (``SearchPlan``) before the data is
read or a model built. The study file is rewritten after every trial, so a long search shows
its progress in the artifact store and an interrupted one leaves its history behind.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tensorflow_transform as tft
from tfx import types
from tfx.components.trainer import fn_args_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils, standard_component_specs

from components.model import build, data
from components.tuner import record
from components.tuner.plan import SearchPlan
from components.tuner.trials import TrialRunner
from search.keras_tuner_oracle import to_hyperparameters
from search.objectives import pareto_front, select
from search.study import Study
from search.trial import Trial, TrialStatus

log = logging.getLogger("automl.tuner")

BEST_HYPERPARAMETERS_FILE = "best_hyperparameters.txt"  # the name TFX's Trainer reads
SPACE_KEY = "space"  # recorded with the hyperparameters: which builder they are for
WEIGHTS_DIR = "weights"  # trial snapshots for weight inheritance, removed after the search


def describe_fidelity(trial: Trial) -> str:
    """e.g. "[rung 1: 2 epochs, 56% rows]" for the log."""
    fidelity = trial.fidelity
    if fidelity is None:
        return ""
    parts = [f"{fidelity.epochs} epochs"]
    if fidelity.rows < 1:
        parts.append(f"{fidelity.rows:.0%} rows")
    if fidelity.width < 1:
        parts.append(f"{fidelity.width:.0%} width")
    if "inherit" in trial.attrs:
        inherit = trial.attrs["inherit"]
        verb = "continues" if inherit["kind"] == "continue" else "inherits from"
        parts.append(f"{verb} trial {inherit['from'] + 1}")
    return f"[rung {trial.attrs.get('rung', 0)}: {', '.join(parts)}]"


def best_hyperparameters_config(plan: SearchPlan, trial: Trial) -> dict[str, Any]:
    """KerasTuner's HyperParameters config (what TFX's Tuner writes), the space's ranges kept."""
    hp = to_hyperparameters(plan.space)
    for name, value in trial.params.items():
        hp.values[name] = value
    hp.Fixed(SPACE_KEY, plan.space_name)
    return hp.get_config()


def point_from_config(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The space name and the active parameters of a best_hyperparameters config."""
    import keras_tuner

    hp = keras_tuner.HyperParameters.from_config(config)
    point = {n: v for n, v in hp.values.items() if n != SPACE_KEY and hp.is_active(n)}
    return str(hp.values[SPACE_KEY]), point


class Executor(base_executor.BaseExecutor):
    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        settings = json.loads(exec_properties["settings"])
        task = exec_properties["task"]
        fn_args = fn_args_utils.get_common_fn_args(
            input_dict,
            {
                standard_component_specs.TRAIN_ARGS_KEY: "{}",
                standard_component_specs.EVAL_ARGS_KEY: "{}",
            },
        )
        transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
        inputs_info = build.feature_set(transform_output)
        plan = SearchPlan.from_settings(settings, task, inputs_info)
        log.info("Search space %s:\n%s", plan.space_name, plan.space)

        study_artifact = artifact_utils.get_single_instance(output_dict["study"])
        study_path = os.path.join(study_artifact.uri, record.STUDY_FILE)
        estimator = plan.estimator()
        study = Study(plan.space, plan.strategy(), seed=plan.seed, estimator=estimator)
        weights_dir = os.path.join(study_artifact.uri, WEIGHTS_DIR) if estimator.inherit else None
        if weights_dir:
            os.makedirs(weights_dir, exist_ok=True)
        runner = TrialRunner(
            plan.space_name,
            data.Splits.load(fn_args, transform_output, task),
            inputs_info,
            task,
            plan.primary,
            curve_stopping=estimator.curve_stopping,
            weights_dir=weights_dir,
            history=study.trials,
            final_rung=estimator.scheduler.top,
        )

        def on_trial_end(trial: Trial) -> None:
            of = f" of {plan.budget.max_trials}" if plan.budget.max_trials else ""
            where = describe_fidelity(trial)
            if trial.scored or trial.status is TrialStatus.PRUNED:
                shown = ", ".join(
                    f"{o.name}={trial.metrics[o.name]:.4g}"
                    for o in plan.objectives
                    if o.name in trial.metrics  # latency: measured at the final rung only
                )
                stopped = f"; {trial.attrs['stop_reason']}" if "stop_reason" in trial.attrs else ""
                log.info(
                    "Trial %d%s %s: %s (%.1fs)%s",
                    trial.number + 1, of, where, shown, trial.wall_time_s, stopped,
                )  # fmt: skip
            else:
                log.info("Trial %d%s %s: %s", trial.number + 1, of, where, trial.error)
            record.write(study_path, plan, study, fn_args.schema_path)

        study.optimize(runner, budget=plan.budget, on_trial_end=on_trial_end)
        if weights_dir:
            shutil.rmtree(weights_dir, ignore_errors=True)  # only trials of this search need them
        finalists = estimator.final_trials(study.trials)
        # A budget spent before any trial reached the final rung leaves lower-rung finalists,
        # which were not measured for latency: their front is over what was measured.
        measured = [
            o for o in plan.objectives if all(o.name in t.metrics for t in finalists if t.scored)
        ]
        front = pareto_front(finalists, measured)
        chosen = select(finalists, plan.primary, plan.constraints, plan.selection, plan.tolerance)
        log.info(
            "Search stopped: %s. Selected trial %d (%s rule); Pareto front: trials %s",
            study.stop_reason,
            chosen.number + 1,
            plan.selection,
            [t.number + 1 for t in front],
        )
        record.write(study_path, plan, study, fn_args.schema_path, front, chosen)
        study_artifact.set_int_custom_property("trials", len(study.trials))
        study_artifact.set_int_custom_property("selected_trial", chosen.number)
        study_artifact.set_string_custom_property("strategy", plan.strategy_name)
        study_artifact.set_string_custom_property("estimator", estimator.name)
        study_artifact.set_string_custom_property("space", plan.space_name)

        best_uri = artifact_utils.get_single_uri(output_dict["best_hyperparameters"])
        with open(os.path.join(best_uri, BEST_HYPERPARAMETERS_FILE), "w") as handle:
            json.dump(best_hyperparameters_config(plan, chosen), handle)
