"""DataGate: stops the run before Transform when the data is not fit to train on.

TFX's ExampleValidator only records anomalies (the pipeline carries on and trains on the bad
data) and compares nothing across spans. This component reads its anomalies, measures drift
against the previous accepted span and skew between the splits (checks.py), fails the run
with a readable list, and keeps the span history (components.common.history). Transform
depends on it.
"""

from __future__ import annotations

import json
from typing import Any

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.data_gate.executor import DataAnomaliesError, Executor

__all__ = ["DataAnomaliesError", "DataGate", "DataGateReport"]


class DataGateReport(types.Artifact):
    """What the gate measured and decided (data_gate.json). The type name is an import path,
    as TFX's KFP entry point needs (components exports it)."""

    TYPE_NAME = "components.DataGateReport"


class DataGateSpec(ComponentSpec):
    PARAMETERS = {
        "thresholds": ExecutionParameter(type=str),  # JSON: {drift|skew: {default, features}}
        "history_dir": ExecutionParameter(type=str),
        "accept_changes": ExecutionParameter(type=int),
    }
    INPUTS = {
        "examples": ChannelParameter(type=standard_artifacts.Examples),  # for its span
        "statistics": ChannelParameter(type=standard_artifacts.ExampleStatistics),
        "schema": ChannelParameter(type=standard_artifacts.Schema),
        "anomalies": ChannelParameter(type=standard_artifacts.ExampleAnomalies),
    }
    OUTPUTS = {"report": ChannelParameter(type=DataGateReport)}


class DataGate(base_component.BaseComponent):
    SPEC_CLASS = DataGateSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(
        self,
        examples: types.BaseChannel,
        statistics: types.BaseChannel,
        schema: types.BaseChannel,
        anomalies: types.BaseChannel,
        thresholds: dict[str, Any],
        history_dir: str,
        accept_changes: bool = False,
    ) -> None:
        super().__init__(
            spec=DataGateSpec(
                examples=examples,
                statistics=statistics,
                schema=schema,
                anomalies=anomalies,
                thresholds=json.dumps(thresholds, sort_keys=True),
                history_dir=history_dir,
                accept_changes=int(accept_changes),
                report=types.Channel(type=DataGateReport),
            )
        )
