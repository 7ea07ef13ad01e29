"""Skips a run when nothing it depends on changed since the last successful run in this folder.

TFX's cache already skips every component of an identical run, but only after TensorFlow and
TFX have loaded (~30 s on 2 cores) and the pipeline has been compiled; a scheduled run that
finds no new data should cost seconds. So after each successful run we record a fingerprint of
everything that determines its result: the validated config, the staged data (by content), the
curated schema, our own code, the versions of the libraries that execute it, and the state of
the metadata store. An identical fingerprint means the pipeline would only replay its cache,
and the recorded summary is the answer. ``automl run --rerun`` runs the pipeline regardless (it
still uses TFX's cache); a config with ``enable_cache: false`` never skips.

The fingerprint is stricter than TFX's cache, which keys components on their inputs and
parameters but not on the code behind a dotted-path function such as our run_fn.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from pipeline.definition.config import PipelineConfig
from pipeline.definition.dataset import DatasetProfile
from pipeline.definition.layout import Layout
from pipeline.report.run_summary import RunSummary

RECORD = "last_run.json"
_OWN_PACKAGES = ("pipeline", "components", "modeling", "search")
CODE_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds _OWN_PACKAGES
_EXECUTING_LIBRARIES = (
    "tfx",
    "tensorflow",
    "tf-keras",
    "tensorflow-transform",
    "tensorflow-model-analysis",
    "tensorflow-data-validation",
    "keras-tuner",
)


@functools.cache  # read once per process: both the check and the record need it
def _code_digest() -> str:
    digest = hashlib.sha256()
    for package in _OWN_PACKAGES:
        for path in sorted((CODE_ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(CODE_ROOT)).encode())
            digest.update(path.read_bytes())
    for library in _EXECUTING_LIBRARIES:
        digest.update(f"{library}=={metadata.version(library)}".encode())
    return digest.hexdigest()


def fingerprint(config: PipelineConfig, profile: DatasetProfile) -> str:
    digest = hashlib.sha256()
    digest.update(config.model_dump_json().encode())
    digest.update(f"{profile.content_digest}:{profile.span}".encode())  # the data
    schema = config.curated_schema_path()
    digest.update(schema.read_bytes() if schema else b"<inferred schema>")
    digest.update(_code_digest().encode())
    return digest.hexdigest()


def _store_stamp(layout: Layout) -> list[int] | None:
    """Changes whenever any run writes to the metadata store (e.g. another dataset's run)."""
    try:
        stat = layout.metadata.stat()
    except FileNotFoundError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def recorded_summary(config: PipelineConfig, profile: DatasetProfile) -> RunSummary | None:
    """The last run's summary if this run would change nothing, else None."""
    if not config.enable_cache:
        return None
    layout = Layout(config.output)
    try:
        record = json.loads((layout.root / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != fingerprint(config, profile):
        return None
    if record.get("metadata") != _store_stamp(layout):
        return None
    try:
        summary = RunSummary(**record["summary"])
    except (KeyError, TypeError):
        return None
    if summary.pushed_to and not Path(summary.pushed_to).is_dir():
        return None  # someone removed the pushed model: run again
    return summary


def record_run(config: PipelineConfig, profile: DatasetProfile, summary: RunSummary) -> None:
    layout = Layout(config.output)
    record = {
        "fingerprint": fingerprint(config, profile),
        "metadata": _store_stamp(layout),
        "summary": dataclasses.asdict(summary),
    }
    fd, tmp = tempfile.mkstemp(dir=layout.root, prefix=".last_run-", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(record, handle, indent=2)
    os.replace(tmp, layout.root / RECORD)
