"""docs/environment.md's pip route, as written, into a clean Python 3.11 virtual environment:
the three commands give an `automl` that runs the pipeline (PyPI; pip's cache makes a second
run quick)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def documented_commands() -> list[str]:
    """The shell block under "Installing it elsewhere", comments dropped."""
    text = (REPO / "docs" / "environment.md").read_text()
    section = text[text.index("## Installing it elsewhere") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "docs/environment.md lost its pip steps"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_documented_pip_steps_give_a_working_automl(tmp_path):
    commands = documented_commands()
    assert commands[0] == "python3.11 -m venv venv" and len(commands) == 4
    python = shutil.which("python3.11") or sys.executable  # this interpreter is a 3.11
    # A copy of the checkout's files, as a clone has them: pip builds the package in the
    # source folder (build/, *.egg-info), which stays this test's.
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO, checkout, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "bench", "tests", "automl-output", "build", "*.egg-info", "__pycache__",
    ))  # fmt: skip
    env_dir = checkout / "venv"
    subprocess.run([python, "-m", "venv", str(env_dir)], check=True)
    for command in commands[1:]:
        args = command.split()
        assert args[0] == "venv/bin/pip", command
        done = subprocess.run(
            [str(env_dir / "bin" / "pip"), *args[1:], "--quiet", "--disable-pip-version-check"],
            cwd=checkout, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        assert done.returncode == 0, f"{command}\n{done.stderr[-3000:]}"
    automl = env_dir / "bin" / "automl"
    version = subprocess.run([str(automl), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and re.search(r"\d+\.\d+", version.stdout), version.stderr
    output = tmp_path / "out"
    run = subprocess.run(
        [str(automl), "run", "--output", str(output), "--max-trials", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Blessed" in run.stdout and any((output / "serving").rglob("saved_model.pb"))
