"""What a run produced, read back from MLMD and the artifacts, the way a person wants to see it.

Reading from MLMD (not from variables the run left behind) means the summary is the truth of
record, and it is the same whether a component ran or its result came from the cache.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from components.guardrails.handling import REPORT_FILE as GUARDRAILS_FILE
from components.common.model_evaluation import read_failures, read_slices
from pipeline.report import data_summary

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

_CACHED = metadata_store_pb2.Execution.CACHED
_OUTPUT = metadata_store_pb2.Event.OUTPUT


@dataclass
class RunSummary:
    run_id: str
    nodes: dict[str, str] = field(default_factory=dict)  # node id -> COMPLETE / CACHED / ...
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # the selected trial's point
    search: dict[str, Any] = field(default_factory=dict)  # see _search_digest
    study_uri: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    slice_metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # evaluator.slices
    evaluation_uri: str | None = None  # TFMA's output: the report's test-split plots
    blessed: bool | None = None
    failed_checks: list[str] = field(default_factory=list)
    pushed_to: str | None = None
    held_by_pin: bool = False  # blessed, not pushed: a rollback pinned the serving version
    model_uri: str | None = None
    feature_importance: dict[str, float] = field(default_factory=dict)  # CSV column -> loss growth
    guardrails: dict[str, Any] = field(default_factory=dict)  # guardrails.json: findings, handling
    ensemble: dict[str, Any] = field(default_factory=dict)  # the Trainer's choice (ensembling.py)
    data: dict[str, Any] = field(default_factory=dict)  # rows and columns (data_summary.py)

    @property
    def cached_nodes(self) -> list[str]:
        return [node for node, state in self.nodes.items() if state == "CACHED"]


def _latest_run_context(
    store: metadata_store.MetadataStore, pipeline_name: str, since_ms: int
) -> metadata_store_pb2.Context | None:
    pipeline = store.get_context_by_type_and_name("pipeline", pipeline_name)
    if pipeline is None:
        return None
    in_pipeline = {e.id for e in store.get_executions_by_context(pipeline.id)}
    candidates = [
        c
        for c in store.get_contexts_by_type("pipeline_run")
        if c.create_time_since_epoch >= since_ms
    ]
    for context in sorted(candidates, key=lambda c: c.create_time_since_epoch, reverse=True):
        if any(e.id in in_pipeline for e in store.get_executions_by_context(context.id)):
            return context
    return None


def _outputs(store: metadata_store.MetadataStore, execution_id: int) -> dict[str, list]:
    events = [e for e in store.get_events_by_execution_ids([execution_id]) if e.type == _OUTPUT]
    artifacts = {a.id: a for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
    by_key: dict[str, list] = {}
    for event in events:
        key = event.path.steps[0].key if event.path.steps else ""
        by_key.setdefault(key, []).append(artifacts[event.artifact_id])
    return by_key


def _read_json(path: str) -> Any:
    with open(path) as handle:
        return json.load(handle)


def read_run(connection_config: Any, pipeline_name: str, since_ms: int) -> RunSummary | None:
    store = metadata_store.MetadataStore(connection_config)
    run = _latest_run_context(store, pipeline_name, since_ms)
    if run is None:
        return None
    summary = RunSummary(run_id=run.name)
    prefix = pipeline_name + "."
    for execution in sorted(store.get_executions_by_context(run.id), key=lambda e: e.id):
        node = next(
            (
                c.name.removeprefix(prefix)
                for c in store.get_contexts_by_execution(execution.id)
                if c.type == "node"
            ),
            str(execution.id),
        )
        summary.nodes[node] = metadata_store_pb2.Execution.State.Name(execution.last_known_state)
        outputs = _outputs(store, execution.id)
        _collect(summary, outputs)
    return summary


def _collect(summary: RunSummary, outputs: dict[str, list]) -> None:
    """Fills in what one component's outputs tell (each output key belongs to one component)."""
    if "study" in outputs:
        summary.study_uri = outputs["study"][0].uri
        study = _read_json(os.path.join(summary.study_uri, "study.json"))
        summary.search = _search_digest(study)
        selected = study["selected_trial"]
        if selected is not None:
            summary.hyperparameters = study["trials"][selected]["params"]
    if "statistics" in outputs:
        summary.data = data_summary.read(outputs["statistics"][0].uri)
    if "findings" in outputs:
        summary.guardrails = _read_json(os.path.join(outputs["findings"][0].uri, GUARDRAILS_FILE))
    if "model" in outputs:
        summary.model_uri = outputs["model"][0].uri
    if "model_run" in outputs:
        training = os.path.join(outputs["model_run"][0].uri, "training.json")
        if os.path.exists(training):
            trained = _read_json(training)
            summary.feature_importance = trained.get("feature_importance", {})
            summary.ensemble = trained.get("ensemble") or {}
    if "evaluation" in outputs:
        uri = summary.evaluation_uri = outputs["evaluation"][0].uri
        slices = read_slices(uri)  # TFMA's metrics file, read once for overall and slices
        summary.metrics = slices.get("", {})
        summary.slice_metrics = {k: v for k, v in slices.items() if k}
        summary.failed_checks = read_failures(uri)
    if "blessing" in outputs:
        blessed = outputs["blessing"][0].custom_properties.get("blessed")
        summary.blessed = bool(blessed.int_value) if blessed is not None else None
    if "pushed_model" in outputs:
        pushed = outputs["pushed_model"][0].custom_properties
        if pushed.get("pushed") is not None and pushed["pushed"].int_value == 1:
            summary.pushed_to = pushed["pushed_destination"].string_value
        summary.held_by_pin = pushed.get("held_by_pin") is not None


def _search_digest(study: dict[str, Any]) -> dict[str, Any]:
    """The few facts of a study a run summary shows (the study file has the rest)."""
    trials = study["trials"]
    selected = study["selected_trial"]
    primary = study["objectives"][0]["name"]
    return {
        "strategy": study["strategy"],
        "estimator": study.get("estimator") or "full",
        "space": study["space_name"],
        "trials": len(trials),
        "completed": sum(t["status"] == "complete" for t in trials),
        "stopped_early": sum(t["status"] == "pruned" for t in trials),
        "compute": study.get("compute_spent"),
        "stop_reason": study["stop_reason"],
        "primary": primary,
        "selected": selected,
        "selected_metrics": trials[selected]["metrics"] if selected is not None else {},
        "pareto_front": study["pareto_front"],
        "selection": study["selection"]["rule"],
        "importance": study.get("importance", []),
    }
