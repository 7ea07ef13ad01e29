"""Checks a user's CSV before any TFX component sees it, and stages a normalised copy.

TFX fails late and cryptically on bad CSVs (a ragged row surfaces as a Beam stack trace inside
CsvExampleGen; a single-valued label as a TFMA error minutes later). One streaming pass here
turns each of those into a one-line error before anything is written, and also learns what the
pipeline needs to know up front: the task type, the classes and the naive baselines that the
Evaluator's default thresholds are built from.

The staged copy is content-addressed (``<output>/staged/<sha256>/data.csv``) so that running
the same data again hands CsvExampleGen the very same file and the pipeline cache hits.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import statistics
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Cells that mean "missing" in CSVs written by pandas, R and spreadsheets. CsvExampleGen only
# understands the empty cell, so these are rewritten to "" when staging.
MISSING_TOKENS = frozenset({"", "NA", "N/A", "NaN", "nan", "NULL", "null", "#N/A"})
MIN_ROWS = 10
# An integer label with at most this many distinct values is taken to be a class id.
MAX_INFERRED_INTEGER_CLASSES = 20
# A class needs a row in each of train, eval and test to be learnt and judged; rarer classes'
# rows are dropped (with a note), and a label most of whose rows are in such classes is not
# a class label at all (an id, a free-text column, a number meant for regression).
MIN_CLASS_ROWS = 3
# More classes than this is an id or free text more often than a label; a model with
# thousands of outputs is also not what a tabular search is sized for.
MAX_CLASSES = 1000
_FEATURE_NAME = re.compile(r"[^A-Za-z0-9_]")
# Every name of the pipeline's own has a "__" in it (__label__, __label_vocabulary__, the
# Transform's x__z, x__id, x__missing: components.features), so no user column may.
_RESERVED_RUN = re.compile(r"__+")


class DataError(ValueError):
    """The input data cannot be used; the message is one line, fit for a terminal."""


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
    span: int | None = None  # pipeline.spans: which span of a span folder this is

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


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def sanitised_names(header: list[str], where: str) -> tuple[list[str], dict[str, str]]:
    names: list[str] = []
    renamed: dict[str, str] = {}
    for index, raw in enumerate(header, start=1):
        original = raw.strip()
        if not original:
            raise DataError(f"{where}: column {index} of the header has no name")
        name = _RESERVED_RUN.sub("_", _FEATURE_NAME.sub("_", original))
        if name[0].isdigit():  # a leading digit is no feature name
            name = f"f_{name}"
        if name in names:
            raise DataError(f"{where}: column name '{original}' appears twice (as '{name}')")
        if name != original:
            renamed[original] = name
        names.append(name)
    return names, renamed


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    where = str(path)
    if not path.exists():
        raise DataError(f"data file not found: {where}")
    if path.is_dir():
        raise DataError(
            f"{where} is a directory; pass the CSV file itself, or a folder of span-N folders"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DataError(f"cannot read {where}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where} is not UTF-8 text (byte {exc.start}); is it really a CSV?"
        ) from exc
    if not text.strip():
        raise DataError(f"{where} is empty")
    if (nul := text.find("\x00")) >= 0:
        line = text.count("\n", 0, nul) + 1
        raise DataError(f"{where} holds a NUL byte (line {line}); is it really a CSV?")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        rows = []
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue  # blank lines carry nothing
            if len(row) != len(header):
                raise DataError(
                    f"{where} line {reader.line_num} has {len(row)} fields, "
                    f"the header has {len(header)}"
                )
            rows.append([cell.strip() for cell in row])
    except csv.Error as exc:
        raise DataError(f"{where} line {reader.line_num} is not valid CSV: {exc}") from exc
    if not rows:
        raise DataError(f"{where} has a header but no data rows")
    return header, rows


def _parses_as_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _check_finite(labels: list[str], label: str, task: str | None) -> None:
    """A numeric label with 'inf' in it is a number gone wrong, not one class in 40."""
    if task == "classification" or not all(_parses_as_float(v) for v in labels):
        return
    if (bad := next((v for v in labels if not _is_number(v)), None)) is not None:
        raise DataError(
            f"label column '{label}' holds a non-finite number ('{bad}'); drop or fix those rows"
        )


def _rare_classes(counts: Counter, rows: int, label: str) -> dict[str, int]:
    """The classes with fewer than MIN_CLASS_ROWS rows, whose rows are dropped; a label
    whose rows are mostly in such classes is bad input."""
    rare = {c: n for c, n in sorted(counts.items()) if n < MIN_CLASS_ROWS}
    if sum(rare.values()) * 2 > rows:
        raise DataError(
            f"label column '{label}' has {len(counts)} distinct values in {rows} rows, most of "
            f"them in classes of fewer than {MIN_CLASS_ROWS} rows: it is not a class label "
            "(an id? a number? then --task regression)"
        )
    return rare


def _infer_task(values: list[str]) -> str:
    if not all(_is_number(v) for v in values):
        return "classification"
    numbers = [float(v) for v in values]
    if all(n.is_integer() for n in numbers) and len(set(numbers)) <= MAX_INFERRED_INTEGER_CLASSES:
        return "classification"
    return "regression"


def _read_all(sources: list[Path]) -> tuple[list[str], list[list[str]]]:
    """One table from CSV files that must share their header (a span may be several)."""
    header, rows = read_rows(sources[0])
    for source in sources[1:]:
        other, more = read_rows(source)
        if [c.strip() for c in other] != [c.strip() for c in header]:
            raise DataError(f"{source} has other columns than {sources[0]}")
        rows.extend(more)
    return header, rows


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
    config names (``evaluator.slices``), which must be among those kept."""
    sources = source if isinstance(source, list) else [source]
    where = str(sources[0].parent if len(sources) > 1 else sources[0])
    header, rows = _read_all(sources)
    names, renamed = sanitised_names(header, where)
    label_name = renamed.get(label, label)
    if label_name not in names:
        shown = ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
        raise DataError(f"label column '{label}' is not in {where} (columns: {shown})")
    missing_excluded = [e for e in exclude if renamed.get(e, e) not in names]
    if missing_excluded:
        raise DataError(f"excluded column(s) not in {where}: {', '.join(missing_excluded)}")

    for row in rows:
        for i, cell in enumerate(row):
            if cell in MISSING_TOKENS:
                row[i] = ""
    label_index = names.index(label_name)
    kept = [row for row in rows if row[label_index] != ""]
    n_dropped = len(rows) - len(kept)
    if not kept:
        raise DataError(f"label column '{label}' is empty in every row of {where}")
    if len(kept) < MIN_ROWS:
        raise DataError(
            f"{where} has {len(kept)} labelled rows; at least {MIN_ROWS} are needed "
            "to split into train and eval"
        )
    labels = [row[label_index] for row in kept]
    distinct = Counter(labels)
    if len(distinct) < 2:
        raise DataError(
            f"label column '{label}' has a single value ('{labels[0]}'); there is nothing to learn"
        )
    _check_finite(labels, label, task)
    resolved_task = task or _infer_task(labels)
    rare: dict[str, int] = {}
    if resolved_task == "classification" and (rare := _rare_classes(distinct, len(kept), label)):
        kept = [row for row in kept if row[label_index] not in rare]
        labels = [row[label_index] for row in kept]
        distinct = Counter(labels)
        if len(distinct) < 2:
            raise DataError(
                f"label column '{label}' has one class with {MIN_CLASS_ROWS} or more rows "
                f"('{labels[0]}'); the others are too rare to learn"
            )
    if resolved_task == "classification" and len(distinct) > MAX_CLASSES:
        raise DataError(
            f"label column '{label}' has {len(distinct)} classes, more than the {MAX_CLASSES} "
            "a classification here supports (an id? a number? then --task regression)"
        )
    label_std = label_range = None
    if resolved_task == "regression":
        bad = next((v for v in labels if not _is_number(v)), None)
        if bad is not None:
            raise DataError(
                f"label column '{label}' is not numeric (e.g. '{bad}'), so it cannot be a "
                "regression target; use --task classification"
            )
        values = [float(v) for v in labels]
        label_std, label_range = statistics.pstdev(values), (min(values), max(values))

    excluded = {renamed.get(e, e) for e in exclude}
    keep_columns = [
        i
        for i, name in enumerate(names)
        if name not in excluded and (i == label_index or any(row[i] != "" for row in kept))
    ]
    dropped_empty = tuple(
        names[i] for i in range(len(names)) if i not in keep_columns and names[i] not in excluded
    )
    columns = tuple(names[i] for i in keep_columns)
    if missing := [r for r in required if renamed.get(r, r) not in columns]:
        raise DataError(f"evaluator.slices: no column {', '.join(missing)} in {where}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row[i] for i in keep_columns] for row in kept)
    content = buffer.getvalue().encode()
    digest = hashlib.sha256(content).hexdigest()
    if staged_file is None:
        staged_dir = staging_root / digest[:16]
        _write_once(staged_dir / "data.csv", content)
    else:
        staged_dir = staging_root
        if not (staged_file.is_file() and staged_file.read_bytes() == content):
            staged_file.unlink(missing_ok=True)
            _write_once(staged_file, content)
    return DatasetProfile(
        staged_dir=staged_dir,
        label=label_name,
        task=resolved_task,
        columns=columns,
        n_rows=len(kept),
        n_dropped_missing_label=n_dropped,
        renamed_columns=renamed,
        dropped_empty_columns=dropped_empty,
        dropped_rare_classes=rare,
        class_counts=dict(sorted(distinct.items())) if resolved_task == "classification" else {},
        label_std=label_std,
        label_range=label_range,
        content_digest=digest,
    )


def _write_once(target: Path, content: bytes) -> None:
    """Atomic, idempotent write: an existing file (same name = same content) is left alone,
    keeping its mtime so that ExampleGen's input fingerprint, and so the cache, stay valid."""
    if target.is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".data-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
