"""The `automl` command.

Errors a user can fix (bad flags, bad config, bad CSV, anomalous data) print one line (plus the
list of anomalies, when there are some) and exit non-zero, without a stack trace; the full log
of every run is kept under the output folder.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
# google-cloud libraries (pulled in by TFX) warn about Python versions at import; not our users'.
warnings.filterwarnings("ignore", category=FutureWarning, module=r"google\..*")

import click
from rich.console import Console
from rich.markup import escape

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
from pipeline.choices import SCHEDULER_NAMES, SPACE_NAMES, STRATEGY_NAMES
from pipeline.config import (
    DEFAULT_ESTIMATOR,
    DEFAULT_STRATEGY,
    ConfigError,
    PipelineConfig,
    build_config,
    parse_duration,
)
from pipeline.dataset import DataError

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1
EXIT_BUSY = 75  # EX_TEMPFAIL: another run holds the output folder; a scheduler may retry


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        try:
            return value if isinstance(value, float) else parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()
console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False)


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """One line on stderr and the exit code. The message is text, never rich markup: it
    quotes the user's paths, columns and values (`trips [v2].csv`, a label `[/x]`)."""
    errors.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tabular-automl", prog_name="automl")
def main() -> None:
    """AutoML for tabular data as a TFX pipeline."""


def data_options(command: Callable) -> Callable:
    """The options every running command shares: what data, where to, which settings."""
    options = [
        click.option(
            "--data",
            type=click.Path(path_type=Path),
            help="CSV file, or a folder of span-N folders of CSVs (default: penguins).",
        ),
        click.option("--label", help="Label column (required with --data)."),
        click.option(
            "--task",
            type=click.Choice(["classification", "regression"]),
            help="Default: inferred from the label column.",
        ),
        click.option("--span", type=int, help="With a span folder: the span (default: newest)."),
        click.option("--output", type=click.Path(path_type=Path), help="Output folder."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            help="YAML file with settings; flags override it.",
        ),
        click.option(
            "--compute-budget",
            type=float,
            help="Training compute of the search, in full-data epochs (epochs x fraction of "
            "rows, summed over trials); default: four full trials' worth when no budget is "
            "given.",
        ),
        click.option(
            "--parallel-trials",
            type=int,
            help="Trials trained at a time, each in its own process (default: as many as "
            "the cores and memory allow).",
        ),
        click.option(
            "--accept-data-change",
            is_flag=True,
            help="Let data that fails the drift, skew or schema gates through, deliberately; "
            "the gates record what they accepted.",
        ),
        click.option(
            "--rerun",
            is_flag=True,
            help="Run the pipeline even if nothing changed since the last run (TFX's cache "
            "still applies).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def config_from(config_file: Path | None, flags: dict[str, Any]) -> PipelineConfig:
    """The validated config from a file and flags (None: not given), or a one-line exit."""
    try:
        return build_config(config_file, **flags)
    except ConfigError as exc:
        _fail(str(exc))


@main.command()
@data_options
@click.option(
    "--strategy",
    help=f"Search strategy: {', '.join(STRATEGY_NAMES)} (default {DEFAULT_STRATEGY}).",
)
@click.option(
    "--estimator",
    help="How trials are measured: " + ", ".join(SCHEDULER_NAMES) + ", optionally +curve "
    f"and/or +inherit (default {DEFAULT_ESTIMATOR}).",
)
@click.option("--space", help="Search space: " + ", ".join(SPACE_NAMES) + ".")
@click.option("--max-trials", type=int, help="Most trials to run.")
@click.option(
    "--time-budget",
    type=DURATION,
    help="Wall time of the whole run (600, 90s, 10m, 1.5h): the search gets what the rest "
    "of the pipeline will not need.",
)
@click.option(
    "--new-study",
    is_flag=True,
    help="Start the search afresh even if an interrupted one for the same data is unfinished.",
)
def run(
    config_file: Path | None,
    strategy: str | None,
    estimator: str | None,
    space: str | None,
    max_trials: int | None,
    time_budget: float | None,
    new_study: bool,
    rerun: bool,
    **data_flags: Any,
) -> None:
    """Run the whole pipeline locally (LocalDagRunner)."""
    config = config_from(
        config_file,
        {
            **shared_flags(data_flags),
            "tuner.strategy": strategy,
            "tuner.estimator": estimator,
            "tuner.space": space,
            "tuner.max_trials": max_trials,
            "time_budget_s": time_budget,
            "tuner.resume": False if new_study else None,
        },
    )
    _run(config, rerun)


def shared_flags(flags: dict[str, Any]) -> dict[str, Any]:
    """data_options' values as config keys."""
    return {
        "data": flags["data"],
        "label": flags["label"],
        "task": flags["task"],
        "span": flags["span"],
        "output": flags["output"],
        "tuner.max_total_epochs": flags["compute_budget"],
        "tuner.parallel_trials": flags["parallel_trials"],
        "gates.accept_changes": True if flags["accept_data_change"] else None,
    }


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
    _fail(errors[0])


def _run(config: PipelineConfig, rerun: bool) -> None:
    from pipeline.run_limit import run_time_limit
    from pipeline.run_lock import OutputBusy, OutputUnusable, output_lock

    limit = config.run_time_limit_s
    stopped = (
        f"stopped: the run passed its time limit (run_time_limit_s, {limit:g} s); "
        f"{config.output} is free for the next run"
    )
    try:
        with output_lock(config.output, stale_after_s=limit), run_time_limit(
            limit, EXIT_RUN_FAILED, stopped
        ):
            _run_locked(config, rerun)
    except OutputBusy as exc:
        _fail(str(exc), EXIT_BUSY)
    except OutputUnusable as exc:
        _fail(str(exc))


def _run_locked(config: PipelineConfig, rerun: bool) -> None:
    from pipeline import html_report, layout, progress, report, up_to_date

    started = time.monotonic()
    _check_search_plan(config, [config.task] if config.task else ["classification", "regression"])
    try:
        config.gate_thresholds()  # a bad gates.yaml is bad input, said before anything runs
    except ConfigError as exc:
        _fail(str(exc))
    try:
        profile = layout.profile_data(config)
    except DataError as exc:
        _fail(str(exc))
    except OSError as exc:  # the staged copy could not be written: a full disk, a quota
        _fail(f"cannot stage the data under {config.output}: {exc.strerror or exc}")
    _check_search_plan(config, [profile.task])  # now that the task is known
    console.print(report.data_line(config, profile))
    if not rerun and (recorded := up_to_date.recorded_summary(config, profile)) is not None:
        page = html_report.default_path(config.output, recorded.run_id)
        seconds = time.monotonic() - started
        report.print_summary(console, recorded, seconds, None, page if page.exists() else None)
        return
    log_path = layout.Layout(config.output).logs / time.strftime("run-%Y%m%d-%H%M%S.log")
    progress.install(console, log_path)
    try:
        from pipeline import local_run  # TensorFlow and TFX load here, after the data check

        summary = local_run.run(config, profile)
    except Exception as exc:  # noqa: BLE001  (every failure ends as one readable message)
        _fail(report.failure_message(exc, log_path), EXIT_RUN_FAILED)
    page = _write_report(config, summary)
    report.print_summary(console, summary, time.monotonic() - started, log_path, page)
    if summary.blessed is None:
        _fail(f"the run ended without an evaluation (log: {log_path})", EXIT_RUN_FAILED)
    up_to_date.record_run(config, profile, summary)
    _apply_retention(config)


def _apply_retention(config: PipelineConfig) -> None:
    """After a successful run only: a failed one may be the one an operator must inspect."""
    from pipeline import retention

    try:
        pruned = retention.prune(config)
    except OSError as exc:  # the run's outcome stands; the next run tries again
        said = f"Retention: could not remove old runs' files: {exc}"
        console.print(escape(said), style="yellow")
        return
    if pruned:
        console.print(escape(pruned.line()))


def _write_report(config: PipelineConfig, summary) -> Path | None:
    """The run's HTML report (`automl report` writes it again on demand). A report that
    cannot be written is said and the run's outcome stands: the model is what matters."""
    from pipeline import html_report

    try:
        return html_report.write(
            summary, config.pipeline_name, html_report.default_path(config.output, summary.run_id)
        )
    except Exception as exc:  # noqa: BLE001
        console.print(f"[yellow]The HTML report could not be written: {escape(str(exc))}[/]")
        return None


@main.command("space")
@click.option("--space", help="Search space: " + ", ".join(SPACE_NAMES) + ".")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="YAML file whose tuner settings (space, overrides, epochs) apply.",
)
def show_space(space: str | None, config_file: Path | None) -> None:
    """Print a search space as the Tuner will search it (one embedding size per categorical
    feature is added once Transform has run)."""
    from components.tuner.plan import PlanError, SearchPlan

    try:
        config = build_config(config_file, **{"tuner.space": space})
        plan = SearchPlan.from_settings(config.tuner.model_dump(mode="json"), "classification")
    except (ConfigError, PlanError) as exc:
        _fail(str(exc))
    console.print(f"[bold]{escape(plan.space_name)}[/] space, {len(plan.space)} parameters:")
    console.print(str(plan.space), highlight=False, markup=False)


from pipeline import (  # noqa: E402, F401  (register their commands)
    kfp_cli,
    predict_cli,
    report_cli,
    retrain_cli,
)

if __name__ == "__main__":
    main()
