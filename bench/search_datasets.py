"""The benchmarks' datasets, prepared once by the product itself (`automl run` up to Transform).

penguins (embedded), the Chicago taxi CSV shipped in the tfx wheel (its first rows, or all
15k), scikit-learn's bundled digits, and a generated binary task whose label depends on
feature interactions only (products of numerics, gated by categoricals), where depth and
width matter and a linear model does not reach the optimum (3k rows, or 100k for scale).
Generation is seeded: the same file every time.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

AUTOML = str(Path(sys.executable).parent / "automl")
TAXI_ROWS = 4000
INTERACTION_ROWS = 3000
LARGE_ROWS = 100_000


@dataclass(frozen=True)
class Prepared:
    name: str
    task: str
    transform_graph: Path
    transformed_examples: Path


def _taxi_sample(work: Path, rows: int | None = TAXI_ROWS) -> Path:
    """The taxi CSV shipped in the tfx wheel: its first ``rows`` rows, or all of them."""
    source = Path(__import__("tfx").__file__).parent / (
        "examples/chicago_taxi_pipeline/data/simple/data.csv"
    )
    target = work / ("taxi.csv" if rows else "taxi_full.csv")
    with source.open() as handle:
        lines = handle.readlines() if rows is None else [next(handle) for _ in range(rows + 1)]
    target.write_text("".join(lines))
    return target


def digits_csv(path: Path) -> Path:
    """scikit-learn's bundled 8x8 digits: 64 pixel columns, ten classes (named, so that the
    label is read as a category)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(f"p{i:02d}" for i in range(64)), "digit"])
        for pixels, label in zip(digits.data, digits.target, strict=True):
            writer.writerow([*(f"{v:g}" for v in pixels), f"d{label}"])
    return path


def interaction_csv(path: Path, rows: int = INTERACTION_ROWS, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(rows, 5))
    region = rng.choice(["north", "south", "east", "west"], size=rows)
    plan = rng.choice(["basic", "plus", "pro"], size=rows)
    gated = np.where(np.isin(region, ["north", "east"]), x[:, 2] * x[:, 3], -x[:, 2] * x[:, 4])
    score = x[:, 0] * x[:, 1] + 0.8 * gated + 0.4 * (plan == "pro") * x[:, 0]
    noisy = score + rng.normal(0, 0.1, size=rows)
    label = np.where(noisy > 0, "churn", "stay")
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x1", "x2", "x3", "x4", "x5", "region", "plan", "outcome"])
        for i in range(rows):
            writer.writerow([*(f"{v:.5f}" for v in x[i]), region[i], plan[i], label[i]])
    return path


def _latest(folder: Path) -> Path:
    return max((p for p in folder.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))


NAMES = ("penguins", "taxi", "interactions")
ESTIMATOR_NAMES = ("penguins", "digits", "taxi_full", "interactions_100k")


def prepare(work: Path, names: tuple[str, ...] | list[str] = NAMES) -> list[Prepared]:
    """Runs the pipeline once per dataset (a single trial); up to date runs cost seconds."""
    work.mkdir(parents=True, exist_ok=True)
    datasets = {
        "penguins": lambda: ([], "classification"),
        "taxi": lambda: (["--data", str(_taxi_sample(work)), "--label", "fare"], "regression"),
        "interactions": lambda: (
            ["--data", str(interaction_csv(work / "interactions.csv")), "--label", "outcome"],
            "classification",
        ),
        "digits": lambda: (
            ["--data", str(digits_csv(work / "digits.csv")), "--label", "digit"],
            "classification",
        ),
        "taxi_full": lambda: (
            ["--data", str(_taxi_sample(work, rows=None)), "--label", "fare"],
            "regression",
        ),
        "interactions_100k": lambda: (
            [
                "--data",
                str(interaction_csv(work / "interactions_100k.csv", rows=LARGE_ROWS)),
                "--label",
                "outcome",
            ],
            "classification",
        ),
    }
    prepared = []
    for name in names:
        args, task = datasets[name]()
        output = work / name
        command = [
            AUTOML, "run", "--output", str(output), "--max-trials", "1",
            "--estimator", "low", *args,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"preparing {name} failed:\n{result.stderr[-2000:]}")
        transform = output / "pipeline_root" / "Transform"
        prepared.append(
            Prepared(
                name,
                task,
                _latest(transform / "transform_graph"),
                _latest(transform / "transformed_examples"),
            )
        )
        print(f"prepared {name}", flush=True)
    return prepared
