"""DataGate: stops the run before Transform when ExampleValidator found anomalies.

TFX's ExampleValidator only records anomalies; the pipeline carries on and trains on the bad
data. This small function component reads them and fails the run with a readable list, and
Transform is made to depend on it.
"""

# No `from __future__ import annotations`: TFX parses this component's annotations at import.
import os

from tfx.dsl.component.experimental.annotations import InputArtifact
from tfx.dsl.component.experimental.decorators import component
from tfx.types import artifact_utils, standard_artifacts

_SPLIT_FILE = "SchemaDiff.pb"


class DataAnomaliesError(RuntimeError):
    """The data does not match the schema; the message lists every problem, one per line."""


def describe_anomalies(anomalies_uri: str, split_names: list) -> list:
    """One human line per anomaly, e.g. "eval: body_mass_g: Out-of-range values (...)"."""
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    lines = []
    for split in split_names:
        path = os.path.join(anomalies_uri, f"Split-{split}", _SPLIT_FILE)
        if not os.path.exists(path):
            continue
        anomalies = anomalies_pb2.Anomalies()
        with open(path, "rb") as handle:
            anomalies.ParseFromString(handle.read())
        for feature, info in sorted(anomalies.anomaly_info.items()):
            lines.append(f"{split}: {feature}: {info.short_description} ({info.description})")
        if anomalies.HasField("dataset_anomaly_info"):
            info = anomalies.dataset_anomaly_info
            lines.append(f"{split}: (dataset): {info.short_description} ({info.description})")
    return lines


@component
def DataGate(anomalies: InputArtifact[standard_artifacts.ExampleAnomalies]) -> None:
    splits = artifact_utils.decode_split_names(anomalies.split_names)
    problems = describe_anomalies(anomalies.uri, splits)
    if problems:
        raise DataAnomaliesError(
            f"{len(problems)} data anomal{'y' if len(problems) == 1 else 'ies'} found; "
            "the run stops before training:\n  " + "\n  ".join(problems)
        )
