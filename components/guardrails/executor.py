"""The guardrails' executor: find data problems in the training split, handle them, say so.

Findings come from the statistics StatisticsGen already computed (checks.py) and, for what
statistics cannot show (numeric keys, leakage), from a sample of training rows
(identifiers.py, leakage.py); handling.py decides what each leads to.
The outputs are the schema the rest of the pipeline trains on (excluded columns DEPRECATED)
and guardrails.json, which the Tuner reads for class weights and the run summary and the
report show.
"""

from __future__ import annotations

import glob
import json
import logging
import os
from typing import Any

import numpy as np
import pandas as pd
from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components.guardrails import checks, handling, identifiers, leakage
from components.guardrails.settings import GuardrailsConfig
from components.common.settings import validated

log = logging.getLogger("automl.guardrails")

SCHEMA_FILE = "schema.pbtxt"
READ_BATCH = 8192  # records read from the split at a time


def _records(split_dir: str, limit: int | None, seed: int = 0) -> list[bytes]:
    """The split's serialized records, or ``limit`` of them drawn evenly over the whole split
    (the smallest of a seeded random key per record, kept in the files' order): ExampleGen
    writes rows in the CSV's order, so the first rows of a file sorted by time or label
    would be its oldest, or one class."""
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(split_dir, "*")))
    batches = tf.data.TFRecordDataset(files, compression_type="GZIP").batch(READ_BATCH)
    rng = np.random.default_rng(seed)
    kept: list[bytes] = []
    keys = np.empty(0)
    for batch in batches:
        raw = list(batch.numpy())
        kept += raw
        if limit is None:
            continue
        keys = np.concatenate([keys, rng.random(len(raw))])
        if len(kept) > limit:
            chosen = np.sort(np.argpartition(keys, limit - 1)[:limit])
            kept, keys = [kept[i] for i in chosen], keys[chosen]
    return kept


def split_rows(split_dir: str, limit: int | None = None) -> pd.DataFrame:
    """Up to ``limit`` rows of one split of an Examples artifact (gzipped tf.Examples), drawn
    over the whole split, as a frame: numbers as floats (NaN when missing), strings as str
    (None when missing)."""
    import tensorflow as tf

    rows = []
    for record in _records(split_dir, limit):
        example = tf.train.Example.FromString(record)
        row: dict[str, Any] = {}
        for name, feature in example.features.feature.items():
            kind = feature.WhichOneof("kind")
            values = getattr(feature, kind).value if kind else []
            if not values:
                row[name] = None
            elif kind == "bytes_list":
                row[name] = values[0].decode("utf-8", "replace")
            else:
                row[name] = float(values[0])
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if frame[column].map(lambda v: v is None or isinstance(v, float)).all():
            frame[column] = frame[column].astype(float)
    return frame


def read_report(artifact: types.Artifact) -> dict[str, Any]:
    with open(os.path.join(artifact.uri, handling.REPORT_FILE)) as handle:
        return json.load(handle)


class Executor(base_executor.BaseExecutor):
    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        typed = validated(GuardrailsConfig, json.loads(exec_properties["settings"]), "guardrails")
        settings = typed.model_dump(mode="json")
        label, task = exec_properties["label"], exec_properties["task"]
        schema_uri = artifact_utils.get_single_uri(input_dict["schema"])
        schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_uri))
        decision = handling.Decision(notes=("guardrails are off (guardrails.enabled: false)",))
        if typed.enabled:
            statistics = artifact_utils.get_single_instance(input_dict["statistics"])
            train = stats_artifact_utils.load_statistics(statistics, "train").proto()
            found = checks.findings(train, label, task)
            examples = artifact_utils.get_single_instance(input_dict["examples"])
            frame = split_rows(
                artifact_utils.get_split_uri([examples], "train"), leakage.SAMPLE_ROWS
            )
            seen = {(f.kind, f.feature) for f in found}
            found += [f for f in identifiers.id_like_integers(frame, label)
                      if (f.kind, f.feature) not in seen]  # fmt: skip
            if typed.leakage and label in frame.columns:
                found += leakage.leaking_columns(frame, label, task)
            decision = handling.decide(found, settings)
        in_schema = {f.name for f in schema.feature}
        excluded = [c for c in decision.excluded if c in in_schema]
        for line in [h.line() for h in decision.handled] + list(decision.notes):
            log.warning("Guardrail %s", line)
        if not decision.handled:
            log.info("Guardrails: no data problems found")

        schema_out = artifact_utils.get_single_uri(output_dict["training_schema"])
        io_utils.write_pbtxt_file(
            os.path.join(schema_out, SCHEMA_FILE), handling.without_columns(schema, excluded)
        )
        report = artifact_utils.get_single_instance(output_dict["findings"])
        with open(os.path.join(report.uri, handling.REPORT_FILE), "w") as handle:
            json.dump({**decision.as_dict(), "excluded": excluded}, handle, indent=1)
        report.set_int_custom_property("findings", len(decision.handled))
        report.set_string_custom_property("excluded", ",".join(excluded))
        report.set_string_custom_property("class_weighting", decision.class_weighting or "")
