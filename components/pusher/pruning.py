"""Pruning the folders a run leaves behind: served versions, runs' logs, span and study
folders. Files only, no MLMD, so the Pusher can prune the serving folder and the search's
snapshots on a cluster's volume (where tasks have no MLMD) as the local run does after it
finishes (pipeline.runners.retention, which adds the artifacts MLMD knows).

A version leaves serving by a rename to a hidden folder first, so TF Serving never sees half
of one; a prune a kill interrupted is finished by the next.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from components.pusher import versions as served

DELETING_PREFIX = ".deleting-"
SPAN = re.compile(r"^span-(\d+)$")
STUDY = re.compile(r"^study-(\d+)$")


@dataclass
class Pruned:
    """What one prune removed."""

    versions: list[int] = field(default_factory=list)
    artifacts: int = 0
    logs: int = 0
    spans: int = 0
    studies: int = 0
    bytes: int = 0

    def __bool__(self) -> bool:
        return bool(self.versions or self.artifacts or self.logs or self.spans or self.studies)

    def line(self) -> str:
        parts = [
            f"{len(self.versions)} served versions" if self.versions else "",
            f"{self.artifacts} artifacts of older runs" if self.artifacts else "",
            f"{self.logs} logs" if self.logs else "",
            f"{self.spans} staged spans" if self.spans else "",
            f"{self.studies} studies' snapshots" if self.studies else "",
        ]
        shown = ", ".join(p for p in parts if p)
        return f"Retention: removed {shown} ({self.bytes / 2**20:.1f} MiB)"


def prune_versions(base: str, keep: int, pruned: Pruned) -> None:
    published = served.versions(base)
    pin = served.pinned(base)
    protected = {published[-1]} if published else set()
    if pin is not None and pin.get("version") is not None:
        protected.add(int(pin["version"]))
    for version in published[: max(0, len(published) - keep)]:
        if version in protected:
            continue
        hidden = os.path.join(base, f"{DELETING_PREFIX}{version}")
        os.rename(os.path.join(base, str(version)), hidden)  # out of serving's sight at once
        pruned.versions.append(version)
    for entry in os.scandir(base) if os.path.isdir(base) else []:
        if entry.name.startswith(DELETING_PREFIX):  # this prune's, or one a kill interrupted
            pruned.bytes += remove(entry.path)


def prune_files(folder: Path, pattern: str, keep: int) -> tuple[int, int]:
    """Keeps the newest ``keep`` entries matching ``pattern`` (by name: runs' logs are named
    by time); returns (entries, bytes) removed."""
    entries = sorted(folder.glob(pattern)) if folder.is_dir() else []
    removed = entries[: max(0, len(entries) - keep)]
    return len(removed), sum(remove(str(p)) for p in removed)


def prune_numbered(folder: Path, pattern: re.Pattern[str], keep: int) -> tuple[int, int]:
    """Keeps the ``keep`` highest-numbered ``span-N`` / ``study-N`` folders."""
    numbered = sorted(
        (int(m.group(1)), p) for p in (folder.iterdir() if folder.is_dir() else [])
        if (m := pattern.match(p.name))
    )  # fmt: skip
    removed = [p for _, p in numbered[: max(0, len(numbered) - keep)]]
    return len(removed), sum(remove(str(p)) for p in removed)


def _size(path: str) -> int:
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(
        os.path.getsize(os.path.join(folder, name))
        for folder, _, files in os.walk(path)
        for name in files
        if not os.path.islink(os.path.join(folder, name))
    )


def remove(path: str) -> int:
    size = _size(path)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.remove(path)
    return size
