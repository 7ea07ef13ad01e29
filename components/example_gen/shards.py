"""Writing a split: gzipped TFRecord files of bounded size, a block of records per write.

TFX's WriteSplit reshuffles the split and hands Beam's WriteToTFRecord one record per
element. On a local runner the Reshuffle holds every record of the split in memory at once
(the peak of a large run) only to change the order of the rows in the files, which no reader
of ours depends on (they draw rows by a random key per row: modeling.model.data, the
guardrails' sample); and the per-record write pays Beam's per-element cost and one zlib call
per field. Here an element is a block of records, framed as TFRecords (Beam's own framing) and
compressed in one write; a file is closed at SHARD_BYTES so that the readers after
ExampleGen (StatisticsGen, Transform, the Evaluator: a gzip file is read by one worker) can
spread a large split over Beam's workers.
"""

from __future__ import annotations

import io
import os
from typing import Any

import apache_beam as beam
from apache_beam.io import filebasedsink, tfrecordio
from apache_beam.io.filesystem import CompressionTypes
from tfx.components.example_gen import write_split

SHARD_BYTES = 16 << 20  # records per file, uncompressed: ~11 files for 1M rows' train split


class _TFRecordShards(filebasedsink.FileBasedSink):
    """Each element is a list of serialized records, written as one framed, compressed block."""

    def __init__(self, file_path_prefix: str):
        super().__init__(
            file_path_prefix,
            coder=beam.coders.BytesCoder(),
            file_name_suffix=".gz",
            compression_type=CompressionTypes.AUTO,
            max_bytes_per_shard=SHARD_BYTES,
        )

    def write_record(self, file_handle: Any, value: list[bytes]) -> None:
        framed = io.BytesIO()
        for record in value:
            tfrecordio._TFRecordUtil.write_record(framed, record)  # noqa: SLF001  (Beam's framing)
        file_handle.write(framed.getvalue())


@beam.ptransform_fn
def WriteSplit(blocks: beam.PCollection, split_uri: str) -> beam.pvalue.PDone:  # noqa: N802
    """Writes a split's blocks of records where TFX's WriteSplit writes its records."""
    prefix = os.path.join(split_uri, write_split.DEFAULT_FILE_NAME)
    return blocks | "Write" >> beam.io.Write(_TFRecordShards(prefix))
