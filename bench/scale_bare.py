"""bench-scale's baseline: what the pipeline's ingestion does, done bare, in one process.

TFDV's ``generate_statistics_from_csv`` on the CSV, then a bare tf.Transform job with the
pipeline's own ``preprocessing_fn`` over the same CSV, on the same runner (Beam's in-memory
DirectRunner, as the pipeline runs by default) and in the same mode (TF1 graph tracing, the
Transform's own statistics off, as components/transform is configured), writing the
transformed rows as tf.Examples in TFRecords, as TFX's Transform does. The bare job
analyses and transforms every row; the pipeline splits them first, analyses the train split
and transforms train and eval: slightly less transform work, plus the split.

Usage: python bench/scale_bare.py CSV LABEL TASK OUT_DIR [BEAM_OPTION ...]
(prints one JSON line of seconds; Beam options, e.g. --direct_running_mode=multi_processing
--direct_num_workers=2, go to both TFDV's and tf.Transform's pipeline)
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import components  # noqa: E402,F401  (Keras 2 before TensorFlow)


def main(source: str, label: str, task: str, out: str, *beam_args: str) -> dict[str, float]:
    import apache_beam as beam
    import tensorflow_data_validation as tfdv
    import tensorflow_transform.beam as tft_beam
    from tfx_bsl.coders import example_coder
    from apache_beam.options.pipeline_options import PipelineOptions
    from tfx_bsl.public import tfxio

    from components.transform.preprocessing import preprocessing_fn

    os.makedirs(out, exist_ok=True)
    started = time.monotonic()
    stats = tfdv.generate_statistics_from_csv(
        source,
        output_path=os.path.join(out, "stats.tfrecord"),
        pipeline_options=PipelineOptions(list(beam_args)),
    )
    statistics_s = time.monotonic() - started
    schema = tfdv.infer_schema(stats, infer_feature_shape=True)
    with open(source, newline="") as handle:
        header = next(csv.reader(handle))
    rows = tfxio.CsvTFXIO(source, column_names=header, schema=schema, skip_header_lines=1)
    config = {"label": label, "task": task, "categorical_features": []}

    started = time.monotonic()
    with beam.Pipeline(options=PipelineOptions(list(beam_args))) as pipeline, tft_beam.Context(
        temp_dir=os.path.join(out, "tmp"), force_tf_compat_v1=True
    ):
        raw = pipeline | "Read" >> rows.BeamSource()
        (transformed, metadata), transform_fn = (
            raw, rows.TensorAdapterConfig()
        ) | tft_beam.AnalyzeAndTransformDataset(
            lambda inputs: preprocessing_fn(inputs, config), output_record_batches=True
        )  # fmt: skip

        def encode(batch_and_passthrough, schema):  # type: ignore[no-untyped-def]
            encoder = example_coder.RecordBatchToExamplesEncoder(schema)
            return encoder.encode(batch_and_passthrough[0])

        (
            transformed
            | "Encode" >> beam.FlatMap(encode, beam.pvalue.AsSingleton(
                metadata.deferred_metadata | beam.Map(lambda m: m.schema)))  # fmt: skip
            | "Write" >> beam.io.WriteToTFRecord(os.path.join(out, "transformed", "part"))
        )
        _ = transform_fn | "WriteFn" >> tft_beam.WriteTransformFn(os.path.join(out, "fn"))
    return {"statistics_s": statistics_s, "transform_s": time.monotonic() - started}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])), flush=True)
