"""The `automl` command group and what its commands share: the data options, the config
they build, one-line failures, the run's execution. Each command lives in its own module of
this package (run, retrain, kfp, report, predict), which imports this one and never another
command's.

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
from pipeline.definition.config import (
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


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
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
        fail(str(exc))


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


def execute(config: PipelineConfig, rerun: bool, verbose: bool = False) -> None:
    """The run (pipeline.api.execute), a failure as one line and its exit code."""
    from pipeline import api

    try:
        api.execute(config, rerun, verbose)
    except api.RunFailed as exc:
        fail(str(exc), exc.exit_code)


def where_options(command: Any) -> Any:
    """Which pipeline's output: the same --output/--config/--data a run was given."""
    for option in reversed(
        [
            click.option("--output", type=click.Path(path_type=Path), help="Output folder."),
            click.option("--config", "config_file", type=click.Path(path_type=Path)),
            click.option(
                "--data", type=click.Path(path_type=Path), help="The data the runs used."
            ),
            click.option("--dataset-name", help="Instead of --data: the dataset's name."),
        ]
    ):
        command = option(command)
    return command


def where_config(
    config_file: Path | None, output: Path | None, data: Path | None, name: str | None
) -> PipelineConfig:
    # The label does not matter here (only where the pipeline keeps its things), but a
    # config with --data needs one.
    label = "unused" if data is not None else None
    return config_from(
        config_file, {"output": output, "data": data, "label": label, "dataset_name": name}
    )
