"""A wall-time limit on a whole run, so that nothing can hold an unattended retrain forever.

The search stops trials that overrun (tuner.trial_time_limit_s), but a run can also hang
outside it: a Beam stage, a lost database, a stuck file system. Past ``run_time_limit_s`` the
process says so in one line and exits at once: the kernel frees the output folder's lock, the
trial processes see their supervisor gone and end, and the next scheduled run starts clean
(what was published is complete: versions.publish renames atomically).

The timer is a thread, which needs the interpreter's lock to run; should native code hang
while holding it, the kernel's alarm (SIGALRM, whose default action ends the process) ends
the run a minute later without our message.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BACKSTOP_S = 60  # the kernel's alarm, after the limit, should the timer thread not run


@contextmanager
def run_time_limit(seconds: float, exit_code: int, message: str) -> Iterator[None]:
    """Ends the process with ``exit_code`` after ``seconds`` unless the block ends first."""

    def expire() -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        os._exit(exit_code)  # from a thread: exit() would only end the thread

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    signal.alarm(int(seconds) + BACKSTOP_S)
    try:
        yield
    finally:
        signal.alarm(0)
        timer.cancel()
