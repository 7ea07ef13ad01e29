"""CsvExampleGen's executor, reading the CSV with Arrow: the same examples and the same
splits as TFX's, in a tenth of its time.

TFX's executor (tfx.components.example_gen.csv_example_gen.executor) reads each file line by
line and builds each tf.Example in Python. This one streams each file in blocks through
Arrow's CSV reader twice: once to learn the column types (columns.py: tfx_bsl's rules), once
to convert each block to lists and encode it with tfx_bsl's C++ encoder. Everything after
(the hash split, writing the TFRecords, spans and fingerprints) is TFX's base ExampleGen,
unchanged. Each record is written in the proto's deterministic form, which is the very bytes
TFX hashes to choose a record's split, so a row lands in the same split as with TFX's
executor and every output record equals TFX's as a proto.

Memory holds one block per worker, whatever the file's size. Like TFX's executor, one file is
read by one worker; a span folder of several files is read in parallel.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.csv as pa_csv
import tensorflow as tf
from apache_beam.io import filebasedsink, tfrecordio
from apache_beam.io.filesystem import CompressionTypes
from tfx import types
from tfx.components.example_gen import utils as example_gen_utils
from tfx.components.example_gen import write_split
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.components.util import examples_utils
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils
from tfx_bsl.coders.example_coder import RecordBatchToExamplesEncoder

from components.example_gen.columns import ColumnType, batch_type, feature_lists, widest

BLOCK_BYTES = 8 << 20  # Arrow reads (and a worker holds) this much of a file at a time
SHARD_BYTES = 16 << 20  # records per output file (uncompressed): ~5 files for 1M rows' train split


def _blocks(path: str, column_names: list[str]) -> Iterator[pa.RecordBatch]:
    """The file's rows after its header, block by block, every cell a string (empty: null)."""
    handle = beam.io.filesystems.FileSystems.open(path)
    try:
        reader = pa_csv.open_csv(
            handle,
            read_options=pa_csv.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in column_names},
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
        if reader.schema.names != column_names:
            raise ValueError(f"{path}: header {reader.schema.names} != {column_names}")
        yield from reader
    except pa.ArrowInvalid as error:  # a row with more or fewer cells than the header
        raise ValueError(f"{path}: {error}") from error
    finally:
        handle.close()


class _FileColumnTypes(beam.DoFn):
    """One file's column types (the first pass)."""

    def __init__(self, column_names: list[str]):
        self._column_names = column_names

    def process(self, path: str) -> Iterator[dict[str, ColumnType]]:
        types = dict.fromkeys(self._column_names, ColumnType.UNKNOWN)
        for block in _blocks(path, self._column_names):
            for name in self._column_names:
                types[name] = batch_type(block.column(name), types[name])
        yield types


class _WidestColumnTypes(beam.CombineFn):
    """All files' column types merged: each column takes the widest any file needs."""

    def create_accumulator(self) -> dict[str, ColumnType]:
        return {}

    def add_input(self, accumulator: dict[str, ColumnType], types: dict[str, ColumnType]):
        return widest([accumulator, types])

    def merge_accumulators(self, accumulators: Any) -> dict[str, ColumnType]:
        return widest(accumulators)

    def extract_output(self, accumulator: dict[str, ColumnType]) -> dict[str, ColumnType]:
        return accumulator


class _EncodeExamples(beam.DoFn):
    """One file's rows as serialized tf.Examples (the second pass), in deterministic form."""

    def __init__(self, column_names: list[str]):
        self._column_names = column_names
        self._encoder: RecordBatchToExamplesEncoder | None = None

    def setup(self) -> None:
        self._encoder = RecordBatchToExamplesEncoder()

    def process(self, path: str, types: dict[str, ColumnType]) -> Iterator[bytes]:
        assert self._encoder is not None
        names = sorted(self._column_names)
        for block in _blocks(path, self._column_names):
            lists = [feature_lists(block.column(name), types[name]) for name in names]
            encoded = self._encoder.encode(pa.RecordBatch.from_arrays(lists, names))
            # The C++ encoder writes the feature map in hash order; TFX splits on (and this
            # writes) the sorted form.
            for record in encoded:
                yield tf.train.Example.FromString(record).SerializeToString(deterministic=True)


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(bytes)
def _CsvToExamples(  # noqa: N802  (a Beam PTransform, named as TFX's are)
    pipeline: beam.Pipeline, exec_properties: dict[str, Any], split_pattern: str
) -> beam.PCollection:
    pattern = os.path.join(exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern)
    files = sorted(fileio.glob(pattern))
    if not files:
        raise RuntimeError(f"Split pattern {pattern} does not match any files.")
    column_names = io_utils.load_csv_column_names(files[0])
    for path in files[1:]:
        if io_utils.load_csv_column_names(path) != column_names:
            raise RuntimeError(f"Files in same split {pattern} have different header.")
    types = beam.pvalue.AsSingleton(
        pipeline
        | "TypeFiles" >> beam.Create(files)
        | "FileColumnTypes" >> beam.ParDo(_FileColumnTypes(column_names))
        | "ColumnTypes" >> beam.CombineGlobally(_WidestColumnTypes())
    )
    return (
        pipeline
        | "EncodeFiles" >> beam.Create(files)
        | "EncodeExamples" >> beam.ParDo(_EncodeExamples(column_names), types)
    )


class _TFRecordShards(filebasedsink.FileBasedSink):
    """Gzipped TFRecord files of at most SHARD_BYTES (uncompressed) each, as Beam's
    WriteToTFRecord writes them but for the size limit: a gzip file is read by one worker,
    so a split in one file would leave StatisticsGen, Transform and the Evaluator one worker
    of the pool."""

    def __init__(self, file_path_prefix: str):
        super().__init__(
            file_path_prefix,
            coder=beam.coders.BytesCoder(),
            file_name_suffix=".gz",
            compression_type=CompressionTypes.AUTO,
            max_bytes_per_shard=SHARD_BYTES,
        )

    def write_encoded_record(self, file_handle: Any, value: bytes) -> None:
        tfrecordio._TFRecordUtil.write_record(file_handle, value)  # noqa: SLF001  (Beam's framing)


@beam.ptransform_fn
def _WriteSplit(records: beam.PCollection, split_uri: str) -> beam.pvalue.PDone:  # noqa: N802
    """TFX's WriteSplit without its Reshuffle, which on a local runner holds every record
    of the split in memory at once (the peak of a large run) only to shuffle the order of
    the rows in the files; every reader of ours draws its rows by a random key per row
    (modeling.model.data), so the order does not matter to them."""
    prefix = os.path.join(split_uri, write_split.DEFAULT_FILE_NAME)
    return records | "Write" >> beam.io.Write(_TFRecordShards(prefix))


class Executor(BaseExampleGenExecutor):
    """TFX's base ExampleGen (spans, hash splits, the output artifact) over the Arrow CSV
    reader above, writing each split as it streams by (``_WriteSplit``)."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:  # noqa: N802  (TFX's API)
        return _CsvToExamples

    def Do(  # noqa: N802  (TFX's API)
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        """TFX's BaseExampleGenExecutor.Do with ``_WriteSplit`` for its writer; the same
        output artifact (split names, payload and file format)."""
        self._log_startup(input_dict, output_dict, exec_properties)
        input_config = example_gen_pb2.Input()
        proto_utils.json_to_proto(
            exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config
        )
        output_config = example_gen_pb2.Output()
        proto_utils.json_to_proto(
            exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], output_config
        )
        outputs = output_dict[standard_component_specs.EXAMPLES_KEY]
        examples = artifact_utils.get_single_instance(outputs)
        examples.split_names = artifact_utils.encode_split_names(
            example_gen_utils.generate_output_split_names(input_config, output_config)
        )
        with self._make_beam_pipeline() as pipeline:
            splits = self.GenerateExamplesByBeam(pipeline, exec_properties)
            for name, records in splits.items():
                split_uri = artifact_utils.get_split_uri(outputs, name)
                _ = records | f"WriteSplit[{name}]" >> _WriteSplit(split_uri)
        payload_format = exec_properties.get(standard_component_specs.OUTPUT_DATA_FORMAT_KEY)
        file_format = exec_properties.get(standard_component_specs.OUTPUT_FILE_FORMAT_KEY)
        for artifact in outputs:
            if payload_format:
                examples_utils.set_payload_format(artifact, payload_format)
            if file_format:
                examples_utils.set_file_format(
                    artifact, write_split.to_file_format_str(file_format)
                )
