"""Every strategy through the whole pipeline at a tiny budget, alternating the two spaces.

All runs share one output folder, so after the first run TFX's cache serves ExampleGen to
Transform and each further run costs its Tuner, Trainer and Evaluator. The CLI runs
in-process (click's runner) so TensorFlow loads once for all seven.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.strategies import STRATEGIES

pytestmark = pytest.mark.e2e

SPACE_FOR = {name: ("macro", "micro")[i % 2] for i, name in enumerate(sorted(STRATEGIES))}
TRIALS, EPOCHS = 2, 2


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("strategies")


def latest(folder: Path) -> Path:
    return max(folder.iterdir(), key=lambda p: int(p.name))


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_strategy_runs_the_pipeline_and_trainer_uses_its_choice(strategy, output):
    from components.tuner.hyperparameters import point_from_config
    from pipeline.cli import main

    config = output / "tiny.yaml"
    config.write_text(
        f"tuner: {{epochs_per_trial: {EPOCHS}}}\ntrainer: {{early_stopping_patience: 1}}\n"
    )
    space = SPACE_FOR[strategy]
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--output",
            str(output),
            "--config",
            str(config),
            "--strategy",
            strategy,
            "--space",
            space,
            "--estimator",
            "full",
            "--parallel-trials",
            "2",
            "--max-trials",
            str(TRIALS),
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert (
        f"{strategy} with the full estimator over the {space} space: {TRIALS} trials, "
        f"{TRIALS} completed" in result.output
    )

    root = output / "pipeline_root"
    study = json.loads((latest(root / "AutoMLTuner" / "study") / "study.json").read_text())
    assert (study["strategy"], study["space_name"], study["finished"]) == (strategy, space, True)
    assert len(study["trials"]) == TRIALS
    seeds = set()
    for trial in study["trials"]:
        assert trial["status"] == "complete", trial["error"]
        assert trial["params"]["epochs"] == EPOCHS  # epochs are fidelity, not searched
        assert trial["fidelity"] == {"epochs": EPOCHS, "rows": 1.0, "width": 1.0}
        assert len(trial["curves"]["loss"]) == len(trial["curves"]["val_loss"]) == EPOCHS
        assert trial["cost"]["epochs"] == trial["cost"]["compute"] == EPOCHS
        assert trial["cost"]["row_epochs"] > 0 and trial["cost"]["seconds"] > 0
        metrics = trial["metrics"]
        assert set(metrics) >= {"val_loss", "val_accuracy", "params", "latency_ms"}
        # Bytes are measured only when an objective or constraint asks for them.
        assert "size_bytes" not in metrics
        assert metrics["latency_ms"] > 0 and metrics["params"] > 0
        assert trial["value"] == metrics["val_loss"] == min(trial["curves"]["val_loss"])
        assert trial["wall_time_s"] > 0
        seeds.add(trial["seed"])
    assert len(seeds) == TRIALS
    # Both trials ran at once, each in a process of its own.
    first, second = sorted(study["trials"], key=lambda t: t["attrs"]["started_at"])
    assert first["attrs"]["pid"] != second["attrs"]["pid"]
    assert second["attrs"]["started_at"] < first["attrs"]["started_at"] + first["wall_time_s"]
    selected = study["trials"][study["selected_trial"]]
    assert study["selected_trial"] in study["pareto_front"]
    assert selected["value"] == min(t["value"] for t in study["trials"])  # the 'best' rule

    hparams_dir = latest(root / "AutoMLTuner" / "best_hyperparameters")
    config_json = json.loads((hparams_dir / "best_hyperparameters.txt").read_text())
    assert point_from_config(config_json) == (space, selected["params"])
    training = json.loads((latest(root / "Trainer" / "model_run") / "training.json").read_text())
    assert training["space"] == space
    assert training["hyperparameters"] == selected["params"]
    assert training["epochs"] <= selected["params"]["epochs"]
