"""The compiled pipeline's first task, DataCheck, run through its real executor on span
folders as a cluster's volume holds them: it checks the span ExampleGen will read (the
newest), with the same checks and one-line errors as the local pre-check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.data_check.component import DataCheckReport
from components.data_check.csv_reading import DataError
from components.data_check.executor import REPORT_FILE, Executor
from pipeline.definition.spans import KFP_PATTERN

HEADER = "species,bill_mm,island\n"


def span(root: Path, number: int, rows: list[str], name: str = "part-0.csv",
         header: str = HEADER) -> Path:  # fmt: skip
    path = root / f"span-{number}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "".join(f"{r}\n" for r in rows))
    return path


GOOD = [f"{'ab'[i % 2]},{30 + i % 7}.5,{'xyz'[i % 3]}" for i in range(40)]


def check(root: Path, tmp_path: Path, label: str = "species", task: str = "classification"):
    report = DataCheckReport()
    report.uri = str(tmp_path / "report")
    properties = {"data_root": str(root), "pattern": KFP_PATTERN, "label": label, "task": task}
    Executor().Do({}, {"report": [report]}, properties)
    return report, json.loads((Path(report.uri) / REPORT_FILE).read_text())


def test_the_newest_span_is_checked_and_described(tmp_path):
    root = tmp_path / "spans"
    span(root, 1, ["a,1,x"] * 3)  # too small, but an older span: not what the run reads
    span(root, 2, GOOD[:20])
    span(root, 2, GOOD[20:], name="part-1.csv")  # a span may be several files
    artifact, found = check(root, tmp_path)
    assert found["span"] == 2 and found["rows"] == 40 and found["labelled_rows"] == 40
    assert found["classes"] == {"a": 20, "b": 20} and found["task"] == "classification"
    assert len(found["files"]) == 2
    assert artifact.get_int_custom_property("span") == 2


@pytest.mark.parametrize(
    "rows, header, task, message",
    [
        ([r.replace(r.split(",")[0], "", 1) for r in GOOD], HEADER, "classification",
         "label column 'species' is empty in every row of"),
        (GOOD, "kind,bill_mm,island\n", "classification",
         "label column 'species' is not in"),
        (["a,1,x"] * 40, HEADER, "classification",
         "label column 'species' has a single value ('a')"),
        (GOOD, HEADER, "regression",
         "label column 'species' is not numeric (e.g. 'a')"),
        (GOOD[:5], HEADER, "classification", "has 5 labelled rows; at least 10"),
    ],
)  # fmt: skip
def test_bad_data_is_the_pre_checks_one_line_error(tmp_path, rows, header, task, message):
    root = tmp_path / "spans"
    span(root, 1, GOOD)
    span(root, 2, rows, header=header)
    with pytest.raises(DataError) as raised:
        check(root, tmp_path, task=task)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert not (tmp_path / "report").exists()  # nothing written for a span that failed


def test_a_folder_with_no_span_and_files_that_disagree_are_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no data to read under"):
        check(tmp_path / "empty", tmp_path)
    root = tmp_path / "spans"
    span(root, 1, GOOD)
    span(root, 1, GOOD, name="part-1.csv", header="species,bill_mm\n")
    with pytest.raises(DataError, match="has other columns than"):
        check(root, tmp_path)
    (root / "span-1" / "part-1.csv").write_bytes(b"species,bill_mm,island\n\xff\xfe,1,x\n")
    with pytest.raises(DataError, match="UTF-8"):
        check(root, tmp_path)
