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
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

from components.pusher import versions as served
from pipeline.config import PipelineConfig

DELETING_PREFIX = ".deleting-"
_SPAN = re.compile(r"^span-(\d+)$")
_STUDY = re.compile(r"^study-(\d+)$")
_LIVE, _DELETED = metadata_store_pb2.Artifact.LIVE, metadata_store_pb2.Artifact.DELETED


@dataclass
class Pruned:
    """What one prune removed."""

    versions: list[int] = field(default_factory=list)
    artifacts: int = 0
    logs: int = 0
    spans: int = 0
    studies: int = 0
    bytes: int = 0

    def __bool__(self) -> bool:
        return bool(self.versions or self.artifacts or self.logs or self.spans or self.studies)

    def line(self) -> str:
        parts = [
            f"{len(self.versions)} served versions" if self.versions else "",
            f"{self.artifacts} artifacts of older runs" if self.artifacts else "",
            f"{self.logs} logs" if self.logs else "",
            f"{self.spans} staged spans" if self.spans else "",
            f"{self.studies} studies' snapshots" if self.studies else "",
        ]
        shown = ", ".join(p for p in parts if p)
        return f"Retention: removed {shown} ({self.bytes / 2**20:.1f} MiB)"


def prune_versions(base: str, keep: int, pruned: Pruned) -> None:
    published = served.versions(base)
    pin = served.pinned(base)
    protected = {published[-1]} if published else set()
    if pin is not None and pin.get("version") is not None:
        protected.add(int(pin["version"]))
    for version in published[: max(0, len(published) - keep)]:
        if version in protected:
            continue
        hidden = os.path.join(base, f"{DELETING_PREFIX}{version}")
        os.rename(os.path.join(base, str(version)), hidden)  # out of serving's sight at once
        pruned.versions.append(version)
    for entry in os.scandir(base) if os.path.isdir(base) else []:
        if entry.name.startswith(DELETING_PREFIX):  # this prune's, or one a kill interrupted
            pruned.bytes += _remove(entry.path)


def prune_files(folder: Path, pattern: str, keep: int) -> tuple[int, int]:
    """Keeps the newest ``keep`` entries matching ``pattern`` (by name: runs' logs are named
    by time); returns (entries, bytes) removed."""
    entries = sorted(folder.glob(pattern)) if folder.is_dir() else []
    removed = entries[: max(0, len(entries) - keep)]
    return len(removed), sum(_remove(str(p)) for p in removed)


def prune_numbered(folder: Path, pattern: re.Pattern[str], keep: int) -> tuple[int, int]:
    """Keeps the ``keep`` highest-numbered ``span-N`` / ``study-N`` folders."""
    numbered = sorted(
        (int(m.group(1)), p) for p in (folder.iterdir() if folder.is_dir() else [])
        if (m := pattern.match(p.name))
    )  # fmt: skip
    removed = [p for _, p in numbered[: max(0, len(numbered) - keep)]]
    return len(removed), sum(_remove(str(p)) for p in removed)


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
        pruned.bytes += _remove(uri)


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


def _size(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(
        os.path.getsize(os.path.join(folder, name))
        for folder, _, files in os.walk(path)
        for name in files
        if not os.path.islink(os.path.join(folder, name))
    )


def _remove(path: str) -> int:
    size = _size(path)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.remove(path)
    return size


def prune(config: PipelineConfig) -> Pruned:
    """Applies ``config.retention`` to the output folder (the caller holds its lock)."""
    from pipeline.layout import Layout, serving_dir

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
    pruned.spans, size = prune_numbered(spans, _SPAN, keep.keep_runs)
    pruned.bytes += size
    pruned.studies, size = prune_numbered(layout.pipeline_root / "tuner" / "weights", _STUDY,
                                          keep.keep_runs)
    pruned.bytes += size
    return pruned
