"""A forest through the whole pipeline: the families space narrowed to gradient-boosted
trees, so the Tuner's trials, the Trainer's model, the Evaluator's blessing and the pushed
SavedModel are all a TF-DF forest; the pushed model answers raw CSV rows like a network."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_automl
from tests.e2e.serving import penguins_accuracy, pushed_versions, serve_penguins

pytestmark = pytest.mark.e2e

TRIALS, EPOCHS = 2, 4


def newest(folder: Path) -> Path:
    return max(folder.iterdir(), key=lambda p: int(p.name))


@pytest.fixture(scope="module")
def forest_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("families")
    config = folder / "forests.yaml"
    config.write_text(
        "tuner: {space: families, space_overrides: {family: gbt}, "
        f"epochs_per_trial: {EPOCHS}}}\n"
    )
    output = folder / "out"
    result = run_automl(
        "run", "--output", str(output), "--config", str(config),
        "--estimator", "full", "--max-trials", str(TRIALS),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return output, result


def test_every_trial_is_a_forest_charged_its_epochs(forest_run):
    output, result = forest_run
    study_dir = newest(output / "pipeline_root" / "AutoMLTuner" / "study")
    study = json.loads((study_dir / "study.json").read_text())
    assert study["space_name"] == "families" and len(study["trials"]) == TRIALS
    for trial in study["trials"]:
        assert trial["status"] == "complete", trial["error"]
        assert trial["params"]["family"] == "gbt" and "learning_rate" not in trial["params"]
        assert trial["cost"]["epochs"] == EPOCHS  # the budget's currency, whatever the family
        assert trial["metrics"]["params"] > 0  # a forest's nodes
        assert trial["metrics"]["latency_ms"] > 0
        assert 0 <= trial["value"] == trial["metrics"]["val_loss"]
    assert "over the families space" in result.stdout


def test_the_trainer_grows_the_selected_forest_and_it_is_blessed(forest_run):
    output, result = forest_run
    training = json.loads(
        (newest(output / "pipeline_root" / "Trainer" / "model_run") / "training.json").read_text()
    )
    assert training["space"] == "families"
    assert training["hyperparameters"]["family"] == "gbt"
    assert "Blessed               yes" in result.stdout


def test_the_pushed_forest_predicts_raw_csv_rows(forest_run):
    output, _ = forest_run
    outputs, inputs = serve_penguins(pushed_versions(output / "serving" / "automl-penguins")[0])
    assert "species" not in inputs
    assert outputs["probabilities"].shape[1] == 3
    np.testing.assert_allclose(outputs["probabilities"].numpy().sum(axis=1), 1.0, rtol=1e-5)
    assert penguins_accuracy(outputs) > 0.9
