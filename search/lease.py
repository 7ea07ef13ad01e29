"""Named leases in the study store's database: one holder at a time, across pods and machines.

On Kubernetes two runs can overlap (a manual `make kfp-run` beside the scheduled one) and
both publish to the serving folder on the volume: each publish clears the other's staging
folder and both can number the same version. Locally the output folder's flock prevents
that; a flock does not reach across the nodes of a cluster, but every task already reaches
the study store. So a publish takes the lease ``publish:<serving folder>`` first and the
other waits for it. A holder killed mid-publish blocks no one: on its own host its death is
seen at once (holders are named as the study's workers are: host, pid, start time), and
elsewhere its lease expires (``ttl_s``; a publish takes seconds, far less).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from search import store_schema
from search.liveness import alive_locally
from search.retry import retried
from search.store import open_engine
from search.store_schema import LEASES


class LeaseBusy(RuntimeError):
    """Another holder kept the lease for longer than we could wait; one line."""


class Leases:
    def __init__(self, url: str, retry_s: float = 60.0) -> None:
        self.engine = open_engine(url)
        retried(lambda: store_schema.migrate(self.engine), retry_s, "migrating its tables")

    def take(self, name: str, holder: str, ttl_s: float) -> str | None:
        """Takes (or renews) the lease; returns None, or who holds it instead."""
        now = time.time()
        try:
            with self.engine.begin() as conn:
                row = conn.execute(
                    sa.select(LEASES).where(LEASES.c.name == name).with_for_update()
                ).first()
                if row is None:
                    conn.execute(LEASES.insert().values(name=name, holder=holder,
                                                        expires_at=now + ttl_s))  # fmt: skip
                    return None
                gone = alive_locally(row.holder) is False
                if row.holder != holder and row.expires_at > now and not gone:
                    return str(row.holder)
                conn.execute(
                    LEASES.update().where(LEASES.c.name == name)
                    .values(holder=holder, expires_at=now + ttl_s)
                )  # fmt: skip
                return None
        except sa.exc.IntegrityError:  # another holder inserted it between our read and write
            return "another holder"

    def release(self, name: str, holder: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                LEASES.delete().where(LEASES.c.name == name, LEASES.c.holder == holder)
            )

    @contextmanager
    def held(
        self, name: str, holder: str, ttl_s: float = 600.0, wait_s: float = 1800.0,
        poll_s: float = 0.5,
    ) -> Iterator[None]:  # fmt: skip
        """Holds the lease for the block, waiting up to ``wait_s`` for another holder."""
        deadline = time.monotonic() + wait_s
        while (other := self.take(name, holder, ttl_s)) is not None:
            if time.monotonic() > deadline:
                raise LeaseBusy(f"{other} has held the lease {name} for over {wait_s:g} s")
            time.sleep(poll_s)
        try:
            yield
        finally:
            self.release(name, holder)
