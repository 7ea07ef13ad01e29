"""Our Tuner as a TFX component: a spec, the executor, and a thin constructor.

Drop-in where TFX's Tuner stands: the same inputs (transformed examples, transform graph,
schema) and the same ``best_hyperparameters`` output Trainer consumes; plus a ``study``
artifact in the pipeline's artifact store with every trial of the search.
"""

from __future__ import annotations

import json
from typing import Any

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import data_types
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.guardrails.component import GuardrailsReport
from components.tuner import worker_executor
from components.tuner.executor import Executor


class TuningStudy(types.Artifact):
    """The record of one search (study.json): trials, measurements, Pareto front, choice.

    On KFP the type name is also the import path of the class (TFX's v2 entry point imports
    it by that name, which must look like "package.Class"): components exports it lazily.
    """

    TYPE_NAME = "components.TuningStudy"


class AutoMLTunerSpec(ComponentSpec):
    PARAMETERS = {
        "settings": ExecutionParameter(type=str),  # JSON of the config's tuner section
        "task": ExecutionParameter(type=str),
        # Budgets that replace the settings' when positive: run-time parameters on KFP, so a
        # scheduled retrain can be given more or less search without recompiling.
        "max_trials": ExecutionParameter(type=int, optional=True),
        "compute_budget": ExecutionParameter(type=float, optional=True),
    }
    INPUTS = {
        "examples": ChannelParameter(type=standard_artifacts.Examples),
        "transform_graph": ChannelParameter(type=standard_artifacts.TransformGraph),
        "schema": ChannelParameter(type=standard_artifacts.Schema, optional=True),
        # Its class weighting (an imbalanced label) shapes every trial's training.
        "guardrails": ChannelParameter(type=GuardrailsReport, optional=True),
    }
    OUTPUTS = {
        "best_hyperparameters": ChannelParameter(type=standard_artifacts.HyperParameters),
        "study": ChannelParameter(type=TuningStudy),
    }


class AutoMLTuner(base_component.BaseComponent):
    SPEC_CLASS = AutoMLTunerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(
        self,
        examples: types.BaseChannel,
        transform_graph: types.BaseChannel,
        settings: dict[str, Any],
        task: str,
        schema: types.BaseChannel | None = None,
        guardrails: types.BaseChannel | None = None,
        max_trials: int | data_types.RuntimeParameter | None = None,
        compute_budget: float | data_types.RuntimeParameter | None = None,
    ) -> None:
        spec = AutoMLTunerSpec(
            examples=examples,
            transform_graph=transform_graph,
            schema=schema,
            guardrails=guardrails,
            settings=json.dumps(settings, sort_keys=True),
            task=task,
            max_trials=max_trials,
            compute_budget=compute_budget,
            best_hyperparameters=types.Channel(type=standard_artifacts.HyperParameters),
            study=types.Channel(type=TuningStudy),
        )
        super().__init__(spec=spec)


class AutoMLTunerWorkerSpec(ComponentSpec):
    """The Tuner's inputs (the study's key is their URIs) and settings; no outputs."""

    PARAMETERS = {
        "settings": ExecutionParameter(type=str),
        "task": ExecutionParameter(type=str),
    }
    INPUTS = AutoMLTunerSpec.INPUTS
    OUTPUTS: dict[str, ChannelParameter] = {}


class AutoMLTunerWorker(base_component.BaseComponent):
    """Runs trials of the Tuner's study beside it (a worker pod on Kubernetes)."""

    SPEC_CLASS = AutoMLTunerWorkerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(worker_executor.Executor)

    def __init__(
        self,
        examples: types.BaseChannel,
        transform_graph: types.BaseChannel,
        settings: dict[str, Any],
        task: str,
        schema: types.BaseChannel | None = None,
        guardrails: types.BaseChannel | None = None,
    ) -> None:
        spec = AutoMLTunerWorkerSpec(
            examples=examples,
            transform_graph=transform_graph,
            schema=schema,
            guardrails=guardrails,
            settings=json.dumps(settings, sort_keys=True),
            task=task,
        )
        super().__init__(spec=spec)
