"""Our CsvExampleGen executor (Arrow) against TFX's own, run side by side on the same files:
every split must hold the same examples, proto for proto.

The files are TFX's own test data (Chicago taxi in two files, an all-empty column, strings
over several lines) and a table of cells Arrow and Python read differently (" 5", "+5",
"1_0", "0x10", integers past int64, nan and inf, quoted commas, empty quoted cells).
"""

from __future__ import annotations

import csv
import glob
import os
from pathlib import Path

import pytest
import tensorflow as tf
import tfx
from tfx.components.example_gen.csv_example_gen import executor as tfx_csv
from tfx.proto import example_gen_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.utils import proto_utils

from components.example_gen import executor as arrow_csv
from components.example_gen.columns import ColumnType, batch_type

TFX_TESTDATA = Path(tfx.__file__).parent / "components" / "testdata" / "external"
TAXI = Path(tfx.__file__).parent / "examples" / "chicago_taxi_pipeline" / "data" / "simple"

ODD_COLUMNS = {
    "plain_int": ["1", "-2", "", "03", "4"],
    "spaced_int": [" 5", "+5", "1_0", "7", ""],
    "hex": ["0x10", "1", "2", "3", "4"],
    "int_then_float": ["1", "2", "3.5", "", "1e5"],
    "float_specials": ["nan", "inf", "-Infinity", ".5", "5."],
    "spaced_float": [" 1.5", "2", "3", "4", "5"],
    "long_int": ["9223372036854775808", "1", "2", "3", "4"],
    "long_int_and_float": ["99999999999999999999", "1.5", "2", "3", "4"],
    "float_past_float32": ["1e40", "1e-50", "0.1", "3.4028235e38", "-0"],
    "text": ["a,b", 'say "hi"', "", "x", "é"],
    "int_then_text": ["1", "2", "3", "4", "four"],
    "empty": ["", "", "", "", ""],
}


def _write_odd_table(path: Path, copies: int) -> None:
    names = list(ODD_COLUMNS)
    with path.open("w", newline="", encoding="utf-8") as handle:
        plain = csv.writer(handle, lineterminator="\n")
        quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
        plain.writerow([*names, "row"])
        rows = list(zip(*(ODD_COLUMNS[name] for name in names), strict=True))
        for copy in range(copies + 1):
            writer = plain if copy < copies else quoted  # a last copy of quoted cells: "", "7"
            for index, row in enumerate(rows):
                # the row number keeps rows apart, so each one's split is decided on its own
                writer.writerow([*row, copy * 10 + index])


def _run(
    executor: type,
    input_base: Path,
    pattern: str | dict[str, str],
    out: Path,
    partition_feature: str | None = None,
) -> dict[str, list[bytes]]:
    """Runs ``executor`` as TFX runs it (Do, on a local Beam) and returns each split's
    records, each in its deterministic form, sorted. ``pattern``: one input split, cut into
    train, eval and test by hash (of the record, or of ``partition_feature``); or input
    splits by name, each written as it is."""
    examples = standard_artifacts.Examples()
    examples.uri = str(out)
    if isinstance(pattern, dict):
        inputs = [example_gen_pb2.Input.Split(name=n, pattern=p) for n, p in pattern.items()]
        buckets = dict.fromkeys(pattern, 0)
    else:
        inputs = [example_gen_pb2.Input.Split(name="d", pattern=pattern)]
        buckets = {"train": 16, "eval": 2, "test": 2}
    split_config = example_gen_pb2.SplitConfig(
        splits=[
            example_gen_pb2.SplitConfig.Split(name=name, hash_buckets=count)
            for name, count in buckets.items()
            if count
        ],
        partition_feature_name=partition_feature,
    )
    exec_properties = {
        standard_component_specs.INPUT_BASE_KEY: str(input_base),
        standard_component_specs.INPUT_CONFIG_KEY: proto_utils.proto_to_json(
            example_gen_pb2.Input(splits=inputs)
        ),
        standard_component_specs.OUTPUT_CONFIG_KEY: proto_utils.proto_to_json(
            example_gen_pb2.Output(split_config=split_config if split_config.splits else None)
        ),
        standard_component_specs.OUTPUT_DATA_FORMAT_KEY: example_gen_pb2.FORMAT_TF_EXAMPLE,
    }
    executor().Do({}, {standard_component_specs.EXAMPLES_KEY: [examples]}, exec_properties)
    splits = {}
    for name in buckets:
        records = []
        for path in glob.glob(os.path.join(out, f"Split-{name}", "*.gz")):
            for record in tf.data.TFRecordDataset(path, compression_type="GZIP"):
                example = tf.train.Example.FromString(record.numpy())
                records.append(example.SerializeToString(deterministic=True))
        splits[name] = sorted(records)
    return splits


@pytest.mark.parametrize(
    ("source", "pattern"),
    [
        pytest.param("odd", "odd.csv", id="odd-cells"),
        pytest.param(TFX_TESTDATA, "csv/*", id="taxi-two-files"),
        pytest.param(TFX_TESTDATA, "csv_empty/*", id="empty-column"),
        pytest.param(TFX_TESTDATA, "csv_multi_line_string/*", id="multi-line-strings"),
        pytest.param(TAXI, "data.csv", id="taxi-simple"),
    ],
)
def test_same_examples_in_the_same_splits_as_tfx(tmp_path, source, pattern):
    if source == "odd":
        source = tmp_path / "input"
        source.mkdir()
        _write_odd_table(source / "odd.csv", copies=300)
    ours = _run(arrow_csv.Executor, source, pattern, tmp_path / "ours")
    theirs = _run(tfx_csv.Executor, source, pattern, tmp_path / "tfx")
    assert sum(len(records) for records in theirs.values()) > 0
    for split in theirs:
        assert len(ours[split]) == len(theirs[split]), split
        assert ours[split] == theirs[split], split
    if pattern == "odd.csv":
        example = tf.train.Example.FromString(ours["train"][0]).features.feature
        kinds = {name: example[name].WhichOneof("kind") for name in ODD_COLUMNS}
        assert kinds == {
            "plain_int": "int64_list",
            "spaced_int": "int64_list",
            "hex": "bytes_list",
            "int_then_float": "float_list",
            "float_specials": "float_list",
            "spaced_float": "float_list",
            "long_int": "bytes_list",
            "long_int_and_float": "bytes_list",
            "float_past_float32": "float_list",
            "text": "bytes_list",
            "int_then_text": "bytes_list",
            "empty": None,
        }


@pytest.mark.parametrize(
    ("pattern", "partition_feature"),
    [
        pytest.param("csv/*", "trip_start_hour", id="split-by-a-feature"),
        pytest.param(
            {"first": "csv/data.csv", "second": "csv/data2.csv"}, None, id="input-splits"
        ),
    ],
)
def test_the_other_split_configs_split_as_tfx_does(tmp_path, pattern, partition_feature):
    ours = _run(arrow_csv.Executor, TFX_TESTDATA, pattern, tmp_path / "ours", partition_feature)
    theirs = _run(tfx_csv.Executor, TFX_TESTDATA, pattern, tmp_path / "tfx", partition_feature)
    assert set(ours) == set(theirs) and all(theirs.values())
    assert ours == theirs


def test_the_per_record_transform_reads_the_examples_tfxs_reads():
    """TFX's API for an input source (one record per element), which TFX's own
    GenerateExamplesByBeam composes: the same examples as TFX's ``_CsvToExample``."""
    import apache_beam as beam
    from apache_beam.testing import util

    properties = {standard_component_specs.INPUT_BASE_KEY: str(TFX_TESTDATA)}
    ours_transform = arrow_csv.Executor().GetInputSourceToExamplePTransform()
    tfx_transform = tfx_csv.Executor().GetInputSourceToExamplePTransform()
    with beam.Pipeline() as pipeline:
        ours = pipeline | "Ours" >> ours_transform(properties, "csv/*")
        theirs = (
            pipeline
            | "Theirs" >> tfx_transform(properties, "csv/*")
            | "Serialize" >> beam.Map(lambda e: e.SerializeToString(deterministic=True))
        )
        util.assert_that(
            ours | "Count" >> beam.combiners.Count.Globally(), util.equal_to([15000]), "Rows"
        )
        difference = (
            (
                ours | "Plus" >> beam.Map(lambda r: (r, 1)),
                theirs | "Minus" >> beam.Map(lambda r: (r, -1)),
            )
            | beam.Flatten()
            | beam.CombinePerKey(sum)
            | beam.Filter(lambda pair: pair[1] != 0)
        )
        util.assert_that(difference, util.equal_to([]), "Same")


def test_a_row_with_too_many_cells_is_an_error_naming_the_file(tmp_path):
    source = tmp_path / "input"
    source.mkdir()
    (source / "bad.csv").write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(ValueError, match=r"bad\.csv.*Expected 2 columns"):
        _run(arrow_csv.Executor, source, "bad.csv", tmp_path / "ours")


def test_a_column_takes_the_widest_type_across_blocks():
    import pyarrow as pa

    assert batch_type(pa.array(["1", None, "2"])) is ColumnType.INT
    assert batch_type(pa.array(["1.5"]), ColumnType.INT) is ColumnType.FLOAT
    assert batch_type(pa.array(["7"]), ColumnType.FLOAT) is ColumnType.FLOAT
    assert batch_type(pa.array([None, None], pa.string()), ColumnType.FLOAT) is ColumnType.FLOAT
    assert batch_type(pa.array(["x"]), ColumnType.INT) is ColumnType.STRING
