"""A study store password reaches the Tuner and nothing that is kept: not MLMD, not the run's
files or output, not a compiled pipeline (issue 22, secrets). A real run against a real
PostgreSQL server that refuses connections without the password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.runners import kfp_package
from search.store_url import PASSWORD_ENV
from tests.conftest import run_automl
from tests.workers import postgres

pytestmark = pytest.mark.e2e
PASSWORD = "pw-Kf83-never-kept"
MASKED = "automl:***@"
IMAGE = ("--image", "registry.example/automl:1.2")


@pytest.fixture(scope="module")
def database():
    with postgres.server(password=PASSWORD) as folder:
        if folder is None:
            pytest.skip("PostgreSQL is not installed (make test-tools installs it)")
        url = postgres.new_database(folder, password=PASSWORD)
        # As docs/parallel.md writes it: the bare scheme, the password in the URL.
        yield url.replace("postgresql+psycopg2://automl@", f"postgresql://automl:{PASSWORD}@")


def files_holding(root: Path, secret: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and secret in p.read_bytes()]


def test_a_run_with_a_password_in_the_store_url_keeps_it_nowhere(database, tmp_path):
    config = tmp_path / "store.yaml"
    config.write_text(yaml.safe_dump({"tuner": {
        "study_store": database, "snapshot_dir": str(tmp_path / "weights"),
        "epochs_per_trial": 2,
    }}))  # fmt: skip
    output = tmp_path / "out"
    result = run_automl(
        "run", "--output", str(output), "--config", str(config), "--max-trials", "2",
        env={PASSWORD_ENV: ""},  # the password comes from the URL alone
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 trials, 2 completed" in result.stdout  # the Tuner reached the server
    assert PASSWORD not in result.stdout + result.stderr
    assert any(output.rglob("metadata.sqlite"))  # MLMD is among what was searched below
    assert files_holding(output, PASSWORD.encode()) == []  # MLMD, artifacts, logs, history


def test_compile_refuses_a_password_and_takes_it_from_a_secret(database, tmp_path):
    config = tmp_path / "store.yaml"
    config.write_text(yaml.safe_dump({"tuner": {"study_store": database}}))
    output = tmp_path / "pipeline.json"
    refused = run_automl("compile", *IMAGE, "--config", str(config), "--output", str(output))
    assert refused.returncode == 2
    message = refused.stderr.strip() or refused.stdout.strip()
    assert "\n" not in message and "tuner.study_store_secret" in message, message
    assert MASKED in message and PASSWORD not in refused.stdout + refused.stderr
    assert not output.exists() and not (tmp_path / "volume").exists()

    without = database.replace(f":{PASSWORD}@", "@")
    config.write_text(yaml.safe_dump(
        {"tuner": {"study_store": without, "study_store_secret": "automl-study-store"}}
    ))  # fmt: skip
    done = run_automl("compile", *IMAGE, "--config", str(config), "--output", str(output))
    assert done.returncode == 0, done.stdout + done.stderr
    job = kfp_package.read(output)
    assert PASSWORD not in json.dumps(job)
    executors = job["platformSpec"]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert executors and all(
        e["secretAsEnv"] == [{
            "secretName": "automl-study-store",
            "keyToEnv": [{"secretKey": "password", "envVar": PASSWORD_ENV}],
        }]
        for e in executors.values()
    )  # fmt: skip
