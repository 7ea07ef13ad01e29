"""One local run of the whole pipeline on penguins, shared by the modules that inspect it."""

from __future__ import annotations

import pytest

from tests.conftest import run_automl


@pytest.fixture(scope="session")
def penguins_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("penguins")
    result = run_automl("run", "--output", str(output), "--max-trials", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return output, result
