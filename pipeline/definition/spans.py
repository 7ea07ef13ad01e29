"""Data that arrives in numbered spans: ``DATA/span-1/*.csv``, ``DATA/span-2/*.csv``, ...

A scheduled retrain points at the folder; each run takes the newest span (or the one asked
for). Every span's CSV files are checked like a single CSV (pipeline.definition.dataset) and
staged as
``<staged>/spans/<dataset>/span-N/data.csv``, which CsvExampleGen reads with the pattern
``span-{SPAN}/data.csv``: its Examples then carry the span, so lineage and the drift gate know
which span a model was trained on.

Why stage instead of reading the user's folder: the pre-check (ragged rows, missing-label
rows, "NA" cells) must hold for what TFX reads, and a span's staged copy is rewritten only
when its content changes, so TFX's cache still hits on an unchanged span.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pipeline.definition import dataset
from pipeline.definition.dataset import DataError

SPAN_FOLDER = re.compile(r"^span-(\d+)$")
STAGED_PATTERN = "span-{SPAN}/data.csv"  # CsvExampleGen's input pattern under the staged root
KFP_PATTERN = "span-{SPAN}/*.csv"  # on the cluster the volume holds the user's files


def is_span_folder(path: Path) -> bool:
    return path.is_dir() and any(_numbered(path))


def _numbered(folder: Path) -> dict[int, Path]:
    found = {}
    for child in folder.iterdir():
        match = SPAN_FOLDER.match(child.name)
        if match and child.is_dir():
            found[int(match.group(1))] = child
    return found


def find_spans(folder: Path) -> dict[int, Path]:
    """The span folders by number; a DataError when there is none."""
    if not folder.is_dir():
        raise DataError(f"data folder not found: {folder}")
    spans = _numbered(folder)
    if not spans:
        raise DataError(f"{folder} has no span-N folders (e.g. {folder}/span-1/data.csv)")
    return dict(sorted(spans.items()))


def span_csv_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    if not files:
        raise DataError(f"{folder} has no .csv file")
    return files


def stage_span(
    folder: Path,
    label: str,
    task: str | None,
    staging_root: Path,
    dataset_name: str,
    span: int | None = None,
    exclude: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
) -> dataset.DatasetProfile:
    """Checks and stages span ``span`` (default: the newest) of ``folder``; the profile's
    ``staged_dir`` is the root of the staged spans, which CsvExampleGen reads."""
    spans = find_spans(folder)
    number = max(spans) if span is None else span
    if number not in spans:
        raise DataError(f"{folder} has no span {number} (spans: {_listed(spans)})")
    root = staging_root / "spans" / dataset_name
    profile = dataset.profile_and_stage(
        span_csv_files(spans[number]),
        label,
        task,
        root,
        exclude=exclude,
        staged_file=root / f"span-{number}" / "data.csv",
        required=required,
    )
    return dataclasses.replace(profile, span=number)


def _listed(spans: dict[int, Path]) -> str:
    numbers = list(spans)
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (", ..." if len(numbers) > 10 else "")
