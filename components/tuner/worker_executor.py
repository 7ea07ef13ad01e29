"""A Tuner worker: joins the Tuner's study from another pod and runs trials of it.

On Kubernetes the compiled pipeline fans the search out as the Tuner task plus
``tuner.worker_pods`` worker tasks with the same inputs, all started together (no task
depends on another). A worker finds the study through the store alone: the key is the
inputs' URIs, which are the same in every task of a run and differ between runs. It takes
the plan from the study's stored job (so the Tuner's settings and run-time budgets rule),
rebuilds the same warm-start prior the Tuner did, and claims trials until nothing is left,
like the Tuner's own supervisor. It selects nothing and writes nothing but trials: the Tuner
does that when the study is complete.

Why not KFP's ParallelFor: TFX's KubeflowV2 compiler has no loop, and a fixed set of tasks
needs none; a chief service (KerasTuner's) would add a network protocol where the database
transaction already does the job.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
from tfx import types
from tfx.dsl.components.base import base_executor

from components.tuner.executor import log_trial, warm_start_prior
from components.common.settings import validated
from components.tuner.job import TunerJob
from components.tuner.settings import TunerConfig
from components.tuner.workers import Workers
from search.storage import StudyStorage, open_store

log = logging.getLogger("automl.tuner")

_POLL_S = 2.0


def find_study(store: StudyStorage, key: str, timeout_s: float) -> int | None:
    """The running study for ``key``, waiting up to ``timeout_s`` for the Tuner to open it;
    None when it already ended or never opened."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = store.newest(key)
        if found is not None:
            study_id, state = found
            if state == "running":
                return study_id
            log.info("Study %d for these inputs has already %s: nothing to do", study_id, state)
            return None
        if time.monotonic() >= deadline:
            log.warning("No study for these inputs opened within %g s: nothing to do", timeout_s)
            return None
        time.sleep(_POLL_S)


class Executor(base_executor.BaseExecutor):
    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        del output_dict  # a worker's results are the study's trials
        settings = json.loads(exec_properties["settings"])
        validated(TunerConfig, settings, "tuner")
        if not settings.get("study_store"):
            raise ValueError("a Tuner worker needs a shared study store (tuner.study_store)")
        key = TunerJob(input_dict, settings, exec_properties["task"]).study_key
        store = open_store(
            settings["study_store"],
            heartbeat_timeout_s=float(settings.get("heartbeat_timeout_s", 60.0)),
            max_attempts=int(settings.get("trial_attempts", 3)),
        )
        study_id = find_study(store, key, float(settings.get("worker_wait_s", 600.0)))
        if study_id is None:
            return
        stored = store.settings(study_id)
        job = TunerJob.from_json(stored["job"])  # the Tuner's plan and budgets
        prior = warm_start_prior(store, stored["searched"].get("warm_start_from"), job)
        study = job.study(prior)
        job.decode_data()
        done = sum(t.finished for t in store.trials(study_id))
        log.info("Worker joined study %d (%d trials finished so far)", study_id, done)
        stop_reason = Workers(
            store,
            study_id,
            functools.partial(study.propose_next, budget=job.plan.budget),
            parallel=int(job.settings.get("parallel_trials") or 1),
            on_trial_end=functools.partial(log_trial, job.plan),
            trial_time_limit_s=float(settings.get("trial_time_limit_s", 3600.0)),
        ).run()
        log.info("Worker left study %d: %s", study_id, stop_reason)
