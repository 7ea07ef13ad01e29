"""bench-example-gen (issue 24): our CsvExampleGen executor (Arrow) against TFX's, side by side
on the same generated CSV, each in its own process on Beam's in-memory runner, with the same
split config as the pipeline's; wall time and the peak RSS of the process tree.

The executors are run as TFX runs them (``Do``), without the orchestrator around them, so the
numbers are the conversion alone; bench-scale times the component inside whole runs.

Usage: python bench/example_gen.py [--rows 1000000 ...] [--report]
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import shutil
import sys
import time
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bench import scale, scale_data  # noqa: E402

WORK = HERE / "work" / "example_gen"
RESULTS = HERE / "results" / "example_gen.json"
EXECUTORS = {
    "ours": "components.example_gen.executor",
    "tfx": "tfx.components.example_gen.csv_example_gen.executor",
}


def convert(which: str, data: Path, out: Path) -> None:
    """Runs one executor's Do on ``data`` into ``out`` (in this process)."""
    import importlib

    import components  # noqa: F401  (Keras 2 before TensorFlow)
    from tfx.proto import example_gen_pb2
    from tfx.types import standard_artifacts, standard_component_specs
    from tfx.utils import proto_utils

    from pipeline.definition.config import build_config

    split = build_config().split
    buckets = {
        "train": split.train_buckets,
        "eval": split.eval_buckets,
        "test": split.test_buckets,
    }
    output = example_gen_pb2.Output(
        split_config=example_gen_pb2.SplitConfig(
            splits=[
                example_gen_pb2.SplitConfig.Split(name=name, hash_buckets=count)
                for name, count in buckets.items()
            ]
        )
    )
    examples = standard_artifacts.Examples()
    examples.uri = str(out)
    executor = importlib.import_module(EXECUTORS[which]).Executor
    started = time.monotonic()
    executor().Do(
        {},
        {standard_component_specs.EXAMPLES_KEY: [examples]},
        {
            standard_component_specs.INPUT_BASE_KEY: str(data.parent),
            standard_component_specs.INPUT_CONFIG_KEY: proto_utils.proto_to_json(
                example_gen_pb2.Input(
                    splits=[example_gen_pb2.Input.Split(name="d", pattern=data.name)]
                )
            ),
            standard_component_specs.OUTPUT_CONFIG_KEY: proto_utils.proto_to_json(output),
            standard_component_specs.OUTPUT_DATA_FORMAT_KEY: example_gen_pb2.FORMAT_TF_EXAMPLE,
        },
    )
    print(json.dumps({"seconds": round(time.monotonic() - started, 1)}))


def measure(rows: int, executors: list[str]) -> dict:
    data = scale.WORK / f"rows-{rows}.csv"  # the file bench-scale reads
    if not data.exists():
        scale_data.write(rows, data)
    record: dict = {
        "rows": rows,
        "code": scale.head_commit(),
        "ran_on": str(datetime.date.today()),
    }
    for which in executors:
        out = WORK / f"{which}-{rows}"
        shutil.rmtree(out, ignore_errors=True)
        log = WORK / f"{which}-{rows}.log"
        command = [sys.executable, __file__, "--run", which, str(data), str(out)]
        wall, code, samples = scale.sampled(command, log)
        lines = log.read_text().strip().splitlines()
        record[which] = {
            "exit": code,
            "wall_s": round(wall, 1),
            "convert_s": json.loads(lines[-1])["seconds"] if code == 0 else None,
            "peak_rss_gib": round(max((r for _, r in samples), default=0) / scale.GIB, 2),
            "files": sum(1 for _ in out.rglob("*.gz")),
        }
    return record


def report(results: list[dict]) -> str:
    versions = ", ".join(
        f"{name} {version(name)}" for name in ("tfx", "tfx-bsl", "pyarrow", "apache-beam")
    )
    lines = [
        "# bench-example-gen",
        "",
        f"Measured on {platform.machine()}, 2 cores; {versions}; Beam's in-memory runner; each "
        "executor's `Do` in its own process on the same generated CSV (bench/scale_data.py), "
        "the pipeline's 14/3/3 split. Wall: the whole process (imports included); convert: "
        "`Do` alone.",
        "",
        "| rows | date | code | ours: convert s | TFX: convert s | speed-up "
        "| ours: peak RSS GiB | TFX: peak RSS GiB |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        missing = {"convert_s": "-", "peak_rss_gib": "-"}  # an executor not run at this size
        ours, tfx = r.get("ours", missing), r.get("tfx", missing)
        faster = (
            f"{tfx['convert_s'] / ours['convert_s']:.1f}x"
            if all(isinstance(e["convert_s"], float) for e in (ours, tfx))
            else "-"
        )
        lines.append(
            f"| {r['rows']:,} | {r['ran_on']} | {r['code']} | {ours['convert_s']} "
            f"| {tfx['convert_s']} | {faster} | {ours['peak_rss_gib']} | {tfx['peak_rss_gib']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--report", action="store_true", help="Only write the report.")
    parser.add_argument("--executors", nargs="+", choices=list(EXECUTORS), default=list(EXECUTORS))
    parser.add_argument(
        "--run", nargs=3, metavar=("EXECUTOR", "CSV", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.run:
        convert(args.run[0], Path(args.run[1]), Path(args.run[2]))
        return
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    if not args.report:
        WORK.mkdir(parents=True, exist_ok=True)
        for rows in args.rows:
            record = measure(rows, args.executors)
            results = [r for r in results if r["rows"] != rows] + [record]
            RESULTS.write_text(json.dumps(results, indent=1))
            print(json.dumps(record), flush=True)
    RESULTS.with_suffix(".md").write_text(report(sorted(results, key=lambda r: r["rows"])))


if __name__ == "__main__":
    main()
