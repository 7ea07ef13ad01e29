"""Estimators through the whole pipeline: the default pair as `make run` uses it, and the
other axes (curve stopping, weight inheritance, a narrow low fidelity) on the micro space.

Runs share one output folder, so TFX's cache serves ExampleGen to Transform after the first.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("estimators")


def latest(folder: Path) -> Path:
    return max(folder.iterdir(), key=lambda p: int(p.name))


def run(output: Path, *args: str) -> tuple[str, dict, dict]:
    from pipeline.cli import main

    result = CliRunner().invoke(main, ["run", "--output", str(output), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    root = output / "pipeline_root"
    study_dir = latest(root / "AutoMLTuner" / "study")
    study = json.loads((study_dir / "study.json").read_text())
    assert not (study_dir / "weights").exists()  # snapshots are removed after the search
    training = json.loads((latest(root / "Trainer" / "model_run") / "training.json").read_text())
    return result.output, study, training


def test_the_default_pair_spends_the_default_compute_and_selects_at_full_fidelity(output):
    from pipeline.definition.config import DEFAULT_ESTIMATOR, TunerConfig
    from search.estimator import parse_estimator_name

    text, study, training = run(output)  # exactly what `make run` does
    scheduler, modifiers = parse_estimator_name(DEFAULT_ESTIMATOR)
    assert study["estimator"] == "+".join([scheduler, *modifiers])
    assert study["strategy"] == TunerConfig().strategy
    full = study["full_fidelity"]
    assert full == {"epochs": 5, "rows": 1.0, "width": 1.0}
    trials = study["trials"]
    spent = sum(t["cost"]["compute"] for t in trials)
    assert spent == pytest.approx(study["compute_spent"])
    # the budget, overrun by at most the trials running when it was reached: one per
    # parallel slot (as many as the cores, by default), the last ones started
    slots = study.get("parallel_trials") or 2
    last = max(t["cost"]["compute"] for t in trials[-slots:])
    assert 20 <= spent < 20 + (slots - 1) * full["epochs"] + last + 1e-9
    for trial in trials:
        fidelity = trial["fidelity"]
        assert fidelity["epochs"] <= full["epochs"] and 0 < fidelity["rows"] <= 1
        assert trial["cost"]["compute"] == pytest.approx(
            trial["cost"]["epochs"] * trial["cost"]["rows"]
        )
    top = max(t["rung"] for t in trials)
    selected = trials[study["selected_trial"]]
    assert selected["rung"] == top and selected["fidelity"] == full
    assert len({t["rung"] for t in trials}) > 1  # it did use lower fidelities
    assert training["hyperparameters"] == selected["params"]
    assert f"with the {study['estimator']} estimator" in text


def test_curve_stopping_and_inheritance_run_in_the_pipeline(output):
    config = output / "estimators.yaml"
    config.write_text("tuner: {epochs_per_trial: 6, estimation: {curve_min_epochs: 2}}\n")
    _, study, training = run(
        output,
        "--config",
        str(config),
        "--strategy",
        "evolution",
        "--space",
        "micro",
        "--estimator",
        "asha+curve+inherit",
        "--compute-budget",
        "24",
    )
    trials = study["trials"]
    assert study["estimator"] == "asha+curve+inherit"
    inherited = [t for t in trials if "inherited" in t["attrs"]]
    assert inherited, "no trial inherited weights"
    for trial in inherited:
        parent = trials[trial["inherit"]["from"]]
        assert parent["number"] < trial["number"] and parent["status"] == "complete"
        if trial["inherit"]["kind"] == "continue":
            assert trial["params"] == parent["params"]
            assert trial["attrs"]["inherited"]["morphed"] == []  # the same network, copied
    assert any(t["stop_target"] is not None for t in trials)
    for trial in trials:
        if trial["status"] == "pruned":
            assert trial["attrs"]["stop_reason"].startswith("curve: P(beats")
            assert len(trial["curves"]["val_loss"]) < trial["fidelity"]["epochs"]
    assert training["space"] == "micro"
    # The searched networks reach the Trainer, which weighs each against its retrain, or
    # reuses it instead of retraining where the search trained the candidate in full.
    searches = output / "pipeline_root" / "tuner" / "weights" / "searched"
    newest = max(searches.iterdir(), key=lambda p: int(p.name.removeprefix("study-")))
    kept = {int(p.stem.removeprefix("trial_")) for p in newest.glob("trial_*.npz")}
    assert study["selected_trial"] in kept
    from components.tuner.hyperparameters import candidates_from_config

    best = latest(output / "pipeline_root" / "AutoMLTuner" / "best_hyperparameters")
    handed = json.loads((best / "best_hyperparameters.txt").read_text())
    reused = {c["trial"] for c in candidates_from_config(handed) if c.get("full_fidelity")}
    candidates = training["ensemble"]["candidates"]
    trials_weighed = {c["trial"] for c in candidates}
    searched = {c["trial"] for c in candidates if c["searched"]}
    assert searched and searched == trials_weighed & kept
    retrained = {c["trial"] for c in candidates if not c["searched"]}
    assert retrained == trials_weighed - (reused & kept)


def test_a_narrow_low_fidelity_trains_smaller_networks_and_the_trainer_the_full_one(output):
    config = output / "low.yaml"
    config.write_text("tuner: {estimation: {low_width: 0.5, low_rows: 0.5}}\n")
    _, study, training = run(
        output,
        "--config",
        str(config),
        "--estimator",
        "low",
        "--max-trials",
        "2",
    )
    for trial in study["trials"]:
        assert trial["fidelity"]["width"] == 0.5 and trial["fidelity"]["rows"] == 0.5
        assert trial["cost"]["compute"] == pytest.approx(trial["cost"]["epochs"] * 0.5)
    selected = study["trials"][study["selected_trial"]]
    assert training["hyperparameters"] == selected["params"]
    assert training["epochs"] >= 1
