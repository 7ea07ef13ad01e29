"""Published versions: atomic, numbered above the newest, with their record; a publish that
dies before its rename leaves the previous version the newest and is cleared by the next."""

from __future__ import annotations

import json
import subprocess
import sys

from components.pusher import versions
from tests.conftest import REPO


def model(folder):
    folder.mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"graph")
    (folder / "variables").mkdir()
    (folder / "variables" / "variables.index").write_bytes(b"weights")
    return folder


def test_publish_numbers_above_the_newest_and_keeps_the_record(tmp_path):
    base = tmp_path / "serving"
    (base / "9999999999").mkdir(parents=True)  # a version from the future (a rollback, say)
    target = versions.publish(str(model(tmp_path / "m")), str(base), {"span": 3})
    assert target == str(base / "10000000000")
    assert versions.versions(str(base)) == [9999999999, 10000000000]
    assert versions.read_record(target) == {"span": 3, "version": 10000000000}
    assert (base / "10000000000" / "variables" / "variables.index").read_bytes() == b"weights"


def test_a_publish_that_dies_before_its_rename_changes_nothing_served(tmp_path):
    base = tmp_path / "serving"
    first = versions.publish(str(model(tmp_path / "m1")), str(base), {"span": 1})
    code = (
        "import sys; from components.pusher import versions; "
        "versions.publish(sys.argv[1], sys.argv[2], {'span': 2})"
    )
    died = subprocess.run(
        [sys.executable, "-c", code, str(model(tmp_path / "m2")), str(base)],
        env={versions.CRASH_ENV: "1", "PATH": ""},
        cwd=REPO,
        check=False,
    )
    assert died.returncode == 86
    assert versions.versions(str(base)) == [int(first.rsplit("/", 1)[1])]
    assert [p.name for p in base.iterdir() if p.name.startswith(".pushing-")]
    versions.publish(str(tmp_path / "m2"), str(base), {"span": 2})
    assert not [p.name for p in base.iterdir() if p.name.startswith(".pushing-")]
    newest = base / str(versions.versions(str(base))[-1])
    assert json.loads((newest / versions.VERSION_FILE).read_text())["span"] == 2
