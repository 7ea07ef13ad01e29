"""Estimator benchmark: our (strategy, estimator) pairs against KerasTuner and Optuna.

Same search space (macro), same transformed data split, same model builder, same compute
budget in full-data epochs, several seeds, every method in one process one after the other on
one machine. Per run: the anytime curve (best full-fidelity validation loss against compute),
the compute spent, wall time, the selected point retrained from scratch for a full trial, and
what the Trainer serves a user: that retrain, or for an estimator that inherits weights the
better of it and the searched network itself (the Tuner keeps those networks for the Trainer,
which validates both takes and keeps the better; the retrain and the trial are validated on
the same split here, so the better value is the one the Trainer would serve).

Usage: python bench/estimators.py [--dataset D] [--seeds N] [--budget-trials N] [--epochs N]
                                  [--resume]
       python bench/estimators.py --report      (merge what the per-dataset runs kept)
`make bench-estimators` runs the datasets two at a time (one per core), then the report.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import components  # noqa: E402,F401  (Keras 2 before TensorFlow)
from bench import estimators_report, peers, search_datasets  # noqa: E402
from bench.search_strategies import load_splits  # noqa: E402

WORK = HERE / "work" / "estimators"
RESULTS = HERE / "results"
SPACE = "macro"
PEERS = {
    "KerasTuner random": lambda problem, seed, budget: peers.keras_tuner_run(
        "random", problem, seed, budget
    ),
    "KerasTuner Bayesian": lambda problem, seed, budget: peers.keras_tuner_run(
        "bayesian", problem, seed, budget
    ),
    "KerasTuner Hyperband": lambda problem, seed, budget: peers.keras_tuner_run(
        "hyperband", problem, seed, budget
    ),
    "Optuna TPE + Hyperband pruner": peers.optuna_tpe_hyperband_run,
}
# (strategy, estimator, estimator settings the defaults do not give)
OURS: tuple[tuple[str, str, dict[str, int]], ...] = (
    ("tpe", "full", {}),
    ("tpe", "hyperband", {}),
    ("tpe", "asha+curve", {}),
    ("tpe", "hyperband+inherit", {}),
    ("tpe", "full+inherit", {}),
    ("evolution", "hyperband+inherit", {}),
    # successive halving's own eta 9 over two rungs, nine points screened for each one trained
    # in full: a first full-fidelity result after 5 of the 24 epochs (eta 3, 3 levels: 7-9),
    # inside a third of the peers' compute to their finals
    ("tpe", "successive_halving+inherit", {}),
    # the same schedule with children derived from (and inheriting) their parents' networks
    ("evolution", "successive_halving+inherit", {}),
)


def method_name(strategy: str, estimator: str, estimation: dict[str, int]) -> str:
    """``ours tpe / hyperband`` or, with settings, ``ours tpe / hyperband (eta 9, levels 2)``:
    what a user sets (tuner.strategy, tuner.estimator, tuner.estimation) to get that method."""
    extra = ", ".join(f"{k} {v}" for k, v in estimation.items())
    return f"ours {strategy} / {estimator}" + (f" ({extra})" if extra else "")


def ours_run(
    strategy: str,
    estimator: str,
    estimation: dict[str, int],
    problem: peers.Problem,
    seed: int,
    budget: float,
) -> peers.Meter:
    from components.tuner.plan import SearchPlan
    from components.tuner.trials import TrialRunner
    from search.study import Study

    settings = {
        "strategy": strategy,
        "estimator": estimator,
        "space": SPACE,
        "max_total_epochs": budget,
        "epochs_per_trial": problem.epochs,
        "objectives": ["val_loss"],
        "seed": seed,
        "estimation": estimation,
    }
    plan = SearchPlan.from_settings(settings, problem.task, problem.inputs_info)
    chosen = plan.estimator()
    study = Study(plan.space, plan.strategy(), seed=seed, estimator=chosen)
    meter = peers.Meter(budget, searched_served=chosen.inherit)
    with tempfile.TemporaryDirectory() as weights:
        runner = TrialRunner(
            SPACE,
            problem.splits,
            problem.inputs_info,
            problem.task,
            plan.primary,
            curve_stopping=chosen.curve_stopping,
            weights_dir=weights if chosen.inherit else None,
            history=study.trials,
            final_rung=chosen.scheduler.top,
        )

        def on_trial_end(trial: Any) -> None:
            meter.spent += trial.cost.get("compute", 0.0)
            full = trial.rung == chosen.scheduler.top
            meter.trial_ended(trial.value if trial.scored else None, trial.params, full)

        study.optimize(runner, budget=plan.budget, on_trial_end=on_trial_end)
    return meter


def retrained(problem: peers.Problem, point: dict[str, Any] | None) -> float | None:
    """The selected point trained from scratch for a full trial, as the Trainer would."""
    if point is None:
        return None
    from modeling.model import fit

    result = fit.fit(
        point,
        SPACE,
        problem.splits,
        problem.inputs_info,
        problem.task,
        seed=0,
        epochs=problem.epochs,
    )
    import tf_keras

    tf_keras.backend.clear_session()
    return result.objective


def run_dataset(
    prepared: search_datasets.Prepared,
    args: argparse.Namespace,
    keep: Any = None,
    kept: dict | None = None,
) -> dict:
    """Every method on one dataset, peers and ours alternating, ``keep(raw)`` after each
    method's seeds, so a run cut short still holds whole, comparable methods. Methods whose
    seeds ``kept`` (an earlier run's raw results with the same budget) already holds are not
    run again, which lets a cut-short run be resumed."""
    from modeling.spaces import build_space

    splits, inputs_info = load_splits(prepared)
    problem = peers.Problem(
        splits,
        inputs_info,
        prepared.task,
        build_space(SPACE, inputs_info, args.epochs, {}),
        SPACE,
        args.epochs,
    )
    budget = float(args.budget_trials * args.epochs)
    ours = {
        method_name(*method): (
            lambda problem, seed, budget, m=method: ours_run(*m, problem, seed, budget)
        )
        for method in OURS
    }
    methods = dict(
        pair
        for pairs in itertools.zip_longest(PEERS.items(), ours.items())
        for pair in pairs
        if pair is not None
    )
    if args.only:
        methods = {k: v for k, v in methods.items() if any(o in k for o in args.only)}
    runs: dict[str, list[dict]] = {}
    if kept and (kept["budget"], kept["epochs"]) == (budget, args.epochs):
        runs.update(
            (name, seeds) for name, seeds in kept["runs"].items() if len(seeds) >= args.seeds
        )
    raw = {
        "task": prepared.task,
        "rows": splits.train_rows,
        "budget": budget,
        "epochs": args.epochs,
        "runs": runs,
    }
    for name, method in methods.items():
        if name in runs:
            print(f"{prepared.name} | {name}: kept from the earlier run", flush=True)
            continue
        runs[name] = []
        for seed in range(args.seeds):
            started = time.monotonic()
            meter = method(problem, seed, budget)
            wall = time.monotonic() - started
            again = retrained(problem, meter.best_point)
            runs[name].append(
                {
                    "curve": meter.curve,
                    "final": meter.best,
                    "spent": meter.spent,
                    "trials": meter.trials,
                    "wall_s": wall,
                    "retrained": again,
                    "served": meter.served(again),
                    "point": meter.best_point,
                }
            )
            print(
                f"{prepared.name} | {name} | seed {seed}: best {meter.best:.4g} after "
                f"{meter.spent:.1f} of {budget:g} epochs, {meter.trials} trials, {wall:.0f}s",
                flush=True,
            )
        if keep is not None:
            keep(raw)  # whole methods only: every method in a report has all its seeds
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=search_datasets.ESTIMATOR_NAMES, action="append")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=4, help="a full trial's epochs")
    parser.add_argument(
        "--budget-trials", type=int, default=8, help="budget, in full trials' compute"
    )
    parser.add_argument("--only", action="append", help="methods whose name contains this")
    parser.add_argument("--report", action="store_true", help="only merge the kept results")
    parser.add_argument(
        "--resume", action="store_true", help="keep the methods an earlier run finished"
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if not args.report:
        names = args.dataset or list(search_datasets.ESTIMATOR_NAMES)
        for prepared in search_datasets.prepare(WORK, names):
            path = WORK / f"{prepared.name}.json"
            kept = json.loads(path.read_text()) if args.resume and path.exists() else None
            started = time.monotonic() - (kept or {}).get("seconds", 0.0)

            def keep(raw: dict, path: Path = path, started: float = started) -> None:
                path.write_text(json.dumps({**raw, "seconds": time.monotonic() - started}))

            run_dataset(prepared, args, keep, kept)
    if args.report or not args.dataset:
        estimators_report.write(WORK, RESULTS)


if __name__ == "__main__":
    main()
