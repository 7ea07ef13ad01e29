"""docs/examples/own_pipeline.py, run as a user would: AutoMLTuner between TFX's own Transform
and Trainer, under TFX's LocalDagRunner; the Trainer's model scores penguins it never saw."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.serving import penguins_rows, serve_rows

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "own_pipeline.py"


def test_the_tuner_runs_in_a_pipeline_of_ones_own(tmp_path):
    rows = penguins_rows()
    unseen = rows[::5]  # every fifth penguin: the example never reads them
    data = tmp_path / "penguins.csv"
    with data.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for number, row in enumerate(rows):
            if number % 5:
                writer.writerow({k: "" if v == "NA" else v for k, v in row.items()})
    root = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--data", str(data), "--label", "species",
         "--root", str(root), "--trials", "2"],
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]

    (study_file,) = (root / "pipeline_root" / "AutoMLTuner" / "study").glob("*/study.json")
    study = json.loads(study_file.read_text())
    assert len(study["trials"]) == 2 and study["selected_trial"] is not None
    (model,) = (root / "pipeline_root" / "Trainer" / "model").glob("*/Format-Serving")
    outputs, _ = serve_rows(model, unseen)
    predicted = [c.decode() for c in outputs["class"].numpy()]
    accuracy = sum(p == r["species"] for p, r in zip(predicted, unseen, strict=True)) / len(unseen)
    assert accuracy > 0.8  # the majority class is 44 %
