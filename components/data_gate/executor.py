"""The data gate's executor: measure, decide, remember.

The run stops here (before Transform, so before any training) when the data breaks the
curated schema, drifted from the previous accepted span, or its eval split is skewed against
its train split, beyond the thresholds; the error lists each feature and by how much. With
``accept_changes`` the same findings are recorded as accepted and the run goes on: the way a
person lets a real change of the world through, deliberately.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import tensorflow_data_validation as tfdv
from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components.common import history
from components.data_gate import checks

log = logging.getLogger("automl.data_gate")

REPORT_FILE = "data_gate.json"


class DataAnomaliesError(RuntimeError):
    """The data failed a gate; the message lists every problem, one per line."""


def _split_stats(artifact: types.Artifact, split: str) -> tuple[str, Any]:
    """A split's statistics, and the file they came from (the history keeps its path, so
    the next span is compared with exactly these numbers)."""
    split_dir = artifact_utils.get_split_uri([artifact], split)
    path = os.path.join(split_dir, stats_artifact_utils.BINARY_PB_BASENAME)
    return path, stats_artifact_utils.load_statistics(artifact, split).proto()


class Executor(base_executor.BaseExecutor):
    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        statistics = artifact_utils.get_single_instance(input_dict["statistics"])
        anomalies = artifact_utils.get_single_instance(input_dict["anomalies"])
        schema_uri = artifact_utils.get_single_uri(input_dict["schema"])
        schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_uri))
        thresholds = json.loads(exec_properties["thresholds"])
        history_dir = exec_properties["history_dir"]
        span = history.span_of(artifact_utils.get_single_instance(input_dict["examples"]))

        train_path, train = _split_stats(statistics, "train")
        _, evaluation = _split_stats(statistics, "eval")
        previous = history.previous_span(history_dir, span)
        measurements = checks.measure(
            train,
            schema,
            thresholds,
            tfdv.load_stats_binary(previous[1]) if previous else None,
            evaluation,
        )
        splits = artifact_utils.decode_split_names(anomalies.split_names)
        against = {"drift": f"span {previous[0]}" if previous else "", "skew": "the train split"}
        problems = checks.schema_anomalies(anomalies.uri, splits) + [
            m.line(against[m.kind]) for m in measurements if m.exceeded
        ]
        accepted = bool(problems) and bool(exec_properties.get("accept_changes"))
        report = {
            "time": time.time(),
            "span": span,
            "previous_span": previous[0] if previous else None,
            "problems": problems,
            "measurements": [m.as_dict() for m in measurements],
            "decision": "accepted" if accepted else ("stopped" if problems else "passed"),
        }
        history.record_decision(history_dir, "gate", report)
        if problems and not accepted:
            count, where = len(problems), f" in span {span}" if span else ""
            raise DataAnomaliesError(
                f"{count} data anomal{'y' if count == 1 else 'ies'} found{where}; the run "
                "stops before training (rerun with --accept-data-change to let this data "
                "through deliberately):\n  " + "\n  ".join(problems)
            )
        if accepted:
            log.warning("Accepted data changes in span %d:\n  %s", span, "\n  ".join(problems))
        history.accept_span(history_dir, span, train_path)
        out = artifact_utils.get_single_uri(output_dict["report"])
        with open(os.path.join(out, REPORT_FILE), "w") as handle:
            json.dump(report, handle, indent=1)
