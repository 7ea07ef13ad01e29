"""Whether the process holding a trial or a lease is still alive.

A worker is named ``host:pid:start-time``. On the worker's own host a dead process is seen
at once (its pid is gone, or reused by a process that started later), which makes a local
resume after ``kill -9`` immediate; a worker elsewhere is judged by its heartbeat instead
(search.store), which only the store knows.
"""

from __future__ import annotations

import os
import socket

import psutil


def worker_name() -> str:
    """This process as a worker: host, pid and the pid's start time (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{psutil.Process().create_time():.2f}"


def alive_locally(worker: str) -> bool | None:
    """True/False for a worker of this host, None for a worker elsewhere."""
    host, _, rest = worker.partition(":")
    if host != socket.gethostname():
        return None
    pid, _, started = rest.partition(":")
    try:
        process = psutil.Process(int(pid))
        return f"{process.create_time():.2f}" == started and process.status() != "zombie"
    except (psutil.NoSuchProcess, ValueError):
        return False
