"""What keeps a nightly retrain from stalling or misleading, through the real CLI: the run
time limit ends a run and frees its folder; a lock held past that limit names the holder as
possibly hung; `automl rollback` killed (SIGKILL) at random moments leaves only complete
versions and then completes; pins hold; a damaged history record is skipped."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import psutil

from components.common import history
from components.pusher import versions
from pipeline.runners.run_lock import LOCK_FILE, output_lock
from tests.conftest import AUTOML, REPO, run_automl

PENGUINS = "species,bill_length_mm,island\n" + "".join(
    f"{s},{40 + i % 7}.5,{'Biscoe' if i % 3 else 'Dream'}\n"
    for i, s in enumerate(["Adelie", "Gentoo", "Chinstrap"] * 40)
)


def served(tmp_path: Path, models: int) -> tuple[list[str], Path]:
    """An output folder whose serving folder holds ``models`` pushed versions (as the Pusher
    publishes them), with their decisions; the CLI's --output/--data to find it."""
    data = tmp_path / "trips.csv"
    data.write_text(PENGUINS)
    out = tmp_path / "out"
    base = out / "serving" / "automl-trips"
    for span in range(1, models + 1):
        source = tmp_path / f"model-{span}"
        (source / "variables").mkdir(parents=True)
        (source / "saved_model.pb").write_bytes(bytes([span]) * 200_000)
        (source / "variables" / "variables.index").write_bytes(b"w" * span)
        version = int(versions.publish(str(source), str(base), {"span": span}).rsplit("/")[-1])
        history.record_decision(
            str(out / "history" / "automl-trips"), "promotion",
            {"time": time.time() + span, "span": span, "blessed": True, "version": version},
        )  # fmt: skip
    return ["--output", str(out), "--data", str(data)], base


def assert_complete(base: Path) -> None:
    """Every published version is a whole copy of a pushed model, with its record."""
    for version in versions.versions(str(base)):
        folder = base / str(version)
        record = versions.read_record(str(folder))
        assert record["version"] == version
        span = record["span"]
        assert (folder / "saved_model.pb").read_bytes() == bytes([span]) * 200_000
        assert (folder / "variables" / "variables.index").read_bytes() == b"w" * span


def test_rollback_killed_at_random_moments_leaves_whole_versions_and_then_completes(tmp_path):
    where, base = served(tmp_path, 2)
    whole = time.monotonic()
    assert run_automl("rollback", *where, "--no-pin").returncode == 0
    whole = time.monotonic() - whole
    rng = random.Random(11)
    for i in range(20):
        process = subprocess.Popen(
            [AUTOML, "rollback", *where, "--no-pin", "--to", str(versions.versions(str(base))[0])],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(whole * (i + rng.random()) / 20)  # stratified over a whole rollback
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert_complete(base)
        history.decisions(str(tmp_path / "out" / "history" / "automl-trips"), "promotion")
    done = run_automl("rollback", *where, "--to", str(versions.versions(str(base))[0]))
    assert done.returncode == 0, done.stderr
    assert_complete(base)
    shown = run_automl("history", *where, env={"COLUMNS": "300"})
    assert shown.returncode == 0, shown.stderr
    assert "pinned (automl unpin)" in shown.stdout


def test_a_second_rollback_goes_further_back_until_there_is_nothing_older(tmp_path):
    where, base = served(tmp_path, 3)
    first, second, third = versions.versions(str(base))
    assert run_automl("rollback", *where).returncode == 0
    assert versions.read_record(str(base / str(versions.versions(str(base))[-1])))[
        "rollback_of"
    ] == second
    assert run_automl("rollback", *where).returncode == 0
    assert versions.origin(str(base), versions.versions(str(base))[-1]) == first
    refused = run_automl("rollback", *where)
    assert refused.returncode == 2
    assert f"(version {first}): nothing older to roll back to" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert versions.pinned(str(base))["version"] == versions.versions(str(base))[-1]
    assert run_automl("unpin", *where).returncode == 0
    assert versions.pinned(str(base)) is None
    again = run_automl("unpin", *where)
    assert again.returncode == 2 and "nothing is pinned" in again.stderr
    assert third in versions.versions(str(base))  # nothing is ever overwritten


def test_a_damaged_history_record_is_skipped_with_a_warning(tmp_path):
    where, _ = served(tmp_path, 2)
    promotions = tmp_path / "out" / "history" / "automl-trips" / "promotion"
    damaged = sorted(promotions.iterdir())[0]
    damaged.write_text(damaged.read_text()[:20])  # as a disk error or a torn copy leaves it
    shown = run_automl("history", *where, env={"COLUMNS": "300"})
    assert shown.returncode == 0, shown.stderr
    assert "skipping the damaged promotion record" in shown.stderr
    assert "blessed" in shown.stdout  # the other record is still listed


def test_a_run_past_its_time_limit_exits_and_frees_its_folder(tmp_path):
    data = tmp_path / "trips.csv"
    data.write_text(PENGUINS)
    (tmp_path / "config.yaml").write_text("run_time_limit_s: 20s\n")
    command = [
        AUTOML, "run", "--data", str(data), "--label", "species", "--output",
        str(tmp_path / "out"), "--config", str(tmp_path / "config.yaml"), "--max-trials", "50",
    ]  # fmt: skip
    with open(tmp_path / "stderr", "w") as stderr:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )  # fmt: skip
        began = time.monotonic()
        time.sleep(15)
        helpers = psutil.Process(process.pid).children(recursive=True)  # fork server, trials
        code = process.wait(timeout=120)
    took = time.monotonic() - began
    said = (tmp_path / "stderr").read_text()
    assert code == 1, said
    assert "passed its time limit (run_time_limit_s, 20 s)" in said
    assert took < 20 + 15, took  # the limit, and the process start before it
    with output_lock(tmp_path / "out"):  # free: the kernel dropped the dead run's lock
        pass
    # Nothing it started runs on: the fork server ends when its parent's pipe closes, and
    # the trials when they see their supervisor gone.
    _, alive = psutil.wait_procs(helpers, timeout=120)
    assert not alive, [p.cmdline() for p in alive]


def test_a_time_limit_below_the_time_budget_is_refused(tmp_path):
    data = tmp_path / "trips.csv"
    data.write_text(PENGUINS)
    (tmp_path / "config.yaml").write_text("run_time_limit_s: 1m\n")
    result = run_automl(
        "run", "--data", str(data), "--label", "species", "--output", str(tmp_path / "out"),
        "--config", str(tmp_path / "config.yaml"), "--time-budget", "5m",
    )  # fmt: skip
    assert result.returncode == 2
    assert "below the time budget" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_lock_held_past_the_run_time_limit_names_the_holder_as_possibly_hung(tmp_path):
    data = tmp_path / "trips.csv"
    data.write_text(PENGUINS)
    out = tmp_path / "out"
    (tmp_path / "config.yaml").write_text("run_time_limit_s: 1h\n")
    with output_lock(out):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 3 * 3600))
        (out / LOCK_FILE).write_text(f"pid 4242, since {stamp} UTC")
        result = run_automl(
            "run", "--data", str(data), "--label", "species", "--output", str(out),
            "--config", str(tmp_path / "config.yaml"),
        )  # fmt: skip
    assert result.returncode == 75
    assert "has held it for 3.0 h, past the run time limit (1 h)" in result.stderr
    assert "stop process 4242 to free it" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
