"""Retention: what a finished run deletes so that nightly retrains stay within their volume.

Every run adds a served version, a log, a staged span, the artifacts of each component under
``pipeline_root`` (the transformed data is the largest) and the search's weight snapshots.
After a successful run, under the output folder's lock, this keeps:

- the newest ``keep_versions`` served versions, and always the serving and the pinned one;
- the logs, staged spans and study snapshots of the newest ``keep_runs`` runs;
- every artifact that an execution of the newest ``keep_runs`` runs read or wrote (a cached
  execution writes the artifacts of the run that made them, so those stay too), and the
  latest blessed model, which the next Evaluator compares against.

An artifact is marked DELETED in MLMD before its folder goes, so TFX's cache never hands a
later run an output whose files are gone (cache_utils only reuses LIVE outputs); a kill in
between leaves a DELETED artifact's files, which the next prune removes. A version leaves
serving by a rename to a hidden folder first, so TF Serving never sees half of one.
"""

from __future__ import annotations

import os
from pathlib import Path

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

from components.pusher.pruning import (
    SPAN, STUDY, Pruned, prune_files, prune_numbered, prune_versions, remove,
)  # fmt: skip
from pipeline.definition.config import PipelineConfig

_LIVE, _DELETED = metadata_store_pb2.Artifact.LIVE, metadata_store_pb2.Artifact.DELETED


def prune_artifacts(
    connection_config: metadata_store_pb2.ConnectionConfig,
    pipeline_name: str,
    pipeline_root: Path,
    keep_runs: int,
    pruned: Pruned,
) -> None:
    store = metadata_store.MetadataStore(connection_config)
    pipeline = store.get_context_by_type_and_name("pipeline", pipeline_name)
    if pipeline is None:
        return
    in_pipeline = {e.id for e in store.get_executions_by_context(pipeline.id)}
    runs = []
    for run in store.get_contexts_by_type("pipeline_run"):
        executions = {e.id for e in store.get_executions_by_context(run.id)} & in_pipeline
        if executions:
            runs.append((run.create_time_since_epoch, run.id, executions))
    runs.sort()
    kept_runs, old_runs = runs[-keep_runs:], runs[:-keep_runs]
    kept = _touched(store, set().union(*(ex for _, _, ex in kept_runs))) | _latest_blessed(store)
    old = _touched(store, set().union(set(), *(ex for _, _, ex in old_runs)))
    root = os.path.realpath(pipeline_root)
    doomed, folders = [], []
    for artifact in store.get_artifacts_by_id(sorted(old - kept)):
        if not os.path.realpath(artifact.uri).startswith(root + os.sep):
            continue  # never delete what the pipeline did not write under its root
        if artifact.state != _DELETED:
            artifact.state = _DELETED
            doomed.append(artifact)
        if os.path.exists(artifact.uri):
            folders.append(artifact.uri)
    if doomed:
        store.put_artifacts(doomed)  # first: a kill now leaves files of DELETED artifacts
    for uri in folders:
        pruned.artifacts += 1
        pruned.bytes += remove(uri)


def _touched(store: metadata_store.MetadataStore, execution_ids: set[int]) -> set[int]:
    """Artifacts the executions read or wrote."""
    if not execution_ids:
        return set()
    return {e.artifact_id for e in store.get_events_by_execution_ids(sorted(execution_ids))}


def _latest_blessed(store: metadata_store.MetadataStore) -> set[int]:
    """The newest blessing that blessed and the model it blessed: the next run's baseline."""
    blessings = [
        b for b in store.get_artifacts_by_type("ModelBlessing")
        if b.state == _LIVE and b.custom_properties.get("blessed") is not None
        and b.custom_properties["blessed"].int_value == 1
    ]  # fmt: skip
    if not blessings:
        return set()
    newest = max(blessings, key=lambda b: b.id)
    model = newest.custom_properties.get("current_model_id")
    return {newest.id} | ({model.int_value} if model is not None else set())


def prune(config: PipelineConfig) -> Pruned:
    """Applies ``config.retention`` to the output folder (the caller holds its lock)."""
    from pipeline.definition.layout import Layout, serving_dir

    keep, layout, pruned = config.retention, Layout(config.output), Pruned()
    prune_versions(str(serving_dir(config)), keep.keep_versions, pruned)
    connection = metadata_store_pb2.ConnectionConfig()
    connection.sqlite.filename_uri = str(layout.metadata)
    connection.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE
    if layout.metadata.exists():
        prune_artifacts(
            connection, config.pipeline_name, layout.pipeline_root, keep.keep_runs, pruned
        )
    pruned.logs, size = prune_files(layout.logs, "run-*.log", keep.keep_runs)
    pruned.bytes += size
    spans = layout.staged / "spans" / config.resolved_dataset_name
    pruned.spans, size = prune_numbered(spans, SPAN, keep.keep_runs)
    pruned.bytes += size
    pruned.studies, size = prune_numbered(layout.pipeline_root / "tuner" / "weights", STUDY,
                                          keep.keep_runs)
    pruned.bytes += size
    return pruned
