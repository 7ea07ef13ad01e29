"""What an Evaluator's output says: the metrics overall and per slice, and the failed checks,
readably.

Read by the run summary and by the Pusher, which keeps them with each pushed version.
"""

from __future__ import annotations

from typing import Any


def _slice_name(slice_key: Any) -> str:
    """ "island=Dream" for a slice, "" for the overall one."""
    parts = []
    for key in slice_key.single_slice_keys:
        value = key.bytes_value.decode() if key.HasField("bytes_value") else (
            key.int64_value if key.HasField("int64_value") else key.float_value
        )  # fmt: skip
        parts.append(f"{key.column}={value}")
    return ", ".join(parts)


def _values(slice_metrics: Any) -> dict[str, float]:
    """The candidate's metrics of one slice (macro averages stand for per-class values)."""
    metrics: dict[str, float] = {}
    for keys_and_values in slice_metrics.metric_keys_and_values:
        key = keys_and_values.key
        if key.is_diff or key.model_name == "baseline":
            continue
        value = keys_and_values.value
        if value.HasField("double_value"):
            name = key.name
            if key.HasField("aggregation_type") and key.aggregation_type.macro_average:
                name = f"macro_{name}"
            elif key.HasField("sub_key"):
                continue
            metrics[name] = value.double_value.value
    return metrics


def read_slices(uri: str) -> dict[str, dict[str, float]]:
    """Metrics per slice name ("" is the whole eval split)."""
    import tensorflow_model_analysis as tfma

    return {_slice_name(m.slice_key): _values(m) for m in tfma.load_metrics(uri)}


def read_evaluation(uri: str) -> tuple[dict[str, float], list[str]]:
    """The overall metrics and the failed checks."""
    return read_slices(uri).get("", {}), read_failures(uri)


def read_failures(uri: str) -> list[str]:
    """Each failed check, naming its slice."""
    import tensorflow_model_analysis as tfma

    failures = []
    result = tfma.load_validation_result(uri)
    for slice_failure in result.metric_validations_per_slice:
        where = _slice_name(slice_failure.slice_key)
        for failure in slice_failure.failures:
            name = failure.metric_key.name + (
                " vs the baseline" if failure.metric_key.is_diff else ""
            )
            value = failure.metric_value.double_value.value
            detail = failure.message or f"{value:.4g}"
            failures.append(f"{name}{f' in {where}' if where else ''}: {detail}")
    if result.missing_thresholds:
        failures.append("some thresholds could not be checked")
    return failures
