"""Retention on real folders and a real MLMD store: what it keeps (the newest runs, what they
read, the serving, pinned and latest blessed models) and what it removes, DELETED in MLMD
before its files go."""

from __future__ import annotations

from pathlib import Path

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

from components.pusher import pruning, versions
from pipeline.runners import retention


def test_versions_keep_the_newest_the_serving_and_the_pinned(tmp_path):
    base = tmp_path / "serving"
    for number in (1, 2, 3, 4, 5):
        (base / str(number)).mkdir(parents=True)
        (base / str(number) / "saved_model.pb").write_bytes(b"x" * 100)
    (base / f"{pruning.DELETING_PREFIX}0").mkdir()  # what a killed prune left
    versions.pin(str(base), 2, "rollback to 1")
    pruned = pruning.Pruned()
    pruning.prune_versions(str(base), 2, pruned)
    assert versions.versions(str(base)) == [2, 4, 5]  # 2 is pinned
    assert pruned.versions == [1, 3] and pruned.bytes == 200
    assert not [p for p in base.iterdir() if p.name.startswith(pruning.DELETING_PREFIX)]


def test_logs_spans_and_snapshots_keep_the_newest(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for stamp in ("20261201-030000", "20261202-030000", "20261203-030000"):
        (logs / f"run-{stamp}.log").write_text("log")
    assert pruning.prune_files(logs, "run-*.log", 2) == (1, 3)
    assert sorted(p.name for p in logs.iterdir()) == [
        "run-20261202-030000.log", "run-20261203-030000.log"
    ]
    spans = tmp_path / "spans"
    for number in (2, 10, 9):  # by number, not by name: span-10 is the newest
        (spans / f"span-{number}").mkdir(parents=True)
    (spans / "notes").mkdir()
    assert pruning.prune_numbered(spans, pruning.SPAN, 2)[0] == 1
    assert sorted(p.name for p in spans.iterdir()) == ["notes", "span-10", "span-9"]


def store_at(path: Path) -> tuple[metadata_store.MetadataStore, pb.ConnectionConfig]:
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    return metadata_store.MetadataStore(config), config


def test_artifacts_of_older_runs_are_deleted_in_mlmd_then_on_disk(tmp_path):
    store, config = store_at(tmp_path / "metadata.sqlite")
    root = tmp_path / "pipeline_root"
    types = {
        name: store.put_artifact_type(pb.ArtifactType(name=name))
        for name in ("Examples", "Model", "ModelBlessing")
    }
    run_type = store.put_context_type(pb.ContextType(name="pipeline_run"))
    pipeline_type = store.put_context_type(pb.ContextType(name="pipeline"))
    execution_type = store.put_execution_type(pb.ExecutionType(name="Trainer"))
    store.put_contexts([pb.Context(type_id=pipeline_type, name="automl-trips")])

    def artifact(kind: str, uri: Path, **custom: int) -> int:
        uri.mkdir(parents=True, exist_ok=True)
        (uri / "data").write_bytes(b"d" * 10)
        made = pb.Artifact(type_id=types[kind], uri=str(uri), state=pb.Artifact.LIVE)
        for key, value in custom.items():
            made.custom_properties[key].int_value = value
        return store.put_artifacts([made])[0]

    def run(name: str, outputs: list[int], inputs: list[int] = ()) -> None:
        [context] = store.put_contexts([pb.Context(type_id=run_type, name=name)])
        events = [pb.Event(artifact_id=a, type=pb.Event.OUTPUT) for a in outputs]
        events += [pb.Event(artifact_id=a, type=pb.Event.INPUT) for a in inputs]
        execution = pb.Execution(type_id=execution_type, last_known_state=pb.Execution.COMPLETE)
        store.put_execution(
            execution, [(store.get_artifacts_by_id([e.artifact_id])[0], e) for e in events],
            [store.get_context_by_type_and_name("pipeline_run", name),
             store.get_context_by_type_and_name("pipeline", "automl-trips")],
        )  # fmt: skip

    examples_1 = artifact("Examples", root / "ExampleGen" / "1")
    model_1 = artifact("Model", root / "Trainer" / "1")
    blessing_1 = artifact("ModelBlessing", root / "Evaluator" / "1", blessed=1,
                          current_model_id=model_1)  # fmt: skip
    run("run-1", [examples_1, model_1, blessing_1])
    examples_2 = artifact("Examples", root / "ExampleGen" / "2")
    model_2 = artifact("Model", root / "Trainer" / "2")
    outside = artifact("Examples", tmp_path / "elsewhere")  # not the pipeline's to delete
    run("run-2", [examples_2, model_2, outside])
    model_3 = artifact("Model", root / "Trainer" / "3")
    run("run-3", [model_3], inputs=[examples_2])  # a cached ExampleGen: run 2's examples
    run("run-4", [artifact("Model", root / "Trainer" / "4")])

    pruned = retention.Pruned()
    retention.prune_artifacts(config, "automl-trips", root, 2, pruned)
    state = {a.id: a.state for a in store.get_artifacts_by_id(list(range(1, 10)))}
    assert state[examples_1] == pb.Artifact.DELETED and not (root / "ExampleGen" / "1").exists()
    assert state[model_2] == pb.Artifact.DELETED and not (root / "Trainer" / "2").exists()
    # Read by a kept run; the latest blessed model and its blessing (the next baseline).
    assert state[examples_2] == pb.Artifact.LIVE and (root / "ExampleGen" / "2").exists()
    assert state[model_1] == state[blessing_1] == pb.Artifact.LIVE
    assert (tmp_path / "elsewhere" / "data").exists() and state[outside] == pb.Artifact.LIVE
    assert pruned.artifacts == 2 and pruned.bytes == 20
    assert state[model_3] == pb.Artifact.LIVE


def test_a_cluster_push_prunes_versions_and_snapshots_on_the_volume(tmp_path):
    """The compiled pipeline's Pusher prunes as it publishes (no run prunes afterwards on a
    cluster): the newest versions, the serving and the pinned one, the newest studies'
    snapshots; a local run's Pusher (keep_versions 0) prunes nothing."""
    from components.pusher.executor import _prune

    base, snapshots = tmp_path / "serving", tmp_path / "weights"
    for number in (1, 2, 3, 4):
        (base / str(number)).mkdir(parents=True)
        (snapshots / f"study-{number}").mkdir(parents=True)
    (snapshots / "searched").mkdir()  # the Tuner's own, which it prunes itself
    _prune(str(base), {"keep_versions": 0, "keep_runs": 1, "snapshot_dir": str(snapshots)})
    assert versions.versions(str(base)) == [1, 2, 3, 4]
    versions.pin(str(base), 1, "rollback")
    _prune(str(base), {"keep_versions": 2, "keep_runs": 2, "snapshot_dir": str(snapshots)})
    assert versions.versions(str(base)) == [1, 3, 4]  # 1 is pinned
    assert sorted(p.name for p in snapshots.iterdir()) == ["searched", "study-3", "study-4"]
