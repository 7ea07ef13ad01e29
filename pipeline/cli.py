"""The `automl` command.

Errors a user can fix (bad flags, bad config, bad CSV, anomalous data) print one line (plus the
list of anomalies, when there are some) and exit non-zero, without a stack trace; the full log
of every run is kept under the output folder.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
# google-cloud libraries (pulled in by TFX) warn about Python versions at import; not our users'.
warnings.filterwarnings("ignore", category=FutureWarning, module=r"google\..*")

import click
from rich.markup import escape

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
from pipeline.api import EXIT_BAD_INPUT, EXIT_BUSY, EXIT_RUN_FAILED  # noqa: F401  (exported)
from pipeline.terminal import console, errors  # noqa: F401  (the commands' modules use them)
from pipeline.choices import SCHEDULER_NAMES, SPACE_NAMES, STRATEGY_NAMES
from pipeline.config import (
    DEFAULT_ESTIMATOR,
    DEFAULT_STRATEGY,
    ConfigError,
    PipelineConfig,
    build_config,
    parse_duration,
)


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        try:
            return value if isinstance(value, float) else parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()


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
        click.option(
            "--beam-arg",
            multiple=True,
            help="A Beam pipeline option for every Beam component (--beam-arg=--runner=...); "
            "repeat. Config: beam.args.",
        ),
        click.option(
            "--verbose",
            is_flag=True,
            help="Also show TensorFlow's, TFX's, YDF's and Beam's own messages (otherwise "
            "only in the run's log file).",
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
    verbose: bool,
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
    _run(config, rerun, verbose)


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
        "beam.args": tuple(flags["beam_arg"]) or None,
    }


def _run(config: PipelineConfig, rerun: bool, verbose: bool = False) -> None:
    """The run (pipeline.api.execute), a failure as one line and its exit code."""
    from pipeline import api

    try:
        api.execute(config, rerun, verbose)
    except api.RunFailed as exc:
        _fail(str(exc), exc.exit_code)


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
