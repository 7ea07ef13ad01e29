"""Our image, built here (`make image`), and the compiled pipeline run in it by
`automl run-ir --docker` with the cluster's layout: artifacts under minio:// (a folder at
/minio, as KFP's launcher keeps them) and the volume at /automl. Skipped, saying why, where
no Docker engine can be started."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import REPO, run_automl
from tests.e2e.serving import penguins_accuracy, pushed_versions, serve_penguins

pytestmark = pytest.mark.e2e
IMAGE = "automl:test"


@pytest.fixture(scope="module")
def image():
    engine = subprocess.run(
        ["bash", str(REPO / "kind-cluster" / "docker-engine.sh")], capture_output=True, text=True
    )
    if engine.returncode != 0:
        pytest.skip(f"no Docker engine could be started: {engine.stderr.strip()[-300:]}")
    built = subprocess.run(
        ["make", "image", f"IMAGE={IMAGE}"], capture_output=True, text=True, cwd=REPO,
        timeout=3600,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return IMAGE


def in_image(image: str, *command: str) -> str:
    done = subprocess.run(
        ["docker", "run", "--rm", image, *command], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_image_runs_the_project_as_a_non_root_user(image):
    assert in_image(image, "id", "-u").strip() == "10001"  # the Dockerfile's USER
    assert in_image(image, "python", "--version").startswith("Python 3.11")
    assert "run-ir" in in_image(image, "automl", "--help")
    assert "penguins" in in_image(image, "ls", "/opt/automl/schemas")
    size = subprocess.run(
        ["docker", "image", "inspect", image, "--format", "{{.Size}}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    print(f"{image}: {int(size) / 1e9:.2f} GB")
    assert int(size) < 4e9


def test_compiled_pipeline_runs_in_the_image_to_a_pushed_model(image, tmp_path):
    package = tmp_path / "pipeline.yaml"
    compiled = run_automl("compile", "--image", image, "--output", str(package))
    assert compiled.returncode == 0, compiled.stderr
    work, volume = tmp_path / "work", tmp_path / "volume"
    result = run_automl(
        "run-ir", str(package), "--docker", "--work", str(work), "--volume", str(volume),
        "--param", "max_trials=2", timeout=2400,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (version,) = pushed_versions(volume / "serving" / "automl-penguins")
    assert version.stat().st_uid == os.getuid()  # written by the caller's user, not root
    assert f"Pushed to {version}" in " ".join(result.stdout.split())
    # Artifacts went where KFP's launcher would upload them from: /minio/<bucket>/...
    assert list((work / "minio" / "mlpipeline" / "v2" / "artifacts").glob("run-*/Trainer/model"))
    outputs, _ = serve_penguins(version)
    assert penguins_accuracy(outputs) > 0.9
