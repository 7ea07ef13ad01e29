"""What the data gate measures, with TFDV: schema anomalies, drift and skew, in human lines.

Drift compares this span's training statistics with the previous accepted span's; skew
compares the eval split with the train split of the same span (hash splits should match, so
a difference means a broken split or a feature whose meaning depends on the row order).
TFDV's comparators do the measuring, as the issue asks and as TFX users know them: the
L-infinity distance for categorical features, the approximate Jensen-Shannon divergence for
numeric ones; the thresholds are per feature (schemas/<dataset>/gates.yaml) with a default.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

ANOMALIES_FILE = "SchemaDiff.pb"  # what ExampleValidator writes per split
KINDS = ("drift", "skew")
_MEASURES = {
    anomalies_pb2.DriftSkewInfo.Measurement.L_INFTY: "L-infinity distance",
    anomalies_pb2.DriftSkewInfo.Measurement.JENSEN_SHANNON_DIVERGENCE: "Jensen-Shannon divergence",
}


@dataclass(frozen=True)
class Measurement:
    kind: str  # drift | skew
    feature: str
    measure: str
    value: float
    threshold: float

    @property
    def exceeded(self) -> bool:
        return self.value > self.threshold

    def line(self, against: str) -> str:
        return (
            f"{self.kind}: {self.feature}: {self.measure} {self.value:.3g} against {against} "
            f"(threshold {self.threshold:g})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "exceeded": self.exceeded}


def schema_anomalies(anomalies_uri: str, split_names: list[str]) -> list[str]:
    """One line per anomaly ExampleValidator found, e.g. "eval: body_mass_g: Out-of-range
    values (...)"."""
    lines = []
    for split in split_names:
        path = os.path.join(anomalies_uri, f"Split-{split}", ANOMALIES_FILE)
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


def with_comparators(schema: schema_pb2.Schema, thresholds: dict[str, Any]) -> schema_pb2.Schema:
    """A copy of ``schema`` whose features carry drift and skew comparators at their
    thresholds: L-infinity for strings (categories), Jensen-Shannon for numbers."""
    compared = schema_pb2.Schema()
    compared.CopyFrom(schema)
    for feature in compared.feature:
        categorical = feature.type == schema_pb2.BYTES or feature.HasField("string_domain")
        for kind in KINDS:
            threshold = threshold_for(thresholds, kind, feature.name)
            if threshold is None:
                continue  # not checked
            comparator = getattr(feature, f"{kind}_comparator")
            if categorical:
                comparator.infinity_norm.threshold = threshold
            else:
                comparator.jensen_shannon_divergence.threshold = threshold
    return compared


def threshold_for(thresholds: dict[str, Any], kind: str, feature: str) -> float | None:
    """The feature's own threshold, else the kind's default (None: not checked)."""
    section = thresholds.get(kind, {})
    value = section.get("features", {}).get(feature, section.get("default"))
    return None if value is None else float(value)


def measure(
    train: statistics_pb2.DatasetFeatureStatisticsList,
    schema: schema_pb2.Schema,
    thresholds: dict[str, Any],
    previous: statistics_pb2.DatasetFeatureStatisticsList | None = None,
    evaluation: statistics_pb2.DatasetFeatureStatisticsList | None = None,
) -> list[Measurement]:
    """Every drift (with ``previous``) and skew (with ``evaluation``) measurement TFDV makes,
    above its threshold or not."""
    import tensorflow_data_validation as tfdv

    if previous is None and evaluation is None:
        return []
    anomalies = tfdv.validate_statistics(
        train,
        with_comparators(schema, thresholds),
        previous_statistics=previous,
        serving_statistics=evaluation,
    )
    found = []
    for info in anomalies.drift_skew_info:
        feature = ".".join(info.path.step)
        for kind, measurements in (
            ("drift", info.drift_measurements),
            ("skew", info.skew_measurements),
        ):
            for m in measurements:
                name = _MEASURES.get(
                    m.type, anomalies_pb2.DriftSkewInfo.Measurement.Type.Name(m.type)
                )
                found.append(Measurement(kind, feature, name, m.value, m.threshold))
    return sorted(found, key=lambda m: (m.kind, -m.value / m.threshold, m.feature))
