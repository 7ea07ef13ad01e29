"""`automl report`: the latest run of a pipeline as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from pipeline.cli.group import console, fail, main, where_config, where_options


@main.command("report")
@where_options
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

    from pipeline.report import html_report
    from pipeline.definition.layout import Layout
    from pipeline.report.run_summary import read_run

    config = where_config(config_file, output, data, dataset_name)
    layout = Layout(config.output)
    if not layout.metadata.exists():
        fail(f"no run recorded under {config.output} (no {layout.metadata.name})")
    connection = metadata_store_pb2.ConnectionConfig()
    connection.sqlite.filename_uri = str(layout.metadata)
    connection.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    summary = read_run(connection, config.pipeline_name, 0)
    if summary is None:
        fail(f"no run of {config.pipeline_name} recorded under {config.output}")
    path = html_report.write(
        summary,
        config.pipeline_name,
        target or html_report.default_path(config.output, summary.run_id),
    )
    console.print(f"[bold]Report[/] {escape(str(path))}")
