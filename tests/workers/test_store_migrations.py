"""The study store's schema is migrated (Alembic, search/store_migrations) on SQLite and
PostgreSQL alike: a new database gets the newest schema, one written before migrations
existed is upgraded in place with its studies kept, several processes opening it at once
migrate it once, and one migrated by a newer automl is refused in one line."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa

from search import store_schema
from search.liveness import worker_name
from search.storage import open_store
from search.store import open_engine
from search.trial import Trial

SEARCHED = {"space": "macro", "strategy": "random", "seed": 0}


def tables(url: str) -> set[str]:
    return set(sa.inspect(open_engine(url)).get_table_names())


def test_a_new_database_gets_the_newest_schema(store_url):
    store = open_store(store_url)
    assert store_schema.revision(open_engine(store_url)) == store_schema.head()
    assert {"studies", "trials", "leases", "alembic_version"} <= tables(store_url)
    indexes = sa.inspect(open_engine(store_url)).get_indexes("studies")
    assert any(index["column_names"] == ["key"] for index in indexes)
    assert store.open("inputs", SEARCHED, {}).resumed is False


def test_a_store_from_before_migrations_is_upgraded_in_place(store_url):
    """The tables as create_all made them (no alembic_version), with a study and a trial."""
    engine = open_engine(store_url)
    old = sa.MetaData()
    for table in (store_schema.STUDIES, store_schema.TRIALS):
        table.to_metadata(old)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(store_schema.STUDIES.insert().values(
            key="inputs", fingerprint="f" * 64, state="running", created=0.0,
            settings='{"searched": {}, "job": {}, "problem": null}',
        ))  # fmt: skip
        conn.execute(store_schema.TRIALS.insert().values(
            study_id=1, number=0, status="complete", worker="gone:1:0.00", heartbeat=0.0,
            attempts=1, record='{"number": 0, "status": "complete", "value": 0.5, "params": {},'
            ' "attrs": {"rung": 1}}',
        ))  # fmt: skip
    assert store_schema.revision(engine) is None and "leases" not in tables(store_url)
    store = open_store(store_url)
    assert store_schema.revision(engine) == store_schema.head()
    (kept,) = store.trials(1)
    assert (kept.value, kept.rung) == (0.5, 1)  # the old record, read into today's fields
    claimed = store.claim(1, worker_name(), lambda history: Trial(len(history), {"x": 1}))
    assert claimed.trial is not None and claimed.trial.number == 1
    assert "leases" in tables(store_url)


def _open(url: str) -> str:
    return store_schema.revision(open_engine(open_store(url).url)) or ""


def test_processes_opening_a_new_store_at_once_migrate_it_once(store_url):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        revisions = pool.map(_open, [store_url] * 4)
    assert revisions == [store_schema.head()] * 4
    with open_engine(store_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_a_store_migrated_by_a_newer_automl_is_refused_in_one_line(store_url):
    open_store(store_url)
    with open_engine(store_url).begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(store_schema.StoreSchemaError) as refused:
        open_store(store_url, retry_s=0)
    message = str(refused.value)
    assert "\n" not in message and "revision 9999" in message and "newer automl" in message
