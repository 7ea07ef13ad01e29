"""One run at a time per output folder.

A scheduled retrain that overruns meets the next one on the same MLMD store, study store and
serving folder; both would write them. An advisory ``flock`` on ``<output>/.automl.lock`` is
held for the whole run: the kernel drops it when the process ends however it ends (kill -9
included), so a crashed run never leaves a stale lock behind, unlike a pid file.
"""

from __future__ import annotations

import calendar
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".automl.lock"
SINCE_FORMAT = "%Y-%m-%d %H:%M:%S"  # UTC, in the lock file: "pid N, since <time>"


class OutputBusy(RuntimeError):
    """Another run holds the output folder; the message is one line."""


class OutputUnusable(ValueError):
    """The output path cannot be a run's folder (a file, below a file, not writable); the
    message is one line."""


def _holds_nothing(output: Path) -> bool:
    """Only the lock file and folders with no file in them, at any depth."""
    return all(
        entry.is_dir() or entry == output / LOCK_FILE for entry in output.rglob("*")
    )


def _open_lock(output: Path) -> int:
    """The lock file's descriptor, creating the folder; OutputUnusable where it cannot."""
    if output.exists() and not output.is_dir():
        raise OutputUnusable(f"the output {output} is a file, not a folder")
    try:
        output.mkdir(parents=True, exist_ok=True)
        return os.open(output / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputUnusable(
            f"the output folder {output} cannot be used: {exc.strerror or exc}"
            + (f" ({exc.filename})" if exc.filename and str(exc.filename) != str(output) else "")
        ) from None


def _busy_message(output: Path, holder: str, stale_after_s: float | None) -> str:
    """One line: who holds the folder; a holder older than the run time limit may hang."""
    message = (
        f"another run is using {output} ({holder}); runs on one output folder never "
        "overlap: try again when it has finished"
    )
    pid, _, since = holder.partition(", since ")
    try:
        started = time.strptime(since.removesuffix(" UTC"), SINCE_FORMAT)
        held = time.time() - calendar.timegm(started)
    except ValueError:
        return message
    if stale_after_s is None or held <= stale_after_s:
        return message
    return (
        f"another run is using {output} ({holder}) and has held it for {held / 3600:.1f} h, "
        f"past the run time limit ({stale_after_s / 3600:g} h): it may hang; stop "
        f"{pid.replace('pid', 'process')} to free it"
    )


@contextmanager
def output_lock(output: Path, stale_after_s: float | None = None) -> Iterator[None]:
    """Holds the folder's lock; a folder this created and the run left with nothing in it
    but the lock and empty folders (bad input, or a disk that filled, stopped the run before
    it wrote anything) is removed again. A holder older than ``stale_after_s`` (the run time
    limit) is named as possibly hung."""
    created = not output.exists()
    fd = _open_lock(output)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise OutputBusy(_busy_message(output, holder, stale_after_s)) from None
        os.ftruncate(fd, 0)
        since = time.strftime(SINCE_FORMAT, time.gmtime())
        os.pwrite(fd, f"pid {os.getpid()}, since {since} UTC".encode(), 0)
        yield
    finally:
        if created and _holds_nothing(output):
            shutil.rmtree(output, ignore_errors=True)
        os.close(fd)  # closing releases the lock
