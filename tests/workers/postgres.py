"""A throwaway PostgreSQL server for the study store's server path (what a cluster uses).

Debian's postgresql package (``make test-tools`` installs it) gives the binaries; the server
runs from a temporary folder, on a Unix socket only, as the ``postgres`` user when the tests
run as root (PostgreSQL refuses root), and each test gets a database of its own.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

PORT = 5432  # names the socket file only: nothing listens on TCP


def _binaries() -> str | None:
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(versions[-1]) if versions else None


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@contextmanager
def server(password: str | None = None) -> Iterator[str | None]:
    """Yields the socket folder of a running server, or None where PostgreSQL is missing.
    With ``password``, the ``automl`` role needs it (scram-sha-256) instead of trust."""
    with controlled_server(password) as running:
        yield running.folder if running is not None else None


class Server:
    """A running test server that a test may stop and start again (an outage)."""

    def __init__(self, folder: str, run: Callable[..., None]) -> None:
        self.folder = folder
        self.data = os.path.join(folder, "data")
        self._run = run

    def start(self) -> None:
        options = f"-k {self.folder} -p {PORT} -c listen_addresses='' -F"
        log = os.path.join(self.folder, "log")
        self._run("pg_ctl", "-D", self.data, "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        """Like a crash: connections are cut, nothing is shut down cleanly."""
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "stop")


@contextmanager
def controlled_server(password: str | None = None) -> Iterator[Server | None]:
    binaries = _binaries()
    if binaries is None or (os.geteuid() == 0 and not _user_exists("postgres")):
        yield None
        return
    folder = tempfile.mkdtemp(prefix="automl-pg-")
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    running = Server(folder, _runner(binaries))
    auth = ["-A", "trust"]
    if password is not None:
        secret = os.path.join(folder, "password")
        with open(secret, "w") as file:
            file.write(password)
        if os.geteuid() == 0:
            os.chown(secret, entry.pw_uid, entry.pw_gid)
        auth = ["-A", "scram-sha-256", f"--pwfile={secret}"]
    try:
        running._run("initdb", "-D", running.data, *auth, "-U", "automl", "--no-sync")
        running.start()
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _runner(binaries: str) -> Callable[..., None]:
    def run(program: str, *args: str) -> None:
        subprocess.run(
            _as_server_user([os.path.join(binaries, program), *args]),
            check=True,
            capture_output=True,
            cwd="/",
        )

    return run


_numbers = itertools.count()


def new_database(socket_folder: str, password: str | None = None) -> str:
    """A fresh database on the server; its SQLAlchemy URL (without the password)."""
    import psycopg2

    name = f"study_{os.getpid()}_{next(_numbers)}"
    connection = psycopg2.connect(
        dbname="postgres", user="automl", host=socket_folder, port=PORT, password=password
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()
    return f"postgresql+psycopg2://automl@/{name}?host={socket_folder}&port={PORT}"


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
