"""A simulated life of scheduled retrains, through `automl retrain` as cron would call it.

Span 1 trains and pushes; span 2 warm-starts with the smaller budget, and a SIGKILL in the
middle of its push leaves span 1's model serving until the rerun publishes; span 3
has a drifted feature and stops before Transform, naming it; span 4's labels are scrambled
and its worse model is not pushed; rollback serves an earlier version again; a run that
finds the output folder busy is refused.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from components.baseline.pushed import latest_pushed_version
from components.pusher.versions import STAGING_PREFIX, read_record, versions
from pipeline.runners.run_lock import output_lock
from tests.conftest import AUTOML, REPO, run_automl
from tests.e2e.spans import write_span

pytestmark = pytest.mark.e2e

# A floor a scrambled-label model cannot pass; candidates within 20 points of the serving
# model are promoted (so that the push in the crash test happens for sure: two models trained
# on different spans can differ by a few of ~70 eval rows); metrics per island, the
# thresholds overall only (thresholds_per_slice is off).
CONFIG = "evaluator: {min_accuracy: 0.7, max_regression: 0.2, slices: [island]}\n"


def retrain_args(folder: Path, *extra: str) -> list[str]:
    args = ["retrain", "--data", str(folder / "spans"), "--label", "species"]
    args += ["--output", str(folder / "out"), "--config", str(folder / "config.yaml")]
    return [*args, *extra]


def retrain(folder: Path, *extra: str, env: dict | None = None):
    return run_automl(*retrain_args(folder, *extra), timeout=1200, env=env)


def retrain_killed_in_its_push(folder: Path) -> int:
    """Runs a retrain and SIGKILLs it the moment its push has started copying the model."""
    process = subprocess.Popen(
        [AUTOML, *retrain_args(folder)], cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    base = serving(folder)
    while process.poll() is None:
        if base.is_dir() and any(e.name.startswith(STAGING_PREFIX) for e in os.scandir(base)):
            process.kill()
            break
        time.sleep(0.001)
    return process.wait(timeout=1200)


def serving(folder: Path) -> Path:
    return folder / "out" / "serving" / "automl-spans"


def latest_study(folder: Path) -> dict:
    studies = folder / "out" / "pipeline_root" / "AutoMLTuner" / "study"
    newest = max(studies.iterdir(), key=lambda p: int(p.name))
    return json.loads((newest / "study.json").read_text())


def transform_runs(folder: Path) -> int:
    root = folder / "out" / "pipeline_root" / "Transform" / "transform_graph"
    return len(list(root.iterdir())) if root.exists() else 0


@pytest.fixture(scope="module")
def life(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retrain")
    (folder / "config.yaml").write_text(CONFIG)
    steps = {}
    write_span(folder / "spans", 1)
    steps["span1"] = retrain(folder)
    steps["span1_versions"] = versions(str(serving(folder)))
    steps["span1_study"] = latest_study(folder)

    write_span(folder / "spans", 2)
    steps["crash"] = retrain_killed_in_its_push(folder)
    steps["crash_versions"] = versions(str(serving(folder)))
    steps["crash_leftovers"] = sorted(p.name for p in serving(folder).iterdir())
    steps["span2"] = retrain(folder)
    steps["span2_versions"] = versions(str(serving(folder)))
    steps["span2_study"] = latest_study(folder)

    write_span(folder / "spans", 3, shift={"bill_length_mm": 25.0})
    transforms = transform_runs(folder)
    steps["span3"] = retrain(folder)
    steps["span3_new_transforms"] = transform_runs(folder) - transforms

    write_span(folder / "spans", 4, scramble_labels=True)
    steps["span4"] = retrain(folder)
    steps["span4_versions"] = versions(str(serving(folder)))

    with output_lock(folder / "out"):  # as if another scheduled run were still going
        steps["busy"] = retrain(folder)
    return folder, steps


def test_first_span_trains_and_pushes(life):
    import tensorflow_model_analysis as tfma

    folder, steps = life
    assert steps["span1"].returncode == 0, steps["span1"].stderr
    assert len(steps["span1_versions"]) == 1
    assert steps["span1_study"]["warm_start"]["earlier_results"] == 0  # nothing to start from
    evaluations = folder / "out" / "pipeline_root" / "Evaluator" / "evaluation"
    first = min(evaluations.iterdir(), key=lambda p: int(p.name))
    islands = {
        key.bytes_value.decode()
        for metrics in tfma.load_metrics(str(first))
        for key in metrics.slice_key.single_slice_keys
        if key.column == "island"
    }
    assert islands == {"Biscoe", "Dream", "Torgersen"}  # evaluator.slices: [island]
    (report,) = re.findall(r"Report (\S+\.html)", " ".join(steps["span1"].stdout.split()))
    page = Path(report).read_text()
    assert "By slice (evaluator.slices)" in page and "<td>island=Dream</td>" in page


def test_a_crash_during_push_leaves_the_previous_version_serving(life):
    folder, steps = life
    assert steps["crash"] == -9, "the push ended before the kill"
    assert steps["crash_versions"] == steps["span1_versions"]
    assert any(name.startswith(".pushing-") for name in steps["crash_leftovers"])
    # The rerun published span 2's model and cleared what the crash left.
    assert steps["span2"].returncode == 0, steps["span2"].stderr
    assert len(steps["span2_versions"]) == 2
    newest = serving(folder) / str(steps["span2_versions"][-1])
    assert read_record(str(newest))["span"] == 2
    assert not any(p.name.startswith(".pushing-") for p in serving(folder).iterdir())


def test_second_span_warm_starts_with_the_smaller_budget(life):
    _, steps = life
    first, second = steps["span1_study"], steps["span2_study"]
    assert second["warm_start"]["earlier_results"] > 0
    assert second["warm_start"]["replayed"]  # the earlier best points were tried first
    assert second["budget"]["max_epochs"] == pytest.approx(first["budget"]["max_epochs"])
    assert first["budget"]["max_epochs"] == pytest.approx(0.5 * 4 * 5)  # half of 4 trials


def test_drifted_span_stops_before_transform_naming_the_feature(life):
    _, steps = life
    result = steps["span3"]
    assert result.returncode == 1
    assert "found in span 3" in result.stderr and "drift: bill_length_mm" in result.stderr
    assert "against span 2" in result.stderr
    assert steps["span3_new_transforms"] == 0


def test_scrambled_labels_give_a_worse_model_that_is_not_pushed(life):
    folder, steps = life
    assert steps["span4"].returncode == 0, steps["span4"].stderr
    assert steps["span4_versions"] == steps["span2_versions"]
    assert "not pushed" in " ".join(steps["span4"].stdout.split()).lower()


def test_overlapping_runs_are_refused(life):
    _, steps = life
    result = steps["busy"]
    assert result.returncode == 75
    assert "another run is using" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_rollback_serves_an_earlier_version_and_history_tells_the_story(life):
    folder, steps = life
    where = ["--output", str(folder / "out"), "--data", str(folder / "spans")]
    first, second = steps["span2_versions"]
    result = run_automl("rollback", *where)
    assert result.returncode == 0, result.stderr
    now = versions(str(serving(folder)))
    assert len(now) == 3
    newest = serving(folder) / str(now[-1])
    assert read_record(str(newest))["rollback_of"] == first
    assert latest_pushed_version(str(serving(folder))) == str(newest)
    assert (newest / "saved_model.pb").read_bytes() == (
        serving(folder) / str(first) / "saved_model.pb"
    ).read_bytes()
    refused = run_automl("rollback", *where, "--to", "12345")
    assert refused.returncode == 2 and "is not in" in refused.stderr

    again = run_automl("rollback", *where)  # the first model is the oldest there is
    assert again.returncode == 2
    assert f"(version {first}): nothing older to roll back to" in again.stderr

    shown = run_automl("history", *where, env={"COLUMNS": "300"})
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "stopped" in text and "bill_length_mm" in text
    assert "rejected" in text and "rollback" in text
    assert str(second) in text and "serving" in text and "pinned (automl unpin)" in text


def test_a_rolled_back_version_stays_served_until_unpinned(life):
    folder, _ = life
    where = ["--output", str(folder / "out"), "--data", str(folder / "spans")]
    pinned = versions(str(serving(folder)))
    write_span(folder / "spans", 5)
    held = retrain(folder)
    assert held.returncode == 0, held.stderr
    assert versions(str(serving(folder))) == pinned  # blessed, yet the pin held it back
    assert "a rollback pinned the serving version" in " ".join(held.stdout.split())
    assert run_automl("unpin", *where).returncode == 0
    write_span(folder / "spans", 6)
    pushed = retrain(folder)
    assert pushed.returncode == 0, pushed.stderr
    assert len(versions(str(serving(folder)))) == len(pinned) + 1
    shown = run_automl("history", *where, env={"COLUMNS": "300"})
    assert f"version {pinned[-1]} is pinned (automl unpin)" in " ".join(shown.stdout.split())
