"""The checks a user's CSV must pass before any TFX component sees it, in one streaming
pass: the header's names, the label (present, learnable, its task, its classes and moments),
the columns that hold any value. Both the local pre-check (pipeline.definition.dataset, which
then stages a normalised copy) and the compiled pipeline's first task
(components.data_check.component, which checks the span a cluster run is about to read) call
``check_source``, so a bad file is the same one-line error everywhere.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from components.data_check.csv_reading import CsvTable, DataError

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
# Transform's x__z, x__id, x__missing: modeling.features), so no user column may.
_RESERVED_RUN = re.compile(r"__+")



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


# Distinct label values counted; a label with more is no class label, and its counts would
# otherwise grow with the file.
LABEL_VALUES_COUNTED = 100_000


@dataclass
class LabelStats:
    """What one pass over the labelled rows learns of the label, in memory that does not grow
    with the rows: each value's count (up to LABEL_VALUES_COUNTED values), whether all are
    numbers, finite, integers, and the numbers' moments and range."""

    counts: Counter = field(default_factory=Counter)
    overflow: bool = False
    numeric: bool = True  # every value parses as a float ('inf' does)
    integer: bool = True
    first_non_number: str | None = None
    first_non_finite: str | None = None
    n: int = 0
    mean: float = 0.0
    m2: float = 0.0  # Welford's sum of squared deviations
    low: float = math.inf
    high: float = -math.inf

    def add(self, value: str) -> None:
        if not self.overflow:
            if value in self.counts or len(self.counts) < LABEL_VALUES_COUNTED:
                self.counts[value] += 1
            else:
                self.overflow = True
        if not self.numeric:
            return
        try:
            number = float(value)
        except ValueError:
            self.numeric, self.first_non_number = False, value
            return
        if not math.isfinite(number):
            self.first_non_finite = self.first_non_finite or value
            return
        self.integer = self.integer and number.is_integer()
        self.n += 1
        delta = number - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (number - self.mean)
        self.low, self.high = min(self.low, number), max(self.high, number)

    @property
    def finite_numbers(self) -> bool:
        return self.numeric and self.first_non_finite is None

    def infer_task(self) -> str:
        if not self.finite_numbers:
            return "classification"
        if self.integer and not self.overflow and len(self.counts) <= MAX_INFERRED_INTEGER_CLASSES:
            return "classification"
        return "regression"


def _rows(tables: list[CsvTable]) -> Iterator[list[str]]:
    """Every data row of the tables in turn (a span may be several files)."""
    for table in tables:
        yield from table


def _open_tables(sources: list[Path]) -> list[CsvTable]:
    """The files, which must share their header."""
    tables = [CsvTable(source) for source in sources]
    header = [c.strip() for c in tables[0].header]
    for table in tables[1:]:
        if [c.strip() for c in table.header] != header:
            raise DataError(f"{table.path} has other columns than {sources[0]}")
    return tables


def _filled_columns(
    rows: Iterator[list[str]], label_index: int, width: int, skip: dict[str, int]
) -> set[int]:
    """The columns with a value in some labelled row whose class is not in ``skip``."""
    empty = set(range(width))
    for row in rows:
        if row[label_index] in MISSING_TOKENS or row[label_index] in skip:
            continue
        if empty:
            empty -= {i for i in empty if row[i] not in MISSING_TOKENS}
    return set(range(width)) - empty


def _judge_label(
    stats: LabelStats, n_labelled: int, label: str, task: str | None, where: str
) -> tuple[str, dict[str, int], dict[str, int]]:
    """The task, the rare classes whose rows are dropped, and the classes' counts; or the one
    line that says why the label cannot be learnt."""
    if not n_labelled:
        raise DataError(f"label column '{label}' is empty in every row of {where}")
    if n_labelled < MIN_ROWS:
        raise DataError(
            f"{where} has {n_labelled} labelled rows; at least {MIN_ROWS} are needed "
            "to split into train and eval"
        )
    first = next(iter(stats.counts))
    if len(stats.counts) < 2:
        raise DataError(
            f"label column '{label}' has a single value ('{first}'); there is nothing to learn"
        )
    if task != "classification" and stats.numeric and stats.first_non_finite is not None:
        raise DataError(
            f"label column '{label}' holds a non-finite number ('{stats.first_non_finite}'); "
            "drop or fix those rows"
        )
    task = task or stats.infer_task()
    if task == "regression":
        if not stats.finite_numbers:
            bad = stats.first_non_number or stats.first_non_finite
            raise DataError(
                f"label column '{label}' is not numeric (e.g. '{bad}'), so it cannot be a "
                "regression target; use --task classification"
            )
        return task, {}, {}
    if stats.overflow:
        raise DataError(
            f"label column '{label}' has more than {LABEL_VALUES_COUNTED} distinct values in "
            f"{n_labelled} rows: it is not a class label (an id? a number? then --task "
            "regression)"
        )
    counts = stats.counts
    if rare := _rare_classes(counts, n_labelled, label):
        counts = Counter({c: n for c, n in counts.items() if c not in rare})
        if len(counts) < 2:
            raise DataError(
                f"label column '{label}' has one class with {MIN_CLASS_ROWS} or more rows "
                f"('{next(iter(counts))}'); the others are too rare to learn"
            )
    if len(counts) > MAX_CLASSES:
        raise DataError(
            f"label column '{label}' has {len(counts)} classes, more than the {MAX_CLASSES} "
            "a classification here supports (an id? a number? then --task regression)"
        )
    return task, rare, dict(sorted(counts.items()))


@dataclass(frozen=True)
class SourceCheck:
    """What the checking pass learnt: the names (sanitised, and which were renamed), the task,
    the classes too rare to learn (their rows are dropped) and the columns kept."""

    tables: list[CsvTable]
    where: str
    names: list[str]
    renamed: dict[str, str]
    label: str  # its sanitised name
    label_index: int
    n_rows: int
    n_labelled: int
    task: str
    rare: dict[str, int]
    class_counts: dict[str, int]
    stats: LabelStats
    keep_columns: list[int]  # indices into ``names``: the label and every filled column
    dropped_empty: tuple[str, ...]

    def rows(self) -> Iterator[list[str]]:
        return _rows(self.tables)


def check_source(
    source: Path | list[Path],
    label: str,
    task: str | None,
    exclude: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
) -> SourceCheck:
    """Reads ``source`` (a file, or a span's files, which must share their header) once, or
    twice when classes too rare to learn are dropped, and raises DataError with the first
    reason it cannot be trained on. ``required``: columns that must be among those kept."""
    sources = source if isinstance(source, list) else [source]
    where = str(sources[0].parent if len(sources) > 1 else sources[0])
    tables = _open_tables(sources)
    header = tables[0].header
    names, renamed = sanitised_names(header, where)
    label_name = renamed.get(label, label)
    if label_name not in names:
        shown = ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
        raise DataError(f"label column '{label}' is not in {where} (columns: {shown})")
    missing_excluded = [e for e in exclude if renamed.get(e, e) not in names]
    if missing_excluded:
        raise DataError(f"excluded column(s) not in {where}: {', '.join(missing_excluded)}")
    label_index = names.index(label_name)

    stats, n_rows, n_labelled, empty = LabelStats(), 0, 0, set(range(len(names)))
    for row in _rows(tables):
        n_rows += 1
        if (value := row[label_index]) in MISSING_TOKENS:
            continue
        n_labelled += 1
        stats.add(value)
        if empty:
            empty -= {i for i in empty if row[i] not in MISSING_TOKENS}
    filled = set(range(len(names))) - empty
    task, rare, class_counts = _judge_label(stats, n_labelled, label, task, where)
    if rare:
        filled = _filled_columns(_rows(tables), label_index, len(names), rare)

    excluded = {renamed.get(e, e) for e in exclude}
    keep_columns = [
        i
        for i, name in enumerate(names)
        if name not in excluded and (i == label_index or i in filled)
    ]
    dropped_empty = tuple(
        names[i] for i in range(len(names)) if i not in keep_columns and names[i] not in excluded
    )
    kept = {names[i] for i in keep_columns}
    if missing := [r for r in required if renamed.get(r, r) not in kept]:
        raise DataError(f"evaluator.slices: no column {', '.join(missing)} in {where}")
    return SourceCheck(
        tables, where, names, renamed, label_name, label_index, n_rows, n_labelled, task, rare,
        class_counts, stats, keep_columns, dropped_empty,
    )  # fmt: skip
