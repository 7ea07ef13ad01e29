"""What the data gate measures, with TFDV: schema anomalies, drift and skew, in human lines.

Drift compares this span's training statistics with the previous accepted span's; skew
compares the eval split with the train split of the same span (hash splits should match, so
a difference means a broken split or a feature whose meaning depends on the row order).
Categorical features are compared by TFDV's comparator, the L-infinity distance between the
two value distributions; numeric ones by the Kolmogorov-Smirnov distance read from TFDV's
quantiles histograms (distance.py says why not TFDV's Jensen-Shannon divergence). The
thresholds are per feature (schemas/<dataset>/gates.yaml) with a default.

The default is "auto": a threshold from the two samples' sizes, because what chance alone
gives between two samples of one population shrinks with their rows (a 10 % new category is
noise between two spans of 200 rows and glaring between two of 40,000). Both distances
shrink as sqrt(1/n1 + 1/n2) between samples of one population, so the threshold is
``max(floor, scale * sqrt(1/n1 + 1/n2))``; the scale is about 1.4 times the largest
``distance / sqrt(1/n1 + 1/n2)`` (2.25) on 20 re-splits of five datasets at spans of 137 to 40,000
rows, and the floor lies below what the changes the gate must catch give
(bench/gate_calibration.py, bench/results/gate_calibration.md).
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from components.data_gate.distance import KS, ks_distances

ANOMALIES_FILE = "SchemaDiff.pb"  # what ExampleValidator writes per split
KINDS = ("drift", "skew")
_MEASURES = {anomalies_pb2.DriftSkewInfo.Measurement.L_INFTY: "L-infinity distance"}


AUTO = "auto"
L_INF = "L-infinity distance"
# measure -> (floor, scale): bench/results/gate_calibration.md (2026-12-06).
AUTO_THRESHOLDS = {L_INF: (0.05, 3.2), KS: (0.05, 3.2)}


def noise(rows: tuple[int, int]) -> float:
    """How a distance between two samples of one population shrinks with their rows."""
    n1, n2 = (max(1, n) for n in rows)
    return math.sqrt(1 / n1 + 1 / n2)


def auto_threshold(measure: str, rows: tuple[int, int]) -> float:
    """The threshold for ``measure`` between samples of ``rows`` rows: above what chance
    gives between two samples of one population, and never below the floor."""
    floor, scale = AUTO_THRESHOLDS[measure]
    return max(floor, scale * noise(rows))


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


def with_comparators(
    schema: schema_pb2.Schema,
    thresholds: dict[str, Any],
    rows: dict[str, tuple[int, int]] | None = None,
) -> schema_pb2.Schema:
    """A copy of ``schema`` whose categorical features carry TFDV's drift and skew
    comparators (L-infinity) at their thresholds; an "auto" threshold from ``rows``, the two
    compared samples' sizes per kind. Numeric features are measured apart (distance.py)."""
    compared = schema_pb2.Schema()
    compared.CopyFrom(schema)
    for feature in compared.feature:
        if not categorical(feature):
            continue
        for kind in KINDS:
            threshold = resolved(thresholds, kind, feature.name, L_INF, rows)
            if threshold is not None:
                getattr(feature, f"{kind}_comparator").infinity_norm.threshold = threshold
    return compared


def categorical(feature: schema_pb2.Feature) -> bool:
    return feature.type == schema_pb2.BYTES or feature.HasField("string_domain")


def resolved(
    thresholds: dict[str, Any], kind: str, feature: str, measure: str,
    rows: dict[str, tuple[int, int]] | None,
) -> float | None:  # fmt: skip
    """The feature's threshold as a number (None: not checked)."""
    threshold = threshold_for(thresholds, kind, feature)
    if threshold == AUTO:
        return auto_threshold(measure, (rows or {}).get(kind, (1, 1)))
    return threshold


def threshold_for(thresholds: dict[str, Any], kind: str, feature: str) -> float | str | None:
    """The feature's own threshold, else the kind's default ("auto", or None: not checked)."""
    section = thresholds.get(kind, {})
    value = section.get("features", {}).get(feature, section.get("default"))
    return value if value is None or value == AUTO else float(value)


def _rows(stats: statistics_pb2.DatasetFeatureStatisticsList | None) -> int:
    return int(stats.datasets[0].num_examples) if stats is not None and stats.datasets else 0


def measure(
    train: statistics_pb2.DatasetFeatureStatisticsList,
    schema: schema_pb2.Schema,
    thresholds: dict[str, Any],
    previous: statistics_pb2.DatasetFeatureStatisticsList | None = None,
    evaluation: statistics_pb2.DatasetFeatureStatisticsList | None = None,
) -> list[Measurement]:
    """Every drift (with ``previous``) and skew (with ``evaluation``) measurement, above its
    threshold or not: TFDV's for categorical features, ours (distance.py) for numeric ones."""
    import tensorflow_data_validation as tfdv

    if previous is None and evaluation is None:
        return []
    rows = {
        "drift": (_rows(previous), _rows(train)),
        "skew": (_rows(train), _rows(evaluation)),
    }
    anomalies = tfdv.validate_statistics(
        train,
        with_comparators(schema, thresholds, rows),
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
    numeric = {f.name for f in schema.feature if not categorical(f)}
    for kind, (base, other) in (("drift", (previous, train)), ("skew", (train, evaluation))):
        if base is None or other is None:
            continue
        for feature, value in ks_distances(base, other, numeric).items():
            threshold = resolved(thresholds, kind, feature, KS, rows)
            if threshold is not None:
                found.append(Measurement(kind, feature, KS, value, threshold))
    return sorted(found, key=lambda m: (m.kind, -m.value / m.threshold, m.feature))
