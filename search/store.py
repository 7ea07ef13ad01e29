"""A durable study that several workers share: SQLite in WAL mode locally, any SQLAlchemy
database (PostgreSQL, MySQL) on a cluster.

Why a database and not files or a chief service: a transaction is the well-tested lock we need.
Claiming a trial (read the history, let the strategy propose, insert the new trial as running)
happens inside one write transaction, so two workers never get the same trial and never
propose from the same stale history, and a result is one atomic UPDATE. SQLite serialises the
claims with ``BEGIN IMMEDIATE`` (WAL keeps readers unblocked); server databases with a
``SELECT ... FOR UPDATE`` of the study row. This is Optuna's RDBStorage design (same engine
layer, heartbeats, retry of trials whose worker died), not a new protocol.

A running trial belongs to a worker named ``host:pid:start-time``. On the worker's own host a
dead process is seen at once (its pid is gone or reused), which makes a local resume after
``kill -9`` immediate; elsewhere a worker is dead when its heartbeat is older than
``heartbeat_timeout_s``. A dead worker's trial is handed, with the same point, fidelity and
seed, to the next worker that claims, up to ``max_attempts`` times, and then fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Collection
from typing import Any

import sqlalchemy as sa

from search import store_schema, store_url
from search.liveness import alive_locally, worker_name
from search.retry import outlasting_outages, retried
from search.storage import CLOSED, Claim, StoredStudy, StudyMismatch
from search.store_schema import STUDIES, TRIALS
from search.trial import Trial, TrialStatus, trial_from_record, trial_to_record

__all__ = ["CLOSED", "Claim", "StoredStudy", "StudyMismatch", "StudyStore", "worker_name"]

def open_engine(url: str) -> sa.Engine:
    """An engine for a store URL: a server with timeouts and keepalives, or SQLite in WAL
    mode whose transactions take the write lock first."""
    target = store_url.connectable(url)
    if target.get_backend_name() != "sqlite":
        return sa.create_engine(
            target, pool_pre_ping=True, connect_args=store_url.connect_args(target)
        )
    engine = sa.create_engine(target, connect_args={"timeout": 120})

    @sa.event.listens_for(engine, "connect")
    def _connect(connection: Any, _: Any) -> None:
        connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=120000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before reading

    return engine


def _lock_key(conn: sa.Connection, key: str) -> None:
    """Two Tuners opening the same inputs at once (a retried KFP task beside the pod it
    replaces) must find one study, not start two: there is no row yet to SELECT FOR UPDATE,
    so PostgreSQL locks the key itself for the transaction. SQLite's BEGIN IMMEDIATE already
    serialises every write transaction."""
    if conn.dialect.name == "postgresql":
        lock = int(hashlib.sha256(key.encode()).hexdigest()[:15], 16)  # fits a signed bigint
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})


class StudyStore:
    """The SQLAlchemy study store (search.storage.StudyStorage): every database SQLAlchemy
    reaches. Open one with search.storage.open_store."""

    def __init__(
        self,
        url: str,
        heartbeat_timeout_s: float = 60.0,
        max_attempts: int = 3,
        retry_s: float = 60.0,
        migrate: bool = True,
    ) -> None:
        """``retry_s``: how long an operation keeps trying through a database outage
        (search.retry); a remote worker's heartbeat_timeout_s should exceed it. ``migrate``
        False: the caller knows the schema is current (a trial process, whose supervisor
        opened the store before forking it)."""
        if url.startswith("sqlite:///"):
            os.makedirs(os.path.dirname(os.path.abspath(url[len("sqlite:///") :])), exist_ok=True)
        self.url = url
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.max_attempts = max_attempts
        self.retry_s = retry_s
        self.engine = open_engine(url)
        if migrate:
            retried(lambda: store_schema.migrate(self.engine), retry_s, "migrating its tables")

    @outlasting_outages
    def open(
        self,
        key: str,
        searched: dict[str, Any],
        job: dict[str, Any],
        resume: bool = True,
        problem: str | None = None,
    ) -> StoredStudy:
        """The unfinished study for ``key`` (resumed), else a new one.

        ``searched`` is what proposals depend on (space, strategy, estimator, seed...): an
        unfinished study started with other values is refused (StudyMismatch), never mixed
        into, and ``resume=False`` abandons it (its trials stay in the store) to start afresh.
        ``job`` is what a worker needs to join (data, budget); a resume replaces it.
        ``problem`` names what was searched for (task and model inputs), which a later warm
        start must share (see latest_finished).
        """
        fingerprint = hashlib.sha256(json.dumps(searched, sort_keys=True).encode()).hexdigest()
        settings = {"searched": searched, "job": job, "problem": problem}
        with self.engine.begin() as conn:
            _lock_key(conn, key)
            row = conn.execute(
                sa.select(STUDIES)
                .where(STUDIES.c.key == key, STUDIES.c.state == "running")
                .order_by(STUDIES.c.id.desc())
            ).first()
            if row is not None and resume:
                if row.fingerprint != fingerprint:
                    old = json.loads(row.settings)["searched"]
                    raise StudyMismatch(_mismatch(old, searched, row.id))
                conn.execute(
                    STUDIES.update()
                    .where(STUDIES.c.id == row.id)
                    .values(settings=json.dumps(settings, sort_keys=True))
                )
                return StoredStudy(row.id, True, settings)
            if row is not None:
                conn.execute(
                    STUDIES.update().where(STUDIES.c.id == row.id).values(state="abandoned")
                )
            inserted = conn.execute(
                STUDIES.insert().values(
                    key=key,
                    fingerprint=fingerprint,
                    state="running",
                    settings=json.dumps(settings, sort_keys=True),
                    created=time.time(),
                )
            ).inserted_primary_key
            assert inserted is not None  # an INSERT of one row has its key
            study_id = inserted[0]
            return StoredStudy(int(study_id), False, settings)

    @outlasting_outages
    def latest_finished(
        self, other_than_key: str, space: str, problem: str | None = None
    ) -> int | None:
        """The newest finished study of another key (earlier data) over the same space and,
        when ``problem`` is given, for the same problem: what a retrain warm-starts from. A
        server store is shared by many pipelines, and another dataset's results (other losses,
        other inputs) would mislead the strategy rather than start it."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(STUDIES.c.id, STUDIES.c.settings)
                .where(STUDIES.c.state == "finished", STUDIES.c.key != other_than_key)
                .order_by(STUDIES.c.id.desc())
            ).all()
        for row in rows:
            settings = json.loads(row.settings)
            if settings["searched"].get("space") != space:
                continue
            if problem is None or settings.get("problem") == problem:
                return int(row.id)
        return None

    @outlasting_outages
    def newest(self, key: str) -> tuple[int, str] | None:
        """The newest study for ``key`` and its state: what a worker pod joins."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(STUDIES.c.id, STUDIES.c.state)
                .where(STUDIES.c.key == key)
                .order_by(STUDIES.c.id.desc())
            ).first()
        return (int(row.id), str(row.state)) if row is not None else None

    @outlasting_outages
    def running_elsewhere(self, study_id: int, worker: str) -> int:
        """Trials of the study that live workers other than ``worker`` are running."""
        now = time.time()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(TRIALS).where(
                    TRIALS.c.study_id == study_id,
                    TRIALS.c.status == TrialStatus.RUNNING.value,
                    TRIALS.c.worker != worker,
                )
            ).all()
        return sum(self._alive(row, now) for row in rows)

    @outlasting_outages
    def settings(self, study_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            text = conn.execute(
                sa.select(STUDIES.c.settings).where(STUDIES.c.id == study_id)
            ).scalar_one()
        settings: dict[str, Any] = json.loads(text)
        return settings

    @outlasting_outages
    def trials(self, study_id: int) -> list[Trial]:
        with self.engine.connect() as conn:
            return [trial_from_record(json.loads(r)) for r in self._records(conn, study_id)]

    @outlasting_outages
    def claim(
        self,
        study_id: int,
        worker: str,
        propose: Callable[[list[Trial]], Trial | str],
        holding: Collection[int] | None = None,
    ) -> Claim:
        """The next trial for ``worker``: a dead worker's trial first, else ``propose``'s new
        one (given the whole history; it returns a Trial numbered ``len(history)``, or the
        reason there is none), all in one write transaction. A closed study gives none.

        ``holding``: the trials ``worker`` knows it runs. Given, a running trial that the
        store says ``worker`` holds and ``holding`` lacks can only be one an earlier try of
        this claim committed without hearing back (search.retry); it is returned, so that the
        retry claims no second trial and none is left running with no process."""
        now = time.time()
        with self.engine.begin() as conn:
            state = conn.execute(
                sa.select(STUDIES.c.state).where(STUDIES.c.id == study_id).with_for_update()
            ).scalar_one()
            if state != "running":
                return Claim(None, CLOSED)
            for row in conn.execute(
                sa.select(TRIALS).where(
                    TRIALS.c.study_id == study_id, TRIALS.c.status == TrialStatus.RUNNING.value
                )
            ).all():
                if holding is not None and row.worker == worker and row.number not in holding:
                    trial = trial_from_record(json.loads(row.record))
                    return Claim(trial, retried=row.attempts > 1)
                if self._alive(row, now):
                    continue
                match = (TRIALS.c.study_id == study_id) & (TRIALS.c.number == row.number)
                if row.attempts >= self.max_attempts:
                    failed = json.loads(row.record) | {
                        "status": TrialStatus.FAILED.value,
                        "error": f"its worker died {row.attempts} times (last: {row.worker})",
                    }
                    conn.execute(
                        TRIALS.update()
                        .where(match)
                        .values(status=TrialStatus.FAILED.value, record=json.dumps(failed))
                    )
                    continue
                conn.execute(
                    TRIALS.update()
                    .where(match)
                    .values(worker=worker, heartbeat=now, attempts=row.attempts + 1)
                )
                return Claim(trial_from_record(json.loads(row.record)), retried=True)
            history = [trial_from_record(json.loads(r)) for r in self._records(conn, study_id)]
            proposed = propose(history)
            if isinstance(proposed, str):
                return Claim(None, proposed)
            if proposed.number != len(history):
                raise ValueError(f"trial {proposed.number} proposed after {len(history)} trials")
            conn.execute(
                TRIALS.insert().values(
                    study_id=study_id,
                    number=proposed.number,
                    status=proposed.status.value,
                    worker=worker,
                    heartbeat=now,
                    attempts=1,
                    record=json.dumps(trial_to_record(proposed)),
                )
            )
            return Claim(proposed)

    @outlasting_outages
    def heartbeat(self, study_id: int, worker: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                TRIALS.update().where(_held(study_id, worker)).values(heartbeat=time.time())
            )

    @outlasting_outages
    def finish(self, study_id: int, trial: Trial, worker: str) -> bool:
        """Records a finished trial; False (nothing written) when ``worker`` no longer holds
        it, e.g. it was presumed dead and the trial handed to another worker."""
        if not trial.finished:
            raise ValueError(f"trial {trial.number} is still running")
        with self.engine.begin() as conn:
            done = conn.execute(
                TRIALS.update()
                .where(_held(study_id, worker), TRIALS.c.number == trial.number)
                .values(status=trial.status.value, record=json.dumps(trial_to_record(trial)))
            )
            return done.rowcount == 1

    @outlasting_outages
    def release(self, study_id: int, number: int, worker: str) -> None:
        """``worker`` lost the trial's process: the next claim retries (or fails) it at once."""
        with self.engine.begin() as conn:
            conn.execute(
                TRIALS.update()
                .where(_held(study_id, worker), TRIALS.c.number == number)
                .values(worker="released", heartbeat=0.0)
            )

    @outlasting_outages
    def close(self, study_id: int, state: str = "finished") -> None:
        with self.engine.begin() as conn:
            conn.execute(STUDIES.update().where(STUDIES.c.id == study_id).values(state=state))

    def _alive(self, row: Any, now: float) -> bool:
        if row.worker == "released":
            return False
        local = alive_locally(row.worker or "")
        if local is not None:
            return local
        return now - (row.heartbeat or 0.0) < self.heartbeat_timeout_s

    @staticmethod
    def _records(conn: sa.Connection, study_id: int) -> list[str]:
        query = (
            sa.select(TRIALS.c.record)
            .where(TRIALS.c.study_id == study_id)
            .order_by(TRIALS.c.number)
        )
        return list(conn.execute(query).scalars())


def _held(study_id: int, worker: str) -> Any:
    """The running trials of a study that ``worker`` holds."""
    return (
        (TRIALS.c.study_id == study_id)
        & (TRIALS.c.worker == worker)
        & (TRIALS.c.status == TrialStatus.RUNNING.value)
    )


def _mismatch(old: dict[str, Any], new: dict[str, Any], study_id: int) -> str:
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    shown = ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in changed[:3])
    return (
        f"an unfinished study (#{study_id}) for these inputs was started with other settings "
        f"({shown or 'fingerprint'}); rerun with those settings to resume it, or start a new "
        "study (automl run --new-study)"
    )
