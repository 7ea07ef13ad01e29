"""`automl report`: the latest run of a pipeline as one self-contained HTML file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from pipeline.cli import _fail, console, main
from pipeline.retrain_cli import _config, _where_options


@main.command("report")
@_where_options
@click.option(
    "--to", "target", type=click.Path(path_type=Path),
    help="The HTML file (default: <output>/reports/<run>.html).",
)  # fmt: skip
def report(
    output: Path | None, config_file: Path | None, data: Path | None, dataset_name: str | None,
    target: Path | None,
) -> None:  # fmt: skip
    """Write the latest run's report: leaderboard, curves, importances, evaluation, lineage."""
    from ml_metadata.proto import metadata_store_pb2

    from pipeline.html_report import render
    from pipeline.layout import Layout
    from pipeline.run_summary import read_run

    config = _config(config_file, output, data, dataset_name)
    layout = Layout(config.output)
    if not layout.metadata.exists():
        _fail(f"no run recorded under {config.output} (no {layout.metadata.name})")
    connection = metadata_store_pb2.ConnectionConfig()
    connection.sqlite.filename_uri = str(layout.metadata)
    connection.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    summary = read_run(connection, config.pipeline_name, 0)
    if summary is None:
        _fail(f"no run of {config.pipeline_name} recorded under {config.output}")
    study = None
    if summary.study_uri and os.path.exists(os.path.join(summary.study_uri, "study.json")):
        with open(os.path.join(summary.study_uri, "study.json")) as handle:
            study = json.load(handle)
    safe_id = "".join(c if c.isalnum() or c in "-_." else "-" for c in summary.run_id)
    path = target or config.output / "reports" / f"{safe_id}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(render(summary, study, config.pipeline_name), encoding="utf-8")
    partial.replace(path)
    console.print(f"[bold]Report[/] {path}")
