"""When a run may be skipped: only if config, data, schema, code and metadata are unchanged."""

import json
from pathlib import Path

import pytest

from pipeline.runners import up_to_date
from pipeline.definition.config import build_config
from pipeline.definition.dataset import profile_and_stage
from pipeline.definition.layout import Layout
from pipeline.report.run_summary import RunSummary

CSV = "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20))


@pytest.fixture
def recorded(tmp_path: Path):
    data = tmp_path / "d.csv"
    data.write_text(CSV)
    config = build_config(data=data, label="y", output=tmp_path / "out")
    profile = profile_and_stage(data, "y", None, Layout(config.output).staged)
    Layout(config.output).metadata.write_bytes(b"store")
    pushed = tmp_path / "out" / "serving" / "v1"
    pushed.mkdir(parents=True)
    summary = RunSummary(run_id="r1", blessed=True, pushed_to=str(pushed))
    up_to_date.record_run(config, profile, summary)
    return config, profile, data


def test_identical_run_is_up_to_date(recorded):
    config, profile, _ = recorded
    summary = up_to_date.recorded_summary(config, profile)
    assert summary is not None and summary.run_id == "r1" and summary.blessed


def test_changed_config_runs_again(recorded):
    config, profile, data = recorded
    changed = build_config(data=data, label="y", output=config.output, **{"tuner.max_trials": 9})
    assert up_to_date.recorded_summary(changed, profile) is None


def test_changed_data_runs_again(recorded, tmp_path):
    config, _, data = recorded
    data.write_text(CSV + "99,1\n")
    profile = profile_and_stage(data, "y", None, Layout(config.output).staged)
    assert up_to_date.recorded_summary(config, profile) is None


def test_another_run_in_the_same_store_runs_again(recorded):
    config, profile, _ = recorded
    Layout(config.output).metadata.write_bytes(b"store, then another pipeline's run")
    assert up_to_date.recorded_summary(config, profile) is None


def test_removed_model_runs_again(recorded):
    config, profile, _ = recorded
    (config.output / "serving" / "v1").rmdir()
    assert up_to_date.recorded_summary(config, profile) is None


def test_cache_disabled_never_skips(recorded):
    config, profile, data = recorded
    no_cache = build_config(data=data, label="y", output=config.output, enable_cache=False)
    assert up_to_date.recorded_summary(no_cache, profile) is None


def test_corrupt_record_runs_again(recorded):
    config, profile, _ = recorded
    (config.output / up_to_date.RECORD).write_text("{not json")
    assert up_to_date.recorded_summary(config, profile) is None


def test_code_change_changes_the_fingerprint(recorded, monkeypatch):
    config, profile, _ = recorded
    before = up_to_date.fingerprint(config, profile)
    monkeypatch.setattr(up_to_date, "_code_digest", lambda: "edited run_fn")
    assert up_to_date.fingerprint(config, profile) != before
    record = json.loads((config.output / up_to_date.RECORD).read_text())
    assert record["fingerprint"] == before


def test_the_code_digest_reads_every_package_of_ours(tmp_path, monkeypatch):
    """The code the fingerprint covers is found where it is (a moved module must not leave
    it hashing nothing), and an edit in any of our packages changes it."""
    for package in up_to_date._OWN_PACKAGES:
        assert (up_to_date.CODE_ROOT / package / "__init__.py").is_file(), package
        (tmp_path / package).mkdir()
        (tmp_path / package / "module.py").write_text("x = 1\n")
    monkeypatch.setattr(up_to_date, "CODE_ROOT", tmp_path)
    digests = []
    for package in up_to_date._OWN_PACKAGES:
        up_to_date._code_digest.cache_clear()
        digests.append(up_to_date._code_digest())
        (tmp_path / package / "module.py").write_text("x = 2\n")
    up_to_date._code_digest.cache_clear()
    digests.append(up_to_date._code_digest())
    up_to_date._code_digest.cache_clear()
    assert len(set(digests)) == len(digests)
