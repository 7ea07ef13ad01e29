"""DataCheck: the CSV pre-check as a pipeline task, the first of the compiled pipeline.

ExampleGen runs after it (an upstream node, not a data input: ExampleGen still reads the
files itself), so bad data on the cluster is one line in the first task's log instead of a
Beam stack trace in ExampleGen or an error minutes later. The local runner checks before the
pipeline starts and does not need it.
"""

from __future__ import annotations

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import data_types
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.data_check.executor import Executor

__all__ = ["DataCheck", "DataCheckReport"]


class DataCheckReport(types.Artifact):
    """The span checked and what was learnt of it (data_check.json). The type name is an
    import path, as TFX's KFP entry point needs (components exports it)."""

    TYPE_NAME = "components.DataCheckReport"


class DataCheckSpec(ComponentSpec):
    PARAMETERS = {
        "data_root": ExecutionParameter(type=str),  # a run-time parameter on the cluster
        "pattern": ExecutionParameter(type=str),  # ExampleGen's input pattern
        "label": ExecutionParameter(type=str),
        "task": ExecutionParameter(type=str),
    }
    INPUTS: dict = {}
    OUTPUTS = {"report": ChannelParameter(type=DataCheckReport)}


class DataCheck(base_component.BaseComponent):
    SPEC_CLASS = DataCheckSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(
        self, data_root: str | data_types.RuntimeParameter, pattern: str, label: str, task: str
    ) -> None:
        super().__init__(
            spec=DataCheckSpec(
                data_root=data_root,
                pattern=pattern,
                label=label,
                task=task,
                report=types.Channel(type=DataCheckReport),
            )
        )
