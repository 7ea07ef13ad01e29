"""A server study store as docs/parallel.md documents it: the URL as written, the password kept out
of the URL, and a search that outlasts the server going away, on a real PostgreSQL server."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from search import store_url
from search.store import StudyStore, worker_name
from search.trial import Trial
from tests.workers import postgres

SEARCHED = {"space": "macro", "strategy": "tpe", "seed": 1}
PASSWORD = "s3cr3t-for-the-store"


def new_trial(history: list[Trial]) -> Trial:
    return Trial(len(history), {"x": len(history)}, seed=100 + len(history))


@pytest.fixture(scope="module")
def password_server():
    with postgres.server(password=PASSWORD) as folder:
        if folder is None:
            pytest.skip("PostgreSQL is not installed (make test-tools installs it)")
        yield folder


def test_the_documented_bare_postgresql_url_works_as_written(postgres_server):
    url = postgres.new_database(postgres_server).replace("postgresql+psycopg2://", "postgresql://")
    store = StudyStore(url)
    study = store.open("inputs", SEARCHED, {}).id
    assert store.claim(study, worker_name(), new_trial).trial.number == 0


def test_the_password_comes_from_the_environment_and_never_from_the_stored_url(
    password_server, monkeypatch
):
    url = postgres.new_database(password_server, password=PASSWORD)
    monkeypatch.delenv(store_url.PASSWORD_ENV, raising=False)
    with pytest.raises(sa.exc.OperationalError, match="password"):
        StudyStore(url, retry_s=0)  # the server wants one, and nothing gives it
    monkeypatch.setenv(store_url.PASSWORD_ENV, PASSWORD)
    store = StudyStore(url)
    assert store.open("inputs", SEARCHED, {}).resumed is False
    assert PASSWORD not in store.url


def test_a_url_with_a_password_is_split_and_masked():
    url = f"postgresql://automl:{PASSWORD}@db.example:5432/studies"
    stored, password = store_url.without_password(url)
    assert password == PASSWORD
    assert stored == "postgresql://automl@db.example:5432/studies"
    assert store_url.masked(url) == "postgresql://automl:***@db.example:5432/studies"
    assert store_url.without_password(stored) == (stored, None)


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql+psycopg://automl@db/studies", "driver is not installed"),
        ("mysql://automl@db/studies", "driver is not installed"),
        ("nosuchdb://automl@db/studies", "no dialect"),
        (f"not a url, {PASSWORD}", "not a database URL"),
    ],
)
def test_a_store_that_cannot_connect_is_named_when_the_config_is_read(url, says):
    with pytest.raises(store_url.StoreUrlError) as refused:
        store_url.check_driver(url)
    message = str(refused.value)
    assert says in message and "\n" not in message and PASSWORD not in message


def test_a_search_outlasts_the_server_going_down_and_coming_back():
    with postgres.controlled_server() as server:
        if server is None:
            pytest.skip("PostgreSQL is not installed (make test-tools installs it)")
        store = StudyStore(postgres.new_database(server.folder), retry_s=60)
        study = store.open("inputs", SEARCHED, {}).id
        first = store.claim(study, worker_name(), new_trial).trial
        server.stop()  # -m immediate: every connection is cut, as in a crash
        comeback = threading.Timer(3.0, server.start)
        comeback.start()
        started = time.monotonic()
        try:
            second = store.claim(study, worker_name(), new_trial).trial
        finally:
            comeback.join()
        assert time.monotonic() - started >= 2.5  # it waited for the server, then went on
        assert (first.number, second.number) == (0, 1)
        store.heartbeat(study, worker_name())
        assert [t.number for t in store.trials(study)] == [0, 1]


def test_an_outage_longer_than_the_retry_window_fails_with_the_servers_error():
    with postgres.controlled_server() as server:
        if server is None:
            pytest.skip("PostgreSQL is not installed (make test-tools installs it)")
        store = StudyStore(postgres.new_database(server.folder), retry_s=2)
        study = store.open("inputs", SEARCHED, {}).id
        server.stop()
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):
            store.claim(study, worker_name(), new_trial)
        assert 1.0 <= time.monotonic() - started < 10
