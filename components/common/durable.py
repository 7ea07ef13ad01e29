"""Writes that survive a power loss: the file's bytes and the folder entry naming it are
fsynced before the write counts (a rename alone can leave an empty file after a crash).
TF-free, for the pusher's versions and pins and the retrain history alike."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any


def write_json(path: str, content: Any) -> None:
    """Replaces ``path`` with ``content`` atomically and durably."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-")
    with os.fdopen(fd, "w") as handle:
        json.dump(content, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    sync(folder)


def sync_tree(root: str) -> None:
    """fsyncs every file and folder under ``root`` (folders after what they hold)."""
    for folder, _, files in os.walk(root, topdown=False):
        for name in files:
            sync(os.path.join(folder, name))
        sync(folder)


def sync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
