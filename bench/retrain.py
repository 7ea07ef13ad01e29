"""Side-by-side benchmark: a warm-started `automl retrain` vs a cold `automl run` on the same
new span, through the whole pipeline.

The data is the taxi CSV shipped in the tfx wheel (fare regression, where hyperparameters
matter), shuffled with a fixed seed and cut into two spans of one population. Span 1 is run
cold (the search a retrain starts from); then span 2 is run twice on the same machine, one
after the other: `automl retrain` (warm start from span 1's study, `retrain.compute_fraction`
of the budget) and `automl run` into a fresh output folder (cold, the full budget). Both
evaluate on span 2's eval split (the split is a hash of each row, so it is the same rows).
Reported: wall time of the whole command, trials, search compute (epochs at full fidelity)
and the Evaluator's metric; written to bench/results/retrain.md and retrain.json.

Usage: python bench/retrain.py [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "retrain"
RESULTS = HERE / "results"
AUTOML = str(Path(sys.executable).parent / "automl")
LABEL, METRIC = "fare", "root_mean_squared_error"


def taxi_spans(folder: Path, rows: int) -> Path:
    """``folder/span-1`` and ``span-2``: two disjoint halves of ``rows`` shuffled taxi trips."""
    source = Path(__import__("tfx").__file__).parent / (
        "examples/chicago_taxi_pipeline/data/simple/data.csv"
    )
    with source.open(newline="") as handle:
        reader = csv.reader(handle)
        header, trips = next(reader), list(reader)
    random.Random(0).shuffle(trips)
    trips = trips[:rows]
    half = len(trips) // 2
    for span, part in ((1, trips[:half]), (2, trips[half:])):
        target = folder / f"span-{span}" / "data.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", newline="") as handle:
            csv.writer(handle).writerows([header, *part])
    return folder


def run(name: str, *args: str) -> dict[str, Any]:
    """One `automl` command, timed, and what its run did (read back from MLMD)."""
    from pipeline.report.run_summary import read_run
    from tfx.orchestration import metadata

    output = Path(args[args.index("--output") + 1])
    started_ms = int(time.time() * 1000)
    started = time.monotonic()
    done = subprocess.run([AUTOML, *args], capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    config = metadata.sqlite_metadata_connection_config(str(output / "metadata.sqlite"))
    summary = read_run(config, "automl-taxi", started_ms)
    if summary is None:
        raise SystemExit(f"{name}: no run recorded in {output}")
    result = {
        "wall_s": round(wall, 1),
        "trials": summary.search.get("trials"),
        "completed": summary.search.get("completed"),
        "compute": summary.search.get("compute"),
        "metric": summary.metrics.get(METRIC),
        "blessed": summary.blessed,
        "pushed": summary.pushed_to is not None,
    }
    print(f"{name}: {json.dumps(result)}", flush=True)
    return result


def markdown(results: dict[str, Any], rows: int) -> str:
    warm, cold = results["warm"], results["cold"]
    lines = [
        "# Retrain benchmark: warm-started retrain vs cold run on the same new span",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{psutil.cpu_count()} cores; taxi fare regression, {rows} shuffled trips in two "
        f"spans; metric: the Evaluator's RMSE on span 2's eval split (lower is better).",
        "",
        "| span 2 run | wall (s) | trials | search compute (full epochs) | RMSE | pushed |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, key in (
        ("cold `automl run` (full budget)", "cold"),
        ("warm `automl retrain` (from span 1's study)", "warm"),
    ):
        r = results[key]
        lines.append(
            f"| {label} | {r['wall_s']:.0f} | {r['trials']} | {r['compute']:.1f} | "
            f"{r['metric']:.4f} | {'yes' if r['pushed'] else 'no'} |"
        )
    change = (warm["metric"] - cold["metric"]) / cold["metric"]
    lines += [
        "",
        f"Warm/cold: wall **{warm['wall_s'] / cold['wall_s']:.2f}x**, search compute "
        f"**{warm['compute'] / cold['compute']:.2f}x**, RMSE {change:+.1%} "
        f"({'at least as good as' if change <= 0.01 else 'worse than'} cold, 1% tolerance).",
        f"Span 1 (cold, the study the retrain starts from): {results['span1']['wall_s']:.0f} s, "
        f"RMSE {results['span1']['metric']:.4f}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8000, help="Trips in both spans together.")
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    data = str(taxi_spans(WORK / "taxi", args.rows))  # the folder names the pipeline
    common = ("--data", data, "--label", LABEL)
    ongoing, cold = str(WORK / "ongoing"), str(WORK / "cold")
    # Both spans are one population, so the data gates run as a nightly retrain has them
    # (calibrated: bench/gate_calibration.py) and must let span 2 through.
    results = {
        "span1": run("span 1 (cold)", "run", *common, "--span", "1", "--output", ongoing),
        "warm": run("span 2 warm", "retrain", *common, "--output", ongoing),
        "cold": run("span 2 cold", "run", *common, "--span", "2", "--output", cold),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "retrain.json").write_text(json.dumps(results, indent=1) + "\n")
    table = markdown(results, args.rows)
    (RESULTS / "retrain.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
