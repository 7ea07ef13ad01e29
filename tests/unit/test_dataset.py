"""The CSV pre-check: every bad input is one clear line, and nothing is staged for it."""

from pathlib import Path

import pytest

from pipeline.definition.dataset import DataError, embedded_penguins_csv, profile_and_stage

GOOD_HEADER = "x,colour,y\n"


def rows(n: int, label=lambda i: "a" if i % 2 else "b") -> str:
    return "".join(f"{i}.5,{'red' if i % 3 else 'blue'},{label(i)}\n" for i in range(n))


def stage(path: Path, label: str = "y", task=None, tmp: Path | None = None):
    return profile_and_stage(path, label, task, (tmp or path.parent) / "staged")


@pytest.mark.parametrize(
    "name, content, label, task, fragment",
    [
        ("empty", "", "y", None, "is empty"),
        ("blank", "\n\n  \n", "y", None, "is empty"),
        ("header_only", GOOD_HEADER, "y", None, "has a header but no data rows"),
        ("no_label", GOOD_HEADER + rows(20), "price", None, "label column 'price' is not in"),
        (
            "single_value",
            GOOD_HEADER + rows(20, lambda i: "same"),
            "y",
            None,
            "has a single value",
        ),
        ("regression_text", GOOD_HEADER + rows(20), "y", "regression", "is not numeric"),
        (
            "ragged_long",
            GOOD_HEADER + rows(5) + "1,red,a,extra\n" + rows(5),
            "y",
            None,
            "line 7 has 4 fields, the header has 3",
        ),
        (
            "ragged_short",
            GOOD_HEADER + rows(12) + "1,red\n",
            "y",
            None,
            "line 14 has 2 fields, the header has 3",
        ),
        ("too_few", GOOD_HEADER + rows(4), "y", None, "at least 10 are needed"),
        (
            "all_labels_missing",
            GOOD_HEADER + rows(20, lambda i: "NA"),
            "y",
            None,
            "is empty in every row",
        ),
        ("duplicate_columns", "x,x,y\n" + rows(20), "y", None, "appears twice"),
        ("all_distinct", GOOD_HEADER + rows(40, lambda i: f"id{i}"), "y", None,
         "has 40 distinct values in 40 rows"),
        ("one_inf", GOOD_HEADER + rows(40, lambda i: "inf" if i == 7 else f"{i}.25"), "y", None,
         "holds a non-finite number ('inf')"),
        ("inf_regression", GOOD_HEADER + rows(40, lambda i: "-inf" if i == 7 else str(i)), "y",
         "regression", "holds a non-finite number ('-inf')"),
        ("one_class_left", GOOD_HEADER + rows(20, lambda i: "b" if i == 3 else "a"), "y", None,
         "has one class with 3 or more rows ('a')"),
        ("nameless_column", "x,,y\n" + rows(20), "y", None, "has no name"),
    ],
)
def test_bad_csv_is_rejected_with_one_line(
    write_csv, tmp_path, name, content, label, task, fragment
):
    path = write_csv(content, f"{name}.csv")
    with pytest.raises(DataError) as error:
        stage(path, label, task)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "staged").exists()  # nothing published for bad input


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="data file not found"):
        stage(tmp_path / "nope.csv")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        stage(tmp_path)


def test_binary_file_is_unreadable_as_csv(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00" * 10)
    with pytest.raises(DataError, match="is not UTF-8 text"):
        stage(path)


def test_normalises_missing_tokens_and_drops_unlabelled_rows(write_csv):
    content = "Bill Length,island,y\n" + "".join(
        f"{'NA' if i == 3 else i},{'null' if i == 4 else 'Dream'},{'' if i == 5 else i % 2}\n"
        for i in range(15)
    )
    profile = stage(write_csv(content))
    staged = (profile.staged_dir / "data.csv").read_text().splitlines()
    assert staged[0] == "Bill_Length,island,y"
    assert profile.renamed_columns == {"Bill Length": "Bill_Length"}
    assert profile.n_rows == 14 and profile.n_dropped_missing_label == 1
    assert staged[4] == ",Dream,1"  # row i=3: NA -> empty
    assert staged[5] == "4,,0"  # row i=4: null -> empty


def test_task_is_inferred_from_the_label(write_csv):
    few_ints = stage(write_csv("x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(30)), "a.csv"))
    assert few_ints.task == "classification" and len(few_ints.class_counts) == 3
    floats = stage(write_csv("x,y\n" + "".join(f"{i},{i * 1.37}\n" for i in range(30)), "b.csv"))
    assert floats.task == "regression" and floats.label_std > 0
    strings = stage(write_csv(GOOD_HEADER + rows(30), "c.csv"))
    assert strings.task == "classification"
    assert strings.majority_fraction == pytest.approx(0.5)


def test_staging_is_content_addressed_and_idempotent(write_csv):
    path = write_csv(GOOD_HEADER + rows(30))
    first = stage(path)
    mtime = (first.staged_dir / "data.csv").stat().st_mtime_ns
    second = stage(path)
    assert first.staged_dir == second.staged_dir
    assert (second.staged_dir / "data.csv").stat().st_mtime_ns == mtime  # cache stays valid
    changed = stage(write_csv(GOOD_HEADER + rows(31)))
    assert changed.staged_dir != first.staged_dir


def test_empty_columns_are_dropped_and_excluded_ones_removed(write_csv, tmp_path):
    content = "id,empty,x,y\n" + "".join(f"{i},,{i},{i % 2}\n" for i in range(20))
    profile = profile_and_stage(
        write_csv(content), "y", None, tmp_path / "staged", exclude=("id",)
    )
    assert profile.columns == ("x", "y")
    assert profile.dropped_empty_columns == ("empty",)


def test_excluding_an_unknown_column_is_an_error(write_csv, tmp_path):
    with pytest.raises(DataError, match="excluded column"):
        profile_and_stage(
            write_csv(GOOD_HEADER + rows(20)), "y", None, tmp_path / "staged", exclude=("nope",)
        )
    assert not (tmp_path / "staged").exists()


def test_embedded_penguins_profile(tmp_path):
    profile = profile_and_stage(embedded_penguins_csv(), "species", None, tmp_path)
    assert profile.task == "classification"
    assert set(profile.class_counts) == {"Adelie", "Chinstrap", "Gentoo"}
    assert profile.n_rows == 344


def test_rows_of_classes_too_rare_to_split_are_dropped_and_said(write_csv):
    """A class needs a row in train, eval and test: one with fewer than 3 rows is dropped
    (the console's data line says which), the others are kept as they are."""
    from pipeline.report import messages
    from pipeline.definition.config import PipelineConfig

    rare = {3: "rare", 4: "odd", 5: "odd"}
    path = write_csv(GOOD_HEADER + rows(30, lambda i: rare.get(i, "ab"[i % 2])))
    profile = stage(path)
    assert profile.dropped_rare_classes == {"odd": 2, "rare": 1}
    assert profile.class_counts == {"a": 14, "b": 13} and profile.n_rows == 27
    staged = (profile.staged_dir / "data.csv").read_text()
    assert "rare" not in staged and "odd" not in staged
    line = messages.data_line(PipelineConfig(data=path, label="y"), profile)
    assert "rows of classes too rare to learn dropped: 'odd' (2), 'rare' (1)" in line


def test_names_reserved_for_the_pipelines_own_keys_are_renamed(write_csv):
    # Ours all hold a "__": the label keys, and the Transform's x__z, x__id, x__missing.
    header = "__label__,__label_vocabulary__,x,x__z,c__id,y\n"
    rows = "".join(f"{i},{i % 3},{i},{i},c{i % 2},{'ab'[i % 2]}\n" for i in range(20))
    profile = stage(write_csv(header + rows))
    assert profile.renamed_columns == {
        "__label__": "_label_", "__label_vocabulary__": "_label_vocabulary_",
        "x__z": "x_z", "c__id": "c_id",
    }  # fmt: skip
    assert profile.columns == ("_label_", "_label_vocabulary_", "x", "x_z", "c_id", "y")
    with pytest.raises(DataError, match="column name 'a_b' appears twice"):
        stage(write_csv("a__b,a_b,y\n" + "1,2,a\n3,4,b\n" * 10))
