"""Shared helpers: small CSVs written to tmp_path, and the `automl` command as users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
AUTOML = str(Path(sys.executable).parent / "automl")


def run_automl(
    *args: str, timeout: int = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.run(
        [AUTOML, *args], capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO
    )


@pytest.fixture
def write_csv(tmp_path: Path):
    def write(text: str, name: str = "data.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


# The longest files first (minutes each, measured in CI), so that under `make test`'s two
# xdist workers (`--dist loadfile`, collection order kept) the short files fill in beside
# them instead of one long file starting last.
LONGEST_FIRST = (
    "tests/e2e/test_kubeflow.py",
    "tests/e2e/test_image.py",
    "tests/e2e/test_retrain.py",
    "tests/e2e/test_kill_anywhere.py",
    "tests/e2e/test_resume.py",
    "tests/e2e/test_estimators.py",
    "tests/e2e/test_families.py",
    "tests/e2e/test_pipeline.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file and among the rest is kept
