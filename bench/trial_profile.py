"""Profile of one Tuner trial, end to end, against the same model trained in a bare loop.

A trial runs here exactly as the Tuner runs it: a process started by the fork server that
preloaded our code (components.tuner.workers), which opens the study store, rebuilds the job,
reads the data, builds and fits the model, measures it, snapshots it and records the result.
Each step is timed by wrapping the product's own functions inside that trial process (the
product has no timing hooks); a step's time excludes the steps nested in it, and "other" is
what no wrapped step covers. The same model is then trained in a bare loop on the same rows
held in memory, the way a user of the library alone would: Keras ``fit`` on arrays for a
network, ``ydf`` ``train`` for a forest. The targets (issue 21): a trial's wall time at most
1.25x the bare loop's for trials with at least 1 s of training, and a median fixed overhead
(wall time minus the bare loop's) of at most 0.3 s.

Usage: python bench/trial_profile.py [--dataset NAME ...] [--epochs N] [--repeats N]
Results: bench/results/trial_profile.{json,md}
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import components  # noqa: E402,F401  (Keras 2 before TensorFlow)

from bench import search_datasets  # noqa: E402
from bench.search_strategies import artifacts  # noqa: E402
from bench.vs_automl import head_commit  # noqa: E402

DATA = HERE / "work" / "estimators"  # prepared datasets, shared with bench/estimators.py
RESULTS = HERE / "results"

# (module, attribute, step): the product's functions a trial calls, by what they do. A class
# method is named "Class.method". Names a version of the code lacks are skipped.
STEPS = [
    ("search.store", "StudyStore.__init__", "store: open"),
    ("search.store", "StudyStore.settings", "store: read"),
    ("search.store", "StudyStore.trials", "store: read"),
    ("search.store", "StudyStore.finish", "store: write"),
    ("components.tuner.job", "TunerJob.from_json", "job"),
    ("components.tuner.job", "TunerJob.runner", "data: load"),
    ("modeling.model.data", "Splits.load", "data: load"),
    ("modeling.model.data", "cached", "data: load"),
    ("modeling.model.data", "Splits.train_rows", "data: load"),
    ("modeling.model.data", "Splits.training", "data: load"),
    ("modeling.model.data", "predictions", "measure: scores"),
    ("modeling.model.build", "build_model", "model: build"),
    ("tf_keras", "Model.fit", "model: fit"),
    ("modeling.model.forest", "fit", "model: fit"),
    ("modeling.model.forest", "_metrics", "measure: scores"),
    ("modeling.model.forest", "Forest.model_size", "measure: size"),
    ("modeling.model.measure", "size", "measure: size"),
    ("modeling.model.measure", "rows_for_latency", "measure: latency"),
    ("modeling.model.measure", "latency_ms", "measure: latency"),
    ("modeling.model.morph", "Snapshot.of", "snapshot"),
    ("modeling.model.morph", "Snapshot.save", "snapshot"),
]


class Steps:
    """Exclusive time per step: a step's time minus the time of the steps called inside it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []  # [started, nested seconds]

    def wrap(self, function: Any, step: str) -> Any:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append([time.perf_counter(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                started, nested = self._stack.pop()
                spent = time.perf_counter() - started
                self.seconds[step] += spent - nested
                if self._stack:
                    self._stack[-1][1] += spent

        return timed

    def install(self) -> None:
        import importlib

        for module_name, attribute, step in STEPS:
            owner: Any = importlib.import_module(module_name)
            *path, name = attribute.split(".")
            for part in path:
                owner = getattr(owner, part, None)
            original = getattr(owner, name, None) if owner is not None else None
            if original is None:
                continue
            if isinstance(original, property):
                setattr(owner, name, property(self.wrap(original.fget, step)))
            elif isinstance(owner.__dict__.get(name), classmethod):
                setattr(owner, name, classmethod(self.wrap(original.__func__, step)))
            else:
                setattr(owner, name, self.wrap(original, step))


def profiled_trial(entered: Any, result_path: str, *args: Any) -> None:
    """The trial process's body: run_tuner_trial with its steps timed."""
    entered.value = time.time()
    started = time.perf_counter()
    from components.tuner import workers

    steps = Steps()
    steps.install()
    workers.run_tuner_trial(*args)
    total = time.perf_counter() - started
    Path(result_path).write_text(json.dumps({"steps": steps.seconds, "in_process_s": total}))


def run_one(prepared: Any, point: dict[str, Any], epochs: int, context: Any) -> dict[str, Any]:
    """One trial of ``point`` at full fidelity, started and timed as the Workers do."""
    import psutil

    from components.tuner.job import TunerJob
    from pipeline.definition.config import TunerConfig
    from search.fidelity import Fidelity
    from search.store import StudyStore, worker_name
    from search.trial import Trial

    # The default objectives, so the trial measures what a default search's final rung does.
    settings = TunerConfig(estimator="full", epochs_per_trial=epochs, max_trials=1).model_dump(
        mode="json"
    )
    job = TunerJob(artifacts(prepared), settings, prepared.task)
    with tempfile.TemporaryDirectory() as folder:
        store = StudyStore(f"sqlite:///{folder}/study.sqlite")
        stored = store.open(job.study_key, job.searched, job.to_json(), problem=job.problem)
        worker = worker_name()
        claim = store.claim(
            stored.id,
            worker,
            lambda history: Trial(len(history), dict(point), fidelity=Fidelity(epochs)),
        )
        assert claim.trial is not None
        me = psutil.Process()
        entered = context.Value("d", 0.0)
        result_path = f"{folder}/steps.json"
        started_at, started = time.time(), time.perf_counter()
        process = context.Process(
            target=profiled_trial,
            args=(
                entered, result_path, store.url, stored.id, claim.trial.number, worker,
                (me.pid, me.create_time()),
            ),
        )  # fmt: skip
        process.start()
        process.join()
        wall = time.perf_counter() - started
        if process.exitcode != 0:
            raise RuntimeError(f"the trial process exited with {process.exitcode}")
        measured = json.loads(Path(result_path).read_text())
        (trial,) = store.trials(stored.id)
    if trial.error:
        raise RuntimeError(f"the trial failed: {trial.error}")
    steps = dict(measured["steps"])
    steps["process start"] = entered.value - started_at
    steps["process exit"] = wall - steps["process start"] - measured["in_process_s"]
    steps["other"] = wall - sum(steps.values())
    return {"wall_s": wall, "steps": steps, "value": trial.value}


def decode_once(prepared: Any) -> float:
    """Seconds to decode the splits into the cache of columns (a fresh cache folder), as the
    Tuner does once per search before its first trial; absent in code that decodes per trial."""
    import os

    from modeling.model import row_cache
    from components.tuner.job import TunerJob

    os.environ[row_cache.CACHE_ENV] = tempfile.mkdtemp(prefix="automl-rows-")
    job = TunerJob(artifacts(prepared), {}, prepared.task)
    started = time.perf_counter()
    if hasattr(job, "decode_data"):
        job.decode_data()
    return time.perf_counter() - started


def arrays(prepared: Any) -> tuple[Any, Any]:
    """The transformed splits in memory (not timed) and their feature set."""
    from bench.search_strategies import load_splits

    return load_splits(prepared)


def bare_network(point: dict[str, Any], epochs: int, loaded: Any, task: str) -> float:
    """Seconds for Keras ``fit`` on the trial's training rows held in memory (a small table's
    epoch is several passes, modeling.model.data), with the point's learning-rate schedule,
    validating every epoch as a plain KerasTuner loop does; the model built by our own builder
    (the same network), outside the timing."""
    from modeling.model import build, fit
    from modeling.spaces import FAMILIES_SPACE

    splits, inputs_info = loaded
    train, weights = splits.training(1.0, passes=splits.epoch_passes)
    model = build.build_model(
        point, FAMILIES_SPACE, inputs_info, task, splits.n_classes, splits.label_mean,
        splits.label_std,
    )  # fmt: skip
    schedule = build.schedule_callback(point)
    batch_size = int(point["batch_size"])
    started = time.perf_counter()
    model.fit(
        train.features, train.labels, sample_weight=weights, batch_size=batch_size,
        epochs=epochs, validation_data=(splits.eval.features, splits.eval.labels),
        validation_batch_size=max(batch_size, fit.VALIDATION_BATCH), shuffle=True, verbose=0,
        callbacks=[schedule] if schedule is not None else [],
    )  # fmt: skip
    return time.perf_counter() - started


def bare_forest(point: dict[str, Any], loaded: Any, task: str) -> float:
    """Seconds for ``ydf`` ``train`` of the trial's learner (the same hyperparameters, split
    kind and seed: modeling.model.forest.learner) on the same rows, then ``predict`` on the
    eval rows (what a network's bare loop does when it validates, and what any search needs
    to rank the model)."""
    import numpy as np

    from modeling.model import forest

    splits, inputs_info = loaded
    train, weights = splits.training(1.0)
    # The profiled trials' seed (0): boosting's early stopping depends on it.
    grower = forest.learner(point, 1.0, task, inputs_info, 0, weights is not None)
    columns = forest.training_columns(train, inputs_info, weights)
    evaluation = {
        name: np.asarray(values).reshape(-1) for name, values in splits.eval.features.items()
    }
    started = time.perf_counter()
    model = grower.train(columns, verbose=0)
    model.predict(evaluation)
    return time.perf_counter() - started


def profile(
    name: str, epochs: int, repeats: int, work: Path = DATA, families: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    from modeling.spaces import FAMILIES_SPACE, build_space, trees
    from components.tuner.workers import PRELOAD

    (prepared,) = search_datasets.prepare(work, [name])
    decode_s = decode_once(prepared)  # before the fork server starts: it keeps its env
    print(f"{name}: decoded once in {decode_s:.2f}s", flush=True)
    loaded = arrays(prepared)
    space = build_space(FAMILIES_SPACE, loaded[1], epochs)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    warm_up = context.Process(target=time.sleep, args=(0,))  # starts the fork server: once
    warm_up.start()  # per search, not per trial
    warm_up.join()
    rows = []
    warmed = False
    for point in space.branch_midpoints(trees.FAMILY):
        family = str(point[trees.FAMILY])
        if families and family not in families:
            continue
        if family == trees.NETWORK and not warmed:  # a process's first fit pays one-time
            bare_network(point, 1, loaded, prepared.task)  # costs (10 s
            warmed = True  # here) that a search in one process pays once, not per trial
        # Trial and bare loop in turn, so that the machine's drift (the same training here
        # has taken 3.7 s and 5.1 s in two runs a minute apart) falls on both alike.
        runs, bare = [], []
        for _ in range(repeats):
            runs.append(run_one(prepared, point, epochs, context))
            bare.append(
                bare_network(point, epochs, loaded, prepared.task)
                if family == trees.NETWORK
                else bare_forest(point, loaded, prepared.task)
            )
        wall, bare_s = statistics.median(r["wall_s"] for r in runs), statistics.median(bare)
        step_names = {s for r in runs for s in r["steps"]}
        row = {
            "dataset": name,
            "decode_once_s": decode_s,
            "family": family,
            "train_rows": len(loaded[0].train),
            "epochs": epochs,
            "wall_s": wall,
            "bare_s": bare_s,
            "ratio": wall / bare_s,
            "overhead_s": wall - bare_s,
            "steps": {
                s: statistics.median(r["steps"].get(s, 0.0) for r in runs) for s in step_names
            },
        }
        rows.append(row)
        print(
            f"{name} {family}: trial {wall:.2f}s, bare loop {bare_s:.2f}s "
            f"({row['ratio']:.2f}x, overhead {row['overhead_s']:.2f}s)",
            flush=True,
        )
    return rows


def report(rows: list[dict[str, Any]], epochs: int, repeats: int) -> str:
    import platform

    import tensorflow as tf
    import ydf

    steps = sorted({s for r in rows for s in r["steps"]})
    lines = [
        f"# One trial, step by step ({datetime.date.today()})",
        "",
        f"Each trial a middle-of-the-ranges point of its family (the families space's opener), "
        f"{epochs} epochs at full fidelity, median of {repeats} run(s), trial and bare loop in "
        f"turn; TF {tf.__version__}, "
        f"ydf {ydf.__version__}, Python {platform.python_version()}, 2 cores. Bare loop, in one "
        "warm process, on the trial's rows: Keras `fit` on arrays in memory (a small table's "
        "epoch is several passes, as in the trial) with the point's learning-rate schedule, "
        "validating every epoch (network); `ydf` `train` of the trial's learner (the same "
        "hyperparameters, split kind and seed) then `predict` on eval (forest). "
        "Targets: ratio <= 1.25 where the bare loop takes >= 1 s; median overhead <= 0.3 s. "
        "Code at commit " + ", ".join(sorted({r.get("commit", "unknown") for r in rows})) + ".",
        "",
        "| dataset | family | train rows | trial s | bare loop s | ratio | overhead s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['family']} | {r['train_rows']} | {r['wall_s']:.2f} | "
            f"{r['bare_s']:.2f} | {r['ratio']:.2f} | {r['overhead_s']:.2f} |"
        )
    overheads = [r["overhead_s"] for r in rows]
    lines += [
        "",
        f"Median overhead: {statistics.median(overheads):.2f} s.",
        "",
        "Where a trial's seconds go (exclusive of nested steps):",
        "",
        "| dataset | family | " + " | ".join(steps) + " |",
        "|---|---|" + "---|" * len(steps),
    ]
    for r in rows:
        cells = " | ".join(f"{r['steps'].get(s, 0.0):.2f}" for s in steps)
        lines.append(f"| {r['dataset']} | {r['family']} | {cells} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", nargs="+", default=["digits", "interactions_100k"])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--name", default="trial_profile", help="results file name")
    parser.add_argument("--work", type=Path, default=DATA, help="where datasets are prepared")
    parser.add_argument("--family", nargs="*", default=[], help="only these families")
    parser.add_argument(
        "--update", action="store_true", help="replace these rows in the kept results"
    )
    args = parser.parse_args()
    commit = head_commit()  # the code the trials ran, named in the report
    rows = [
        {**r, "commit": commit}
        for name in args.dataset
        for r in profile(name, args.epochs, args.repeats, args.work, tuple(args.family))
    ]
    kept = RESULTS / f"{args.name}.json"
    if args.update and kept.exists():
        fresh = {(r["dataset"], r["family"]) for r in rows}
        older = json.loads(kept.read_text())["rows"]
        rows = [r for r in older if (r["dataset"], r["family"]) not in fresh] + rows
        order = {(r["dataset"], r["family"]): i for i, r in enumerate(older)}
        rows.sort(key=lambda r: order.get((r["dataset"], r["family"]), len(order)))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(
        json.dumps(
            {"date": str(datetime.date.today()), "epochs": args.epochs, "rows": rows}, indent=1
        )
    )
    text = report(rows, args.epochs, args.repeats)
    (RESULTS / f"{args.name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
