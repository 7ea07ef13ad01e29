"""bench-scale (issue 24): the pipeline on a generated table of 1M and 10M rows, one machine.

Side by side in one run, on the same file: the pipeline's ingestion (ExampleGen, StatisticsGen
and Transform, timed from the run's own MLMD executions) against the bare TFDV +
tf.Transform job of bench/scale_bare.py on the runner the pipeline picks for the size; and
``automl run --time-budget`` end to end at each size, with its wall time, whether it was
blessed, and peak RSS of the whole process tree (sampled every 0.2 s), overall and while
each component ran.

Targets: ingestion at most 1.5x the bare job; peak RSS at most 4 GiB at 1M and 10M rows
(memory must not grow with the rows); the 10M-row run within its budget + 10 % and blessed.

With ``--runners``, instead: the bare job on Beam's in-memory DirectRunner against its
multi-processing mode with one worker per core, at each size, to find where the pool starts
to pay (what the pipeline's default runner follows: pipeline/runners/local_run.py).

Usage: python bench/scale.py [--rows 1000000 10000000] [--budget 900] [--runners] [--report]
Results: bench/results/scale.{json,md} (--runners: beam_runners.{json,md}); data and runs
under bench/work/scale/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bench import scale_data  # noqa: E402

WORK = HERE / "work" / "scale"
RESULTS = HERE / "results" / "scale.json"
RUNNER_RESULTS = HERE / "results" / "beam_runners.json"
AUTOML = HERE.parent / ".venv" / "bin" / "automl"
INGESTION = ("CsvExampleGen", "StatisticsGen", "Transform")
# What ran the measured work, named in each report (the lock pins them).
VERSIONED = ("tfx", "tensorflow-data-validation", "tensorflow-transform", "apache-beam")
GIB = 2**30


def sampled(command: list[str], log: Path) -> tuple[float, int, list[tuple[float, int]]]:
    """Runs ``command``; its wall seconds, exit code, and (time, tree RSS bytes) samples."""
    samples: list[tuple[float, int]] = []
    started = time.monotonic()
    with log.open("w") as out:
        process = psutil.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        while process.poll() is None:
            try:
                tree = [process, *process.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree if p.is_running())
                samples.append((time.time(), rss))
            except psutil.Error:
                pass
            time.sleep(0.2)
    return time.monotonic() - started, process.returncode, samples


def component_windows(output: Path) -> dict[str, tuple[float, float]]:
    """Each component's (start, end) in epoch seconds, from the newest run's executions."""
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(output / "metadata.sqlite")
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    store = metadata_store.MetadataStore(config)
    runs = store.get_contexts_by_type("pipeline_run")
    if not runs:
        return {}
    run = max(runs, key=lambda c: c.create_time_since_epoch)
    windows = {}
    for execution in store.get_executions_by_context(run.id):
        node = next(
            (c.name.split(".", 1)[-1] for c in store.get_contexts_by_execution(execution.id)
             if c.type == "node"), str(execution.id),
        )  # fmt: skip
        windows[node] = (
            execution.create_time_since_epoch / 1000, execution.last_update_time_since_epoch / 1000
        )
    return windows


def _peak(rss: list[int]) -> float | None:
    return round(max(rss) / GIB, 2) if rss else None


def automl_run(data: Path, rows: int, budget: int) -> dict[str, Any]:
    output = WORK / f"run-{rows}"
    shutil.rmtree(output, ignore_errors=True)  # a fresh run: no warm start from an earlier one
    command = [str(AUTOML), "run", "--data", str(data), "--label", "y", "--output", str(output),
               "--time-budget", f"{budget}s", "--rerun"]  # fmt: skip
    wall, code, samples = sampled(command, WORK / f"run-{rows}.log")
    windows = component_windows(output) if code == 0 else {}
    per_component = {  # in the order they ran; a component too short to be sampled has None
        name: {
            "seconds": round(end - start, 1),
            "peak_rss_gib": _peak([r for t, r in samples if start <= t <= end]),
        }
        for name, (start, end) in sorted(windows.items(), key=lambda item: item[1])
    }
    log = (WORK / f"run-{rows}.log").read_text()
    return {
        "wall_s": round(wall, 1),
        "exit": code,
        "blessed": "Blessed" in log,
        "peak_rss_gib": round(max((r for _, r in samples), default=0) / GIB, 2),
        "components": per_component,
        "ingestion_s": round(sum(per_component.get(c, {}).get("seconds", 0)
                                 for c in INGESTION), 1),  # fmt: skip
    }


def bare_run(data: Path, rows: int, *beam_args: str, name: str = "bare") -> dict[str, Any]:
    out = WORK / f"{name}-{rows}"
    shutil.rmtree(out, ignore_errors=True)  # tf.Transform will not publish over an old output
    command = [sys.executable, str(HERE / "scale_bare.py"), str(data), "y", "classification",
               str(out), *beam_args]  # fmt: skip
    wall, code, samples = sampled(command, WORK / f"{name}-{rows}.log")
    lines = (WORK / f"{name}-{rows}.log").read_text().strip().splitlines()
    timed = json.loads(lines[-1]) if code == 0 else {}
    return {
        "wall_s": round(wall, 1),
        "exit": code,
        "seconds": round(timed.get("statistics_s", 0) + timed.get("transform_s", 0), 1),
        **{k: round(v, 1) for k, v in timed.items()},
        "peak_rss_gib": round(max((r for _, r in samples), default=0) / GIB, 2),
    }


def head_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent,
                          capture_output=True, text=True)  # fmt: skip
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "pipeline", "components", "modeling", "search"],
        cwd=HERE.parent, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return done.stdout.strip() + ("+changes" if dirty else "")


def measured(results: list[dict[str, Any]]) -> str:
    """When and on what the results were measured."""
    return (
        f"Measured {', '.join(sorted({r['ran_on'] for r in results}))} on "
        f"{platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / GIB:.0f} GiB; "
        + ", ".join(f"{name} {version(name)}" for name in VERSIONED)
    )


def ratio(numerator: float, denominator: float | None) -> float:
    return numerator / denominator if denominator else float("nan")


def table(title: str, about: str, columns: list[str], rows: list[list[Any]]) -> list[str]:
    """A results page's head and table: a column named with a leading ">" is right-aligned."""
    return [
        f"# {title}", "", about, "",
        "| " + " | ".join(c.lstrip(">") for c in columns) + " |",
        "|" + "|".join("---:" if c.startswith(">") else "---" for c in columns) + "|",
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
    ]  # fmt: skip


def report(results: list[dict[str, Any]]) -> str:
    about = (
        f"{measured(results)}; `automl run --time-budget T` at its defaults otherwise; the "
        "bare job (bench/scale_bare.py: TFDV generate_statistics_from_csv + tf.Transform with "
        "the pipeline's preprocessing_fn) on the Beam runner the pipeline picks for the size "
        "(in memory below pipeline/runners/local_run.py's POOL_FROM_ROWS, a pool of one "
        "process per core from it)."
    )
    columns = [">rows", ">CSV GiB", "code", ">ingestion s (ours)", ">bare TFDV + tft s",
               ">ratio (<= 1.5)", "run wall s / budget", "blessed", ">peak RSS GiB (<= 4)",
               ">bare peak RSS GiB"]  # fmt: skip
    rows = [
        [f"{r['rows']:,}", f"{r['csv_gib']:.2f}", r["code"], r["automl"]["ingestion_s"],
         r["bare"].get("seconds"),
         f"{ratio(r['automl']['ingestion_s'], r['bare'].get('seconds')):.2f}",
         f"{r['automl']['wall_s']} / {r['budget_s']}", "yes" if r["automl"]["blessed"] else "no",
         r["automl"]["peak_rss_gib"], r["bare"]["peak_rss_gib"]]
        for r in results
    ]  # fmt: skip
    lines = table("bench-scale", about, columns, rows)
    lines += ["", "Per component (seconds, peak RSS GiB of the process tree while it ran):", ""]
    for r in results:
        parts = [f"{n} {c['seconds']} s / {c['peak_rss_gib'] or '-'}"
                 for n, c in r["automl"]["components"].items()]  # fmt: skip
        lines.append(f"- {r['rows']:,} rows: " + "; ".join(parts))
    return "\n".join(lines) + "\n"


def pipeline_runner(rows: int) -> list[str]:
    """The Beam options the pipeline picks for a table of ``rows`` rows on this machine, so
    the bare job runs on the same runner."""
    from pipeline.runners.local_run import runner_for

    return runner_for(rows)


def multi_processing_args() -> list[str]:
    """The pool the pipeline runs large tables on (imports TFX: a second or more)."""
    from pipeline.runners.local_run import pool_args

    return pool_args()


def runners(rows: int) -> dict[str, Any]:
    """The bare job at ``rows`` rows in memory, then on a pool of one process per core."""
    data = WORK / f"rows-{rows}.csv"
    if not data.exists():
        scale_data.write(rows, data)
    return {
        "rows": rows, "code": head_commit(), "ran_on": datetime.date.today().isoformat(),
        "csv_gib": round(data.stat().st_size / GIB, 3),
        "in_memory": bare_run(data, rows, name="bare-in-memory"),
        "multi_processing": bare_run(data, rows, *multi_processing_args(), name="bare-pool"),
    }  # fmt: skip


def runners_report(results: list[dict[str, Any]]) -> str:
    about = (
        f"{measured(results)}; the bare TFDV + tf.Transform job (bench/scale_bare.py) on the "
        "same generated CSV, in memory (Beam's default) and with "
        f"`{' '.join(multi_processing_args())}`."
    )
    columns = [">rows", ">CSV GiB", "code", ">in memory s (stats + transform)", ">pool s",
               ">pool / in memory", ">in memory peak RSS GiB", ">pool peak RSS GiB"]  # fmt: skip

    def seconds(run: dict[str, Any]) -> str:
        return f"{run['seconds']} ({run.get('statistics_s')} + {run.get('transform_s')})"

    rows = [
        [f"{r['rows']:,}", f"{r['csv_gib']:.2f}", r["code"], seconds(r["in_memory"]),
         seconds(r["multi_processing"]),
         f"{ratio(r['multi_processing']['seconds'], r['in_memory'].get('seconds')):.2f}",
         r["in_memory"]["peak_rss_gib"], r["multi_processing"]["peak_rss_gib"]]
        for r in results
    ]  # fmt: skip
    title = "bench-scale --runners: Beam's DirectRunner in memory or on a process pool"
    return "\n".join(table(title, about, columns, rows)) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--budget", type=int, default=900)
    parser.add_argument("--runners", action="store_true", help="In memory against a pool.")
    parser.add_argument("--report", action="store_true", help="Only write the report.")
    args = parser.parse_args()
    if args.runners:
        done = json.loads(RUNNER_RESULTS.read_text()) if RUNNER_RESULTS.exists() else []
        WORK.mkdir(parents=True, exist_ok=True)
        for rows in [] if args.report else args.rows:
            done = [r for r in done if r["rows"] != rows] + [runners(rows)]
            RUNNER_RESULTS.write_text(json.dumps(done, indent=1))
            print(json.dumps(done[-1]), flush=True)
        report_md = runners_report(sorted(done, key=lambda r: r["rows"]))
        RUNNER_RESULTS.with_suffix(".md").write_text(report_md)
        return
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    if not args.report:
        WORK.mkdir(parents=True, exist_ok=True)
        for rows in args.rows:
            data = WORK / f"rows-{rows}.csv"
            if not data.exists():
                scale_data.write(rows, data)
            code = head_commit()
            record = {
                "rows": rows, "budget_s": args.budget, "code": code,
                "ran_on": datetime.date.today().isoformat(),
                "csv_gib": round(data.stat().st_size / GIB, 3),
                "bare": bare_run(data, rows, *pipeline_runner(rows)),
                "automl": automl_run(data, rows, args.budget),
            }  # fmt: skip
            results = [r for r in results if (r["rows"], r["budget_s"]) != (rows, args.budget)]
            results.append(record)
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=1))
            print(json.dumps(record), flush=True)
    RESULTS.with_suffix(".md").write_text(report(sorted(results, key=lambda r: r["rows"])))


if __name__ == "__main__":
    main()
