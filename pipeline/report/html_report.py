"""A run as one self-contained HTML page: what was searched and found, how it was judged,
what is served, and where it all came from.

Everything is inline (styles, plots as SVG made by matplotlib), so the file opens anywhere,
is attached to a ticket or archived, and needs no network. The page is built from what the
run recorded (MLMD's summary, the study file, the Trainer's training.json), never from
memory of the run, so a report made a month later says the same.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.report import evaluation_plots
from pipeline.report.messages import model_line
from pipeline.report.figures import escape, figure
from pipeline.report.run_summary import RunSummary

TOP_CURVES = 5

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}
td,th{padding:.25em .7em;border-bottom:1px solid #eee;text-align:right}
th{background:#f6f6f6} td:first-child,th:first-child{text-align:left}
tr.selected{background:#eef6ff;font-weight:600} table.text td,table.text th{text-align:left}
.muted{color:#777} .yes{color:#17803d} .no{color:#b42318}
figure{margin:.6em 0} figcaption{color:#555;font-size:.9em}
.grid{display:flex;flex-wrap:wrap;gap:1em}
"""


_e = escape


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "-" if not math.isfinite(value) else f"{value:.4g}"
    return "-" if value is None else str(value)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], marked: int | None = None,
    text: bool = False,
) -> str:  # fmt: skip
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(f"<td>{_e(_fmt(v))}</td>" for v in row)
        body.append(f"<tr{' class=selected' if i == marked else ''}>{cells}</tr>")
    kind = ' class="text"' if text else ""
    return f"<table{kind}><tr>{head}</tr>{''.join(body)}</table>"


def _rung(trial: dict[str, Any]) -> int:
    return int(trial.get("rung", trial.get("attrs", {}).get("rung", 0)))  # older: in attrs


def _leaderboard(study: dict[str, Any]) -> str:
    """Every scored trial, the highest rung first (a rung-0 trial saw a fraction of the
    training, so its loss does not compare with a full trial's), best first within a rung."""
    trials = [t for t in study["trials"] if t.get("value") is not None]
    trials.sort(key=lambda t: (-_rung(t), t["value"]))
    selected = study.get("selected_trial")
    rows, marked = [], None
    for i, trial in enumerate(trials):
        metrics = trial.get("metrics", {})
        quality = metrics.get("val_accuracy", metrics.get("val_rmse"))
        if trial["number"] == selected:
            marked = i
        rows.append((
            trial["number"] + 1, _rung(trial), trial["params"].get("family", study["space_name"]),
            trial["value"], quality, metrics.get("params"), metrics.get("latency_ms"),
            trial.get("wall_time_s"), (trial.get("fidelity") or {}).get("epochs"), trial["status"],
        ))  # fmt: skip
    quality_name = (
        "val_accuracy"
        if any("val_accuracy" in t.get("metrics", {}) for t in trials)
        else "val_rmse (label units)"
    )
    header = ["trial", "rung", "family", "val_loss", quality_name, "size (params or nodes)",
              "latency (ms / 1,000 rows)", "training time (s)", "epochs", "status"]  # fmt: skip
    return _table(header, rows, marked)


def _anytime(study: dict[str, Any]) -> str:
    trials = sorted(
        (t for t in study["trials"] if t.get("value") is not None),
        key=lambda t: t.get("attrs", {}).get("started_at", t["number"]),
    )
    seconds, best, elapsed, so_far = [], [], 0.0, math.inf
    for trial in trials:
        elapsed += float(trial.get("wall_time_s") or 0.0)
        so_far = min(so_far, trial["value"])
        seconds.append(elapsed)
        best.append(so_far)

    def draw(axes: Any) -> None:
        axes.step(seconds, best, where="post", marker="o")
        axes.set_xlabel("training time spent, summed over trials (s)")
        axes.set_ylabel("best validation loss so far")

    return figure("Anytime performance", "Lower is better; each point is a finished trial.", draw)


def _curves(study: dict[str, Any]) -> str:
    forests = any(t["params"].get("family") in ("gbt", "rf") for t in study["trials"])
    caption = "Validation loss per epoch." + (
        " A forest trains in one pass: its curve is one point." if forests else ""
    )

    best = sorted(
        (t for t in study["trials"] if t.get("value") is not None), key=lambda t: t["value"]
    )

    def draw(axes: Any) -> None:
        for trial in best[:TOP_CURVES]:
            curve = trial.get("curves", {}).get("val_loss", [])
            axes.plot(
                range(1, len(curve) + 1), curve, marker=".", label=f"trial {trial['number'] + 1}"
            )
        axes.set_xlabel("epoch")
        axes.set_ylabel("validation loss")
        axes.legend(fontsize=8)

    return figure("Learning curves of the best trials", caption, draw)


def _pareto(study: dict[str, Any]) -> str:
    """Empty when no trial was measured for latency (only the final rung's are)."""
    scored = [
        t
        for t in study["trials"]
        if "latency_ms" in t.get("metrics", {}) and t.get("value") is not None
    ]
    front = set(study.get("pareto_front", []))
    if not scored:
        return ""

    def draw(axes: Any) -> None:
        others = [t for t in scored if t["number"] not in front]
        on_front = sorted(
            (t for t in scored if t["number"] in front), key=lambda t: t["metrics"]["latency_ms"]
        )
        axes.scatter([t["metrics"]["latency_ms"] for t in others], [t["value"] for t in others],
                     color="#999", label="trial")  # fmt: skip
        axes.plot([t["metrics"]["latency_ms"] for t in on_front], [t["value"] for t in on_front],
                  marker="o", color="#c0392b", label="Pareto front")  # fmt: skip
        axes.set_xlabel("latency (ms per 1,000 rows)")
        axes.set_ylabel("validation loss")
        axes.legend(fontsize=8)

    return figure("Accuracy against latency", "Trials measured for latency (final rung).", draw)


def _bars(title: str, caption: str, names: list[str], values: list[float], unit: str) -> str:
    def draw(axes: Any) -> None:
        axes.barh(names[::-1], values[::-1], color="#2f6db5")
        axes.set_xlabel(unit)

    return figure(title, caption, draw)


def _data(data: dict[str, Any]) -> str:
    if not data:
        return ""
    rows = ", ".join(f"{n:,} {split}" for split, n in data["rows"].items())
    table = _table(
        ["column", "type", "missing (train)", "summary (train split)"],
        [(c["column"], c["type"], f"{c['missing']:.0%}", c["summary"]) for c in data["columns"]],
        text=True,
    )
    return f"<h2>Data</h2><p>{_e(rows)} rows; {len(data['columns'])} columns.</p>{table}"


def _guardrails(guardrails: dict[str, Any]) -> str:
    """What the guardrails found in the training data, what was done, and how to undo it."""
    found = guardrails.get("findings") or []
    part = "<h2>Data guardrails</h2>"
    notes = "".join(f"<p class=muted>{_e(n)}</p>" for n in guardrails.get("notes") or [])
    if not guardrails:
        return part + "<p class=muted>Not recorded for this run.</p>"
    if not found:
        return part + (notes or "<p>No data problems found in the training split.</p>")
    rows = [(f["kind"], f["feature"], f["detected"], f["handling"], f["override"]) for f in found]
    header = ["finding", "column", "detected", "handling", "to override"]
    return part + _table(header, rows, text=True) + notes


def render(
    summary: RunSummary,
    study: dict[str, Any] | None,
    pipeline_name: str,
    plots: dict[str, Any] | None = None,
) -> str:
    """The whole page; ``plots``: the Evaluator's (pipeline.report.evaluation_plots.read)."""
    parts = [f"<h1>{_e(pipeline_name)}</h1>",
             f'<p class="muted">Run {_e(summary.run_id)}; report written '
             f"{_e(time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))}.</p>"]  # fmt: skip
    verdict = {
        True: '<span class="yes">blessed</span>',
        False: '<span class="no">not blessed</span>',
    }
    parts.append("<h2>Outcome</h2><p>")
    parts.append(verdict.get(summary.blessed, "not evaluated"))
    if summary.failed_checks:
        parts.append(": " + _e("; ".join(summary.failed_checks)))
    parts.append(
        f"; {'pushed to ' + _e(summary.pushed_to) if summary.pushed_to else 'not pushed'}.</p>"
    )
    if summary.metrics:
        parts.append(
            _table(["evaluation metric (test split)", "value"], sorted(summary.metrics.items()))
        )
    if summary.slice_metrics:
        names = sorted({m for values in summary.slice_metrics.values() for m in values})
        rows = [(where, *(values.get(m) for m in names))
                for where, values in sorted(summary.slice_metrics.items())]  # fmt: skip
        parts.append("<h3>By slice (evaluator.slices)</h3>" + _table(["slice", *names], rows))
    if summary.ensemble.get("candidates"):
        parts.append(f"<p>Served: {_e(model_line(summary.ensemble))}.</p>")
    if plots:
        names = evaluation_plots.class_names(summary.model_uri)
        parts.append(evaluation_plots.section(plots, names))
    parts.append(_data(summary.data))
    parts.append(_guardrails(summary.guardrails))
    if study is not None:
        search = summary.search
        parts.append("<h2>Search</h2>")
        parts.append(
            f"<p>{_e(search.get('strategy'))} with the {_e(search.get('estimator'))} "
            f"estimator over the {_e(search.get('space'))} space: "
            f"{_e(search.get('trials'))} trials, "
            f"{_e(_fmt(search.get('compute')))} full-data epochs of compute; stopped because "
            f"{_e(search.get('stop_reason'))}. Selected trial highlighted.</p>"
        )
        parts.append("<h3>Leaderboard</h3>" + _leaderboard(study))
        parts.append(
            '<div class="grid">' + _anytime(study) + _curves(study) + _pareto(study) + "</div>"
        )
        importance = study.get("importance") or []
        if importance:
            labels = [f"{i['parameter']} ({i['scope']})" for i in importance]
            shares = [i["share"] for i in importance]
            parts.append(_bars(
                "Hyperparameter importance", "fANOVA over full-fidelity trials, per scope.",
                labels, shares, "share of the validation loss's variance",
            ))  # fmt: skip
        if summary.hyperparameters:
            parts.append("<h3>Selected hyperparameters</h3>")
            parts.append(_table(["parameter", "value"], sorted(summary.hyperparameters.items())))
    if summary.feature_importance:
        names = list(summary.feature_importance)
        parts.append("<h2>Feature importance</h2>")
        parts.append(_bars(
            "Permutation importance (eval split)",
            "Growth of the evaluation loss when the column is shuffled.",
            names, [summary.feature_importance[n] for n in names], "validation loss growth",
        ))  # fmt: skip
    parts.append("<h2>Lineage</h2>")
    lineage = [("run", summary.run_id), ("study", summary.study_uri), ("model", summary.model_uri),
               ("pushed version", summary.pushed_to)]  # fmt: skip
    parts.append(_table(["what", "where"], lineage, text=True))
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(pipeline_name)} report"
        f"</title><style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def default_path(output: Path, run_id: str) -> Path:
    """Where a run's report goes unless told otherwise: <output>/reports/<run>.html."""
    safe_id = "".join(c if c.isalnum() or c in "-_." else "-" for c in run_id)
    return output / "reports" / f"{safe_id}.html"


def write(summary: RunSummary, pipeline_name: str, path: Path) -> Path:
    """Renders the run and writes the page whole or not at all (a reader never sees half)."""
    study = None
    if summary.study_uri and os.path.exists(os.path.join(summary.study_uri, "study.json")):
        with open(os.path.join(summary.study_uri, "study.json")) as handle:
            study = json.load(handle)
    plots = None
    if summary.evaluation_uri and os.path.isdir(summary.evaluation_uri):
        plots = evaluation_plots.read(summary.evaluation_uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(render(summary, study, pipeline_name, plots), encoding="utf-8")
    partial.replace(path)
    return path
