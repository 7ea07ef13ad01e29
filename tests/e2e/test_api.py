"""The pipeline run from Python (pipeline.api): the summary comes back, a pushed model is where
it says, and bad input is raised as RunFailed with the command's exit code, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline import api
from tests.conftest import REPO

pytestmark = pytest.mark.e2e

RUN = """
import json, sys
from pipeline import api
summary = api.run(output=sys.argv[1], **{"tuner.max_trials": 2, "trainer.ensemble_size": 1})
print(json.dumps({"blessed": summary.blessed, "pushed": summary.pushed_to,
                  "metrics": summary.metrics}))
"""


def test_a_run_from_python_returns_its_summary(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path / "out")], capture_output=True, text=True,
        cwd=REPO, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["blessed"] is True
    assert (tmp_path / "out" / "serving" / "automl-penguins").is_dir()
    assert str(tmp_path / "out" / "serving") in summary["pushed"]
    assert 0.0 < summary["metrics"]["sparse_categorical_accuracy"] <= 1.0


def test_bad_input_is_raised_with_the_commands_exit_code(tmp_path, write_csv):
    data = write_csv("a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(30)))
    with pytest.raises(api.RunFailed) as failed:
        api.run(data, "nope", output=tmp_path / "out")
    assert failed.value.exit_code == 2 and "nope" in str(failed.value)
    with pytest.raises(api.RunFailed) as failed:
        api.run(data, "b", output=tmp_path / "out", **{"tuner.strategy": "annealing"})
    assert failed.value.exit_code == 2 and "annealing" in str(failed.value)
    assert not (tmp_path / "out" / "serving").exists()
