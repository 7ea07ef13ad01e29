"""Guardrails as a TFX component: a spec, the executor, a thin constructor.

It stands between the data gate and Transform: the gate stops data that is unfit to train on;
the guardrails let the rest through and adjust training to it (executor.py).
"""

from __future__ import annotations

import json
from typing import Any

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.guardrails.executor import Executor


class GuardrailsReport(types.Artifact):
    """Findings and their handling (guardrails.json). The type name is an import path, as
    TFX's KFP entry point needs (components exports it)."""

    TYPE_NAME = "components.GuardrailsReport"


class GuardrailsSpec(ComponentSpec):
    PARAMETERS = {
        "settings": ExecutionParameter(type=str),  # JSON of the config's guardrails section
        "label": ExecutionParameter(type=str),
        "task": ExecutionParameter(type=str),
    }
    INPUTS = {
        "examples": ChannelParameter(type=standard_artifacts.Examples),  # rows, for leakage
        "statistics": ChannelParameter(type=standard_artifacts.ExampleStatistics),
        "schema": ChannelParameter(type=standard_artifacts.Schema),
    }
    OUTPUTS = {
        # The schema Transform, the Tuner and the Trainer read: excluded columns DEPRECATED.
        "training_schema": ChannelParameter(type=standard_artifacts.Schema),
        "findings": ChannelParameter(type=GuardrailsReport),
    }


class Guardrails(base_component.BaseComponent):
    SPEC_CLASS = GuardrailsSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(
        self,
        examples: types.BaseChannel,
        statistics: types.BaseChannel,
        schema: types.BaseChannel,
        settings: dict[str, Any],
        label: str,
        task: str,
    ) -> None:
        super().__init__(
            spec=GuardrailsSpec(
                examples=examples,
                statistics=statistics,
                schema=schema,
                settings=json.dumps(settings, sort_keys=True),
                label=label,
                task=task,
                training_schema=types.Channel(type=standard_artifacts.Schema),
                findings=types.Channel(type=GuardrailsReport),
            )
        )
