"""Side-by-side benchmark: our default `automl run` (model families, ensembles, guardrails) vs
scikit-learn's HistGradientBoosting with default settings (what a tabular practitioner tries
first) vs our neural-only search, on the same rows.

Per dataset, in one process, one after the other: `automl run --time-budget T` with the
default families space, then the same with `--space macro` (networks only), both into fresh
output folders; then HistGradientBoosting{Classifier,Regressor}() fitted on the train split
the first run's ExampleGen wrote and scored on its eval split, the rows our Evaluator scores
(the split is a hash of each row, so all three see the same rows). Our metrics are the
Evaluator's (TFMA); the baseline's are computed the same way (accuracy, one-vs-rest macro
AUC; RMSE). Written to bench/results/vs_baselines.md and .json.

Usage: python bench/vs_baselines.py [--time-budget 90s] [--dataset NAME ...]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.search_datasets import _taxi_sample, digits_csv, interaction_csv  # noqa: E402

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "vs_baselines"
RESULTS = HERE / "results"
AUTOML = str(Path(sys.executable).parent / "automl")
DATASETS = {  # name: (data args, label, task)
    "penguins": (lambda work: [], "species", "classification"),
    "taxi": (lambda work: ["--data", str(_taxi_sample(work))], "fare", "regression"),
    "digits": (
        lambda work: ["--data", str(digits_csv(work / "digits.csv"))],
        "digit",
        "classification",
    ),  # fmt: skip
    "interactions": (
        lambda work: ["--data", str(interaction_csv(work / "interactions.csv"))],
        "outcome",
        "classification",
    ),  # fmt: skip
}


def ours(name: str, output: Path, args: list[str], budget: str, *extra: str) -> dict[str, Any]:
    """One `automl run`, timed; its Evaluator metrics and search, read back from MLMD."""
    from tfx.orchestration import metadata

    from pipeline.run_summary import read_run

    started_ms, started = int(time.time() * 1000), time.monotonic()
    command = [AUTOML, "run", "--output", str(output), "--time-budget", budget, *args, *extra]
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    connection = metadata.sqlite_metadata_connection_config(str(output / "metadata.sqlite"))
    pipeline = "automl-" + (Path(args[1]).stem if args else "penguins")
    summary = read_run(connection, pipeline, started_ms)
    if summary is None:
        raise SystemExit(f"{name}: no run recorded in {output}")
    families = sorted({t["params"].get("family", "nn") for t in _study(summary)["trials"]})
    result = {
        "wall_s": round(wall, 1),
        "trials": summary.search.get("trials"),
        "families_tried": families,
        "served": summary.ensemble.get("method", "single"),
        "metrics": summary.metrics,
    }
    print(f"{name}: {json.dumps(result)}", flush=True)
    return result


def _study(summary: Any) -> dict[str, Any]:
    with open(Path(summary.study_uri) / "study.json") as handle:
        return json.load(handle)


def baseline(output: Path, label: str, task: str) -> dict[str, Any]:
    """HistGradientBoosting with default settings on the run's own train/eval split."""
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score

    from components.guardrails.executor import split_rows

    (examples,) = output.glob("pipeline_root/CsvExampleGen/examples/*")
    train, evaluation = (split_rows(str(examples / f"Split-{s}")) for s in ("train", "eval"))
    features = [c for c in train.columns if c != label]
    for column in features:  # strings as pandas categories: HGB's native categorical splits
        if train[column].dtype == object:
            kinds = pd.CategoricalDtype(sorted(set(train[column].dropna())))
            train[column] = train[column].astype(kinds)
            evaluation[column] = evaluation[column].astype(kinds)
    started = time.monotonic()
    if task == "classification":
        model = HistGradientBoostingClassifier(categorical_features="from_dtype")
        model.fit(train[features], train[label].astype(str))
        labels = evaluation[label].astype(str).to_numpy()
        probabilities = model.predict_proba(evaluation[features])
        one_vs_rest = [
            roc_auc_score(labels == c, probabilities[:, i])
            for i, c in enumerate(model.classes_)
            if 0 < (labels == c).sum() < len(labels)
        ]
        metrics = {
            "sparse_categorical_accuracy": float(
                accuracy_score(labels, model.predict(evaluation[features]))
            ),
            "macro_auc": float(np.mean(one_vs_rest)),
        }
    else:
        model = HistGradientBoostingRegressor(categorical_features="from_dtype")
        model.fit(train[features], train[label])
        predicted = model.predict(evaluation[features])
        metrics = {
            "root_mean_squared_error": float(
                np.sqrt(mean_squared_error(evaluation[label], predicted))
            )
        }
    result = {"wall_s": round(time.monotonic() - started, 2), "metrics": metrics}
    print(f"HistGradientBoosting: {json.dumps(result)}", flush=True)
    return result


HEADLINE = {
    "classification": "sparse_categorical_accuracy",
    "regression": "root_mean_squared_error",
}


def markdown(results: dict[str, Any], budget: str) -> str:
    lines = [
        "# Our default run vs HistGradientBoosting vs neural-only search",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{psutil.cpu_count()} cores; both `automl run`s with `--time-budget {budget}` (the "
        "search; the whole pipeline's wall time is shown). Metrics on the eval split our "
        "Evaluator scores; accuracy and macro AUC higher, RMSE lower is better.",
        "",
        "| dataset | metric | ours, default (families) | ours, networks only | "
        "HistGradientBoosting (defaults) | macro AUC (default / nn / HGB) | "
        "wall s (default / nn / HGB) | default: families tried, served |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for name, r in results["datasets"].items():
        metric = HEADLINE[r["task"]]
        row = [r["default"], r["networks"], r["hgb"]]
        values = [f"{x['metrics'].get(metric, float('nan')):.4f}" for x in row]
        aucs = (
            "-"
            if r["task"] == "regression"
            else " / ".join(f"{x['metrics'].get('macro_auc', float('nan')):.3f}" for x in row)
        )
        walls = " / ".join(f"{x['wall_s']:.0f}" for x in row)
        tried = ", ".join(r["default"]["families_tried"]) + f"; {r['default']['served']}"
        lines.append(f"| {name} | {metric} | {' | '.join(values)} | {aucs} | {walls} | {tried} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-budget", default="90s", help="Each of our runs' search budget.")
    parser.add_argument("--dataset", action="append", choices=sorted(DATASETS))
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    results: dict[str, Any] = {"time_budget": args.time_budget, "datasets": {}}
    for name in args.dataset or list(DATASETS):
        data_args, label, task = DATASETS[name]
        data = data_args(WORK)
        given = [*data, "--label", label] if data else []
        default = ours(f"{name} default", WORK / name / "default", given, args.time_budget)
        networks = ours(
            f"{name} networks", WORK / name / "networks", given, args.time_budget,
            "--space", "macro",
        )  # fmt: skip
        hgb = baseline(WORK / name / "default", label, task)
        results["datasets"][name] = {
            "task": task, "default": default, "networks": networks, "hgb": hgb,
        }  # fmt: skip
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "vs_baselines.json").write_text(json.dumps(results, indent=1))
        (RESULTS / "vs_baselines.md").write_text(markdown(results, args.time_budget))
    print(markdown(results, args.time_budget))


if __name__ == "__main__":
    main()
