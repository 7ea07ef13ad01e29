"""Trial workers: N trials at a time over a shared study store, each in its own process.

A supervisor claims trials from the store (the strategy proposes inside the store's write
transaction), starts one process per trial, heartbeats for them, and hears their end. Why a
process per trial: TensorFlow and Keras keep memory a process never gives back (graphs, the
allocator's arenas), so a long search in one process grows until it dies; a process that ends
returns all of it. The processes fork from a server that imported TensorFlow once, so a trial
starts in a fraction of a second instead of paying the import.

What happens when something dies: a trial process that exits abnormally (killed, out of
memory) is released and retried by the next claim, up to the store's attempt limit; a
supervisor that dies takes its trial processes with it (they watch it), and a new supervisor
(the same command run again, or another worker pod) reclaims its trials from the store.

Several supervisors can share one study: the Tuner's own and those of worker pods on Kubernetes
(components.tuner.worker_executor). Each returns only when it can claim nothing and no trial
of the study is running anywhere, so the Tuner selects from a complete study.

Scheduling: every strategy and scheduler works as it does sequentially. ASHA and evolution
never wait; Hyperband's rungs are synchronous, so while a rung waits for a running trial, a
worker starts the next bracket (see search.schedulers.Hyperband.assign). Budgets charge
running trials their planned compute, so N workers do not overrun a compute budget by N.
"""

from __future__ import annotations

import functools
import logging
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from typing import Any

import psutil

from search.fidelity import TRIAL_SECONDS
from search.liveness import worker_name
from search.storage import CLOSED, StudyStorage, open_store
from search.study import run_trial
from search.trial import Trial, TrialStatus

log = logging.getLogger("automl.tuner")

# TensorFlow, TFX, YDF, SQLAlchemy and our code, imported once by the fork server, not per
# trial (importing this module alone, for run_tuner_trial, took 0.5 s of every trial).
PRELOAD = (
    "components.tuner.job",
    "modeling.model.forest",
    "components.tuner.workers",
    "sqlalchemy.dialects.sqlite",
)
_WATCH_S = 1.0
# The run's log file (pipeline.runners.progress sets it): where trial processes write their output.
RUN_LOG_ENV = "AUTOML_RUN_LOG"
TRIAL_MEMORY = 3 * 2**30 // 2  # a trial process's peak on 100k rows, with headroom


def start_fork_server(preload: tuple[str, ...] = PRELOAD) -> None:
    """Starts the trial processes' fork server now; it imports ``preload`` in the background
    and the Workers of this process later use it as it is."""
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(list(preload))
    forkserver.ensure_running()


def stop_fork_server() -> None:
    """Ends the trials' fork server once a search is over, and with it what it imported
    (TensorFlow, TFX, YDF: about 0.8 GB): the Trainer and the Evaluator after the search fork
    no trials, and the Evaluator's Beam workers, each loading the model, made the peak of a
    1M-row run with it alive. A later search starts a new one. Python has no public call for
    this; multiprocessing's own tests use ``ForkServer._stop``."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # noqa: SLF001
    if stop is not None:
        stop()


def watch_supervisor(supervisor: tuple[int, float]) -> None:
    """Ends this trial process when its supervisor (pid, start time) is gone: an orphan must
    not keep training a trial that the store will hand to another worker."""

    def alive() -> bool:
        try:
            return psutil.Process(supervisor[0]).create_time() == supervisor[1]
        except psutil.NoSuchProcess:
            return False

    def watch() -> None:
        while alive():
            time.sleep(_WATCH_S)
        os._exit(70)

    threading.Thread(target=watch, daemon=True).start()


def available_cores() -> int:
    """Cores this process may use: its CPU affinity, capped by a cgroup (v2) CPU quota, as a
    container's limit on Kubernetes is (os.cpu_count() reports the host's)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        with open("/sys/fs/cgroup/cpu.max") as handle:
            quota, period = handle.read().split()
        if quota != "max":
            cores = min(cores or 1, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores or 1)


def available_memory() -> int:
    """Bytes free for trials: the machine's available memory, capped by a cgroup (v2)
    memory limit less what the cgroup already uses."""
    free = psutil.virtual_memory().available
    try:
        with open("/sys/fs/cgroup/memory.max") as handle:
            limit = handle.read().strip()
        with open("/sys/fs/cgroup/memory.current") as handle:
            used = int(handle.read().strip())
        if limit != "max":
            free = min(free, int(limit) - used)
    except (OSError, ValueError):
        pass
    return max(0, free)


def default_parallel(trial_memory: int = TRIAL_MEMORY) -> int:
    """Trials at a time when none is set: one per core (a small model's training does not
    scale across cores, while independent trials do: bench/results/workers.md), as many as
    the free memory holds at ``trial_memory`` each, at least one."""
    return max(1, min(available_cores(), available_memory() // trial_memory))


def _share_cores(parallel: int) -> None:
    """N trials at once each get 1/N of the cores: TensorFlow and YDF would otherwise give
    every one a thread per core, and N processes would fight over them."""
    if parallel <= 1:
        return
    import tensorflow as tf

    from modeling.model import forest

    threads = max(1, available_cores() // parallel)
    forest.THREADS = threads
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # the runtime already started: keep its defaults
        log.warning("could not limit trial %d's threads", os.getpid())


def run_tuner_trial(
    store_url: str, study_id: int, number: int, worker: str, supervisor: tuple[int, float]
) -> None:
    """A trial process's body: train trial ``number`` of the study and record it, with the
    process's seconds up to the record (what the schedulers weigh training against)."""
    entered = time.monotonic()
    watch_supervisor(supervisor)
    from components.tuner.job import TunerJob

    store = open_store(store_url, migrate=False)  # the supervisor migrated it before forking
    job = TunerJob.from_json(store.settings(study_id)["job"])
    _share_cores(int(job.settings.get("parallel_trials") or 1))
    history = store.trials(study_id)
    trial = history[number]
    # Who ran it (the supervisor: the Tuner's or a worker pod's) and when.
    trial.attrs.update(worker=worker, pid=os.getpid(), started_at=time.time())
    run_trial(job.runner(history, study_id), trial)
    trial.cost[TRIAL_SECONDS] = time.monotonic() - entered
    if not store.finish(study_id, trial, worker):
        log.warning("Trial %d was handed to another worker meanwhile; result dropped", number + 1)


def output_to_run_log(path: str | None, main: Callable[..., None], *args: Any) -> None:
    """A trial process's body with its stdout and stderr in the run's log file (``path``,
    when the run keeps one), beside what the supervisor logs: TensorFlow and YDF write from C++
    and absl through Python's unconfigured logging (a taxi search printed 210 "payload_format"
    warnings and YDF's evaluation of every forest), and the terminal is for the run's progress."""
    if path:
        log_fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
    main(*args)


class Workers:
    """Runs a stored study to its end with ``parallel`` trial processes at a time."""

    def __init__(
        self,
        store: StudyStorage,
        study_id: int,
        propose: Callable[..., Trial | str],
        parallel: int = 1,
        on_trial_end: Callable[[Trial], None] | None = None,
        heartbeat_s: float = 10.0,
        poll_s: float = 0.2,
        wait_s: float = 1.0,
        trial_main: Callable[..., None] = run_tuner_trial,
        preload: tuple[str, ...] = PRELOAD,
        cut_off: Callable[[Sequence[Trial]], float] | None = None,
        trial_time_limit_s: float | None = None,
    ) -> None:
        self.store = store
        self.study_id = study_id
        self.propose = propose  # (history, elapsed_s=...) -> Trial or why there is none
        self.parallel = parallel
        self.on_trial_end = on_trial_end
        self.heartbeat_s = heartbeat_s
        self.poll_s = poll_s
        self.wait_s = wait_s  # polling while only other workers' trials run
        self.worker = worker_name()
        self.trial_main = trial_main  # (store url, study id, number, worker, supervisor)
        self.preload = preload
        # A run's time budget (components.tuner.deadline): past the seconds it gives for the
        # trials so far, running trials are stopped and recorded as failed, once the study
        # has a result to select (else they run on).
        self.cut_off = cut_off
        # A trial past this many seconds is stopped and recorded as failed (not retried): a
        # hung trial must not hold a nightly retrain, and its lock, forever.
        self.trial_time_limit_s = trial_time_limit_s
        self._cut_off_s: float | None = None  # the cut-off as of the last read of the study

    def run(self) -> str:
        """Claims and runs trials until none is left to claim and none is running; returns
        why the search stopped."""
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(self.preload))
        me = psutil.Process()
        running: dict[int, Any] = {}
        began: dict[int, float] = {}  # trial number -> when its process started
        started = time.monotonic()
        last_beat = 0.0
        stop_reason: str | None = None
        waited = False
        try:
            while True:
                if self._reap(running):
                    stop_reason = None  # a trial ended: the budget or strategy may allow more
                    self._cut_off_s = None  # what it reserves depends on the trials ended
                if self._past_cut_off(started, running):
                    self._cut(running, list(running), "stopped: the run's time budget was reached")
                    return "reached the run's time budget; running trials were stopped"
                if overdue := self._overdue(running, began):
                    limit = f"{self.trial_time_limit_s:g} s"
                    for number in overdue:
                        log.warning("Trial %d: stopped at the trial time limit (%s)",
                                    number + 1, limit)
                    why = f"stopped: ran past the trial time limit ({limit})"
                    self._cut(running, overdue, why)
                    stop_reason = None
                if time.monotonic() - last_beat > self.heartbeat_s:
                    self.store.heartbeat(self.study_id, self.worker)
                    last_beat = time.monotonic()
                    self._cut_off_s = None  # other workers' trials end too
                if stop_reason is None and len(running) < self.parallel:
                    claim = self.store.claim(
                        self.study_id,
                        self.worker,
                        functools.partial(self.propose, elapsed_s=time.monotonic() - started),
                        holding=set(running),
                    )
                    if claim.trial is None:
                        stop_reason = claim.reason
                    else:
                        if claim.retried:
                            log.info("Trial %d: retried (its worker died)", claim.trial.number + 1)
                        process = context.Process(
                            target=functools.partial(
                                output_to_run_log, os.environ.get(RUN_LOG_ENV), self.trial_main
                            ),
                            args=(
                                self.store.url,
                                self.study_id,
                                claim.trial.number,
                                self.worker,
                                (me.pid, me.create_time()),
                            ),
                            name=f"trial-{claim.trial.number + 1}",
                        )
                        process.start()
                        running[claim.trial.number] = process
                        began[claim.trial.number] = time.monotonic()
                        self._cut_off_s = None
                        continue  # fill the other slots before waiting
                if stop_reason is not None and not running:
                    if stop_reason == CLOSED or not self._others_running(waited):
                        return stop_reason
                    # Another worker's trial may yet end, free budget or die (and be retried
                    # here): the search is over only when no trial of it runs anywhere.
                    waited, stop_reason = True, None
                    time.sleep(self.wait_s)
                    continue
                # Woken the moment a trial process ends, so its slot is not left idle for the
                # rest of a poll (a small table's trial takes about a second).
                wait([p.sentinel for p in running.values()], timeout=self.poll_s)
        finally:
            for process in running.values():
                process.kill()
                process.join()

    def _past_cut_off(self, started: float, running: dict[int, Any]) -> bool:
        """Whether the run's time budget stops the running trials now. The study is read only
        when a trial has started or ended since the last read (reading it every poll cost the
        trials' cores a read of every trial five times a second)."""
        if self.cut_off is None or not running:
            return False
        if self._cut_off_s is None:
            trials = self.store.trials(self.study_id)
            scored = any(t.scored for t in trials)
            self._cut_off_s = self.cut_off(trials) if scored else math.inf
        return time.monotonic() - started >= self._cut_off_s

    def _overdue(self, running: dict[int, Any], began: dict[int, float]) -> list[int]:
        if self.trial_time_limit_s is None:
            return []
        now = time.monotonic()
        return [n for n in running if now - began[n] > self.trial_time_limit_s]

    def _cut(self, running: dict[int, Any], numbers: Sequence[int], why: str) -> None:
        """Stops these running trials and records each as failed (never retried)."""
        trials = self.store.trials(self.study_id)
        for number in numbers:
            process = running.pop(number)
            process.kill()
            process.join()
            trial = trials[number]
            if trial.finished:  # it ended between the check and the kill
                continue
            trial.status = TrialStatus.FAILED
            trial.error = why
            self.store.finish(self.study_id, trial, self.worker)
            if self.on_trial_end is not None:
                self.on_trial_end(trial)

    def _others_running(self, waited_before: bool) -> bool:
        others = self.store.running_elsewhere(self.study_id, self.worker)
        if others and not waited_before:
            log.info("Waiting for other workers' trials to end (%d running)", others)
        return others > 0

    def _reap(self, running: dict[int, Any]) -> bool:
        ended = [n for n, p in running.items() if not p.is_alive()]
        if not ended:
            return False
        trials = self.store.trials(self.study_id)
        for number in ended:
            process = running.pop(number)
            process.join()
            trial = trials[number]
            if not trial.finished:  # died before recording: retried by the next claim
                log.warning(
                    "Trial %d: its process ended with exit code %s; it will be retried",
                    number + 1,
                    process.exitcode,
                )
                self.store.release(self.study_id, number, self.worker)
            elif self.on_trial_end is not None:
                self.on_trial_end(trial)
        return True
