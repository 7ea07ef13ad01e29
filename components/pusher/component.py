"""Pusher: TFX's, publishing each version atomically with its lineage (executor.py).

The inputs beyond TFX's (examples, study, evaluation) are what a version records: the span it
was trained on, the search that chose it and the metrics that blessed it.
"""

from __future__ import annotations

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.proto import pusher_pb2
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.pusher.executor import Executor
from components.tuner.component import TuningStudy


class SafePusherSpec(ComponentSpec):
    PARAMETERS = {
        "push_destination": ExecutionParameter(type=pusher_pb2.PushDestination),
        "history_dir": ExecutionParameter(type=str),
        # The study store's URL: publishing takes a lease there (search.lease), so that two
        # runs sharing a serving folder across pods publish one after the other.
        "lease_store": ExecutionParameter(type=str, optional=True),
        # On a cluster, where no run prunes afterwards (pipeline.runners.retention runs
        # locally): after a push, keep this many served versions (0: prune nothing) and the
        # snapshots of the newest keep_runs studies under snapshot_dir (components.pusher.pruning).
        "keep_versions": ExecutionParameter(type=int, optional=True),
        "keep_runs": ExecutionParameter(type=int, optional=True),
        "snapshot_dir": ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {
        "model": ChannelParameter(type=standard_artifacts.Model),
        "model_blessing": ChannelParameter(type=standard_artifacts.ModelBlessing),
        "evaluation": ChannelParameter(type=standard_artifacts.ModelEvaluation, optional=True),
        "examples": ChannelParameter(type=standard_artifacts.Examples, optional=True),
        "study": ChannelParameter(type=TuningStudy, optional=True),
    }
    OUTPUTS = {"pushed_model": ChannelParameter(type=standard_artifacts.PushedModel)}


class SafePusher(base_component.BaseComponent):
    SPEC_CLASS = SafePusherSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(
        self,
        model: types.BaseChannel,
        model_blessing: types.BaseChannel,
        serving_dir: str,
        history_dir: str,
        evaluation: types.BaseChannel | None = None,
        examples: types.BaseChannel | None = None,
        study: types.BaseChannel | None = None,
        lease_store: str | None = None,
        keep_versions: int = 0,
        keep_runs: int = 0,
        snapshot_dir: str | None = None,
    ) -> None:
        destination = pusher_pb2.PushDestination(
            filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=serving_dir)
        )
        super().__init__(
            spec=SafePusherSpec(
                model=model,
                model_blessing=model_blessing,
                evaluation=evaluation,
                examples=examples,
                study=study,
                push_destination=destination,
                history_dir=history_dir,
                lease_store=lease_store,
                keep_versions=keep_versions,
                keep_runs=keep_runs,
                snapshot_dir=snapshot_dir,
                pushed_model=types.Channel(type=standard_artifacts.PushedModel),
            )
        )
