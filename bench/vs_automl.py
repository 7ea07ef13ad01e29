"""Our default `automl run --time-budget T` against FLAML, AutoGluon-Tabular, HistGradientBoosting
and KerasTuner / Optuna MLP searches: the model each finds in the same wall time, scored on the
same held-out test rows.

Per dataset (bench/automl_datasets.py), every tool gets the same train.csv (80 % of the rows,
a fixed-seed draw) and none sees test.csv until its model is chosen. Tools run one after the
other on the whole machine: ours, then FLAML (`AutoML.fit(time_budget=T)`), AutoGluon
(`TabularPredictor.fit(time_limit=T)`, default preset), HistGradientBoosting (default
settings, no budget), KerasTuner Hyperband and Optuna TPE over an MLP (wall time T). FLAML and
AutoGluon run in their own environment (bench/work/automl-peers), never the product's.
Wall time is the whole process: reading the CSV, searching, training, and (ours) the rest of
the pipeline up to the pushed model.

A single run of a cell says little where a tool's result moves from run to run (ours on taxi:
2.88 to 3.45 RMSE over six runs), so `--repeats N` runs each cell N times: repeat r > 0 gives
a tool that takes a seed the seed r (ours: the Tuner's seed 42 + r), and the report gives the
median and the range.

Each result is stored as it lands in bench/results/vs_automl.json (keyed by dataset, budget,
tool and repeat, so an interrupted run resumes and a cell can be re-run alone); `--report`
writes vs_automl.md and vs_automl.png from it.

Usage: python bench/vs_automl.py [--budget 300] [--dataset NAME]... [--tool NAME]...
           [--repeats N] [--missing] [--report]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import automl_datasets  # noqa: E402
from bench.vs_automl_report import write_report  # noqa: E402
from pipeline.definition.config import TunerConfig  # noqa: E402

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "vs_automl"
RESULTS = HERE / "results" / "vs_automl.json"
PEERS_PYTHON = HERE / "work" / "automl-peers" / "bin" / "python"
AUTOML = str(Path(sys.executable).parent / "automl")
TOOLS = ("ours", "flaml", "autogluon", "hgb", "keras_tuner", "optuna")
PEER_TOOLS = {"flaml", "autogluon", "hgb"}
OVERRUN = 3  # a tool still running at 3 T is stopped and its cell recorded as failed


def head_commit() -> str:
    """The checkout's commit, which a results table names for what it measured; "+changes"
    when the product's code differs from it (taken before a run starts: the run imports the
    code from the checkout as it goes)."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    )
    changed = subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", "pipeline", "components", "modeling", "search"],
        cwd=HERE,
    )
    return (done.stdout.strip() or "unknown") + ("+changes" if changed.returncode else "")


def ours(data: automl_datasets.Dataset, budget: int, repeat: int = 0) -> dict[str, Any]:
    """`automl run --time-budget T` on train.csv (defaults otherwise; a repeat r > 0 sets the
    Tuner's seed to the default's + r); the pushed model scored on test.csv through its serving
    signature."""
    output = WORK / "ours" / f"{data.name}-{budget}s"
    shutil.rmtree(output, ignore_errors=True)
    command = [
        AUTOML, "run", "--data", str(data.train), "--label", data.label,
        "--output", str(output), "--time-budget", f"{budget}s",
    ]  # fmt: skip
    seed, commit = TunerConfig().seed + repeat, head_commit()
    if repeat:
        config = WORK / "ours" / f"seed-{seed}.yaml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"tuner:\n  seed: {seed}\n")
        command += ["--config", str(config)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=OVERRUN * budget)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"automl run failed ({done.returncode}): {done.stderr[-1500:]}")
    versions = sorted((output / "serving").glob("*/*"))
    if not versions:
        raise RuntimeError("automl run pushed no model")
    scored = subprocess.run(
        [sys.executable, str(HERE / "served_score.py"), str(versions[-1]), str(data.test),
         data.label, data.task],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {
        "score": float(scored.stdout.strip().splitlines()[-1]),
        "wall_s": round(wall, 1),
        "version": f"commit {commit}",
        "detail": {
            "command": f"automl run --time-budget {budget}s",
            "tuner_seed": seed,
            **search_costs(output),
        },
    }


def search_costs(output: Path) -> dict[str, Any]:
    """What the run's trials spent their seconds on, from its study: how many ran, the median
    of each one's fixed cost (its process's seconds less its training's: start, data, build,
    tracing, measuring) and the share of all trial seconds that trained a model."""
    summary = json.loads((output / "last_run.json").read_text())["summary"]
    study = json.loads((Path(summary["study_uri"]) / "study.json").read_text())
    costs = [
        t["cost"] for t in study["trials"] if "trial_s" in t["cost"] and "train_s" in t["cost"]
    ]
    if not costs:
        return {}
    return {
        "trials": len(costs),
        "trial_fixed_s": round(statistics.median(c["trial_s"] - c["train_s"] for c in costs), 2),
        "training_share": round(
            sum(c["train_s"] for c in costs) / sum(c["trial_s"] for c in costs), 3
        ),
    }


def peer(tool: str, data: automl_datasets.Dataset, budget: int, repeat: int = 0) -> dict[str, Any]:
    """One peer in a subprocess of its own environment; its JSON result read back. The repeat
    is the seed of a tool that takes one (0: the tool's default)."""
    if tool in PEER_TOOLS and not PEERS_PYTHON.exists():
        raise SystemExit(f"no peers environment at {PEERS_PYTHON}: run `make bench-automl`")
    python, script = (
        (PEERS_PYTHON, "peer_automl.py")
        if tool in PEER_TOOLS
        else (sys.executable, "mlp_search.py")
    )
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "result.json"
        command = [
            str(python), str(HERE / script), tool, str(data.train), str(data.test), data.label,
            data.task, str(budget), str(result), str(repeat),
        ]  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(  # in the temporary folder: CatBoost writes its logs to the cwd
            command, capture_output=True, text=True, timeout=OVERRUN * budget, cwd=folder
        )
        wall = time.monotonic() - started
        if done.returncode != 0 or not result.exists():
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr[-1500:]}")
        reported = json.loads(result.read_text())
        return {**reported, "inner_wall_s": reported["wall_s"], "wall_s": round(wall, 1)}


def _load() -> dict[str, Any]:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {"cells": []}


def _key(cell: dict[str, Any]) -> tuple[str, int, str, int]:
    return cell["dataset"], cell["budget_s"], cell["tool"], cell.get("repeat", 0)


def _store(cell: dict[str, Any]) -> None:
    results = _load()
    results["cells"] = [c for c in results["cells"] if _key(c) != _key(cell)] + [cell]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


def run_cell(
    tool: str, data: automl_datasets.Dataset, budget: int, repeat: int = 0
) -> dict[str, Any]:
    cell = {
        "dataset": data.name, "task": data.task, "budget_s": budget, "tool": tool,
        "repeat": repeat, "ran_on": time.strftime("%Y-%m-%d"), "machine": platform.machine(),
    }  # fmt: skip
    try:
        cell.update(
            ours(data, budget, repeat) if tool == "ours" else peer(tool, data, budget, repeat)
        )
    except (RuntimeError, subprocess.SubprocessError) as error:
        cell.update(score=None, error=str(error).strip().splitlines()[-1][:300])
    _store(cell)
    print(json.dumps(cell), flush=True)
    return cell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, action="append", help="T in seconds (300).")
    parser.add_argument("--dataset", action="append", choices=sorted(automl_datasets.SOURCES))
    parser.add_argument("--tool", action="append", choices=TOOLS)
    parser.add_argument("--repeats", type=int, default=1, help="Runs of each cell (1).")
    parser.add_argument("--missing", action="store_true", help="Only cells with no result yet.")
    parser.add_argument("--report", action="store_true", help="Only write the report.")
    args = parser.parse_args()
    if not args.report:
        done = {_key(c) for c in _load()["cells"]}
        for budget in args.budget or [300]:
            for name in args.dataset or list(automl_datasets.SOURCES):
                data = automl_datasets.prepare(name, WORK / "data")
                for repeat in range(args.repeats):
                    for tool in args.tool or TOOLS:
                        if not (args.missing and (name, budget, tool, repeat) in done):
                            run_cell(tool, data, budget, repeat)
    write_report(_load(), RESULTS.with_suffix(".md"), RESULTS.with_suffix(".png"))


if __name__ == "__main__":
    main()
