"""What an Evaluator's output says: the overall metrics and the failed checks, readably.

Read by the run summary and by the Pusher, which keeps them with each pushed version.
"""

from __future__ import annotations


def read_evaluation(uri: str) -> tuple[dict[str, float], list[str]]:
    import tensorflow_model_analysis as tfma

    metrics: dict[str, float] = {}
    for slice_metrics in tfma.load_metrics(uri):
        if slice_metrics.slice_key.single_slice_keys:
            continue  # the overall slice only
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
                    continue  # per-class values; the macro average stands for them
                metrics[name] = value.double_value.value
    failures = []
    result = tfma.load_validation_result(uri)
    for slice_failure in result.metric_validations_per_slice:
        for failure in slice_failure.failures:
            failures.append(f"{failure.metric_key.name}: {failure.message}")
    if result.missing_thresholds:
        failures.append("some thresholds could not be checked")
    return metrics, failures
