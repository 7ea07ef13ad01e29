"""Kill -9 the whole `automl run` in the middle of its search, then run the same command
again: the study resumes (finished trials are not trained again), and a resume with another
search space is refused in one line without touching the study."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import AUTOML, REPO, run_automl

pytestmark = pytest.mark.e2e
TRIALS = 5


def finished_trials(output: Path) -> dict[int, dict]:
    """The finished trials in the study store, as recorded."""
    path = output / "pipeline_root" / "tuner" / "studies.sqlite"
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT number, record FROM trials WHERE status != 'running'")
        return {number: json.loads(record) for number, record in rows}


def test_a_run_killed_mid_search_resumes_and_refuses_another_space(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text("tuner: {epochs_per_trial: 2}\ntrainer: {early_stopping_patience: 1}\n")
    # One trial at a time: "Trial 2" then means two finished (parallel runs are killed and
    # resumed in tests/workers).
    args = ["run", "--output", str(tmp_path / "out"), "--config", str(config),
            "--estimator", "full", "--max-trials", str(TRIALS),
            "--parallel-trials", "1"]  # fmt: skip
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.Popen(
        [AUTOML, *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 900
    for line in run.stdout:  # type: ignore[union-attr]
        if f"Trial 2 of {TRIALS}" in line:
            break
        assert time.monotonic() < deadline, "the search never reached its second trial"
    time.sleep(1.0)  # into trial 3
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    before = finished_trials(tmp_path / "out")
    assert 2 <= len(before) < TRIALS

    refused = run_automl(*args, "--space", "micro")
    assert refused.returncode != 0
    message = [line for line in refused.stderr.splitlines() if "unfinished study" in line]
    assert message and "'families' -> 'micro'" in message[0], refused.stderr[-2000:]
    assert finished_trials(tmp_path / "out") == before

    resumed = run_automl(*args)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert f"{TRIALS} trials, {TRIALS} completed" in resumed.stdout
    logs = sorted((tmp_path / "out" / "logs").glob("run-*.log"))
    last_log = logs[-1].read_text()
    assert f"{len(before)} trials finished earlier" in last_log
    for number in before:  # trained in the killed run only
        assert f"Trial {number + 1} of {TRIALS} " not in last_log
    after = finished_trials(tmp_path / "out")
    assert sorted(after) == list(range(TRIALS))
    for number, record in before.items():
        assert after[number] == record


def test_a_retrain_on_new_data_warm_starts_from_the_last_study(tmp_path):
    from pipeline.definition.dataset import embedded_penguins_csv

    rows = embedded_penguins_csv().read_text().splitlines(keepends=True)
    older, newer = tmp_path / "older.csv", tmp_path / "newer.csv"
    # every other row: all three species, as a nightly span of the same population would
    # be (the first rows are sorted by species, and their guardrails leave out other columns)
    older.write_text("".join([rows[0], *rows[1::2]]))
    newer.write_text("".join(rows))
    config = tmp_path / "tiny.yaml"
    config.write_text("tuner: {epochs_per_trial: 2}\ntrainer: {early_stopping_patience: 1}\n")
    output = tmp_path / "out"

    def run(data: Path) -> dict:
        result = run_automl("run", "--output", str(output), "--config", str(config),
                            "--data", str(data), "--label", "species", "--estimator", "full",
                            "--max-trials", "4")  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        studies = output / "pipeline_root" / "AutoMLTuner" / "study"
        latest = max(studies.iterdir(), key=lambda p: int(p.name))
        return json.loads((latest / "study.json").read_text())

    first = run(older)
    assert first["warm_start"] == {"earlier_results": 0, "replayed": []}
    second = run(newer)
    log = sorted((output / "logs").glob("run-*.log"))[-1].read_text()
    assert "Warm start from study 1: 4 earlier results; the best 3 are tried first" in log
    assert second["warm_start"] == {"earlier_results": 4, "replayed": [0, 1, 2]}
    ranked = sorted(first["trials"], key=lambda t: t["value"])
    assert [t["params"] for t in second["trials"][:3]] == [t["params"] for t in ranked[:3]]
    assert [t["attrs"]["replay_of"] for t in second["trials"][:3]] == [
        t["number"] for t in ranked[:3]
    ]
