"""The compiled KFP pipeline, run here by `automl run-ir` as subprocesses: it pushes a model
equivalent to the local runner's, and a second run finds the first's model as its baseline
and warm-starts from its study, through the volume alone (no MLMD)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, run_automl
from tests.e2e.serving import penguins_accuracy, pushed_versions, serve_penguins

pytestmark = pytest.mark.e2e


def compile_for_here(folder: Path) -> Path:
    """The IR with local stand-ins for the cluster's storage: a folder as the pipeline root,
    one as the volume, the repository's schemas instead of the image's; with one Tuner
    worker task beside the Tuner."""
    package = folder / "pipeline.json"
    config = folder / "workers.yaml"
    config.write_text("tuner: {worker_pods: 1}\n")
    result = run_automl(
        "compile", "--config", str(config), "--image", "automl:dev", "--output", str(package),
        "--pipeline-root", str(folder / "root"), "--mount-path", str(folder / "volume"),
        "--schema-dir", str(REPO / "schemas"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert (folder / "volume" / "data" / "penguins" / "data.csv").is_file()
    return package


def run_ir(package: Path, work: Path, *params: str):
    args = [f"--param={p}" for p in params]
    result = run_automl("run-ir", str(package), "--work", str(work), *args, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def task_output(work: Path, task: str) -> dict:
    """The newest run's executor output of a task (what KFP would record in MLMD)."""
    run = sorted(work.glob("run-*"))[-1]
    return json.loads((run / task / "executor_output.json").read_text())


def task_log(work: Path, task: str) -> str:
    return (sorted(work.glob("run-*"))[-1] / task / "task.log").read_text()


FIRST_TRIALS = 6


@pytest.fixture(scope="module")
def ir_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kfp")
    package = compile_for_here(folder)
    first = run_ir(package, folder / "work1", f"max_trials={FIRST_TRIALS}")
    first_baseline = task_output(folder / "work1", "latest_pushed_model")
    second = run_ir(package, folder / "work2", "max_trials=1")
    return folder, first, first_baseline, second


def test_compiled_pipeline_pushes_a_model(ir_runs):
    folder, first, _, _ = ir_runs
    versions = pushed_versions(folder / "volume" / "serving" / "automl-penguins")
    assert versions, first.stdout
    assert f"Pushed to {versions[0]}" in " ".join(first.stdout.split())
    for task in ("CsvExampleGen", "AutoMLTuner", "Trainer", "Evaluator", "Pusher"):
        assert f"{task} done" in first.stdout


def test_pushed_model_is_equivalent_to_the_local_runners(ir_runs, penguins_run):
    folder, _, _, _ = ir_runs
    local_output, _ = penguins_run
    ir_model = pushed_versions(folder / "volume" / "serving" / "automl-penguins")[0]
    local_model = pushed_versions(local_output / "serving" / "automl-penguins")[0]
    ir_outputs, ir_inputs = serve_penguins(ir_model)
    local_outputs, local_inputs = serve_penguins(local_model)
    assert ir_inputs == local_inputs  # the same features, transformed the same way
    assert set(ir_outputs) == set(local_outputs)
    ir_accuracy, local_accuracy = penguins_accuracy(ir_outputs), penguins_accuracy(local_outputs)
    assert ir_accuracy > 0.9
    assert abs(ir_accuracy - local_accuracy) < 0.05


def test_run_time_budget_reaches_the_tuner(ir_runs):
    folder, _, _, _ = ir_runs
    study = task_output(folder / "work1", "AutoMLTuner")["artifacts"]["study"]["artifacts"][0]
    assert study["metadata"]["trials"] == FIRST_TRIALS  # given at run time


def test_the_worker_task_shares_the_tuners_study(ir_runs):
    folder, _, _, _ = ir_runs
    assert "Worker joined study" in task_log(folder / "work1", "AutoMLTunerWorker1")
    artifact = task_output(folder / "work1", "AutoMLTuner")["artifacts"]["study"]["artifacts"][0]
    study = json.loads((Path(artifact["uri"]) / "study.json").read_text())
    trials = study["trials"]
    assert [t["number"] for t in trials] == list(range(FIRST_TRIALS))
    assert all(t["status"] in ("complete", "pruned") for t in trials)
    supervisors = {t["attrs"]["worker"] for t in trials}
    assert len(supervisors) == 2, "the Tuner and its worker task both ran trials"


def test_first_run_has_no_baseline_and_the_second_finds_the_first_model(ir_runs):
    folder, _, first_baseline, _ = ir_runs
    first = first_baseline["artifacts"]["model"]["artifacts"][0]["metadata"]
    assert first["absent"] == 1
    second = task_output(folder / "work2", "latest_pushed_model")
    found = second["artifacts"]["model"]["artifacts"][0]["metadata"]
    assert found["absent"] == 0
    first_version = pushed_versions(folder / "volume" / "serving" / "automl-penguins")[0]
    assert found["pushed_version"] == first_version.name
    # TFMA says when it drops the baseline model spec for want of a baseline.
    no_baseline = "ignore the baseline ModelSpec"
    assert no_baseline in task_log(folder / "work1", "Evaluator")
    assert no_baseline not in task_log(folder / "work2", "Evaluator")


def test_second_run_warm_starts_from_the_first_study(ir_runs):
    folder, _, _, _ = ir_runs
    assert "Warm start from study" not in task_log(folder / "work1", "AutoMLTuner")
    assert "Warm start from study" in task_log(folder / "work2", "AutoMLTuner")
