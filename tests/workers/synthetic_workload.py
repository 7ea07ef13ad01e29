"""A study of a synthetic objective run by the real Workers over a real SQLite store, in a
process of its own so that tests can kill it (or its trial processes) with SIGKILL.

Every trial process appends "start N" and "finish N" to an events file (O_APPEND lines are
atomic), which is how the tests see what was trained and when.

Usage: python -m tests.workers.synthetic_workload STORE_URL EVENTS MAX_TRIALS PARALLEL SLEEP_S
"""

from __future__ import annotations

import os
import sys
import time

from components.tuner.workers import Workers, watch_supervisor
from search.budget import Budget
from search.store import StudyStore
from search.strategies import create_strategy
from search.study import Study, run_trial
from search.synthetic import PROBLEMS

PROBLEM = PROBLEMS["branin"]
KEY = "synthetic"


def _event(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{text} {os.getpid()}\n".encode())
    finally:
        os.close(fd)


def synthetic_trial(
    store_url: str, study_id: int, number: int, worker: str, supervisor: tuple[int, float]
) -> None:
    watch_supervisor(supervisor)
    store = StudyStore(store_url)
    job = store.settings(study_id)["job"]
    trial = store.trials(study_id)[number]
    _event(job["events"], f"start {number}")
    time.sleep(job["sleep_s"])
    run_trial(lambda t: PROBLEM.objective(t.params), trial)
    if store.finish(study_id, trial, worker):
        _event(job["events"], f"finish {number}")


def open_study(store: StudyStore, events: str, sleep_s: float, strategy: str = "tpe") -> int:
    searched = {"problem": PROBLEM.name, "strategy": strategy, "seed": 7}
    return store.open(KEY, searched, {"events": events, "sleep_s": sleep_s}).id


def supervise(
    store_url: str, events: str, max_trials: int, parallel: int, sleep_s: float,
    trial_time_limit_s: float | None = None, poll_s: float = 0.05,
) -> str:  # fmt: skip
    # Random kills often hit the trial a restarted run retries first; the attempt limit (a
    # trial that always kills its worker fails) is tested on its own in test_store.py.
    store = StudyStore(store_url, max_attempts=20)
    study_id = open_study(store, events, sleep_s)
    study = Study(PROBLEM.space, create_strategy("tpe", PROBLEM.space, seed=7), seed=7)
    budget = Budget(max_trials=max_trials)
    reason = Workers(
        store,
        study_id,
        lambda history, elapsed_s: study.propose_next(history, budget, elapsed_s),
        parallel=parallel,
        trial_main=synthetic_trial,
        preload=(__name__ if __name__ != "__main__" else "tests.workers.synthetic_workload",),
        poll_s=poll_s,
        trial_time_limit_s=trial_time_limit_s,
    ).run()
    store.close(study_id)
    return reason


if __name__ == "__main__":
    url, events_path, trials, workers, sleep = sys.argv[1:6]
    print(supervise(url, events_path, int(trials), int(workers), float(sleep)))
