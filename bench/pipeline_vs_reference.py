"""Side-by-side benchmark: `automl run` on penguins against TFX's reference penguin pipeline.

Each command in a fresh process, timed in the same run on the same machine: the reference
(tuning on) with its own Beam arguments and with Beam in memory, our full run, our identical
re-run (up to date, nothing runs) and a forced re-run (every component from TFX's cache).
Wall time and peak RSS (of the whole process tree, sampled) are recorded, and the ratios are
written as a Markdown table to bench/results/pipeline_vs_reference.md.

Usage: python bench/pipeline_vs_reference.py [--repeats N]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.vs_automl import head_commit  # noqa: E402

HERE = Path(__file__).resolve().parent
# Its own folder only: bench/work also holds the peers' environment and other benchmarks' data.
WORK = HERE / "work" / "pipeline_vs_reference"
RESULTS = HERE / "results" / "pipeline_vs_reference.md"
AUTOML = str(Path(sys.executable).parent / "automl")


def measure(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB of the process tree (sampled every 0.2 s), exit code."""
    started = time.monotonic()
    process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    return time.monotonic() - started, peak / 2**20, process.returncode


def run_once() -> dict[str, tuple[float, float]]:
    shutil.rmtree(WORK, ignore_errors=True)
    commands = {
        "reference": [sys.executable, str(HERE / "reference_penguin.py"), str(WORK / "reference")],
        "reference_in_memory": [
            sys.executable,
            str(HERE / "reference_penguin.py"),
            str(WORK / "reference_in_memory"),
            "--in-memory",
        ],
        "automl": [AUTOML, "run", "--output", str(WORK / "automl")],
        "automl_up_to_date": [AUTOML, "run", "--output", str(WORK / "automl")],
        "automl_cached": [AUTOML, "run", "--output", str(WORK / "automl"), "--rerun"],
    }
    results = {}
    for name, command in commands.items():
        seconds, rss, code = measure(command)
        if code != 0:
            raise SystemExit(f"{name} failed with exit code {code}: {' '.join(command)}")
        print(f"{name}: {seconds:.1f}s, peak RSS {rss:.0f} MiB", flush=True)
        results[name] = (seconds, rss)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    runs = [run_once() for _ in range(args.repeats)]
    med = {
        k: (statistics.median(r[k][0] for r in runs), statistics.median(r[k][1] for r in runs))
        for k in runs[0]
    }
    ref_s = med["reference"][0]
    ref_mem_s = med["reference_in_memory"][0]
    rows = [
        ("TFX reference penguin pipeline (tuning on, its default Beam args)", "reference", None),
        ("TFX reference penguin pipeline, Beam in memory like ours", "reference_in_memory", None),
        ("`automl run` (penguins, full run)", "automl", 0.6),
        ("`automl run` again (up to date: nothing runs)", "automl_up_to_date", 0.15),
        ("`automl run --rerun` (every component from TFX's cache)", "automl_cached", 0.15),
    ]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
        f"{psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"median of {args.repeats} run(s); ours at commit {head_commit()} with its default "
        f"settings, TFX {importlib.metadata.version('tfx')}.",
        "",
        "| command | wall (s) | ratio to reference | target | ratio to in-memory reference "
        "| peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, key, target in rows:
        seconds, rss = med[key]
        ratio = seconds / ref_s
        verdict = (
            "" if target is None else f"<= {target} ({'met' if ratio <= target else 'missed'})"
        )
        lines.append(
            f"| {label} | {seconds:.1f} | {ratio:.2f} | {verdict} | "
            f"{seconds / ref_mem_s:.2f} | {rss:.0f} |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
