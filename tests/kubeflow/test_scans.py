"""checkov over what we ship to run: deploy/ (the image's Dockerfile, the systemd units) and
kind-cluster/. Zero failed checks; a check skipped is skipped in the file itself, with its
reason, and the test lists every skip so that a new one is seen in review."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import REPO

# Each skip and where it lives; a skip added or removed in the files must be added here too.
EXPECTED_SKIPS = {
    ("dockerfile", "CKV_DOCKER_2"),  # a batch task's image: no server to health-check
    ("dockerfile", "CKV_DOCKER_7"),  # the base image is a build argument
    ("kubernetes", "CKV_K8S_8"),  # the volume pod serves nothing: no liveness probe
    ("kubernetes", "CKV_K8S_9"),  # ... and no readiness probe
    ("kubernetes", "CKV_K8S_15"),  # an image loaded into kind cannot be pulled (Always)
    ("kubernetes", "CKV_K8S_43"),  # ... and has no registry digest
}


def checkov() -> str:
    found = shutil.which("checkov") or str(REPO / ".venv-tools" / "bin" / "checkov")
    if not shutil.which(found):
        pytest.skip("checkov is not installed (make test-tools installs it in .venv-tools)")
    return found


def scan(*target: str) -> list[dict]:
    done = subprocess.run(
        [checkov(), *target, "--compact", "--skip-download", "-o", "json"],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert done.stdout.strip(), done.stderr[-2000:]
    reports = json.loads(done.stdout)
    return reports if isinstance(reports, list) else [reports]


TARGETS = [("-d", "deploy"), ("-d", "kind-cluster")]


@pytest.mark.parametrize("target", TARGETS)
def test_checkov_finds_no_failure(target):
    for report in scan(*target):
        if "results" not in report:  # nothing of a framework it scans (deploy/: systemd)
            continue
        failed = report["results"]["failed_checks"]
        assert not failed, [(c["check_id"], c["resource"], c["file_path"]) for c in failed]
        assert report["summary"]["passed"] > 0
        for skipped in report["results"]["skipped_checks"]:
            kind, check = report["check_type"], skipped["check_id"]
            assert (kind.replace("kustomize", "kubernetes"), check) in EXPECTED_SKIPS, check
            assert skipped["check_result"].get("suppress_comment"), f"{check} skipped without why"
