"""The machine's cache of decoded splits: one folder per split (and per sample of it), one raw
file per column, mapped read-only by every reader.

A split is written column by column as it is decoded, batch after batch, so decoding holds one
batch, not the split twice (a list of batches and their concatenation): a 10M-row split
decodes in the memory of its batch. The folder is written under a temporary name and renamed,
so a reader never sees half a split. Why raw files and a small JSON index, not .npy: an .npy
header names the row count, which is known only at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping

import numpy as np

CACHE_ENV = "AUTOML_ROWS_CACHE"  # where decoded splits are kept (default: the temp folder)
CACHE_KEPT = 8  # decoded datasets kept in the cache, newest first
FORMAT = "cols2"  # in the folder's name: a folder another version wrote is never read
INDEX = "columns.json"
LABEL = "label"


def root() -> str:
    return os.environ.get(CACHE_ENV) or os.path.join(tempfile.gettempdir(), "automl-rows")


def folder(described: list[list], max_bytes: int | None) -> str:
    """The folder of a split whose files are ``described`` (path, size, modification time:
    another run's output, or these files rewritten, is another folder)."""
    digest = hashlib.sha256(json.dumps(described).encode()).hexdigest()[:24]
    return os.path.join(root(), f"{FORMAT}-{digest}" + (f"-max{max_bytes}" if max_bytes else ""))


class Writer:
    """Appends batches of columns to a staging folder beside ``target``; ``publish`` renames
    it into place."""

    def __init__(self, target: str) -> None:
        self.target = target
        os.makedirs(os.path.dirname(target), exist_ok=True)
        self.staging = tempfile.mkdtemp(prefix=".staging-", dir=os.path.dirname(target))
        self.rows = 0
        self._columns: dict[str, tuple[str, list[int]]] = {}  # name -> dtype, shape per row
        self._files: dict[str, object] = {}

    def add(self, features: Mapping[str, np.ndarray], labels: np.ndarray) -> None:
        for name, values in [*features.items(), (LABEL, labels)]:
            if name not in self._files:
                self._columns[name] = (values.dtype.str, list(values.shape[1:]))
                self._files[name] = open(self._path(name), "wb")  # noqa: SIM115
            np.ascontiguousarray(values).tofile(self._files[name])
        self.rows += len(labels)

    def _path(self, name: str) -> str:
        return os.path.join(self.staging, f"f.{name}.bin")

    def publish(self) -> bool:
        """Moves the split into place; False when another process published it first."""
        self.close()
        with open(os.path.join(self.staging, INDEX), "w") as index:
            json.dump({"rows": self.rows, "columns": self._columns}, index)
        try:
            os.rename(self.staging, self.target)
        except OSError:
            self.discard()
            return False
        prune(os.path.dirname(self.target))
        return True

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()  # type: ignore[attr-defined]

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.staging, ignore_errors=True)


def read(path: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """A published split's columns and labels, mapped read-only."""
    with open(os.path.join(path, INDEX)) as handle:
        index = json.load(handle)
    rows = index["rows"]
    columns = {  # a published split has rows: an empty one is an error before it is written
        name: np.memmap(
            os.path.join(path, f"f.{name}.bin"), np.dtype(dtype), "r", shape=(rows, *shape)
        )
        for name, (dtype, shape) in index["columns"].items()
    }
    labels = columns.pop(LABEL)
    return columns, labels


def prune(folder: str) -> None:
    entries = [os.path.join(folder, n) for n in os.listdir(folder) if not n.startswith(".")]
    entries.sort(key=os.path.getmtime, reverse=True)
    for stale in entries[CACHE_KEPT:]:
        shutil.rmtree(stale, ignore_errors=True)
