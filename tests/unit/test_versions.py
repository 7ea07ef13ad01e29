"""Published versions: atomic, numbered above the newest, with their record; a publish killed
(SIGKILL) at any moment leaves only complete versions and is cleared by the next; rollbacks
walk back through what was pushed; a pin survives and a damaged one still pins."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

from components.pusher import versions
from tests.conftest import REPO


def model(folder, files: int = 2, size: int = 5):
    folder.mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"graph" * size)
    (folder / "variables").mkdir()
    for i in range(files - 1):
        (folder / "variables" / f"variables-{i}").write_bytes(bytes([i % 256]) * size)
    return folder


def contents(folder) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != versions.VERSION_FILE
    }


def test_publish_numbers_above_the_newest_and_keeps_the_record(tmp_path):
    base = tmp_path / "serving"
    (base / "9999999999").mkdir(parents=True)  # a version from the future (a rollback, say)
    target = versions.publish(str(model(tmp_path / "m")), str(base), {"span": 3})
    assert target == str(base / "10000000000")
    assert versions.versions(str(base)) == [9999999999, 10000000000]
    assert versions.read_record(target) == {"span": 3, "version": 10000000000}
    assert contents(base / "10000000000") == contents(tmp_path / "m")


def test_a_publish_killed_at_random_moments_leaves_only_complete_versions(tmp_path):
    """SIGKILL a publishing process 25 times, at moments spread over a whole publish; after
    each, every published version is whole and has its record, and a publish then ends."""
    base, source = tmp_path / "serving", model(tmp_path / "m", files=300, size=20_000)
    expected = contents(source)
    code = (
        "import sys; from components.pusher import versions; print('ready', flush=True); "
        "sys.stdin.readline(); versions.publish(sys.argv[1], sys.argv[2], {'span': 1})"
    )

    def publish_for(seconds: float | None) -> float:
        """Starts a publish and kills it after ``seconds`` (None: lets it end); its time."""
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(source), str(base)], cwd=REPO,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stdout.readline() == "ready\n"  # the interpreter started: time the publish
        began = time.monotonic()
        process.stdin.write("go\n")
        process.stdin.flush()
        if seconds is not None:
            time.sleep(seconds)
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=120)
        return time.monotonic() - began

    whole = publish_for(None)
    rng = random.Random(7)
    kills, cut_short = 25, 0
    for i in range(kills):
        publish_for(whole * (i + rng.random()) / kills * 1.1)  # stratified over the publish
        cut_short += any(p.name.startswith(versions.STAGING_PREFIX) for p in base.iterdir())
        for version in versions.versions(str(base)):
            folder = base / str(version)
            assert versions.read_record(str(folder))["version"] == version
            assert contents(folder) == expected, version
    assert cut_short >= kills // 4  # kills landed inside the copy, as meant
    publish_for(None)
    assert not [p for p in base.iterdir() if p.name.startswith(versions.STAGING_PREFIX)]
    assert contents(base / str(versions.versions(str(base))[-1])) == expected


def push(base, source, span: int) -> int:
    return int(versions.publish(str(source), str(base), {"span": span}).rsplit("/", 1)[1])


def rollback(base, target: int, current: int) -> int:
    """What `automl rollback` publishes: a copy of ``target`` naming what it replaced."""
    record = versions.read_record(str(base / str(target)))
    new = versions.publish(
        str(base / str(target)), str(base), {**record, "rollback_of": target, "replaced": current}
    )
    return int(new.rsplit("/", 1)[1])


def test_each_rollback_goes_one_pushed_model_further_back(tmp_path):
    base = tmp_path / "serving"
    pushed = [push(base, model(tmp_path / f"m{i}"), i) for i in (1, 2, 3)]
    assert versions.rollback_target(str(base)) == (pushed[1], pushed[2])
    first = rollback(base, pushed[1], pushed[2])
    # The second goes past the model the first one replaced, not back to it.
    assert versions.rollback_target(str(base)) == (pushed[0], pushed[1])
    second = rollback(base, pushed[0], first)
    assert versions.origin(str(base), second) == pushed[0]
    assert versions.rollback_target(str(base)) == (None, pushed[0])  # nothing older
    # A new push serves a new model; rolling back from it returns to the newest before it.
    newest = push(base, model(tmp_path / "m4"), 4)
    assert versions.rollback_target(str(base))[0] == pushed[2]
    assert versions.origin(str(base), newest) == newest


def test_a_pin_is_kept_and_a_damaged_pin_still_pins(tmp_path):
    base = tmp_path / "serving"
    assert versions.pinned(str(base)) is None
    versions.pin(str(base), 12, "rollback to 11")
    assert versions.pinned(str(base))["version"] == 12
    (base / versions.PIN_FILE).write_text("{not json")
    assert versions.pinned(str(base)) is not None  # fail safe: still held
    assert versions.unpin(str(base)) is not None
    assert versions.pinned(str(base)) is None and versions.unpin(str(base)) is None
    assert versions.versions(str(base)) == []  # a pin file is not a version


def test_an_unreadable_record_reads_as_empty(tmp_path, caplog):
    folder = model(tmp_path / "serving" / "5")
    (folder / versions.VERSION_FILE).write_text('{"span": ')
    assert versions.read_record(str(folder)) == {}
    assert "unreadable record" in caplog.text
