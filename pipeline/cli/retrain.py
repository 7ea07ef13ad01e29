"""`automl retrain`: the scheduled run on new data.

The same pipeline as `automl run`, with what a retrain needs: the newest span of a span
folder, a search warm-started from the last finished study with a fraction of the budget
(``retrain.compute_fraction``), the data gates against the previous span, and the Evaluator
against the latest blessed model. A cron line or a systemd timer calls it
(docs/retrains.md); the output folder's lock keeps two scheduled runs from overlapping.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from pipeline.cli.group import (
    EXIT_BUSY, config_from, console, data_options, execute, fail, main, shared_flags,
    where_config, where_options,
)  # fmt: skip


@main.command()
@data_options
def retrain(config_file: Path | None, rerun: bool, verbose: bool, **data_flags: Any) -> None:
    """Retrain on the newest data: warm-started, smaller search; promoted only if better."""
    flags = shared_flags(data_flags)
    config = config_from(config_file, flags)
    retrain_config = config.for_retrain(budget_given=flags["tuner.max_total_epochs"] is not None)
    execute(retrain_config, rerun, verbose)


@main.command()
@where_options
@click.option("--to", "to_version", type=int, help="Version to serve (default: the one before).")
@click.option(
    "--pin/--no-pin", default=True, show_default=True,
    help="Keep serving it: later runs push no model until `automl unpin`.",
)  # fmt: skip
def rollback(
    output: Path | None, config_file: Path | None, data: Path | None, dataset_name: str | None,
    to_version: int | None, pin: bool,
) -> None:  # fmt: skip
    """Serve an earlier pushed version again (published as the newest, atomically).

    With no --to, the model pushed before the one serving now: a second rollback goes one
    model further back. The rollback is pinned unless --no-pin, so that the next scheduled
    retrain cannot push over the operator's choice.
    """
    from components.common import history
    from components.pusher import versions as served
    from pipeline.definition.layout import history_dir, serving_dir
    from pipeline.runners.run_lock import OutputBusy, OutputUnusable, output_lock

    config = where_config(config_file, output, data, dataset_name)
    base = serving_dir(config)
    if not served.versions(str(base)):  # before the lock, which would create the output folder
        fail(f"no pushed version in {base}: nothing to roll back")
    try:
        with output_lock(config.output):  # no run may push meanwhile
            published = served.versions(str(base))
            current = published[-1]
            target, serving_origin = served.rollback_target(str(base))
            if to_version is not None:
                target = to_version
            elif target is None:
                fail(
                    f"version {current} serves the oldest model pushed to {base} "
                    f"(version {serving_origin}): nothing older to roll back to"
                )
            if target not in published:
                shown = ", ".join(map(str, published))
                fail(f"version {target} is not in {base} (versions: {shown})")
            if target == current:
                fail(f"version {target} is already serving")
            record = served.read_record(str(base / str(target)))
            new = served.publish(
                str(base / str(target)),
                str(base),
                {**record, "rollback_of": target, "replaced": current, "time": time.time()},
            )
            version = int(Path(new).name)
            if pin:
                served.pin(str(base), version, f"rollback to {target}")
            history.record_decision(
                str(history_dir(config)),
                "promotion",
                {"time": time.time(), "span": record.get("span"), "blessed": None,
                 "version": version, "rollback_of": target, "replaced": current,
                 "pinned": pin},
            )  # fmt: skip
    except OutputBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except OutputUnusable as exc:  # read-only output: the versions are there, no lock
        fail(str(exc))
    held = "; pinned: runs push nothing until `automl unpin`" if pin else ""
    console.print(
        escape(f"Serving version {version} (a copy of {target}) instead of {current}{held}")
    )


@main.command()
@where_options
def unpin(
    output: Path | None, config_file: Path | None, data: Path | None, dataset_name: str | None
) -> None:
    """Let runs push blessed models again after a pinned rollback."""
    from components.pusher import versions as served
    from pipeline.definition.layout import serving_dir
    from pipeline.runners.run_lock import OutputBusy, OutputUnusable, output_lock

    config = where_config(config_file, output, data, dataset_name)
    base = serving_dir(config)
    if served.pinned(str(base)) is None:
        fail(f"nothing is pinned in {base}")
    try:
        with output_lock(config.output):
            was = served.unpin(str(base))
    except OutputBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except OutputUnusable as exc:
        fail(str(exc))
    console.print(
        escape(f"Unpinned version {was.get('version')}: the next blessed model is pushed")
    )


@main.command("history")
@where_options
def show_history(
    output: Path | None, config_file: Path | None, data: Path | None, dataset_name: str | None
) -> None:
    """Runs and their decisions (data gate, blessing, push) and the pushed versions."""
    from components.common import history
    from components.pusher.versions import pinned, read_record, versions
    from pipeline.definition.layout import history_dir, serving_dir

    config = where_config(config_file, output, data, dataset_name)
    folder = str(history_dir(config))
    gates = history.decisions(folder, "gate")
    promotions = history.decisions(folder, "promotion")
    if not gates and not promotions:
        fail(f"no run of {config.pipeline_name} recorded under {config.output}")
    # Cells and titles are markup to rich: the gate's problems quote columns and values.
    runs = Table(title=escape(f"{config.pipeline_name}: runs"), title_justify="left")
    for column in ("time (UTC)", "span", "data gate", "model", "version", "why"):
        runs.add_column(column)
    for row in _run_rows(gates, promotions):
        runs.add_row(*map(escape, row))
    console.print(runs)
    base = serving_dir(config)
    published = versions(str(base))
    pin = pinned(str(base))
    table = Table(title=escape(f"versions in {base}"), title_justify="left")
    for column in ("version", "span", "metrics", "note"):
        table.add_column(column)
    for version in published:
        record = read_record(str(base / str(version)))
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in sorted(record.get("metrics", {}).items()))
        note = f"rollback to {record['rollback_of']}" if "rollback_of" in record else ""
        if version == published[-1]:
            note = ", ".join(filter(None, [note, "serving"]))
        if pin is not None and pin.get("version") == version:
            note = ", ".join(filter(None, [note, "pinned (automl unpin)"]))
        table.add_row(str(version), escape(str(record.get("span", ""))), metrics, note)
    console.print(table)


def _run_rows(gates: list[dict], promotions: list[dict]) -> list[tuple[str, ...]]:
    """One row per gate decision that stopped a run and per promotion decision (the run's
    gate decision is the latest one before it)."""
    events = sorted(
        [("gate", g) for g in gates] + [("promotion", p) for p in promotions],
        key=lambda e: e[1]["time"],
    )
    rows, gate = [], None
    for kind, event in events:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(event["time"]))
        if kind == "gate":
            gate = event
            if event["decision"] == "stopped":
                why = "; ".join(event["problems"][:3])
                rows.append((when, str(event["span"]), "stopped", "-", "-", why))
            continue
        gate_said = gate["decision"] if gate else "-"
        if event.get("rollback_of") is not None:
            rows.append(
                (
                    when,
                    str(event.get("span")),
                    "-",
                    "rollback",
                    str(event["version"]),
                    f"serves {event['rollback_of']} again"
                    + (", pinned" if event.get("pinned") else ""),
                )
            )
            continue
        model = "blessed" if event["blessed"] else "rejected"
        why = "; ".join(event.get("failed_checks", [])[:3])
        if "pinned" in event and event["blessed"]:
            why = f"version {event['pinned']} is pinned (automl unpin)"
        version = str(event["version"]) if event["version"] else "not pushed"
        rows.append((when, str(event.get("span")), gate_said, model, version, why))
    return rows
