"""One local run of the whole pipeline on penguins, shared by the modules that inspect it.

`make test` spreads the test files over two pytest-xdist workers; the run is made once by
whichever worker asks first and read by the others (a file lock beside the workers' temp
folders, which are unique to one pytest invocation). Tests that run the pipeline again into
that output, and readers that must not see such a run half-done, hold ``penguins_exclusive``.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path

import pytest
from filelock import FileLock

from tests.conftest import run_automl


@pytest.fixture(scope="session")
def penguins_root(tmp_path_factory, request) -> Path:
    if not hasattr(request.config, "workerinput"):  # not an xdist worker: our own temp folder
        return tmp_path_factory.getbasetemp()
    return tmp_path_factory.getbasetemp().parent


@pytest.fixture(scope="session")
def penguins_run(penguins_root):
    output, record = penguins_root / "penguins", penguins_root / "penguins-run.json"
    with FileLock(str(penguins_root / "penguins-run.lock")):
        if not record.exists():
            done = run_automl("run", "--output", str(output), "--max-trials", "2")
            record.write_text(json.dumps(
                {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
            ))  # fmt: skip
        told = json.loads(record.read_text())
    result = subprocess.CompletedProcess(["automl", "run"], **told)
    assert result.returncode == 0, result.stdout + result.stderr
    return output, result


@pytest.fixture(scope="session")
def penguins_exclusive(penguins_root):
    """Held while a test reruns the pipeline into the shared output, or reads its latest run."""

    @contextlib.contextmanager
    def hold():
        with FileLock(str(penguins_root / "penguins-output.lock")):
            yield

    return hold
