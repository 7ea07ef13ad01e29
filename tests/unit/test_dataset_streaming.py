"""The pre-check streams: a CSV larger than the memory its process may hold is checked and
staged whole (issue 24), under a real limit on the process's address space."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROWS = 4_000_000  # about 140 MB of CSV
LIMIT = 80 * 2**20  # the checking process's whole address space, interpreter included

CHECK = """
import json, sys
from pathlib import Path

import pytest
from pipeline.definition.dataset import profile_and_stage
profile = profile_and_stage(Path(sys.argv[1]), "y", None, Path(sys.argv[2]))
print(json.dumps({"rows": profile.n_rows, "task": profile.task, "classes": profile.class_counts,
                  "staged": str(profile.staged_dir), "columns": list(profile.columns)}))
"""


def write_big_csv(path: Path) -> None:
    colours = ("red", "green", "blue", "NA")
    with path.open("w") as handle:
        handle.write("x,colour,empty,note,y\n")
        for start in range(0, ROWS, 100_000):
            handle.write("".join(
                f"{i * 0.001:.3f},{colours[i % 4]},,note {i:08d},{'ab'[i % 7 < 3]}\n"
                for i in range(start, start + 100_000)
            ))  # fmt: skip


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    write_big_csv(path)
    return path


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def test_a_file_larger_than_the_memory_limit_is_checked_and_staged(big_csv, tmp_path):
    data = big_csv
    assert data.stat().st_size > LIMIT
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(data), str(tmp_path / "staged")],
        capture_output=True, text=True, preexec_fn=limit_memory, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    profile = json.loads(done.stdout)
    assert profile["rows"] == ROWS and profile["task"] == "classification"
    b = sum(1 for i in range(ROWS) if i % 7 < 3)
    assert profile["classes"] == {"a": ROWS - b, "b": b}
    assert profile["columns"] == ["x", "colour", "note", "y"]  # the empty column dropped
    staged = Path(profile["staged"]) / "data.csv"
    with staged.open() as handle:
        assert handle.readline() == "x,colour,note,y\n"
        assert handle.readline() == "0.000,red,note 00000000,b\n"
        assert handle.readline() == "0.001,green,note 00000001,b\n"
        handle.readline()
        assert handle.readline() == "0.003,,note 00000003,a\n"  # NA staged as the empty cell


def test_the_same_file_fails_under_that_limit_when_read_whole(big_csv):
    """The limit is real: reading the file into memory at once does not fit under it."""
    data = big_csv
    done = subprocess.run(
        [sys.executable, "-c", "import sys; open(sys.argv[1]).read().splitlines()", str(data)],
        capture_output=True, text=True, preexec_fn=limit_memory, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0 and "MemoryError" in done.stderr
