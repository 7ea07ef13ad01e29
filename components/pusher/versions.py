"""Published model versions: ``<base>/<version>/``, each with ``automl_version.json``.

TF-free, so that `automl rollback` and `automl history` answer without loading TFX. A version
is published by copying into a hidden ``.pushing-<version>`` folder and renaming it into
place: one atomic step on one file system, so a reader never sees half a model and a kill
before the rename leaves the previous version serving (only a hidden folder, which the next
publish clears). Every file and folder is fsynced before the rename and the base folder after
it, so a power loss cannot leave a published version whose files are empty.

A rollback pins what it serves (``PINNED.json`` in the base folder): the next nightly run
then keeps its blessed model unpushed until `automl unpin`, instead of replacing the model
an operator just chose.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from typing import Any

from components.common import durable

VERSION_FILE = "automl_version.json"
PIN_FILE = "PINNED.json"
STAGING_PREFIX = ".pushing-"

log = logging.getLogger("automl.pusher")


def versions(base: str) -> list[int]:
    """The published versions under ``base``, oldest first (hidden staging folders are not)."""
    if not os.path.isdir(base):
        return []
    return sorted(int(e.name) for e in os.scandir(base) if e.is_dir() and e.name.isdigit())


def next_version(base: str) -> int:
    """Seconds since the epoch, as TFX numbers versions, and always above the newest."""
    return max([int(time.time()), *(v + 1 for v in versions(base))])


def publish(source: str, base: str, record: dict[str, Any]) -> str:
    """Copies the SavedModel at ``source`` into a new version of ``base``, atomically and
    durably; returns the version's folder."""
    os.makedirs(base, exist_ok=True)
    for entry in os.scandir(base):  # what a killed push left
        if entry.name.startswith(STAGING_PREFIX):
            shutil.rmtree(entry.path, ignore_errors=True)
    version = next_version(base)
    staging = os.path.join(base, f"{STAGING_PREFIX}{version}")
    shutil.copytree(source, staging)
    with open(os.path.join(staging, VERSION_FILE), "w") as handle:
        json.dump({**record, "version": version}, handle, indent=1)
    durable.sync_tree(staging)
    target = os.path.join(base, str(version))
    os.rename(staging, target)
    durable.sync(base)
    return target


def read_record(version_dir: str) -> dict[str, Any]:
    """A version's record; {} when it has none or it cannot be read (said in the log)."""
    path = os.path.join(version_dir, VERSION_FILE)
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        log.warning("skipping the unreadable record %s: %s", path, exc)
        return {}


def origin(base: str, version: int) -> int:
    """The version first pushed with this model: a rollback's copy names what it copied."""
    seen = {version}
    while (copied := read_record(os.path.join(base, str(version))).get("rollback_of")) is not None:
        if copied in seen:
            break
        seen.add(version := int(copied))
    return version


def rollback_target(base: str) -> tuple[int | None, int]:
    """The version a bare `automl rollback` serves, and the origin of what serves now.

    The newest pushed (not rolled-back) version older than the serving model's origin, so a
    second rollback goes one model further back instead of re-serving the model the first
    one replaced; None when the serving model is the oldest there is.
    """
    published = versions(base)
    current = origin(base, published[-1])
    older = [
        v for v in published
        if v < current and "rollback_of" not in read_record(os.path.join(base, str(v)))
    ]  # fmt: skip
    return (older[-1] if older else None), current


def pinned(base: str) -> dict[str, Any] | None:
    """The pin a rollback left ({"version", "time", "why"}), or None."""
    path = os.path.join(base, PIN_FILE)
    if not os.path.exists(path):
        return None
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:  # a damaged pin still pins: fail safe
        log.warning("the pin %s is unreadable (%s); still honoured", path, exc)
        return {"version": None, "why": f"unreadable {PIN_FILE}"}


def pin(base: str, version: int, why: str) -> None:
    """Keeps ``version`` serving: pushes wait until `automl unpin`."""
    content = {"version": version, "time": time.time(), "why": why}
    durable.write_json(os.path.join(base, PIN_FILE), content)


def unpin(base: str) -> dict[str, Any] | None:
    """Removes the pin; returns what it was (None if there was none)."""
    was = pinned(base)
    if was is not None:
        os.remove(os.path.join(base, PIN_FILE))
        durable.sync(base)
    return was
