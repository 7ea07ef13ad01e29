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
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.tuner.executor import Executor


class TuningStudy(types.Artifact):
    """The record of one search (study.json): trials, measurements, Pareto front, choice."""

    TYPE_NAME = "AutoMLTuningStudy"


class AutoMLTunerSpec(ComponentSpec):
    PARAMETERS = {
        "settings": ExecutionParameter(type=str),  # JSON of the config's tuner section
        "task": ExecutionParameter(type=str),
    }
    INPUTS = {
        "examples": ChannelParameter(type=standard_artifacts.Examples),
        "transform_graph": ChannelParameter(type=standard_artifacts.TransformGraph),
        "schema": ChannelParameter(type=standard_artifacts.Schema, optional=True),
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
    ) -> None:
        spec = AutoMLTunerSpec(
            examples=examples,
            transform_graph=transform_graph,
            schema=schema,
            settings=json.dumps(settings, sort_keys=True),
            task=task,
            best_hyperparameters=types.Channel(type=standard_artifacts.HyperParameters),
            study=types.Channel(type=TuningStudy),
        )
        super().__init__(spec=spec)
