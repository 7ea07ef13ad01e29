"""Data problems a person should hear about before training, read from TFDV's statistics of
the training split: an imbalanced label, columns mostly missing, strings with too many
values, constant columns, and ID-like columns (a row number or a key, which a model can only
memorise). Detection only: what each finding leads to (class weights, a dropped column) is
decided by the component that uses these checks.

Statistics, not rows: they are already computed by StatisticsGen for every run, on any data
size, and the same on both runners.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tensorflow_metadata.proto.v0 import statistics_pb2

IMBALANCE_RATIO = 0.2  # minority class below this share of the majority class
MOSTLY_MISSING = 0.5  # share of rows without a value
HIGH_CARDINALITY = 1000  # distinct strings (Transform's vocabulary keeps this many)
ID_LIKE_DISTINCT = 0.95  # share of rows with a value of their own
MIN_ROWS_FOR_ID = 50  # below this, "all values distinct" says nothing

_INT = statistics_pb2.FeatureNameStatistics.INT


@dataclass(frozen=True)
class Finding:
    kind: str  # imbalance | missing | high_cardinality | constant | id_like | leakage
    feature: str
    detected: str  # what was seen, in numbers, for a person
    value: float  # the measurement the threshold was applied to

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "feature": self.feature, "detected": self.detected,
                "value": self.value}  # fmt: skip


def _common(feature: Any) -> Any:
    kind = feature.WhichOneof("stats")
    return getattr(feature, kind).common_stats if kind else None


def _name(feature: Any) -> str:
    return ".".join(feature.path.step) or feature.name


def _label_finding(feature: Any) -> Finding | None:
    counts = [(v.frequency, v.value) for v in feature.string_stats.top_values]
    if len(counts) < 2:
        return None
    (most, major), (least, minor) = max(counts), min(counts)
    ratio = least / most
    if ratio >= IMBALANCE_RATIO:
        return None
    total = sum(c for c, _ in counts)
    return Finding(
        "imbalance", _name(feature),
        f"class '{minor}' is {least / total:.0%} of rows, '{major}' {most / total:.0%} "
        f"(ratio {ratio:.2f} < {IMBALANCE_RATIO})",
        ratio,
    )  # fmt: skip


def _column_findings(feature: Any, rows: int) -> list[Finding]:
    name, common = _name(feature), _common(feature)
    if common is None or rows == 0:
        return []
    present = common.num_non_missing
    missing = 1.0 - present / rows
    found = []
    if missing > MOSTLY_MISSING:
        found.append(Finding("missing", name, f"{missing:.0%} of rows have no value", missing))
    if present == 0:
        return found
    if feature.HasField("string_stats"):
        distinct = feature.string_stats.unique
        if distinct <= 1:
            found.append(Finding("constant", name, "one value in every row", float(distinct)))
        elif present >= MIN_ROWS_FOR_ID and distinct / present >= ID_LIKE_DISTINCT:
            found.append(Finding(
                "id_like", name, f"{distinct} distinct values in {present} rows",
                distinct / present,
            ))  # fmt: skip
        elif distinct > HIGH_CARDINALITY:
            found.append(Finding(
                "high_cardinality", name,
                f"{distinct} distinct values (more than {HIGH_CARDINALITY})", float(distinct),
            ))  # fmt: skip
    elif feature.HasField("num_stats"):
        stats = feature.num_stats
        if stats.max == stats.min:
            found.append(Finding("constant", name, f"always {stats.min:g}", 0.0))
        elif feature.type == _INT and present >= MIN_ROWS_FOR_ID:
            span = stats.max - stats.min + 1
            if present / span >= ID_LIKE_DISTINCT and span / present >= ID_LIKE_DISTINCT:
                found.append(Finding(
                    "id_like", name,
                    f"consecutive integers {stats.min:g}..{stats.max:g} over {present} rows",
                    present / span,
                ))  # fmt: skip
    return found


def findings(
    stats: statistics_pb2.DatasetFeatureStatisticsList, label: str, task: str
) -> list[Finding]:
    """Every finding in the (training split's) statistics, the label's first."""
    dataset = stats.datasets[0]
    found: list[Finding] = []
    for feature in dataset.features:
        if _name(feature) == label:
            if task == "classification" and feature.HasField("string_stats"):
                found[:0] = [f for f in [_label_finding(feature)] if f is not None]
            continue
        found += _column_findings(feature, dataset.num_examples)
    return found
