"""Workers over a shared study (SQLite, and PostgreSQL where a test takes ``store_url``):
concurrency, kill -9 and resume, with a synthetic objective so that dozens of trials and
kills cost seconds (tests/e2e cover the Tuner itself)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import psutil
import pytest

from search.store import StudyStore
from search.trial import TrialStatus

REPO = Path(__file__).resolve().parents[2]


def start_supervisor(url: str, events: Path, trials: int, parallel: int, sleep_s: float):
    """The workload in a process of its own; its output goes to a file beside the events (a
    pipe would be held open by trial processes that outlive a killed supervisor)."""
    with open(f"{events}.log", "a") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.workers.synthetic_workload", url, str(events),
             str(trials), str(parallel), str(sleep_s)],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip


def finish(process: subprocess.Popen, events: Path) -> None:
    assert process.wait(timeout=300) == 0, Path(f"{events}.log").read_text()[-3000:]


def trial_processes(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if "forkserver" not in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # ended (or a zombie) meanwhile
            pass
    return found


def read_events(path: Path) -> list[tuple[str, int]]:
    lines = path.read_text().splitlines() if path.exists() else []
    return [(kind, int(number)) for kind, number, _ in (line.split() for line in lines)]


def assert_complete_without_repeats(url: str, events: Path, trials: int) -> list:
    store = StudyStore(url)
    stored = store.trials(1)  # the first study of a fresh store
    assert len(stored) == trials
    assert all(t.status is TrialStatus.COMPLETE for t in stored), [t.error for t in stored]
    log = read_events(events)
    finishes = Counter(n for kind, n in log if kind == "finish")
    assert finishes == Counter(range(trials)), "every trial recorded exactly once"
    for number in range(trials):
        finished_at = log.index(("finish", number))
        assert ("start", number) not in log[finished_at:], f"trial {number} trained again"
    return stored


def test_two_supervisors_share_a_study_and_never_train_the_same_trial(tmp_path, store_url):
    url, events = store_url, tmp_path / "events"
    supervisors = [start_supervisor(url, events, 16, 1, 0.3) for _ in range(2)]
    for process in supervisors:
        finish(process, events)
    stored = assert_complete_without_repeats(url, events, 16)
    starts = Counter(n for kind, n in read_events(events) if kind == "start")
    assert set(starts.values()) == {1}, "no trial was started twice"
    owners = {t.number: t for t in stored}
    assert len(owners) == 16
    pids = {pid for _, _, pid in (line.split() for line in events.read_text().splitlines())}
    assert len(pids) == 32 // 2, "one process per trial"


def test_no_supervisor_returns_while_another_still_runs_a_trial(tmp_path, store_url):
    """The Tuner selects when its own supervisor returns: a worker pod's trial still running
    then would be missing from the selection."""
    url, events = store_url, tmp_path / "events"
    running = [start_supervisor(url, events, 5, 1, 1.0) for _ in range(2)]
    deadline = time.monotonic() + 300
    while running and time.monotonic() < deadline:
        for process in [p for p in running if p.poll() is not None]:
            finish(process, events)
            finished = [n for kind, n in read_events(events) if kind == "finish"]
            assert sorted(finished) == list(range(5)), "returned before the others' trials"
            running.remove(process)
        time.sleep(0.02)
    assert not running, "the supervisors did not end"
    assert_complete_without_repeats(url, events, 5)


def _kill_somewhere(process: subprocess.Popen, rng: np.random.Generator) -> str | None:
    """SIGKILL the whole run or one of its trial processes, at a random moment once trials
    are running; None when the run finished first."""
    deadline = time.monotonic() + 120
    while not trial_processes(process) and process.poll() is None:
        assert time.monotonic() < deadline, "no trial process started"
        time.sleep(0.05)
    time.sleep(float(rng.uniform(0.0, 1.5)))
    if process.poll() is not None:
        return None
    children = trial_processes(process)
    if children and rng.random() < 0.5:
        try:
            os.kill(int(rng.choice([c.pid for c in children])), signal.SIGKILL)
        except ProcessLookupError:
            return None
        return "worker"
    process.kill()
    process.wait()
    return "run"


def kill_and_resume(url: str, events: Path, trials: int, parallel: int, seed: int, times: int):
    """Runs the workload to its end, killing it (or a worker) up to ``times`` times and
    starting the same command again after each kill of the whole run; the kinds of kills."""
    rng = np.random.default_rng(seed)
    kills: list[str] = []
    sleep_s = 0.5 if parallel > 1 else 0.2
    process = start_supervisor(url, events, trials, parallel, sleep_s)
    while len(kills) < times and (kill := _kill_somewhere(process, rng)) is not None:
        kills.append(kill)
        if kill == "run":
            process = start_supervisor(url, events, trials, parallel, sleep_s)
    finish(process, events)
    return kills


def test_kill_9_of_workers_and_of_the_run_at_random_moments_loses_and_repeats_nothing(tmp_path):
    url, events = f"sqlite:///{tmp_path}/study.sqlite", tmp_path / "events"
    kills = kill_and_resume(url, events, 40, parallel=2, seed=2026, times=8)
    assert len(kills) >= 5, kills
    assert {"run", "worker"} <= set(kills), kills
    assert_complete_without_repeats(url, events, 40)


def test_a_resumed_sequential_study_ends_as_an_uninterrupted_one(tmp_path):
    """TPE is deterministic given the history, and a killed trial is retried with its point
    and seed: so the resumed study equals the one that was never killed."""
    once = f"sqlite:///{tmp_path}/once.sqlite"
    finish(start_supervisor(once, tmp_path / "once.events", 12, 1, 0.2), tmp_path / "once.events")
    url, events = f"sqlite:///{tmp_path}/killed.sqlite", tmp_path / "killed.events"
    kills = kill_and_resume(url, events, 12, parallel=1, seed=5, times=5)
    assert len(kills) == 5, kills
    resumed = assert_complete_without_repeats(url, events, 12)
    reference = StudyStore(once).trials(1)
    assert [t.params for t in resumed] == [t.params for t in reference]
    assert [t.value for t in resumed] == pytest.approx([t.value for t in reference])


def test_a_trial_past_the_trial_time_limit_is_stopped_and_recorded_as_failed(tmp_path):
    """A hung trial must not hold the search (and a nightly run's lock) forever."""
    from tests.workers.synthetic_workload import supervise

    url, events = f"sqlite:///{tmp_path}/study.sqlite", tmp_path / "events"
    began = time.monotonic()
    supervise(url, str(events), 3, 1, sleep_s=60.0, trial_time_limit_s=1.0)
    assert time.monotonic() - began < 45  # three 60 s trials, each stopped after about 1 s
    stored = StudyStore(url).trials(1)
    assert [t.status for t in stored] == [TrialStatus.FAILED] * 3
    assert {t.error for t in stored} == {"stopped: ran past the trial time limit (1 s)"}
    assert not [n for kind, n in read_events(events) if kind == "finish"]


def test_a_slot_is_filled_again_when_its_trial_ends_not_at_the_next_poll(tmp_path):
    """The supervisor wakes when a trial process exits: with a 60 s poll, four quick trials
    one after another would otherwise take three polls."""
    from tests.workers.synthetic_workload import supervise

    url, events = f"sqlite:///{tmp_path}/study.sqlite", tmp_path / "events"
    began = time.monotonic()
    supervise(url, str(events), 4, 1, sleep_s=0.0, poll_s=60.0)
    assert time.monotonic() - began < 60
    assert [t.status for t in StudyStore(url).trials(1)] == [TrialStatus.COMPLETE] * 4


def _exit_with(code: int) -> None:
    raise SystemExit(code)


def test_the_fork_server_stops_after_a_search_and_a_later_one_starts_anew():
    """The Tuner ends the trials' fork server when its search is over (its imports would
    otherwise add to the Evaluator's peak memory); a later search must still fork trials."""
    import multiprocessing
    import os
    from multiprocessing import forkserver

    from components.tuner.workers import start_fork_server, stop_fork_server

    start_fork_server(("json",))
    first = forkserver._forkserver._forkserver_pid  # noqa: SLF001
    assert first is not None
    stop_fork_server()
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # gone, and reaped
    child = multiprocessing.get_context("forkserver").Process(target=_exit_with, args=(7,))
    child.start()
    child.join(30)
    assert child.exitcode == 7
    assert forkserver._forkserver._forkserver_pid not in (None, first)  # noqa: SLF001
    stop_fork_server()
