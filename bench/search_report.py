"""Turns the search benchmark's raw results into the committed table and plot."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

OVERHEAD_TARGET = 0.02  # of a typical trial's time


def best_so_far(values: list[float | None]) -> np.ndarray:
    filled = np.array([np.inf if v is None else v for v in values], dtype=float)
    return np.minimum.accumulate(filled)


def _mean_curve(runs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Mean best-so-far per trial number, and mean elapsed seconds at each trial."""
    length = min(len(r["values"]) for r in runs)
    best = np.mean([best_so_far(r["values"])[:length] for r in runs], axis=0)
    elapsed = np.mean([np.cumsum(r["wall_s"])[:length] for r in runs], axis=0)
    return best, elapsed


def table(results: dict) -> str:
    settings = results["settings"]
    trials, half = settings["trials"], settings["trials"] // 2
    lines = [
        f"Space `{settings['space']}`, {trials} trials per study, at most {settings['epochs']} "
        f"epochs per trial, {settings['seeds']} seeds; best validation loss (lower is better), "
        "mean ± standard deviation over seeds; rank by the mean at the full budget.",
        "",
        f"| dataset | strategy | best after {half} trials | best after {trials} trials "
        "| rank | search time (s) |",
        "|---|---|---|---|---|---|",
    ]
    for dataset, entry in results["datasets"].items():
        rows = []
        for strategy, runs in entry["runs"].items():
            final = [best_so_far(r["values"])[-1] for r in runs]
            early = [best_so_far(r["values"])[min(half, len(r["values"])) - 1] for r in runs]
            seconds = statistics.mean(sum(r["wall_s"]) for r in runs)
            rows.append((strategy, early, final, seconds))
        ranked = sorted(rows, key=lambda row: statistics.mean(row[2]))
        for strategy, early, final, seconds in rows:
            rank = 1 + [r[0] for r in ranked].index(strategy)
            cells = [dataset, strategy, _pm(early), _pm(final), str(rank), f"{seconds:.0f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _pm(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {spread:.4f}"


def overhead_table(results: dict) -> str:
    typical = results["median_trial_s"]
    lines = [
        f"Strategy time per proposal at 200 trials of the synthetic `architecture` objective, "
        f"against the median trial of this run ({typical:.2f} s); target ≤ "
        f"{OVERHEAD_TARGET:.0%}.",
        "",
        "| strategy | ms per proposal | share of a trial | within target |",
        "|---|---|---|---|",
    ]
    for strategy, seconds in sorted(results["overhead_s"].items()):
        share = seconds / typical
        verdict = "yes" if share <= OVERHEAD_TARGET else "**no**"
        lines.append(f"| {strategy} | {seconds * 1000:.1f} | {share:.2%} | {verdict} |")
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(results["datasets"])
    figure, axes = plt.subplots(2, len(datasets), figsize=(5 * len(datasets), 8), squeeze=False)
    for column, dataset in enumerate(datasets):
        for strategy, runs in results["datasets"][dataset]["runs"].items():
            best, elapsed = _mean_curve(runs)
            trials = np.arange(1, len(best) + 1)
            axes[0][column].plot(trials, best, label=strategy)
            axes[1][column].plot(elapsed, best, label=strategy)
        axes[0][column].set_title(dataset)
        axes[0][column].set_xlabel("trials")
        axes[1][column].set_xlabel("wall time (s)")
        for row in (0, 1):
            axes[row][column].set_ylabel("best validation loss (mean over seeds)")
            axes[row][column].grid(alpha=0.3)
    axes[0][0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write(results: dict, folder: Path) -> None:
    plot(results, folder / "search_strategies.png")
    text = [
        "# Search benchmark",
        "",
        f"One run of `make bench-search` on {results['machine']} "
        f"({results['total_s'] / 60:.0f} min). Plot: `search_strategies.png`.",
        "",
        table(results),
        "",
        overhead_table(results),
        "",
    ]
    (folder / "search_strategies.md").write_text("\n".join(text))
