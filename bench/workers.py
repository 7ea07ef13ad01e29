"""Workers benchmark: throughput with 1 vs 2 trial workers, memory over a long search
(ours, a process per trial, vs KerasTuner in one process), warm vs cold retrain.

Everything runs the Tuner's own code (TunerJob, StudyStore, Workers) on data the real pipeline
transformed (bench/search_datasets.py), one part after the other in this one run, so the ratios
compare like with like on this machine. Nothing else should run meanwhile: the 1-vs-2 ratio is
about the cores.

Usage: python bench/workers.py [--part throughput|memory|warm ...] [--trials N]
Results: bench/results/workers.{json,md}
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import components  # noqa: E402,F401  (Keras 2 before TensorFlow)
import psutil  # noqa: E402

from bench import search_datasets  # noqa: E402
from bench.search_strategies import artifacts  # noqa: E402

DATA = HERE / "work" / "estimators"  # prepared datasets, shared with bench/estimators.py
SAMPLES = HERE / "work" / "search"  # the taxi sample, shared with bench/search_strategies.py
RESULTS = HERE / "results"


class PeakRss:
    """Samples the resident memory of this process and all its children (the supervisor, the
    fork server and the trial processes) every 50 ms; ``mark()`` returns the peak since the
    last mark, so each trial gets the peak of its own stretch."""

    def __init__(self) -> None:
        self._peak = 0
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self._peak = max(self._peak, total)
            time.sleep(0.05)

    def mark(self) -> int:
        peak, self._peak = self._peak, 0
        return peak

    def stop(self) -> None:
        self._stop.set()


def search(
    prepared: search_datasets.Prepared,
    store_url: str,
    trials: int,
    parallel: int = 1,
    warm: bool = False,
    on_trial_end: Any = None,
    strategy: str = "tpe",
) -> tuple[list[Any], float]:
    """One Tuner search as the executor runs it; its trials and wall seconds."""
    from components.tuner.job import TunerJob
    from components.tuner.workers import Workers
    from pipeline.definition.config import TunerConfig
    from search.store import StudyStore
    from search.warm_start import prior_trials

    settings = TunerConfig(
        strategy=strategy,
        estimator="full",
        epochs_per_trial=3,
        objectives=("val_loss",),
        max_trials=trials,
        parallel_trials=parallel,
        seed=0,
    ).model_dump(mode="json")
    job = TunerJob(artifacts(prepared), settings, prepared.task)
    store = StudyStore(store_url)
    plan = job.plan
    earlier = store.latest_finished(job.study_key, plan.space_name, job.problem) if warm else None
    searched = {**job.searched, "warm_start_from": earlier}
    stored = store.open(job.study_key, searched, job.to_json(), problem=job.problem)
    prior = prior_trials(store.trials(earlier), plan.space, 0) if earlier else []
    study = job.study(prior)
    started = time.monotonic()
    Workers(
        store,
        stored.id,
        functools.partial(study.propose_next, budget=job.plan.budget),
        parallel=parallel,
        on_trial_end=on_trial_end,
    ).run()
    wall = time.monotonic() - started
    store.close(stored.id)
    return store.trials(stored.id), wall


def throughput(trials: int) -> dict[str, Any]:
    """Random search draws trial n's point from a seed of n alone, so 1 and 2 workers train
    the same points: TPE's proposals depend on which results are in when it proposes, which
    differs with 2 workers, and so would the models timed."""
    (prepared,) = search_datasets.prepare(DATA, ["digits"])
    run = functools.partial(search, prepared, strategy="random")
    with tempfile.TemporaryDirectory() as folder:  # not timed: starts the fork server
        run(f"sqlite:///{folder}/s.sqlite", 2, 2)
    rows = {}
    for parallel in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            done, wall = run(f"sqlite:///{folder}/s.sqlite", trials, parallel)
        rows[parallel] = {
            "trials": len(done),
            "wall_s": wall,
            "per_hour": 3600 * len(done) / wall,
            "trial_s": sum(t.wall_time_s for t in done) / len(done),
            "points": sorted(json.dumps(t.params, sort_keys=True) for t in done),
        }
        print(f"throughput: {parallel} worker(s): {len(done)} trials in {wall:.0f}s", flush=True)
    if rows[1].pop("points") != rows[2].pop("points"):
        raise RuntimeError("1 and 2 workers trained different points: not comparable")
    return {"dataset": "digits", "runs": rows, "ratio": rows[2]["per_hour"] / rows[1]["per_hour"]}


def memory(trials: int) -> dict[str, Any]:
    from bench import peers
    from bench.search_strategies import load_splits
    from modeling.spaces import build_space

    (prepared,) = search_datasets.prepare(DATA, ["penguins"])
    windows: dict[str, list[int]] = {"ours": [], "KerasTuner": []}
    sampler = PeakRss()
    sampler.mark()
    with tempfile.TemporaryDirectory() as folder:
        search(
            prepared,
            f"sqlite:///{folder}/s.sqlite",
            trials,
            on_trial_end=lambda _: windows["ours"].append(sampler.mark()),
        )

    class Watched(peers.Meter):
        def trial_ended(self, *args: Any) -> None:
            super().trial_ended(*args)
            windows["KerasTuner"].append(sampler.mark())

    splits, inputs_info = load_splits(prepared)
    problem = peers.Problem(
        splits, inputs_info, prepared.task, build_space("macro", inputs_info, 3, {}), "macro", 3
    )
    peers.Meter = Watched  # type: ignore[misc]  (keras_tuner_run builds its meter by this name)
    sampler.mark()
    peers.keras_tuner_run("random", problem, seed=0, budget=3.0 * trials)
    sampler.stop()
    result: dict[str, Any] = {"dataset": "penguins", "trials": trials}
    for name, peaks in windows.items():
        early, late = max(peaks[:5]), max(peaks[-5:])
        result[name] = {
            "after_5_mb": early / 2**20,
            "after_last_mb": late / 2**20,
            "trials": len(peaks),
            "growth": late / early,
        }
        print(
            f"memory: {name}: {early / 2**20:.0f} MB by trial 5, {late / 2**20:.0f} MB by "
            f"trial {len(peaks)}",
            flush=True,
        )
    return result


def warm_start(trials: int) -> dict[str, Any]:
    """A retrain on the full taxi CSV after a search on a sample of it: cold, then warm."""
    (older,) = search_datasets.prepare(SAMPLES, ["taxi"])
    (newer,) = search_datasets.prepare(DATA, ["taxi_full"])
    with tempfile.TemporaryDirectory() as folder:
        cold, cold_wall = search(newer, f"sqlite:///{folder}/cold.sqlite", trials)
        url = f"sqlite:///{folder}/warm.sqlite"
        search(older, url, trials)
        warm, warm_wall = search(newer, url, trials, warm=True)
    target = min(t.value for t in cold if t.scored)

    def reach(done: list[Any], wall: float) -> dict[str, Any]:
        hits = [t for t in done if t.scored and t.value <= target]
        first = hits[0] if hits else None
        seconds = sum(t.wall_time_s for t in done[: first.number + 1]) if first else None
        return {
            "best": min(t.value for t in done if t.scored),
            "trials_to_target": first.number + 1 if first else None,
            "train_s_to_target": seconds,
            "wall_s": wall,
        }

    result = {
        "dataset": "taxi sample -> taxi_full",
        "target": target,
        "cold": reach(cold, cold_wall),
        "warm": reach(warm, warm_wall),
    }
    print(f"warm start: {json.dumps(result)}", flush=True)
    return result


def _or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _table(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        title,
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]


def markdown(results: dict[str, Any]) -> str:
    lines = ["# Workers benchmark", ""]
    if t := results.get("throughput"):
        one, two = t["runs"]["1"], t["runs"]["2"]
        lines += [
            (
                f"**Throughput** ({t['dataset']}, random search: the same {one['trials']} "
                f"points both times, full trials of 3 epochs): 1 worker "
                f"{one['per_hour']:.0f} trials/hour ({one['trial_s']:.1f} s a trial), 2 workers "
                f"{two['per_hour']:.0f} trials/hour ({two['trial_s']:.1f} s a trial, two at a "
                f"time): **{t['ratio']:.2f}x** (target >= 1.8x on 2 cores)."
            ),
            "",
        ]
    if m := results.get("memory"):
        lines += _table(
            "**Memory** (peak RSS of the whole tuning run, supervisor and trial processes; "
            f"{m['dataset']}, {m['trials']} trials):",
            ["", "by trial 5", "by the last trial", "growth"],
            [
                [name, f"{m[name]['after_5_mb']:.0f} MB",
                 f"{m[name]['after_last_mb']:.0f} MB (trial {m[name]['trials']})",
                 f"{m[name]['growth']:.2f}x"]
                for name in ("ours", "KerasTuner")
            ],
        )  # fmt: skip
    if w := results.get("warm"):
        lines += _table(
            f"**Warm start** ({w['dataset']}; target = the cold search's best, "
            f"{w['target']:.4g}):",
            ["", "best", "trials to target", "training s to target", "wall s"],
            [
                [name, f"{w[name]['best']:.4g}", _or_dash(w[name]["trials_to_target"]),
                 _or_dash(w[name]["train_s_to_target"]), f"{w[name]['wall_s']:.0f}"]
                for name in ("cold", "warm")
            ],
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", choices=["throughput", "memory", "warm"])
    parser.add_argument("--trials", type=int, help="trials per search (default per part)")
    args = parser.parse_args()
    path = RESULTS / "workers.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    parts = {"throughput": (throughput, 24), "memory": (memory, 50), "warm": (warm_start, 12)}
    for name in args.part or list(parts):
        run, default_trials = parts[name]
        results[name] = json.loads(json.dumps(run(args.trials or default_trials)))
        path.write_text(json.dumps(results, indent=1))
        (RESULTS / "workers.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
