"""The data a run trained on, for the report: rows per split and, per column, its type,
how often it is missing and a one-line description, from the statistics StatisticsGen wrote
(its FeatureStats.pb per split, read as the proto, so the report needs no TensorFlow)."""

from __future__ import annotations

import os
from typing import Any

from tensorflow_metadata.proto.v0 import statistics_pb2

STATS_FILE = "FeatureStats.pb"  # what TFX's StatisticsGen writes in each Split-<name>


def _split(uri: str, split: str) -> statistics_pb2.DatasetFeatureStatistics | None:
    path = os.path.join(uri, f"Split-{split}", STATS_FILE)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(handle.read())
    return stats.datasets[0] if stats.datasets else None


def _column(feature: Any, rows: int) -> dict[str, Any]:
    name = ".".join(feature.path.step) or feature.name
    if feature.HasField("string_stats"):
        strings = feature.string_stats
        common = strings.common_stats
        top = ", ".join(f"{v.value} ({v.frequency:g})" for v in strings.top_values[:3])
        described = f"{strings.unique} distinct; most common: {top}"
        kind = "string"
    else:
        numbers = feature.num_stats
        common = numbers.common_stats
        described = (
            f"mean {numbers.mean:.4g}, std {numbers.std_dev:.4g}, "
            f"range {numbers.min:.4g}..{numbers.max:.4g}"
        )
        kind = "int" if feature.type == statistics_pb2.FeatureNameStatistics.INT else "float"
    missing = 1.0 - common.num_non_missing / rows if rows else 0.0
    return {"column": name, "type": kind, "missing": missing, "summary": described}


def read(statistics_uri: str) -> dict[str, Any]:
    """{"rows": {split: n}, "columns": [...]} (columns from the train split), or {} when the
    statistics are not there."""
    train = _split(statistics_uri, "train")
    if train is None:
        return {}
    rows = {"train": int(train.num_examples)}
    for name in ("eval", "test"):
        if (split := _split(statistics_uri, name)) is not None:
            rows[name] = int(split.num_examples)
    columns = [_column(f, train.num_examples) for f in train.features]
    return {"rows": rows, "columns": sorted(columns, key=lambda c: c["column"])}
