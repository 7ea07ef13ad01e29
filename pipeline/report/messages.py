"""What the console says before and after a run."""

from __future__ import annotations

import os

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from components.guardrails.handling import describe
from pipeline.definition.config import PipelineConfig
from pipeline.definition.dataset import DatasetProfile
from pipeline.report.run_summary import RunSummary


def data_line(config: PipelineConfig, profile: DatasetProfile) -> str:
    source = config.data or "palmerpenguins (embedded)"
    detail = (
        f"{len(profile.class_counts)} classes"
        if profile.task == "classification"
        else f"label std {profile.label_std:.3g}"
    )
    notes = []
    if profile.n_dropped_missing_label:
        notes.append(f"{profile.n_dropped_missing_label} rows without a label dropped")
    if profile.renamed_columns:
        notes.append(
            "renamed " + ", ".join(f"'{a}'->'{b}'" for a, b in profile.renamed_columns.items())
        )
    if profile.dropped_rare_classes:
        rare = list(profile.dropped_rare_classes.items())
        shown = ", ".join(f"'{c}' ({n})" for c, n in rare[:5])
        more = len(rare) - 5
        notes.append(
            f"rows of classes too rare to learn dropped: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    if profile.dropped_empty_columns:
        notes.append("empty columns dropped: " + ", ".join(profile.dropped_empty_columns))
    schema = config.curated_schema_path()
    # Rich markup for the headings only: paths, columns and labels are the user's text.
    lines = [
        f"[bold]Data[/] {escape(str(source))}: {profile.n_rows} rows, "
        f"{len(profile.columns) - 1} features, label '{escape(profile.label)}' "
        f"({profile.task}, {escape(detail)})",
        "[bold]Schema[/] "
        + escape(f"curated: {schema}" if schema else "inferred (SchemaGen)"),
    ]
    lines += [f"[yellow]note:[/] {escape(note)}" for note in notes]
    lines.append(f"[bold]Pipeline[/] {escape(f'{config.pipeline_name} -> {config.output}')}")
    return "\n".join(lines)


def failure_message(exc: BaseException, log_path: Path) -> str:
    from components.data_gate.executor import DataAnomaliesError
    from search.storage import StudyMismatch

    said_for_users = (DataAnomaliesError, StudyMismatch)  # their message is the whole story
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, said_for_users):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        return f"{cause}\n(full log: {log_path})"
    text = str(exc).strip().splitlines()
    first = text[-1] if text else type(exc).__name__
    return f"the pipeline failed: {type(exc).__name__}: {first} (full log: {log_path})"


def print_summary(
    console: Console,
    summary: RunSummary,
    seconds: float,
    log_path: Path | None,
    report_path: Path | None = None,
) -> None:
    """log_path None: nothing ran, the summary is the recorded one of an identical earlier run.
    report_path: the run's HTML report, named last."""
    # Values are text (Text never parses markup: columns, paths and values are the user's);
    # only the blessing's verdict is styled.
    rows: list[tuple[str, str | Text]] = []
    for handled in summary.guardrails.get("findings", []):
        rows.append(("Guardrail", describe(handled)))
    if summary.hyperparameters:
        rows.append(
            (
                "Best hyperparameters",
                ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(summary.hyperparameters.items())),
            )
        )
    if search := summary.search:
        rows.append(
            (
                "Search",
                f"{search['strategy']} with the {search['estimator']} estimator over the "
                f"{search['space']} space: {search['trials']} trials, "
                f"{search['completed']} completed, {search['stopped_early']} stopped early by "
                f"their learning curve; {_fmt(search['compute'] or 0)} full-data epochs of "
                f"compute ({search['stop_reason']})",
            )
        )
        if search["selected"] is not None:
            measured = search["selected_metrics"]
            rows.append(
                (
                    "Selected trial",
                    f"{search['selected'] + 1} by the '{search['selection']}' rule: "
                    + ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(measured.items()))
                    + f"; Pareto front: trials {[n + 1 for n in search['pareto_front']]}",
                )
            )
        if search["importance"]:
            rows.append(("Important", _importance_line(search["importance"])))
    if summary.ensemble.get("candidates"):
        rows.append(("Model", model_line(summary.ensemble)))
    if summary.study_uri:
        rows.append(("Study", os.path.join(summary.study_uri, "study.json")))
    if summary.feature_importance:
        top = list(summary.feature_importance.items())[:5]
        rows.append(
            (
                "Features",
                ", ".join(f"{name} {growth:+.3g}" for name, growth in top)
                + " (eval loss growth when the column is shuffled)",
            )
        )
    if summary.metrics:
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(summary.metrics.items()))
        rows.append(("Evaluation", f"{shown} (test split, unseen by the search and the Trainer)"))
    if summary.blessed is not None:
        verdict = Text("yes", "green") if summary.blessed else Text("no", "red")
        if summary.failed_checks:
            verdict.append(" - " + "; ".join(summary.failed_checks))
        rows.append(("Blessed", verdict))
    not_pushed = "not pushed" + (": a rollback pinned the serving version (automl unpin)"
                                 if summary.held_by_pin else "")
    rows.append(("Pushed to", summary.pushed_to or not_pushed))
    cached = summary.cached_nodes
    if log_path is None:
        rows.append(
            (
                "Cache",
                f"up to date: data, configuration and code unchanged since run "
                f"{summary.run_id}; nothing re-run (--rerun runs it anyway)",
            )
        )
        rows.append(("Total time", f"{seconds:.0f}s"))
    else:
        rows.append(
            (
                "Cache",
                f"{len(cached)} of {len(summary.nodes)} components reused"
                if cached
                else "no component reused",
            )
        )
        rows.append(("Total time", f"{seconds:.0f}s (log: {log_path})"))
    if report_path is not None:
        rows.append(("Report", str(report_path)))
    console.print()
    for key, value in rows:  # plain lines, never wrapped: paths must stay copy-pastable
        console.print(Text.assemble((f"{key:<22}", "bold"), value), soft_wrap=True)


def model_line(ensemble: dict) -> str:
    """What the Trainer serves: one trial's model or an ensemble, and why (eval loss)."""
    searched = ensemble.get("searched") or [False] * len(ensemble["trials"])

    def name(trial: int, as_searched: bool) -> str:
        return f"{trial + 1} as searched" if as_searched else str(trial + 1)

    trials = ", ".join(name(t, s) for t, s in zip(ensemble["trials"], searched, strict=True))
    alone = ", ".join(
        f"{name(c['trial'], c.get('searched', False))}: {c['eval_loss']:.4g}"
        for c in ensemble["candidates"]
    )
    if ensemble["method"] == "single":
        chosen = f"trial {trials} alone"
    else:
        weights = "/".join(f"{w:.2f}" for w in ensemble["weights"])
        chosen = f"{ensemble['method']} ensemble of trials {trials} (weights {weights})"
    line = f"{chosen}: eval loss {ensemble['eval_loss']:.4g} (each alone, by trial: {alone})"
    if refit := ensemble.get("refit_on_eval"):
        line += f"; then refit on train+eval: {', '.join(str(t + 1) for t in refit)}"
    return line


def _importance_line(found: list[dict]) -> str:
    """The three most important parameters of each scope, as shares of its variance."""
    scopes: dict[str, list[dict]] = {}
    for item in found:
        scopes.setdefault(item["scope"], []).append(item)
    parts = []
    for scope, items in scopes.items():
        top = sorted(items, key=lambda i: -i["share"])[:3]
        shown = ", ".join(f"{i['parameter']} {i['share']:.0%}" for i in top)
        parts.append(f"{shown} ({scope}, {items[0]['trials']} full trials)")
    return "; ".join(parts)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
