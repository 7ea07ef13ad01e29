"""The study store's URL: the one place its password may be, and how it is connected.

Why a module of its own: the URL travels far (the Tuner's exec properties in MLMD, the
compiled pipeline and the KFP UI, run logs), so it travels without its password, and the
password joins it only here, when a connection is made: from ``AUTOML_STUDY_STORE_PASSWORD``
(what a Kubernetes Secret sets in a pod), else whatever the driver finds itself (libpq's
``PGPASSWORD``, ``~/.pgpass`` or ``PGPASSFILE``). Anything printed goes through ``masked``.

A bare ``postgresql://`` is SQLAlchemy 2.1's psycopg 3, which our lock does not carry;
psycopg2 it does, so the bare scheme means psycopg2 here, and a driver that cannot be
imported is named when the config is read, not minutes later in the Tuner.
"""

from __future__ import annotations

import os

import sqlalchemy as sa

PASSWORD_ENV = "AUTOML_STUDY_STORE_PASSWORD"
# Server databases only (SQLite has no network): a dead server or a dropped connection is
# seen within seconds instead of the kernel's TCP timeouts (minutes to hours).
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class StoreUrlError(ValueError):
    """A study store URL that cannot be used; one line, fit for a terminal."""


def parsed(url: str) -> sa.URL:
    try:
        return sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreUrlError(  # not echoed: it may hold a password that did not parse
            "the study store is not a database URL (e.g. sqlite:////abs/path/studies.sqlite)"
        ) from None


def masked(url: str) -> str:
    """The URL as it may be printed or stored: its password, if any, as ***."""
    try:
        return parsed(url).render_as_string(hide_password=True)
    except StoreUrlError:
        return "<not a database URL>"


def without_password(url: str) -> tuple[str, str | None]:
    """The URL to store and pass on, and the password it carried (None if none)."""
    found = parsed(url)
    if found.password is None:
        return url, None
    return found._replace(password=None).render_as_string(hide_password=False), str(
        found.password
    )


def export_password(url: str | None) -> None:
    """Puts the password written in ``url`` (if any) where ``connectable`` finds it: this
    process's environment, which the Tuner and its trial processes inherit."""
    if url is not None and (password := without_password(url)[1]) is not None:
        os.environ[PASSWORD_ENV] = password


def connectable(url: str) -> sa.URL:
    """What the engine connects to: psycopg2 for bare postgresql, the password from the
    environment when the URL has none."""
    found = parsed(url)
    if found.drivername == "postgresql":
        found = found.set(drivername="postgresql+psycopg2")
    password = os.environ.get(PASSWORD_ENV)
    if found.password is None and password:
        found = found.set(password=password)
    return found


def connect_args(url: sa.URL) -> dict[str, object]:
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg2":
        return dict(POSTGRES_CONNECT_ARGS)
    return {}


def check_driver(url: str) -> None:
    """StoreUrlError naming the missing driver, where SQLAlchemy would fail at connect."""
    target = connectable(url)
    try:
        target.get_dialect().import_dbapi()
    except sa.exc.NoSuchModuleError:
        raise StoreUrlError(
            f"study store {masked(url)}: SQLAlchemy has no dialect '{target.drivername}'"
        ) from None
    except ImportError as error:
        raise StoreUrlError(
            f"study store {masked(url)}: its driver is not installed ({error.name or error}); "
            "PostgreSQL works as postgresql:// or postgresql+psycopg2://"
        ) from None
