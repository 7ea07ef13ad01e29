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
