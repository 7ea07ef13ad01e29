"""The data check's executor: the pre-check, as the compiled pipeline's first task.

Locally `automl run` checks the CSV before the pipeline starts (pipeline.definition.dataset). On a
cluster the data arrives later, into a span folder on the volume, and a scheduled run reads
whatever span is newest when it starts: this task finds that span as ExampleGen will (TFX's
own span resolution, on the same pattern), checks its files with the same checks, and fails
the run with the same one-line error before ExampleGen, statistics or training spend anything
on it.
"""

from __future__ import annotations

import glob
import json
import os
from pathlib import Path
from typing import Any

from tfx import types
from tfx.components.example_gen import utils as example_gen_utils
from tfx.dsl.components.base import base_executor
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils

from components.data_check.checks import check_source
from components.data_check.csv_reading import DataError

REPORT_FILE = "data_check.json"


def span_files(data_root: str, pattern: str) -> tuple[int, list[Path]]:
    """The newest span under ``data_root`` that ``pattern`` matches, and its files."""
    split = example_gen_pb2.Input.Split(name="data", pattern=pattern)
    try:
        _, span, _ = example_gen_utils.calculate_splits_fingerprint_span_and_version(
            data_root, [split]
        )
    except (ValueError, RuntimeError) as exc:  # TFX's: no span matches, ambiguous spans
        raise DataError(f"no data to read under {data_root} ({pattern}): {exc}") from None
    files = sorted(Path(p) for p in glob.glob(os.path.join(data_root, split.pattern)))
    if not files:
        raise DataError(f"no file matches {os.path.join(data_root, split.pattern)}")
    return span, files


class Executor(base_executor.BaseExecutor):
    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        data_root, pattern = exec_properties["data_root"], exec_properties["pattern"]
        span, files = span_files(data_root, pattern)
        checked = check_source(files, exec_properties["label"], exec_properties["task"])
        report = {
            "data_root": data_root,
            "span": span,
            "files": [str(f) for f in files],
            "rows": checked.n_rows,
            "labelled_rows": checked.n_labelled,
            "task": checked.task,
            "classes": checked.class_counts,
            "dropped_rare_classes": checked.rare,
            "empty_columns": list(checked.dropped_empty),
        }
        out = artifact_utils.get_single_instance(output_dict["report"])
        os.makedirs(out.uri, exist_ok=True)
        with open(os.path.join(out.uri, REPORT_FILE), "w") as handle:
            json.dump(report, handle, indent=1)
        out.set_int_custom_property("span", span)
        out.set_int_custom_property("rows", checked.n_labelled)
