"""Search benchmark: every strategy on penguins, taxi and a generated interaction dataset.

Equal budget (trials) for every strategy, several seeds, all in one run on one machine: the
best validation loss after each trial and against wall time, as a table and a plot. Each
dataset's transformed examples are read once and shared by every study, as the Tuner does.
Also measured: each strategy's own time per proposal at 200 trials of a synthetic objective,
against the median trial time of this run (target: at most 2 %).

Usage: python bench/search_strategies.py [--trials N] [--seeds N] [--epochs N] [--dataset D]
(`make bench-search` runs the three datasets in parallel, one process each, then merges.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import components  # noqa: E402,F401  (Keras 2 before TensorFlow)
from bench import search_datasets, search_report  # noqa: E402

WORK = HERE / "work" / "search"
RESULTS = HERE / "results"
SPACE = "macro"


def artifacts(prepared: search_datasets.Prepared) -> dict:
    """The Tuner's input artifacts for a prepared dataset, as TFX would hand them over."""
    from tfx.types import standard_artifacts

    examples = standard_artifacts.Examples()
    examples.uri = str(prepared.transformed_examples)
    examples.split_names = '["train", "eval"]'
    graph = standard_artifacts.TransformGraph()
    graph.uri = str(prepared.transform_graph)
    return {"examples": [examples], "transform_graph": [graph]}


def load_splits(prepared: search_datasets.Prepared):
    import tensorflow_transform as tft
    from tfx.components.trainer import fn_args_utils
    from tfx.types import standard_component_specs

    from modeling.model import build, data

    fn_args = fn_args_utils.get_common_fn_args(
        artifacts(prepared),
        {
            standard_component_specs.TRAIN_ARGS_KEY: "{}",
            standard_component_specs.EVAL_ARGS_KEY: "{}",
        },
    )
    output = tft.TFTransformOutput(str(prepared.transform_graph))
    return data.Splits.load(fn_args, output, prepared.task), build.feature_set(output)


def run_study(prepared, splits, inputs_info, strategy, seed, trials, epochs):
    from components.tuner.plan import SearchPlan
    from components.tuner.trials import TrialRunner
    from search.study import Study

    settings = {
        "strategy": strategy,
        "space": SPACE,
        "max_trials": trials,
        "epochs_per_trial": epochs,
        "objectives": ["val_loss"],
        "seed": seed,
    }
    plan = SearchPlan.from_settings(settings, prepared.task, inputs_info)
    study = Study(plan.space, plan.strategy(), seed=seed)
    runner = TrialRunner(SPACE, splits, inputs_info, prepared.task, plan.primary)
    study.optimize(runner, budget=plan.budget)
    return {
        "values": [t.value for t in study.trials],
        "wall_s": [t.wall_time_s + t.proposal_s for t in study.trials],
        "proposal_s": [t.proposal_s for t in study.trials],
        "status": [t.status.value for t in study.trials],
    }


def strategy_overhead(trials: int = 200) -> dict[str, float]:
    """Seconds each strategy spends per proposal over ``trials`` trials of a cheap objective."""
    from search.strategies import STRATEGIES, create_strategy
    from search.study import Study
    from search.synthetic import PROBLEMS

    problem = PROBLEMS["architecture"]
    seconds = {}
    for name in sorted(STRATEGIES):
        study = Study(problem.space, create_strategy(name, problem.space, 0, trials), seed=0)
        study.optimize(lambda t: problem.objective(t.params), n_trials=trials)
        seconds[name] = statistics.mean(t.proposal_s for t in study.trials)
    return seconds


def run_dataset(prepared: search_datasets.Prepared, args: argparse.Namespace) -> dict:
    from search.strategies import STRATEGIES

    splits, inputs_info = load_splits(prepared)
    runs = {}
    for strategy in sorted(STRATEGIES):
        runs[strategy] = [
            run_study(prepared, splits, inputs_info, strategy, seed, args.trials, args.epochs)
            for seed in range(args.seeds)
        ]
        best = [min(v for v in r["values"] if v is not None) for r in runs[strategy]]
        print(f"{prepared.name} {strategy}: best val_loss {best}", flush=True)
    return {"task": prepared.task, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3, help="most epochs per trial")
    parser.add_argument(
        "--dataset",
        choices=search_datasets.NAMES,
        help="run one dataset only and keep its raw results (run one per core, then --report)",
    )
    parser.add_argument("--report", action="store_true", help="only merge the kept results")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if not args.report:
        started = time.monotonic()
        names = [args.dataset] if args.dataset else list(search_datasets.NAMES)
        for prepared in search_datasets.prepare(WORK, names):
            raw = run_dataset(prepared, args)
            raw |= {
                "settings": vars(args) | {"space": SPACE},
                "seconds": time.monotonic() - started,
            }
            (WORK / f"{prepared.name}.json").write_text(json.dumps(raw))
    if args.report or not args.dataset:  # a one-dataset run leaves merging to --report
        report()


def report() -> None:
    """Merges the kept per-dataset results, measures strategy overhead, writes table and plot."""
    kept = {
        name: json.loads((WORK / f"{name}.json").read_text())
        for name in search_datasets.NAMES
        if (WORK / f"{name}.json").exists()
    }
    if not kept:
        raise SystemExit("no results kept yet: run the benchmark first")
    settings = next(iter(kept.values()))["settings"]
    results: dict = {
        "datasets": {name: {"task": r["task"], "runs": r["runs"]} for name, r in kept.items()},
        "settings": {k: v for k, v in settings.items() if k not in ("dataset", "report")},
    }
    trial_times = [
        s
        for dataset in results["datasets"].values()
        for runs in dataset["runs"].values()
        for run in runs
        for s in run["wall_s"]
    ]
    results["median_trial_s"] = statistics.median(trial_times)
    results["overhead_s"] = strategy_overhead()
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}"
    results["total_s"] = max(r["seconds"] for r in kept.values())  # datasets run in parallel
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search_strategies.json").write_text(json.dumps(results, indent=1))
    search_report.write(results, RESULTS)
    print((RESULTS / "search_strategies.md").read_text())


if __name__ == "__main__":
    main()
