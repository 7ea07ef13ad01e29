"""The estimator benchmark's table, anytime plots and the default it chooses.

Curves are averaged over seeds on a common compute grid (a run's best-so-far is a step
function of compute). "Compute to reach" is where a mean curve first gets to a target: for
the best peer, its own final value (when it last improved); for ours, that same value. The
default pair is ours with the best mean normalised served value (what the Trainer gives a user)
over the datasets, among those that ran on every dataset (0 = the best any method reached on
that dataset, 1 = the worst), so one easy dataset cannot carry it.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

import numpy as np

GRID_POINTS = 200


def _mean_curve(runs: list[dict], grid: np.ndarray) -> np.ndarray:
    """Mean best-so-far over seeds at each compute; NaN until every seed has a result."""
    values = []
    for run in runs:
        steps = [(c, v) for c, v in run["curve"] if math.isfinite(v)]
        at = np.full(len(grid), np.nan)
        for compute, value in steps:
            at[grid >= compute - 1e-9] = value
        values.append(at)
    return np.mean(values, axis=0)


def _reach(curve: np.ndarray, grid: np.ndarray, target: float) -> float | None:
    hit = np.where(np.nan_to_num(curve, nan=np.inf) <= target + 1e-12)[0]
    return float(grid[hit[0]]) if len(hit) else None


def summarise(name: str, dataset: dict) -> dict[str, Any]:
    runs = dataset["runs"]
    top = max(max((c for c, _ in r["curve"]), default=0.0) for rs in runs.values() for r in rs)
    grid = np.linspace(0.0, max(top, dataset["budget"]), GRID_POINTS)
    curves = {method: _mean_curve(rs, grid) for method, rs in runs.items()}
    finals = {m: statistics.mean(r["final"] for r in rs) for m, rs in runs.items()}
    retrained, served = (
        {
            m: statistics.mean(r[key] for r in rs if r[key] is not None)
            if any(r[key] is not None for r in rs)
            else math.nan
            for m, rs in runs.items()
        }
        for key in ("retrained", "served")
    )
    peer_names = [m for m in runs if not m.startswith("ours")]
    best_peer = min(peer_names, key=lambda m: finals[m]) if peer_names else None
    target = finals[best_peer] if best_peer else -math.inf
    reach = {m: _reach(curves[m], grid, target) for m in runs}
    # The default is judged on what a user gets from the Trainer, not on the search's value
    # (a value reached by inherited weights survives only if the Trainer serves that network).
    judged = {m: v for m, v in served.items() if math.isfinite(v)}
    low, high = min(judged.values()), max(judged.values())
    return {
        "dataset": name,
        "task": dataset["task"],
        "rows": dataset["rows"],
        "budget": dataset["budget"],
        "grid": grid.tolist(),
        "curves": {m: c.tolist() for m, c in curves.items()},
        "final": finals,
        "retrained": retrained,
        "served": served,
        "spent": {m: statistics.mean(r["spent"] for r in rs) for m, rs in runs.items()},
        "wall_s": {m: statistics.mean(r["wall_s"] for r in rs) for m, rs in runs.items()},
        "trials": {m: statistics.mean(r["trials"] for r in rs) for m, rs in runs.items()},
        "best_peer": best_peer,
        "reach_best_peer": reach,
        "normalised": {
            m: (v - low) / (high - low) if high > low else 0.0 for m, v in judged.items()
        },
    }


def choose_default(summaries: list[dict]) -> str:
    """Ours with the best mean normalised value over the datasets. Only methods that ran on
    every dataset compete (a run cut short holds fewer methods on some dataset, and a mean
    over easier datasets is not comparable); when none did, those on most datasets."""
    ours = {m for s in summaries for m in s["normalised"] if m.startswith("ours")}
    ran = {m: [s["normalised"][m] for s in summaries if m in s["normalised"]] for m in ours}
    everywhere = [m for m in ours if len(ran[m]) == len(summaries)]
    most = max((len(v) for v in ran.values()), default=0)
    candidates = everywhere or [m for m in ours if len(ran[m]) == most]
    return min(sorted(candidates), key=lambda m: statistics.mean(ran[m]))


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}g}"


def markdown(summaries: list[dict], default: str, settings: dict) -> str:
    lines = [
        "# Estimator benchmark",
        "",
        f"Budget: {settings['budget_trials']} full trials' compute ({settings['epochs']} epochs "
        f"each) per run, in full-data epochs; {settings['seeds']} seeds; mean over seeds. "
        "Final = best validation loss at full fidelity found by the search; retrained = the "
        "selected point trained from scratch for one full trial; served = what the Trainer "
        "serves: the retrain, or with +inherit the better of it and the searched network; "
        "reach = compute (full-data epochs) at which the mean anytime curve first reaches the "
        "best peer's final value.",
        "",
        f"**Default chosen: {default}** (best mean normalised served value over the "
        "datasets, among ours that ran on every dataset: 0 = the best any method reached on "
        "a dataset, 1 = the worst).",
        "",
    ]
    for s in summaries:
        peer_reach = s["reach_best_peer"].get(s["best_peer"])
        lines += [
            f"## {s['dataset']} ({s['task']}, {s['rows']} training rows, budget {s['budget']:g})",
            "",
            f"Best peer: {s['best_peer']} (final {_fmt(s['final'][s['best_peer']])}, reached "
            f"at {_fmt(peer_reach, 3)} epochs).",
            "",
            "| method | final val_loss | retrained | served | compute spent "
            "| reach best peer | vs peer's compute | trials | wall s |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for m in sorted(s["final"], key=lambda m: s["final"][m]):
            reach = s["reach_best_peer"][m]
            ratio = reach / peer_reach if reach is not None and peer_reach else None
            name = f"**{m}**" if m == default else m
            lines.append(
                f"| {name} | {_fmt(s['final'][m])} | {_fmt(s['retrained'][m])} "
                f"| {_fmt(s['served'][m])} "
                f"| {_fmt(s['spent'][m], 3)} | {_fmt(reach, 3)} | {_fmt(ratio, 2)} "
                f"| {_fmt(s['trials'][m], 3)} | {_fmt(s['wall_s'][m], 3)} |"
            )
        lines.append("")
    return "\n".join(lines)


def _visible_range(s: dict) -> tuple[float, float]:
    """Loss limits that show where the methods part: from just under the best value to the
    worst value still standing half way through the budget (the first trials' losses, often
    ten times the finals, would flatten every difference that matters)."""
    grid = np.array(s["grid"])
    halfway = int(np.searchsorted(grid, s["budget"] / 2))
    curves = [np.array(c, dtype=float) for c in s["curves"].values()]
    finite = np.concatenate([c[np.isfinite(c)] for c in curves])
    later = np.concatenate([c[halfway:][np.isfinite(c[halfway:])] for c in curves])
    low = float(finite.min()) if len(finite) else 0.0
    high = float(later.max()) if len(later) else float(finite.max(initial=1.0))
    return max(low * 0.8, 1e-6), max(high * 1.25, low * 2)


def plot(summaries: list[dict], default: str, path: Path) -> None:
    """Anytime curves on a log scale, one panel per dataset, with the target drawn in: the
    best peer's final value and a third of the compute that peer took to reach it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = sorted({m for s in summaries for m in s["curves"]})
    colours = {m: plt.get_cmap("tab20")(i % 20) for i, m in enumerate(methods)}
    fig, axes = plt.subplots(1, len(summaries), figsize=(5.5 * len(summaries), 4.6))
    for ax, s in zip(np.atleast_1d(axes), summaries, strict=True):
        grid = np.array(s["grid"])
        for m in methods:
            if m not in s["curves"]:
                continue
            style = "-" if m.startswith("ours") else "--"
            width = 2.8 if m == default else 1.2
            ax.plot(grid, s["curves"][m], style, color=colours[m], linewidth=width, label=m)
        ax.set_yscale("log")
        ax.set_ylim(*_visible_range(s))
        if s["best_peer"] is not None:
            target = s["final"][s["best_peer"]]
            ax.axhline(target, color="black", linestyle=":", linewidth=1)
            reach = s["reach_best_peer"].get(s["best_peer"])
            if reach:
                ax.axvline(reach / 3, color="black", linestyle=":", linewidth=1)
                ax.annotate(
                    "target: best peer's final\nat a third of its compute",
                    (reach / 3, target),
                    xytext=(4, 6),
                    textcoords="offset points",
                    fontsize=7,
                )
        ax.set_title(f"{s['dataset']} ({s['rows']} rows)")
        ax.set_xlabel("compute (full-data epochs)")
        ax.set_ylabel("best validation loss (mean of seeds)")
        ax.grid(alpha=0.3, which="both")
    handles = {
        label: line
        for ax in np.atleast_1d(axes)
        for line, label in zip(*ax.get_legend_handles_labels(), strict=True)
    }
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=5, fontsize=7)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    fig.savefig(path, dpi=110)


def write(work: Path, results: Path) -> None:
    kept = sorted(work.glob("*.json"))
    if not kept:
        raise SystemExit("no results kept yet: run the benchmark first")
    raw = {p.stem: json.loads(p.read_text()) for p in kept}
    summaries = [summarise(name, dataset) for name, dataset in raw.items()]
    default = choose_default(summaries)
    first = next(iter(raw.values()))
    settings = {
        "budget_trials": first["budget"] / first["epochs"],
        "epochs": first["epochs"],
        "seeds": len(next(iter(first["runs"].values()))),
    }
    results.mkdir(exist_ok=True)
    (results / "estimators.json").write_text(
        json.dumps({"default": default, "settings": settings, "datasets": summaries}, indent=1)
    )
    (results / "estimators.md").write_text(markdown(summaries, default, settings))
    plot(summaries, default, results / "estimators.png")
    print((results / "estimators.md").read_text())
