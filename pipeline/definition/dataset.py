"""Checks a user's CSV before any TFX component sees it, and stages a normalised copy.

TFX fails late and cryptically on bad CSVs (a ragged row surfaces as a Beam stack trace inside
CsvExampleGen; a single-valued label as a TFMA error minutes later). A streaming pass here
turns each of those into a one-line error before anything is written, and also learns what the
pipeline needs to know up front: the task type, the classes and the naive baselines that the
Evaluator's default thresholds are built from; a second pass writes the staged copy. Memory
does not grow with the file (components.data_check; tests/unit/test_dataset_streaming.py
checks a file larger than the process may hold).

The staged copy is content-addressed (``<output>/staged/<sha256>/data.csv``) so that running
the same data again hands CsvExampleGen the very same file and the pipeline cache hits.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from components.data_check.checks import MISSING_TOKENS, check_source, sanitised_names
from components.data_check.csv_reading import CHUNK, CsvTable, DataError

__all__ = [
    "MISSING_TOKENS", "DataError", "DatasetProfile", "profile_and_stage", "read_rows",
    "sanitised_names",
]  # fmt: skip

@dataclass(frozen=True)
class DatasetProfile:
    """What the pipeline needs to know about the data before it runs."""

    staged_dir: Path
    label: str
    task: str
    columns: tuple[str, ...]
    n_rows: int
    n_dropped_missing_label: int = 0
    renamed_columns: dict[str, str] = field(default_factory=dict)
    dropped_empty_columns: tuple[str, ...] = ()
    dropped_rare_classes: dict[str, int] = field(default_factory=dict)  # class -> its rows
    class_counts: dict[str, int] = field(default_factory=dict)  # classification only
    label_std: float | None = None  # regression only
    label_range: tuple[float, float] | None = None  # regression only: lowest, highest
    content_digest: str = ""  # of the staged copy: same digest, same data
    span: int | None = None  # pipeline.definition.spans: which span of a span folder this is

    @property
    def majority_fraction(self) -> float | None:
        if not self.class_counts:
            return None
        return max(self.class_counts.values()) / sum(self.class_counts.values())

    @property
    def minority_ratio(self) -> float | None:
        """The rarest class's rows over the most common's (1.0: balanced)."""
        if not self.class_counts:
            return None
        return min(self.class_counts.values()) / max(self.class_counts.values())


def embedded_penguins_csv() -> Path:
    """The palmerpenguins CSV shipped inside its PyPI package (no download at run time)."""
    import palmerpenguins

    path = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
    if not path.is_file():
        raise DataError(f"the palmerpenguins package has no data file at {path}")
    return path


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and every data row, in memory (`automl predict`'s input)."""
    table = CsvTable(path)
    return table.header, list(table)


def profile_and_stage(
    source: Path | list[Path],
    label: str,
    task: str | None,
    staging_root: Path,
    exclude: tuple[str, ...] = (),
    staged_file: Path | None = None,
    required: tuple[str, ...] = (),
) -> DatasetProfile:
    """Validates ``source`` and writes the normalised copy CsvExampleGen will read: at
    ``staging_root/<content hash>/data.csv``, or at ``staged_file`` (a span's place under
    ``staging_root``, rewritten only when its content changed). ``required``: columns the
    config names (``evaluator.slices``), which must be among those kept.

    Streaming: one pass learns the data and checks it, a second writes the staged copy (a
    third, only when classes too rare to learn are dropped, finds the columns left empty), so
    memory does not grow with the file."""
    checked = check_source(source, label, task, exclude, required)
    keep_columns, rare, label_index = checked.keep_columns, checked.rare, checked.label_index
    columns = tuple(checked.names[i] for i in keep_columns)

    def staged_rows() -> Iterator[list[str]]:
        for row in checked.rows():
            value = row[label_index]
            if value in MISSING_TOKENS or value in rare:
                continue
            yield ["" if row[i] in MISSING_TOKENS else row[i] for i in keep_columns]

    staged_dir, digest = _stage(columns, staged_rows(), staging_root, staged_file)
    regression = checked.task == "regression"
    stats = checked.stats
    return DatasetProfile(
        staged_dir=staged_dir,
        label=checked.label,
        task=checked.task,
        columns=columns,
        n_rows=checked.n_labelled - sum(rare.values()),
        n_dropped_missing_label=checked.n_rows - checked.n_labelled,
        renamed_columns=checked.renamed,
        dropped_empty_columns=checked.dropped_empty,
        dropped_rare_classes=rare,
        class_counts=checked.class_counts,
        label_std=math.sqrt(stats.m2 / stats.n) if regression else None,
        label_range=(stats.low, stats.high) if regression else None,
        content_digest=digest,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stage(
    columns: tuple[str, ...],
    rows: Iterator[list[str]],
    staging_root: Path,
    staged_file: Path | None,
) -> tuple[Path, str]:
    """Writes the staged copy, streaming, and returns its folder and content digest. A copy
    already there with the same content is left alone, keeping its mtime so that ExampleGen's
    input fingerprint, and so the cache, stay valid; a new one appears whole (a rename)."""
    folder = staged_file.parent if staged_file is not None else staging_root
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".data-", suffix=".tmp")
    written = Path(name)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
        digest = _sha256(written)
        if staged_file is None:
            staged_dir = staging_root / digest[:16]
            target = staged_dir / "data.csv"
        else:
            staged_dir, target = staging_root, staged_file
        if target.is_file() and (staged_file is None or _sha256(target) == digest):
            written.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(written, target)
    except BaseException:
        written.unlink(missing_ok=True)
        raise
    return staged_dir, digest
