"""The pipeline from Python: what `automl run` and `automl retrain` do, with the run's summary
returned and a failure raised (``RunFailed``) instead of printed as one line and exited.

    from pipeline import api
    summary = api.run("trips.csv", "fare", output="runs/taxi", time_budget_s=300)
    summary.blessed, summary.pushed_to, summary.metrics

Settings are the config's keys (pipeline/definition/config.py), dotted for a section's:
``api.run(..., **{"tuner.strategy": "tpe", "trainer.ensemble_size": 1})``. The run prints
what the command prints (its progress and summary) and keeps its log under the output folder;
it holds the output folder's lock and the run time limit as the command does.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from pipeline.definition.config import ConfigError, PipelineConfig, build_config
from pipeline.definition.dataset import DataError

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1
EXIT_BUSY = 75  # EX_TEMPFAIL: another run holds the output folder; a scheduler may retry


class RunFailed(Exception):
    """A run that could not start (bad input: exit code 2), failed or ended without an
    evaluation (1), or found its output folder held by another run (75); one line."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def run(
    data: str | Path | None = None,
    label: str | None = None,
    *,
    output: str | Path | None = None,
    config: str | Path | None = None,
    retrain: bool = False,
    rerun: bool = False,
    verbose: bool = False,
    **settings: Any,
) -> Any:
    """Runs the pipeline (``retrain``: as `automl retrain` does) and returns its RunSummary
    (pipeline.report.run_summary); with neither data nor config, on penguins as `make run` does.
    ``verbose``: the libraries' own messages reach stderr too, not only the run's log."""
    flags = {
        "data": Path(data) if data is not None else None,
        "label": label,
        "output": Path(output) if output is not None else None,
        **settings,
    }
    try:
        built = build_config(Path(config) if config is not None else None, **flags)
    except ConfigError as exc:
        raise RunFailed(str(exc)) from None
    if retrain:
        built = built.for_retrain(budget_given=settings.get("tuner.max_total_epochs") is not None)
    return execute(built, rerun, verbose)


def execute(config: PipelineConfig, rerun: bool = False, verbose: bool = False) -> Any:
    """The run of a validated config, under the output folder's lock and the run time limit."""
    from pipeline.runners.run_limit import run_time_limit
    from pipeline.runners.run_lock import OutputBusy, OutputUnusable, output_lock

    limit = config.run_time_limit_s
    stopped = (
        f"stopped: the run passed its time limit (run_time_limit_s, {limit:g} s); "
        f"{config.output} is free for the next run"
    )
    try:
        with output_lock(config.output, stale_after_s=limit), run_time_limit(
            limit, EXIT_RUN_FAILED, stopped
        ):
            return _execute_locked(config, rerun, verbose)
    except OutputBusy as exc:
        raise RunFailed(str(exc), EXIT_BUSY) from None
    except OutputUnusable as exc:
        raise RunFailed(str(exc)) from None


def _check_search_plan(config: PipelineConfig, tasks: list[str]) -> None:
    """The whole search plan, before anything is written or trained; fine if any task fits."""
    from components.tuner.plan import PlanError, SearchPlan  # the engine: seconds to import

    errors = []
    for task in tasks:
        try:
            SearchPlan.from_settings(config.tuner.model_dump(mode="json"), task)
            return
        except PlanError as exc:
            errors.append(str(exc))
    raise RunFailed(errors[0])


def _execute_locked(config: PipelineConfig, rerun: bool, verbose: bool) -> Any:
    from pipeline.definition import layout
    from pipeline.report import html_report, messages
    from pipeline.runners import progress, up_to_date
    from pipeline.terminal import console

    started = time.monotonic()
    _check_search_plan(config, [config.task] if config.task else ["classification", "regression"])
    try:
        config.gate_thresholds()  # a bad gates.yaml is bad input, said before anything runs
        profile = layout.profile_data(config)
    except (ConfigError, DataError) as exc:
        raise RunFailed(str(exc)) from None
    except OSError as exc:  # the staged copy could not be written: a full disk, a quota
        message = f"cannot stage the data under {config.output}: {exc.strerror or exc}"
        raise RunFailed(message) from None
    _check_search_plan(config, [profile.task])  # now that the task is known
    console.print(messages.data_line(config, profile))
    if not rerun and (recorded := up_to_date.recorded_summary(config, profile)) is not None:
        page = html_report.default_path(config.output, recorded.run_id)
        seconds = time.monotonic() - started
        messages.print_summary(console, recorded, seconds, None, page if page.exists() else None)
        return recorded
    log_path = layout.Layout(config.output).logs / time.strftime("run-%Y%m%d-%H%M%S.log")
    handlers = progress.install(console, log_path, verbose)
    quiet = contextlib.nullcontext() if verbose else progress.library_output_to(log_path)
    try:
        with quiet:
            # TensorFlow and TFX load here, after the data check
            from pipeline.runners import local_run

            summary = local_run.run(config, profile)
            page = _write_report(config, summary)  # TFMA reads the plots back: its lines too
    except Exception as exc:  # noqa: BLE001  (every failure ends as one readable message)
        raise RunFailed(messages.failure_message(exc, log_path), EXIT_RUN_FAILED) from None
    finally:
        for handler in handlers:
            if isinstance(handler, progress.ProgressHandler):
                handler.stop()
    messages.print_summary(console, summary, time.monotonic() - started, log_path, page)
    if summary.blessed is None:
        message = f"the run ended without an evaluation (log: {log_path})"
        raise RunFailed(message, EXIT_RUN_FAILED)
    up_to_date.record_run(config, profile, summary)
    _apply_retention(config)
    return summary


def _apply_retention(config: PipelineConfig) -> None:
    """After a successful run only: a failed one may be the one an operator must inspect."""
    from rich.markup import escape

    from pipeline.runners import retention
    from pipeline.terminal import console

    try:
        pruned = retention.prune(config)
    except OSError as exc:  # the run's outcome stands; the next run tries again
        said = f"Retention: could not remove old runs' files: {exc}"
        console.print(escape(said), style="yellow")
        return
    if pruned:
        console.print(escape(pruned.line()))


def _write_report(config: PipelineConfig, summary: Any) -> Path | None:
    """The run's HTML report (`automl report` writes it again on demand). A report that
    cannot be written is said and the run's outcome stands: the model is what matters."""
    from rich.markup import escape

    from pipeline.report import html_report
    from pipeline.terminal import console

    try:
        return html_report.write(
            summary, config.pipeline_name, html_report.default_path(config.output, summary.run_id)
        )
    except Exception as exc:  # noqa: BLE001
        console.print(f"[yellow]The HTML report could not be written: {escape(str(exc))}[/]")
        return None
