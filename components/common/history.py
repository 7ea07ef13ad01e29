"""What the retrain loop remembers across runs, in a folder beside the served models (the
output folder locally, the volume on Kubernetes) rather than in MLMD, so both runners find
it the same way:

- ``spans/span-N/train_stats.pb``: each accepted span's training statistics, the baseline
  the next span's drift is measured against;
- ``gate/<time>-span-N.json``: what each run of the data gate found and decided;
- ``promotion/<time>.json``: each push decision (components.pusher).

`automl history` lists the decisions.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from typing import Any

from components.common import durable

STATS_FILE = "train_stats.pb"
_SPAN = re.compile(r"^span-(\d+)$")

log = logging.getLogger("automl.history")


def span_of(examples: Any) -> int:
    """The span of an Examples artifact: ExampleGen records it as a custom property (0 for
    data that is not laid out in spans)."""
    if examples.has_custom_property("span"):
        return int(examples.get_int_custom_property("span"))
    return int(examples.span or 0)


def previous_span(history_dir: str, span: int) -> tuple[int, str] | None:
    """The newest accepted span before ``span`` and its statistics file."""
    folder = os.path.join(history_dir, "spans")
    if not os.path.isdir(folder):
        return None
    earlier = []
    for name in os.listdir(folder):
        match = _SPAN.match(name)
        path = os.path.join(folder, name, STATS_FILE)
        if match and int(match.group(1)) < span and os.path.isfile(path):
            earlier.append((int(match.group(1)), path))
    return max(earlier) if earlier else None


def accept_span(history_dir: str, span: int, stats_file: str) -> None:
    """Makes the span's statistics the baseline for later spans (atomically replaced)."""
    folder = os.path.join(history_dir, "spans", f"span-{span}")
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".stats-")
    os.close(fd)
    shutil.copyfile(stats_file, tmp)
    os.replace(tmp, os.path.join(folder, STATS_FILE))


def record_decision(history_dir: str, kind: str, report: dict[str, Any]) -> str:
    """Writes a gate or promotion decision (``report`` has its ``time`` and ``span``)."""
    folder = os.path.join(history_dir, kind)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(report["time"]))
    path = os.path.join(folder, f"{stamp}-span-{report['span']}.json")
    durable.write_json(path, report)  # a decision survives a power loss, or is not there
    return path


def decisions(history_dir: str, kind: str) -> list[dict[str, Any]]:
    """Every recorded decision of a kind (gate, promotion), oldest first; a damaged record
    (a disk error, a hand edit) is skipped with a warning rather than hiding all the others."""
    folder = os.path.join(history_dir, kind)
    if not os.path.isdir(folder):
        return []
    found = []
    for name in os.listdir(folder):
        if name.endswith(".json"):
            path = os.path.join(folder, name)
            try:
                with open(path) as handle:
                    record = json.load(handle)
                float(record["time"])
            except (OSError, ValueError, TypeError, KeyError) as exc:
                log.warning("skipping the damaged %s record %s: %s", kind, path, exc)
                continue
            found.append(record)
    return sorted(found, key=lambda r: r["time"])
