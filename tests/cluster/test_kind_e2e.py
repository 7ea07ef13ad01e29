"""The compiled pipeline on a real cluster: submit with kind-cluster/kfp-run.sh, wait, find the
pushed model on the volume. Runs only where KUBECONFIG points at a cluster that
`make kind-up` prepared (KFP standalone, our manifests, the image loaded)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import AUTOML, REPO

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not os.environ.get("KUBECONFIG"),
        reason="needs KUBECONFIG pointing at a cluster prepared by make kind-up",
    ),
]
PORT = 18080


def kubectl(*args: str) -> str:
    done = subprocess.run(
        ["kubectl", "-n", "kubeflow", *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def kfp_api():
    forward = subprocess.Popen(
        ["kubectl", "-n", "kubeflow", "port-forward", "svc/ml-pipeline-ui", f"{PORT}:80"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while socket.socket().connect_ex(("127.0.0.1", PORT)) != 0:
            assert time.monotonic() < deadline, "the port-forward to KFP did not come up"
            time.sleep(1)
        yield f"http://localhost:{PORT}"
    finally:
        forward.terminate()


def test_pipeline_runs_on_the_cluster_and_pushes_a_model(kfp_api, tmp_path):
    before = set(kubectl("exec", "automl-volume", "--", "ls", "/automl/serving").split())
    env = {
        **os.environ,
        "KFP_HOST": kfp_api,
        "PIPELINE_PACKAGE": str(tmp_path / "pipeline.yaml"),
        "KFP_PARAMS": "max_trials=4",
    }
    config = tmp_path / "workers.yaml"
    config.write_text("tuner: {worker_pods: 1}\n")  # a worker pod shares the Tuner's study
    done = subprocess.run(
        ["bash", str(REPO / "kind-cluster" / "kfp-run.sh"), "--config", str(config)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=3 * 3600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCEEDED" in done.stdout
    served = kubectl("exec", "automl-volume", "--", "ls", "/automl/serving/automl-penguins")
    assert served.split(), f"no pushed model (before: {before})"
    # Argo names each pod's node after its task (".automltunerworker1." in its annotations).
    pods = kubectl("get", "pods", "-o", "json")
    assert "automltunerworker1" in pods.lower(), "the worker task ran as a pod of its own"


def test_a_second_run_is_refused_while_the_first_is_going(kfp_api, tmp_path):
    """Two runs would publish to one serving folder and train over each other's study."""
    package = str(tmp_path / "p.yaml")
    compiled = subprocess.run(
        [AUTOML, "compile", "--image", os.environ.get("IMAGE", "automl:dev"), "--output", package],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stderr
    submit = [sys.executable, str(REPO / "kind-cluster" / "submit.py"), "run", "--host", kfp_api,
              "--package", package]  # fmt: skip
    first = subprocess.run(submit, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(submit, capture_output=True, text=True, timeout=300)
    assert second.returncode == 75 and "is still going" in second.stderr
