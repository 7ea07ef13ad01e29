"""The publish lease in the study store (SQLite and PostgreSQL): one holder at a time, an
expired holder's lease is taken over, and publishing processes that race for one serving
folder publish one after the other, each a whole version of its own."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from components.pusher import versions
from search.lease import LeaseBusy, Leases
from search.store import worker_name
from tests.conftest import REPO


def test_one_holder_at_a_time_and_an_expired_lease_is_taken_over(store_url):
    leases = Leases(store_url)
    assert leases.take("publish:/srv", "a", ttl_s=0.5) is None
    assert leases.take("publish:/srv", "b", ttl_s=0.5) == "a"
    assert leases.take("publish:/srv", "a", ttl_s=0.5) is None  # its holder renews it
    time.sleep(0.6)  # a holder killed mid-publish blocks no one for longer than its lease
    assert leases.take("publish:/srv", "b", ttl_s=60) is None
    with pytest.raises(LeaseBusy, match="b has held the lease publish:/srv"):
        with leases.held("publish:/srv", "c", wait_s=0.3, poll_s=0.1):
            pass
    leases.release("publish:/srv", "b")
    with leases.held("publish:/srv", "c"):
        assert leases.take("publish:/srv", "d", ttl_s=60) == "c"
    assert leases.take("publish:/srv", "d", ttl_s=60) is None  # released on leaving


def test_a_lease_whose_holder_died_on_this_host_is_taken_at_once(store_url):
    holder = subprocess.run(
        [sys.executable, "-c", "from search.store import worker_name; print(worker_name())"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.strip()  # a process that has ended (as one SIGKILLed mid-publish has)
    leases = Leases(store_url)
    assert leases.take("publish:/srv", holder, ttl_s=600) is None
    assert leases.take("publish:/srv", worker_name(), ttl_s=600) is None


PUBLISH = """
import sys
from components.pusher import versions
from search.lease import Leases
url, source, base, span = sys.argv[1:]
with Leases(url).held("publish:" + base, "pod-" + span):
    versions.publish(source, base, {"span": int(span)})
"""


def test_racing_publishes_through_the_lease_each_publish_a_whole_version(tmp_path, store_url):
    source = tmp_path / "model"
    (source / "variables").mkdir(parents=True)
    for i in range(200):
        (source / "variables" / f"part-{i}").write_bytes(bytes([i]) * 20_000)
    base = tmp_path / "serving"
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", PUBLISH, store_url, str(source), str(base), str(span)],
            cwd=REPO, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for span in range(4)
    ]
    for racer in racers:
        assert racer.wait(timeout=300) == 0, racer.stderr.read()
    published = versions.versions(str(base))
    assert len(published) == 4  # four versions, none numbered twice
    assert sorted(versions.read_record(str(base / str(v)))["span"] for v in published) == [
        0, 1, 2, 3
    ]
    for version in published:
        assert len(list((base / str(version) / "variables").iterdir())) == 200
    assert not [p for p in base.iterdir() if p.name.startswith(versions.STAGING_PREFIX)]
