"""A large table, generated (issue 24): as many rows as asked (1M rows are 75 MiB of CSV, 10M
about 0.75 GB), written a block at a time so that the generator's memory does not grow with
the rows.

Columns: eight numeric (two with 5 % missing), a categorical of 50,000 values (high
cardinality; its value carries signal through a hidden per-value effect), a categorical of
12 values, an id that carries nothing, and a binary label that depends on the numbers'
interactions, the high-cardinality column and the small categorical. Seeded: every machine
writes the same file, block by block.

Usage: python bench/scale_data.py ROWS OUT.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

BLOCK = 200_000
MERCHANTS = 50_000
REGIONS = 12
SEED = 24


def _block(rng: np.random.Generator, start: int, rows: int, effects: np.ndarray) -> str:
    x = rng.normal(size=(rows, 8))
    merchant = rng.zipf(1.3, size=rows) % MERCHANTS
    region = rng.integers(0, REGIONS, size=rows)
    logit = (
        1.2 * x[:, 0] - 0.8 * x[:, 1] + 1.5 * x[:, 2] * x[:, 3] + np.sin(2 * x[:, 4])
        + effects[merchant] + 0.4 * (region % 3 == 0) - 0.3 * x[:, 5] ** 2
    )  # fmt: skip
    label = rng.random(rows) < 1 / (1 + np.exp(-logit))
    cells = np.char.mod("%.4f", x).astype(object)
    for column in (6, 7):  # missing values
        cells[rng.random(rows) < 0.05, column] = ""
    lines = []
    for i in range(rows):
        lines.append(
            ",".join(cells[i]) + f",m{merchant[i]},r{region[i]},id{start + i:09d},{int(label[i])}"
        )
    return "\n".join(lines) + "\n"


def write(rows: int, path: Path) -> Path:
    """The first ``rows`` rows of the table (a prefix of any longer one)."""
    effects = np.random.default_rng(SEED).normal(scale=1.0, size=MERCHANTS)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w") as handle:
        handle.write(",".join([*(f"x{i}" for i in range(8)), "merchant", "region", "ref", "y"]))
        handle.write("\n")
        for start in range(0, rows, BLOCK):
            size = min(BLOCK, rows - start)
            rng = np.random.default_rng([SEED, start])  # a block's rows depend on it alone
            handle.write(_block(rng, start, size, effects))
    partial.replace(path)
    return path


if __name__ == "__main__":
    write(int(sys.argv[1]), Path(sys.argv[2]))
