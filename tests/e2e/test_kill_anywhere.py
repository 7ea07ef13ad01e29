"""`automl run` and `automl retrain` killed with SIGKILL at 20 random moments, as a node
failure, an OOM kill or an impatient operator would: after each kill the serving folder
holds only complete models, the history reads, nothing the run started keeps running, and
the same command, started again, completes. Retention keeps 3 runs and 2 versions here, so
prunes run (and are killed) along the way, and the runs after them still complete: nothing a
later run needs, cached or compared against, was deleted.

The moments are drawn over a whole uncached run's duration, so they fall in every step from
the data check to the push; each run that completes before its kill gets a new span, so the
next one has real work again (a cached run would only re-check the data), and its duration
becomes its command's whole run: a retrain, shorter than a run, would otherwise outrun every
late kill.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from tfx.utils import path_utils

from components.common import history
from components.pusher import versions
from tests.conftest import AUTOML, REPO
from tests.e2e.spans import write_span

pytestmark = pytest.mark.e2e

KILLS = 20
# A small search: the point is many kills across the whole pipeline, not a good model.
CONFIG = (
    "tuner: {max_trials: 2}\nevaluator: {min_accuracy: 0.3, max_regression: 1.0}\n"
    "retention: {keep_runs: 3, keep_versions: 2}\n"
)


def start(folder: Path, command: str) -> subprocess.Popen:
    args = [AUTOML, command, "--data", str(folder / "spans"), "--label", "species"]
    args += ["--output", str(folder / "out"), "--config", str(folder / "config.yaml")]
    log = open(folder / f"{command}.log", "a")  # noqa: SIM115  (kept by the process)
    return subprocess.Popen(
        args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip


def serving(folder: Path) -> Path:
    return folder / "out" / "serving" / "automl-spans"


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != versions.VERSION_FILE
    }


def assert_consistent(folder: Path) -> None:
    """Only complete versions are published (each a byte-for-byte copy of the model it names)
    and every history record reads."""
    base = serving(folder)
    for version in versions.versions(str(base)):
        record = versions.read_record(str(base / str(version)))
        assert record["version"] == version
        pushed = path_utils.serving_model_path(record["model"])
        assert files(base / str(version)) == files(Path(pushed)), version
    for kind in ("gate", "promotion"):
        for decision in history.decisions(str(folder / "out" / "history" / "automl-spans"), kind):
            assert "time" in decision


def kill_at(process: subprocess.Popen, seconds: float, log: Path) -> bool:
    """SIGKILLs the process after ``seconds`` unless it ends first (False then: it must have
    succeeded); its helpers (fork server, trial processes) must end on their own soon after."""
    deadline = time.monotonic() + seconds
    helpers: list[psutil.Process] = []
    while time.monotonic() < deadline:
        if process.poll() is not None:
            assert process.returncode == 0, log.read_text()[-3000:]
            return False
        try:
            helpers = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            pass
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    if process.poll() is not None:
        assert process.returncode == 0, log.read_text()[-3000:]
        return False
    process.kill()
    process.wait()
    _, alive = psutil.wait_procs(helpers, timeout=120)
    assert not alive, [p.cmdline() for p in alive]
    return True


def test_run_and_retrain_killed_at_random_moments_stay_consistent_and_then_complete(tmp_path):
    (tmp_path / "config.yaml").write_text(CONFIG)
    span = 1
    write_span(tmp_path / "spans", span)
    began = time.monotonic()
    first = start(tmp_path, "run")
    assert first.wait(timeout=900) == 0, (tmp_path / "run.log").read_text()[-3000:]
    # An uncached run, from the process start to its end; a retrain searches a fraction of
    # the budget, so its own whole is learned from the first retrain that outruns its kill.
    whole = dict.fromkeys(("run", "retrain"), time.monotonic() - began)
    rng = random.Random(2026)
    kills, completed = 0, 0
    while kills < KILLS:
        command = ("run", "retrain")[kills % 2]
        moment = whole[command] * (kills + rng.random()) / KILLS  # stratified over a whole run
        began = time.monotonic()
        if kill_at(start(tmp_path, command), moment, tmp_path / f"{command}.log"):
            kills += 1
            assert_consistent(tmp_path)
        else:  # it completed first: new data, so that the next run does all the work again
            whole[command] = min(whole[command], time.monotonic() - began)
            completed += 1
            span += 1
            write_span(tmp_path / "spans", span)
        assert completed < 3 * KILLS, "the runs keep ending before their kills"
    for command in ("retrain", "run"):  # the same commands, started again, complete
        process = start(tmp_path, command)
        assert process.wait(timeout=900) == 0, (tmp_path / f"{command}.log").read_text()[-3000:]
    assert_consistent(tmp_path)
    assert 1 <= len(versions.versions(str(serving(tmp_path)))) <= 2  # pushed, and pruned
    assert len(list((tmp_path / "out" / "logs").glob("run-*.log"))) <= 3
    assert_pruned_in_mlmd_and_on_disk(tmp_path / "out")


def assert_pruned_in_mlmd_and_on_disk(out: Path) -> None:
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2 as pb

    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = str(out / "metadata.sqlite")
    config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READONLY
    artifacts = metadata_store.MetadataStore(config).get_artifacts()
    deleted = [a for a in artifacts if a.state == pb.Artifact.DELETED]
    assert deleted, "no run's artifacts were pruned"
    assert not [a.uri for a in deleted if os.path.exists(a.uri)]
