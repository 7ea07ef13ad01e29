"""The compiled KFP pipeline, run here by `automl run-ir` as subprocesses, on a span folder
laid out on the volume as on a cluster: the run on span 1 pushes a model equivalent to the
local runner's; the run on span 2 finds that model as its baseline, warm-starts from its
study and passes the data gate against span 1, through the volume alone (no MLMD); a span
with a drifted feature stops before Transform; a span with no labels stops at the first task,
the data check, in one line."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import REPO, run_automl
from tests.e2e.serving import penguins_accuracy, pushed_versions, serve_penguins
from tests.e2e.spans import write_span

pytestmark = pytest.mark.e2e


def compile_for_here(folder: Path) -> Path:
    """The IR with local stand-ins for the cluster's storage: a folder as the pipeline root,
    one as the volume, the repository's schemas instead of the image's; with one Tuner
    worker task beside the Tuner. Compiling lays the newest span out on the volume, as a
    person does when a span arrives."""
    package = folder / "pipeline.json"
    config = folder / "workers.yaml"
    config.write_text("tuner: {worker_pods: 1}\n")
    result = run_automl(
        "compile", "--data", str(folder / "spans"), "--label", "species",
        "--config", str(config), "--image", "automl:dev", "--output", str(package),
        "--pipeline-root", str(folder / "root"), "--mount-path", str(folder / "volume"),
        "--schema-dir", str(REPO / "schemas"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    newest = max(int(p.name.split("-")[1]) for p in (folder / "spans").iterdir())
    assert (folder / "volume" / "data" / "spans" / f"span-{newest}" / "data.csv").is_file()
    return package


def run_ir(package: Path, work: Path, *params: str):
    args = [f"--param={p}" for p in params]
    return run_automl("run-ir", str(package), "--work", str(work), *args, timeout=1800)


def task_output(work: Path, task: str) -> dict:
    """The newest run's executor output of a task (what KFP would record in MLMD)."""
    run = sorted(work.glob("run-*"))[-1]
    return json.loads((run / task / "executor_output.json").read_text())


def task_log(work: Path, task: str) -> str:
    return (sorted(work.glob("run-*"))[-1] / task / "task.log").read_text()


def gate_report(work: Path) -> dict:
    report = task_output(work, "DataGate")["artifacts"]["report"]["artifacts"][0]
    return json.loads((Path(report["uri"]) / "data_gate.json").read_text())


def serving(folder: Path) -> Path:
    return folder / "volume" / "serving" / "automl-spans"


FIRST_TRIALS = 6


@pytest.fixture(scope="module")
def ir_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kfp")
    write_span(folder / "spans", 1)
    package = compile_for_here(folder)
    first = run_ir(package, folder / "work1", f"max_trials={FIRST_TRIALS}")
    assert first.returncode == 0, first.stdout + first.stderr
    first_baseline = task_output(folder / "work1", "latest_pushed_model")
    write_span(folder / "spans", 2)
    compile_for_here(folder)
    second = run_ir(package, folder / "work2", "max_trials=1")
    assert second.returncode == 0, second.stdout + second.stderr
    write_span(folder / "spans", 3, shift={"bill_length_mm": 25.0})
    compile_for_here(folder)
    pushed_before_drift = pushed_versions(serving(folder))
    drifted = run_ir(package, folder / "work3", "max_trials=1")
    # A span dropped on the volume by a broken upstream job: every label empty.
    broken = write_span(folder / "volume" / "data" / "spans", 4)
    with open(broken, newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(broken, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "species": ""} for row in rows)
    return SimpleNamespace(
        folder=folder, first=first, first_baseline=first_baseline, second=second,
        drifted=drifted, pushed_before_drift=pushed_before_drift, broken_span=broken,
        broken=run_ir(package, folder / "work4", "max_trials=1"),
    )  # fmt: skip


def test_compiled_pipeline_pushes_a_model(ir_runs):
    folder, first = ir_runs.folder, ir_runs.first
    versions = pushed_versions(serving(folder))
    assert versions, first.stdout
    assert f"Pushed to {versions[0]}" in " ".join(first.stdout.split())
    for task in ("DataCheck", "CsvExampleGen", "AutoMLTuner", "Trainer", "Evaluator", "Pusher"):
        assert f"{task} done" in first.stdout
    report = task_output(folder / "work1", "DataCheck")["artifacts"]["report"]["artifacts"][0]
    checked = json.loads((Path(report["uri"]) / "data_check.json").read_text())
    assert checked["span"] == 1 and checked["labelled_rows"] == 400  # tests/e2e/spans.ROWS
    assert checked["task"] == "classification" and len(checked["classes"]) == 3


def test_bad_data_on_the_volume_stops_the_compiled_run_at_its_first_task_in_one_line(ir_runs):
    folder, broken = ir_runs.folder, ir_runs.broken
    assert broken.returncode != 0
    assert "task DataCheck failed" in " ".join((broken.stdout + broken.stderr).split())
    last = task_log(folder / "work4", "DataCheck").strip().splitlines()[-1]
    assert last == f"error: label column 'species' is empty in every row of {ir_runs.broken_span}"
    run = sorted((folder / "work4").glob("run-*"))[-1]
    assert not (run / "CsvExampleGen").exists()  # nothing read, nothing trained or pushed
    assert pushed_versions(serving(folder)) == ir_runs.pushed_before_drift


def test_pushed_model_is_equivalent_to_the_local_runners(ir_runs, penguins_run):
    folder = ir_runs.folder
    local_output, _ = penguins_run
    ir_model = pushed_versions(serving(folder))[0]
    local_model = pushed_versions(local_output / "serving" / "automl-penguins")[0]
    ir_outputs, ir_inputs = serve_penguins(ir_model)
    local_outputs, local_inputs = serve_penguins(local_model)
    assert ir_inputs == local_inputs  # the same features, transformed the same way
    assert set(ir_outputs) == set(local_outputs)
    ir_accuracy, local_accuracy = penguins_accuracy(ir_outputs), penguins_accuracy(local_outputs)
    assert ir_accuracy > 0.9
    assert abs(ir_accuracy - local_accuracy) < 0.05


def test_run_time_budget_reaches_the_tuner(ir_runs):
    folder = ir_runs.folder
    study = task_output(folder / "work1", "AutoMLTuner")["artifacts"]["study"]["artifacts"][0]
    assert study["metadata"]["trials"] == FIRST_TRIALS  # given at run time


def test_the_worker_task_shares_the_tuners_study(ir_runs):
    folder = ir_runs.folder
    assert "Worker joined study" in task_log(folder / "work1", "AutoMLTunerWorker1")
    artifact = task_output(folder / "work1", "AutoMLTuner")["artifacts"]["study"]["artifacts"][0]
    study = json.loads((Path(artifact["uri"]) / "study.json").read_text())
    trials = study["trials"]
    assert [t["number"] for t in trials] == list(range(FIRST_TRIALS))
    assert all(t["status"] in ("complete", "pruned") for t in trials)
    supervisors = {t["attrs"]["worker"] for t in trials}
    assert len(supervisors) == 2, "the Tuner and its worker task both ran trials"


def test_first_run_has_no_baseline_and_the_second_finds_the_first_model(ir_runs):
    folder = ir_runs.folder
    first = ir_runs.first_baseline["artifacts"]["model"]["artifacts"][0]["metadata"]
    assert first["absent"] == 1
    second = task_output(folder / "work2", "latest_pushed_model")
    found = second["artifacts"]["model"]["artifacts"][0]["metadata"]
    assert found["absent"] == 0
    first_version = pushed_versions(serving(folder))[0]
    assert found["pushed_version"] == first_version.name
    # TFMA says when it drops the baseline model spec for want of a baseline.
    no_baseline = "ignore the baseline ModelSpec"
    assert no_baseline in task_log(folder / "work1", "Evaluator")
    assert no_baseline not in task_log(folder / "work2", "Evaluator")


def test_second_run_warm_starts_from_the_first_study(ir_runs):
    folder = ir_runs.folder
    assert "Warm start from study" not in task_log(folder / "work1", "AutoMLTuner")
    assert "Warm start from study" in task_log(folder / "work2", "AutoMLTuner")


def test_the_data_gate_measures_span_2_against_span_1_from_the_volume(ir_runs):
    folder = ir_runs.folder
    first, second = gate_report(folder / "work1"), gate_report(folder / "work2")
    assert (first["span"], first["previous_span"], first["decision"]) == (1, None, "passed")
    assert (second["span"], second["previous_span"], second["decision"]) == (2, 1, "passed")
    assert any(m["kind"] == "drift" for m in second["measurements"])
    accepted = folder / "volume" / "history" / "automl-spans" / "spans"
    assert sorted(p.name for p in accepted.iterdir()) == ["span-1", "span-2"]


def test_a_drifted_span_stops_the_compiled_run_before_transform(ir_runs):
    folder, drifted = ir_runs.folder, ir_runs.drifted
    assert drifted.returncode != 0
    told = " ".join((drifted.stdout + drifted.stderr).split())
    assert "task DataGate failed" in told
    gate_log = " ".join(task_log(folder / "work3", "DataGate").split())
    assert "drift: bill_length_mm: Kolmogorov-Smirnov distance" in gate_log
    assert "against span 2" in gate_log
    run = sorted((folder / "work3").glob("run-*"))[-1]
    assert not (run / "Transform").exists()
    assert pushed_versions(serving(folder)) == ir_runs.pushed_before_drift
