"""`automl run` and `automl space`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from pipeline.definition.choices import SCHEDULER_NAMES, SPACE_NAMES, STRATEGY_NAMES
from pipeline.cli.group import (
    DURATION, config_from, console, data_options, execute, fail, main, shared_flags,
)  # fmt: skip
from pipeline.definition.config import (
    DEFAULT_ESTIMATOR,
    DEFAULT_STRATEGY,
    ConfigError,
    build_config,
)


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
    execute(config, rerun, verbose)


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
        fail(str(exc))
    console.print(f"[bold]{escape(plan.space_name)}[/] space, {len(plan.space)} parameters:")
    console.print(str(plan.space), highlight=False, markup=False)
