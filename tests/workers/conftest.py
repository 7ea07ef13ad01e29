"""The study store's backends: SQLite (one machine) and a PostgreSQL server (a cluster)."""

from __future__ import annotations

import pytest

from tests.workers import postgres


@pytest.fixture(scope="session")
def postgres_server():
    with postgres.server() as folder:
        if folder is None:
            pytest.skip("PostgreSQL is not installed (make test-tools installs it)")
        yield folder


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/studies.sqlite"
    return postgres.new_database(request.getfixturevalue("postgres_server"))
