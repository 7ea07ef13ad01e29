"""Published model versions: ``<base>/<version>/``, each with ``automl_version.json``.

TF-free, so that `automl rollback` and `automl history` answer without loading TFX. A version
is published by copying into a hidden ``.pushing-<version>`` folder and renaming it into
place: one atomic step on one file system, so a reader never sees half a model and a crash
before the rename leaves the previous version serving (only a hidden folder, which the next
publish clears).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from typing import Any

VERSION_FILE = "automl_version.json"
STAGING_PREFIX = ".pushing-"
CRASH_ENV = "AUTOML_TEST_CRASH_DURING_PUSH"  # tests: die between copying and publishing


def versions(base: str) -> list[int]:
    """The published versions under ``base``, oldest first (hidden staging folders are not)."""
    if not os.path.isdir(base):
        return []
    return sorted(int(e.name) for e in os.scandir(base) if e.is_dir() and e.name.isdigit())


def next_version(base: str) -> int:
    """Seconds since the epoch, as TFX numbers versions, and always above the newest."""
    return max([int(time.time()), *(v + 1 for v in versions(base))])


def publish(source: str, base: str, record: dict[str, Any]) -> str:
    """Copies the SavedModel at ``source`` into a new version of ``base``, atomically;
    returns the version's folder."""
    os.makedirs(base, exist_ok=True)
    for entry in os.scandir(base):  # what a crashed push left
        if entry.name.startswith(STAGING_PREFIX):
            shutil.rmtree(entry.path, ignore_errors=True)
    version = next_version(base)
    staging = os.path.join(base, f"{STAGING_PREFIX}{version}")
    shutil.copytree(source, staging)
    with open(os.path.join(staging, VERSION_FILE), "w") as handle:
        json.dump({**record, "version": version}, handle, indent=1)
    if os.environ.get(CRASH_ENV):
        os._exit(86)  # a machine dying here must leave the previous version serving
    target = os.path.join(base, str(version))
    os.rename(staging, target)
    return target


def read_record(version_dir: str) -> dict[str, Any]:
    path = os.path.join(version_dir, VERSION_FILE)
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)
