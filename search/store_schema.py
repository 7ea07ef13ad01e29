"""The study store's tables, and the migrations that bring any database to them.

The tables are declared once here (the store and the leases query them); their history is
Alembic revisions in ``search/store_migrations`` (as Optuna's RDBStorage keeps its schema),
applied by ``migrate`` whenever a store or lease table is opened, so a store a nightly retrain
has used for a year is upgraded in place by a newer automl, and one written by a newer
automl is refused in one line instead of being misread. Databases from before migrations
existed hold the first revisions' tables already; those revisions create only what is
missing, so they upgrade like any other.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("store_migrations")

METADATA = sa.MetaData()
STUDIES = sa.Table(
    "studies",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(128), nullable=False, index=True),  # the inputs it searches
    sa.Column("fingerprint", sa.String(64), nullable=False),  # the settings it searches with
    sa.Column("state", sa.String(16), nullable=False),  # running | finished | abandoned
    sa.Column("settings", sa.Text, nullable=False),  # JSON: what a worker needs to join
    sa.Column("created", sa.Float, nullable=False),
)
TRIALS = sa.Table(
    "trials",
    METADATA,
    sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("worker", sa.String(256)),
    sa.Column("heartbeat", sa.Float),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("record", sa.Text, nullable=False),  # JSON, see search.trial.trial_to_record
)
LEASES = sa.Table(
    "leases",
    METADATA,
    sa.Column("name", sa.String(512), primary_key=True),
    sa.Column("holder", sa.String(255), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)


class StoreSchemaError(RuntimeError):
    """The database's schema is not one this automl knows; one line, fit for a terminal."""


def _config() -> Config:
    """Alembic is imported here, not at the top: a trial process opens the store without
    migrating it and must not pay Alembic's import (0.36 s) in its fixed cost."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest revision: the schema this code reads and writes."""
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None  # the folder holds at least the first revision
    return revision


def revision(engine: sa.Engine) -> str | None:
    """The database's revision (None: migrations never ran on it)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: sa.Engine) -> None:
    """Upgrades the database to ``head``, in one transaction that other processes opening the
    same store wait for (SQLite's write lock, taken by BEGIN IMMEDIATE; an advisory lock on
    PostgreSQL), so that workers starting together migrate it once."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _config()
    known = {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            lock = int(hashlib.sha256(b"automl-store-migrations").hexdigest()[:15], 16)
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})
        current = MigrationContext.configure(conn).get_current_revision()
        if current is not None and current not in known:
            raise StoreSchemaError(
                f"the study store at {engine.url.render_as_string(hide_password=True)} has "
                f"schema revision {current}, which this automl does not know (a newer automl "
                "migrated it): run a newer automl, or point tuner.study_store elsewhere"
            )
        if current == head():
            return
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
