"""The TFMA EvalConfig: which metrics, and what it takes for a model to be blessed.

Two gates, as TFX recommends: an absolute one (the candidate must beat the naive baseline, or a
threshold the user set) and a relative one against the latest blessed model (ignored on the very
first run, when there is none); overall, and with ``thresholds_per_slice`` in every slice of
the configured features too (a model may not buy its average with one island's accuracy).
"""

from __future__ import annotations

import json

import tensorflow_model_analysis as tfma

from modeling import features
from pipeline.definition.config import EvaluatorConfig

ACCURACY = "sparse_categorical_accuracy"
RMSE = "root_mean_squared_error"

# The report's plots (pipeline.report.html_report), computed by TFMA on the test split: curves need
# a hundred thresholds and calibration ten buckets to read, not TFMA's default thousand.
CURVE_THRESHOLDS = 100
CALIBRATION_BUCKETS = 10
RESIDUAL_BUCKETS = 20


def _plot(class_name: str, **config: object) -> tfma.MetricConfig:
    return tfma.MetricConfig(class_name=class_name, config=json.dumps(config))


def plot_specs(
    task: str, n_classes: int, label_range: tuple[float, float] | None
) -> list[tfma.MetricsSpec]:
    """The plots a report draws: for classification the confusion matrix, and per class (one
    against the rest) its ROC and PR curves and calibration; for regression the mean label per
    bucket of predictions over the label's range, whose gap to the diagonal is the residual."""
    if task == "classification":
        return [
            tfma.MetricsSpec(metrics=[_plot("MultiClassConfusionMatrixPlot")]),
            tfma.MetricsSpec(
                metrics=[
                    _plot("ConfusionMatrixPlot", num_thresholds=CURVE_THRESHOLDS),
                    _plot("CalibrationPlot", num_buckets=CALIBRATION_BUCKETS),
                ],
                binarize=tfma.BinarizationOptions(class_ids={"values": list(range(n_classes))}),
            ),
        ]
    if label_range is None or not label_range[0] < label_range[1]:
        return []  # one label value: nothing to plot against
    low, high = label_range
    return [
        tfma.MetricsSpec(
            metrics=[_plot("CalibrationPlot", num_buckets=RESIDUAL_BUCKETS, left=low, right=high)]
        )
    ]


def _change(direction: tfma.MetricDirection, max_regression: float) -> tfma.GenericChangeThreshold:
    # TFMA wants a strictly "better than" bound; -1e-10 allows an equally good model through.
    tolerance = max(max_regression, 1e-10)
    sign = -1.0 if direction == tfma.MetricDirection.HIGHER_IS_BETTER else 1.0
    return tfma.GenericChangeThreshold(direction=direction, absolute={"value": sign * tolerance})


def eval_config(
    task: str,
    settings: EvaluatorConfig,
    n_classes: int,
    baseline_accuracy: float | None,
    baseline_rmse: float | None,
    weighted_classes: bool = False,
    label_range: tuple[float, float] | None = None,
) -> tfma.EvalConfig:
    """baseline_*: the naive model's score on this data, used when no threshold was set.

    ``weighted_classes``: the guardrails weight an imbalanced label's classes, which trades
    accuracy on the common class for recall on the rare ones; such a model rarely beats the
    majority class's accuracy and is not meant to, so the naive bar becomes chance AUC (0.5)
    for every class instead (a threshold set by the user still applies)."""
    if task == "classification":
        floor = settings.min_accuracy if settings.min_accuracy is not None else baseline_accuracy
        auc = tfma.MetricConfig(class_name="AUC")
        if weighted_classes and settings.min_accuracy is None:
            floor = None
            auc.threshold.value_threshold.lower_bound.value = 0.5
        metrics = [
            tfma.MetricConfig(
                class_name="SparseCategoricalAccuracy",
                threshold=tfma.MetricThreshold(
                    value_threshold=tfma.GenericValueThreshold(
                        lower_bound={"value": floor or 0.0}
                    ),
                    change_threshold=_change(
                        tfma.MetricDirection.HIGHER_IS_BETTER, settings.max_regression
                    ),
                ),
            ),
            tfma.MetricConfig(class_name="ExampleCount"),
        ]
        specs = [
            tfma.MetricsSpec(metrics=metrics),
            # AUC per class (one-vs-rest), and its macro average as the headline AUC.
            tfma.MetricsSpec(
                metrics=[auc],
                binarize=tfma.BinarizationOptions(class_ids={"values": list(range(n_classes))}),
                aggregate=tfma.AggregationOptions(
                    macro_average=True, class_weights={i: 1.0 for i in range(n_classes)}
                ),
            ),
        ]
        prediction_key = "probabilities"
    else:
        ceiling = settings.max_rmse if settings.max_rmse is not None else baseline_rmse
        rmse_threshold = tfma.MetricThreshold(
            change_threshold=_change(tfma.MetricDirection.LOWER_IS_BETTER, settings.max_regression)
        )
        if ceiling:
            rmse_threshold.value_threshold.CopyFrom(
                tfma.GenericValueThreshold(upper_bound={"value": ceiling})
            )
        specs = [
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(class_name="RootMeanSquaredError", threshold=rmse_threshold),
                    tfma.MetricConfig(class_name="MeanAbsoluteError"),
                    tfma.MetricConfig(class_name="ExampleCount"),
                ]
            )
        ]
        prediction_key = "prediction"
    slicing = [tfma.SlicingSpec(feature_keys=[name]) for name in settings.slices]
    if slicing:
        # TFMA holds a MetricConfig.threshold in every slice it computes, so with slices
        # configured each threshold says where it holds: overall, and per slice only if asked.
        where = [tfma.SlicingSpec(), *(slicing if settings.thresholds_per_slice else [])]
        for spec in specs:
            for metric in spec.metrics:
                if metric.HasField("threshold"):
                    metric.per_slice_thresholds.add(
                        slicing_specs=where, threshold=metric.threshold
                    )
                    metric.ClearField("threshold")
    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(
                signature_name="serving_examples",
                label_key=features.LABEL_KEY,
                prediction_key=prediction_key,
                preprocessing_function_names=["transform_features"],
            )
        ],
        slicing_specs=[tfma.SlicingSpec(), *slicing],
        metrics_specs=[*specs, *plot_specs(task, n_classes, label_range)],
        # Only the metrics above: not the Keras model's own compiled loss and metrics again.
        options=tfma.Options(include_default_metrics={"value": False}),
    )
