"""Blessing rules: the TFMA config's thresholds, and which model the Evaluator compares with."""

import pytest

import components  # noqa: F401
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.evaluators import metrics_validator
from tensorflow_model_analysis.metrics import metric_specs
from tfx.components.evaluator import constants
from tfx.types import standard_artifacts

from components.baseline.strategy import BLESSING, CANDIDATE, MODEL, LatestBlessedBaselineStrategy
from pipeline.definition.config import EvaluatorConfig
from pipeline.definition.evaluation import eval_config


def thresholds(config: tfma.EvalConfig) -> dict[str, tfma.MetricThreshold]:
    return {
        m.class_name: m.threshold
        for spec in config.metrics_specs
        for m in spec.metrics
        if m.HasField("threshold")
    }


def test_classification_defaults_to_beating_the_majority_class():
    config = eval_config(
        "classification",
        EvaluatorConfig(),
        n_classes=3,
        baseline_accuracy=0.44,
        baseline_rmse=None,
    )
    accuracy = thresholds(config)["SparseCategoricalAccuracy"]
    assert accuracy.value_threshold.lower_bound.value == pytest.approx(0.44)
    assert accuracy.change_threshold.direction == tfma.MetricDirection.HIGHER_IS_BETTER
    assert config.model_specs[0].signature_name == "serving_examples"
    auc_spec = next(s for s in config.metrics_specs if s.HasField("binarize"))
    assert list(auc_spec.binarize.class_ids.values) == [0, 1, 2]
    assert auc_spec.aggregate.macro_average


def test_user_threshold_wins_over_the_naive_baseline():
    config = eval_config("classification", EvaluatorConfig(min_accuracy=0.9), 2, 0.5, None)
    assert thresholds(config)[
        "SparseCategoricalAccuracy"
    ].value_threshold.lower_bound.value == pytest.approx(0.9)


def test_regression_defaults_to_beating_the_mean_and_allows_no_regression():
    config = eval_config("regression", EvaluatorConfig(), 0, None, baseline_rmse=11.5)
    rmse = thresholds(config)["RootMeanSquaredError"]
    assert rmse.value_threshold.upper_bound.value == pytest.approx(11.5)
    assert rmse.change_threshold.direction == tfma.MetricDirection.LOWER_IS_BETTER
    assert 0 < rmse.change_threshold.absolute.value <= 1e-9


def test_max_regression_loosens_the_change_threshold():
    config = eval_config("regression", EvaluatorConfig(max_regression=0.5), 0, None, 3.0)
    assert thresholds(config)["RootMeanSquaredError"].change_threshold.absolute.value == 0.5


def _model(artifact_id: int) -> standard_artifacts.Model:
    model = standard_artifacts.Model()
    model.id = artifact_id
    return model


def _blessing(model_id: int, blessed: bool) -> standard_artifacts.ModelBlessing:
    blessing = standard_artifacts.ModelBlessing()
    blessing.set_int_custom_property(constants.ARTIFACT_PROPERTY_CURRENT_MODEL_ID_KEY, model_id)
    blessing.set_int_custom_property(constants.ARTIFACT_PROPERTY_BLESSED_KEY, int(blessed))
    return blessing


def resolve(models, blessings, candidate):
    result = LatestBlessedBaselineStrategy().resolve_artifacts(
        None, {MODEL: models, BLESSING: blessings, CANDIDATE: candidate}
    )
    return [m.id for m in result[MODEL]], [b for b in result[BLESSING]]


def test_baseline_is_the_latest_blessed_model():
    models = [_model(1), _model(2), _model(3)]
    blessings = [_blessing(1, True), _blessing(2, True), _blessing(3, False)]
    ids, chosen = resolve(models, blessings, [_model(9)])
    assert ids == [2]
    assert chosen[0].get_int_custom_property(constants.ARTIFACT_PROPERTY_CURRENT_MODEL_ID_KEY) == 2


def test_candidate_is_never_its_own_baseline():
    models = [_model(1), _model(2)]
    ids, _ = resolve(models, [_blessing(1, True), _blessing(2, True)], [_model(2)])
    assert ids == [1]


def test_no_blessed_model_means_no_baseline():
    ids, blessings = resolve([_model(1)], [_blessing(1, False)], [_model(2)])
    assert ids == [] and blessings == []


def _validate(config: tfma.EvalConfig, island_accuracy: float) -> bool:
    """TFMA's own validator on metrics of two slices: overall (accuracy 0.9) and one island."""
    keys = metric_specs.metric_thresholds_from_metrics_specs(
        config.metrics_specs, eval_config=config
    )
    assert {k.name for k in keys} == {"sparse_categorical_accuracy"}

    def ok(slice_key: tuple, value: float) -> bool:
        # the candidate's accuracy, and as good as the baseline's (a change of 0)
        metrics = {key: 0.0 if key.is_diff else value for key in keys}
        return metrics_validator.validate_metrics((slice_key, metrics), config).validation_ok

    return ok((), 0.9) and ok((("island", "Dream"),), island_accuracy)


def test_thresholds_hold_overall_unless_required_in_every_slice():
    sliced = EvaluatorConfig(slices=("island",), min_accuracy=0.8)
    config = eval_config("classification", sliced, 3, 0.44, None)
    assert [list(s.feature_keys) for s in config.slicing_specs] == [[], ["island"]]
    assert _validate(config, island_accuracy=0.5)  # reported per island, not required there

    strict = sliced.model_copy(update={"thresholds_per_slice": True})
    config = eval_config("classification", strict, 3, 0.44, None)
    accuracy = next(
        m
        for spec in config.metrics_specs
        for m in spec.metrics
        if m.class_name.endswith("Accuracy")
    )
    (per_slice,) = accuracy.per_slice_thresholds
    assert [list(s.feature_keys) for s in per_slice.slicing_specs] == [[], ["island"]]
    assert per_slice.threshold.value_threshold.lower_bound.value == pytest.approx(0.8)
    assert not _validate(config, island_accuracy=0.5)
    assert _validate(config, island_accuracy=0.85)
