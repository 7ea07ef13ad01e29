"""What the data gate measures, with TFDV: schema anomalies, drift and skew, in human lines.

Drift compares this span's training statistics with the previous accepted span's; skew
compares the eval split with the train split of the same span (hash splits should match, so
a difference means a broken split or a feature whose meaning depends on the row order).
TFDV's comparators do the measuring, as the issue asks and as TFX users know them: the
L-infinity distance for categorical features, the approximate Jensen-Shannon divergence for
numeric ones; the thresholds are per feature (schemas/<dataset>/gates.yaml) with a default.

The default is "auto": a threshold from the two samples' sizes, because what chance alone
gives between two samples of one population shrinks with their rows (a 10 % new category is
noise between two spans of 200 rows and glaring between two of 40,000). Between two samples
of n1 and n2 rows of one population, chance gives an L-infinity distance that shrinks as
sqrt(1/n1 + 1/n2) and a Jensen-Shannon divergence that shrinks as (1/n1 + 1/n2), so the
threshold is ``max(floor, scale * noise)``; each measure's scale is twice the largest
``value / noise`` on 20 re-splits of five datasets at spans of 137 to 40,000 rows, and its
floor is below what the changes the gate must catch give (bench/gate_calibration.py).
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

ANOMALIES_FILE = "SchemaDiff.pb"  # what ExampleValidator writes per split
KINDS = ("drift", "skew")
_MEASURES = {
    anomalies_pb2.DriftSkewInfo.Measurement.L_INFTY: "L-infinity distance",
    anomalies_pb2.DriftSkewInfo.Measurement.JENSEN_SHANNON_DIVERGENCE: "Jensen-Shannon divergence",
}  # fmt: skip


AUTO = "auto"
L_INF, JS = "L-infinity distance", "Jensen-Shannon divergence"
# measure -> (floor, scale): bench/results/gate_calibration.md (2026-12-06).
AUTO_THRESHOLDS = {L_INF: (0.05, 3.2), JS: (0.03, 12.0)}


def noise(measure: str, rows: tuple[int, int]) -> float:
    """How a measure between two samples of one population scales with their rows."""
    n1, n2 = (max(1, n) for n in rows)
    return math.sqrt(1 / n1 + 1 / n2) if measure == L_INF else 1 / n1 + 1 / n2


def auto_threshold(measure: str, rows: tuple[int, int]) -> float:
    """The threshold for ``measure`` between samples of ``rows`` rows: above what chance
    gives between two samples of one population, and never below the floor."""
    floor, scale = AUTO_THRESHOLDS[measure]
    return max(floor, scale * noise(measure, rows))


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
    """A copy of ``schema`` whose features carry drift and skew comparators at their
    thresholds: L-infinity for strings (categories), Jensen-Shannon for numbers; an "auto"
    threshold from ``rows``, the two compared samples' sizes per kind."""
    compared = schema_pb2.Schema()
    compared.CopyFrom(schema)
    for feature in compared.feature:
        categorical = feature.type == schema_pb2.BYTES or feature.HasField("string_domain")
        measure = L_INF if categorical else JS
        for kind in KINDS:
            threshold = threshold_for(thresholds, kind, feature.name)
            if threshold is None:
                continue  # not checked
            if threshold == AUTO:
                threshold = auto_threshold(measure, (rows or {}).get(kind, (1, 1)))
            comparator = getattr(feature, f"{kind}_comparator")
            if categorical:
                comparator.infinity_norm.threshold = threshold
            else:
                comparator.jensen_shannon_divergence.threshold = threshold
    return compared


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
    """Every drift (with ``previous``) and skew (with ``evaluation``) measurement TFDV makes,
    above its threshold or not."""
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
    return sorted(found, key=lambda m: (m.kind, -m.value / m.threshold, m.feature))
