"""One run at a time per output folder.

A scheduled retrain that overruns meets the next one on the same MLMD store, study store and
serving folder; both would write them. An advisory ``flock`` on ``<output>/.automl.lock`` is
held for the whole run: the kernel drops it when the process ends however it ends (kill -9
included), so a crashed run never leaves a stale lock behind, unlike a pid file.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".automl.lock"


class OutputBusy(RuntimeError):
    """Another run holds the output folder; the message is one line."""


@contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Holds the folder's lock; a folder this created and the run left empty (bad input
    stops a run before it writes anything) is removed again."""
    created = not output.exists()
    output.mkdir(parents=True, exist_ok=True)
    path = output / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise OutputBusy(
                f"another run is using {output} ({holder}); runs on one output folder never "
                "overlap: try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        yield
    finally:
        if created and [p.name for p in output.iterdir()] == [LOCK_FILE]:
            path.unlink()
            output.rmdir()
        os.close(fd)  # closing releases the lock
