"""The Tuner executor: plan, search, select, write the two artifacts.

Everything that can be wrong with the settings is checked (``SearchPlan``) before the data is
read or a model built. Trials live in a study store (search.store) keyed by the Tuner's input
artifacts: a run killed at any point and started again (TFX's cache gives the Tuner the same
inputs) resumes the unfinished study instead of starting over, and ``parallel_trials`` workers
share it (components.tuner.workers). The study file is rewritten after every trial, so a long
search shows its progress in the artifact store.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.common.settings import validated
from components.tuner import deadline, record, snapshots, workers
from components.tuner.hyperparameters import BEST_HYPERPARAMETERS_FILE, best_hyperparameters_config
from components.tuner.job import TunerJob
from components.tuner.plan import SearchPlan
from components.tuner.settings import TunerConfig
from components.tuner.workers import Workers, default_parallel
from search.objectives import pareto_front, runners_up, select
from search.storage import StudyStorage, open_store
from search.trial import Trial, TrialStatus
from search.warm_start import prior_trials

log = logging.getLogger("automl.tuner")



def describe_fidelity(trial: Trial) -> str:
    """e.g. "[rung 1: 2 epochs, 56% rows]" for the log."""
    fidelity = trial.fidelity
    if fidelity is None:
        return ""
    parts = [f"{fidelity.epochs} epochs"]
    if fidelity.rows < 1:
        parts.append(f"{fidelity.rows:.0%} rows")
    if fidelity.width < 1:
        parts.append(f"{fidelity.width:.0%} width")
    if trial.inherit is not None:
        verb = "continues" if trial.inherit.kind == "continue" else "inherits from"
        parts.append(f"{verb} trial {trial.inherit.source + 1}")
    if "replay_of" in trial.attrs:
        parts.append(f"warm start: the earlier study's trial {trial.attrs['replay_of'] + 1}")
    return f"[rung {trial.rung}: {', '.join(parts)}]"


def best_so_far(plan: SearchPlan, trials: Sequence[Trial]) -> str:
    """The best primary value at the highest rung any trial reached (a rung-0 loss does not
    compare with a full trial's), as "best val_loss=0.2113 (trial 7, rung 1)"; "" if none."""
    primary = plan.primary
    scored = [t for t in trials if t.scored and primary.name in t.metrics]
    if not scored:
        return ""
    top = max(t.rung for t in scored)
    best = min((t for t in scored if t.rung == top), key=primary.loss)
    where = f"trial {best.number + 1}, rung {top}"
    return f"best {primary.name}={best.metrics[primary.name]:.4g} ({where})"


def log_trial(plan: SearchPlan, trial: Trial, trials: Sequence[Trial] = ()) -> None:
    """One line per finished trial, with the best so far among ``trials`` (the study's);
    pipeline.runners.progress reads these."""
    of = f" of {plan.budget.max_trials}" if plan.budget.max_trials else ""
    where = describe_fidelity(trial)
    best = best_so_far(plan, trials)
    best = f"; {best}" if best else ""
    if trial.scored or trial.status is TrialStatus.PRUNED:
        shown = ", ".join(
            f"{o.name}={trial.metrics[o.name]:.4g}"
            for o in plan.objectives
            if o.name in trial.metrics  # latency: measured at the final rung only
        )
        stopped = f"; {trial.attrs['stop_reason']}" if "stop_reason" in trial.attrs else ""
        log.info(
            "Trial %d%s %s: %s (%.1fs)%s%s",
            trial.number + 1, of, where, shown, trial.wall_time_s, stopped, best,
        )  # fmt: skip
    else:
        log.info("Trial %d%s %s: %s%s", trial.number + 1, of, where, trial.error, best)


def default_store(study_uri: str) -> str:
    """Without a configured store (the pipeline gives one under a local root), a study lives
    in its own artifact, or a local temporary folder when that is a bucket: it runs, but a
    rerun cannot resume it."""
    folder = tempfile.mkdtemp(prefix="automl-study-") if "://" in study_uri else study_uri
    return "sqlite:///" + os.path.join(os.path.abspath(folder), "study.sqlite")


def weights_root(store_url: str, configured: str | None) -> str | None:
    """Where weight-inheritance snapshots live: every worker reads them, so a configured
    shared folder, else beside a SQLite store (a server store's workers may share no disk)."""
    if configured:
        return configured
    if store_url.startswith("sqlite:///"):
        return os.path.join(os.path.dirname(store_url[len("sqlite:///") :]), "weights")
    return None


def warm_start_prior(store: StudyStorage, earlier: int | None, job: TunerJob) -> list[Trial]:
    """The earlier study's results as this one's prior (search.warm_start); the Tuner and
    every worker build the same one, so they propose alike."""
    if earlier is None:
        return []
    plan = job.plan
    prior = prior_trials(store.trials(earlier), plan.space, plan.estimator().scheduler.top)
    replayed = min(len(prior), int(job.settings.get("warm_start_trials", 3)))
    log.info(
        "Warm start from study %d: %d earlier results; the best %d are tried first",
        earlier, len(prior), replayed,
    )  # fmt: skip
    return prior


def with_run_time_budgets(settings: dict[str, Any], exec_properties: dict[str, Any]) -> dict:
    """The settings with the budgets given as run-time parameters (0 or absent: compiled)."""
    replaced = dict(settings)
    for prop, key in (("max_trials", "max_trials"), ("compute_budget", "max_total_epochs")):
        value = exec_properties.get(prop)
        if value is not None and value < 0:
            raise ValueError(f"the run-time parameter {prop} cannot be negative ({value})")
        if value:
            replaced[key] = value
    return replaced


class Executor(base_executor.BaseExecutor):
    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        settings = with_run_time_budgets(json.loads(exec_properties["settings"]), exec_properties)
        validated(TunerConfig, settings, "tuner")
        # Resolved here, where the trials run, and recorded: every trial process shares the
        # cores by it (a resumed study may change it).
        settings["parallel_trials"] = settings.get("parallel_trials") or default_parallel()
        study_artifact = artifact_utils.get_single_instance(output_dict["study"])
        study_path = os.path.join(study_artifact.uri, record.STUDY_FILE)
        store_url = settings.get("study_store") or default_store(study_artifact.uri)
        weights = weights_root(store_url, settings.get("snapshot_dir"))
        job = TunerJob(input_dict, settings, exec_properties["task"], weights)
        plan = job.plan
        if weights is None and plan.estimator().inherit:
            raise ValueError(
                f"the {plan.estimator().name} estimator inherits weights through snapshots "
                "every worker reads: with a server study store, set tuner.snapshot_dir to a "
                "folder they all share"
            )
        log.info("Search space %s:\n%s", plan.space_name, plan.space)
        if job.class_weighting:
            log.info("Classes weighted in training: %s (guardrails)", job.class_weighting)

        store = open_store(
            store_url,
            heartbeat_timeout_s=float(settings.get("heartbeat_timeout_s", 60.0)),
            max_attempts=int(settings.get("trial_attempts", 3)),
        )
        earlier = (
            store.latest_finished(job.study_key, plan.space_name, job.problem)
            if settings.get("warm_start", True)
            else None
        )
        stored = store.open(
            job.study_key,
            {**job.searched, "warm_start_from": earlier},
            job.to_json(),
            resume=settings.get("resume", True),
            problem=job.problem,
        )
        study = job.study(warm_start_prior(store, earlier, job))
        estimator = study.estimator
        assert estimator is not None
        study.trials = store.trials(stored.id)
        if stored.resumed:
            done = sum(t.finished for t in study.trials)
            log.info("Resuming study %d: %d trials finished earlier", stored.id, done)
        parallel = int(settings["parallel_trials"])
        job.decode_data()

        def on_trial_end(trial: Trial) -> None:
            study.trials = store.trials(stored.id)
            log_trial(plan, trial, study.trials)
            record.write(study_path, plan, study, job.fn_args.schema_path)

        budget, cut_off = plan.budget, None
        if (run_deadline := deadline.RunDeadline.from_env()) is not None:
            budget = run_deadline.search_budget(plan.budget, time.time(), plan.full.compute)
            cut_off = deadline.cut_off(budget)
            log.info(
                "Run time budget: the search has %.0f s, keeping %.0f s and the retrains of "
                "its best %g trials (those trained in full are reused%s) for the Trainer, the "
                "Evaluator and the push", budget.max_seconds, budget.reserve_s,
                budget.reserve_trials, ", a forest refit" if budget.refit_seconds else "",
            )  # fmt: skip
        study.stop_reason = Workers(
            store,
            stored.id,
            functools.partial(study.propose_next, budget=budget),
            parallel=parallel,
            on_trial_end=on_trial_end,
            cut_off=cut_off,
            trial_time_limit_s=float(settings.get("trial_time_limit_s", 3600.0)),
        ).run()
        workers.stop_fork_server()
        study.trials = store.trials(stored.id)
        store.close(stored.id)  # a rerun after this point starts a new study
        finalists = estimator.final_trials(study.trials)
        # A budget spent before any trial reached the final rung leaves lower-rung finalists,
        # which were not measured for latency: their front is over what was measured.
        measured = [
            o for o in plan.objectives if all(o.name in t.metrics for t in finalists if t.scored)
        ]
        front = pareto_front(finalists, measured)
        chosen = select(finalists, plan.primary, plan.constraints, plan.selection, plan.tolerance)
        log.info(
            "Search stopped: %s. Selected trial %d (%s rule); Pareto front: trials %s",
            study.stop_reason,
            chosen.number + 1,
            plan.selection,
            [t.number + 1 for t in front],
        )
        record.write(study_path, plan, study, job.fn_args.schema_path, front, chosen)
        study_artifact.set_int_custom_property("trials", len(study.trials))
        study_artifact.set_int_custom_property("selected_trial", chosen.number)
        study_artifact.set_string_custom_property("strategy", plan.strategy_name)
        study_artifact.set_string_custom_property("estimator", estimator.name)
        study_artifact.set_string_custom_property("space", plan.space_name)
        study_artifact.set_int_custom_property("parallel_trials", parallel)

        best_uri = artifact_utils.get_single_uri(output_dict["best_hyperparameters"])
        # An ensemble is the best rule's answer; fastest and smallest want one small model.
        # The Trainer retrains every candidate in full, so a trial stopped at a lower rung is
        # one too: the highest rung first, then by the metric within a rung.
        by_rung = lambda t: (-t.rung, plan.primary.loss(t))  # noqa: E731
        others = (
            runners_up(study.trials, chosen, plan.primary, plan.constraints, rank=by_rung)
            if plan.selection == "best"
            else []
        )
        weights = job.weights_dir(stored.id)
        kept = snapshots.keep(weights, [chosen, *others])
        if weights:
            shutil.rmtree(weights, ignore_errors=True)  # only trials of this search need them
        with open(os.path.join(best_uri, BEST_HYPERPARAMETERS_FILE), "w") as handle:
            json.dump(
                best_hyperparameters_config(plan, chosen, job.class_weighting, others, kept),
                handle,
            )
