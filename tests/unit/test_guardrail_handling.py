"""What each guardrail finding leads to under the config, and how the schema and the training
data carry it: excluded columns vanish from what Transform parses, weighted rows carry their
class's weight."""

import pytest
from tensorflow_metadata.proto.v0 import schema_pb2

from components.guardrails.checks import Finding
from components.guardrails.handling import decide, without_columns
from modeling.class_weights import balanced_weights
from pipeline.definition.config import GuardrailsConfig

FOUND = [
    Finding("imbalance", "label", "class 'rare' is 5% of rows", 0.05),
    Finding("missing", "notes", "75% of rows have no value", 0.75),
    Finding("high_cardinality", "zip", "1500 distinct values", 1500.0),
    Finding("constant", "site", "one value in every row", 1.0),
    Finding("id_like", "row", "consecutive integers 0..399 over 400 rows", 1.0),
    Finding("leakage", "refund", "alone predicts label with held-out accuracy 1.000", 1.0),
]


def settings(**changes) -> dict:
    return GuardrailsConfig(**changes).model_dump(mode="json")


def test_by_default_misleading_columns_are_excluded_and_classes_weighted():
    decision = decide(FOUND, settings())
    assert decision.excluded == ("site", "row", "refund")
    assert decision.class_weighting == "balanced"
    lines = {h.finding.feature: h.line() for h in decision.handled}
    assert len(lines) == len(FOUND)  # every finding is told, handled or not
    assert "excluded from training" in lines["row"]
    assert "(guardrails.keep_features: [row])" in lines["row"]
    assert "classes weighted inversely" in lines["label"]
    assert "(guardrails.class_weights: false)" in lines["label"]
    assert lines["notes"].startswith("missing: notes: 75% of rows have no value; kept")
    assert "(exclude_features: [zip])" in lines["zip"]


def test_each_override_undoes_its_handling():
    decision = decide(
        FOUND,
        settings(class_weights=False, keep_features=["row"], exclude_kinds=["constant"]),
    )
    assert decision.excluded == ("site",)
    assert decision.class_weighting is None
    lines = {h.finding.feature: h.line() for h in decision.handled}
    assert "not handled: class weights are off" in lines["label"]
    assert "kept, as guardrails.keep_features says" in lines["row"]
    assert "kept: guardrails.exclude_kinds leaves out leakage" in lines["refund"]


def test_no_findings_change_nothing():
    decision = decide([], settings())
    assert (decision.handled, decision.excluded, decision.class_weighting) == ((), (), None)


def test_an_excluded_column_is_deprecated_and_transform_no_longer_parses_it():
    from tensorflow_transform.tf_metadata import schema_utils

    schema = schema_pb2.Schema()
    for name, kind in (("label", schema_pb2.BYTES), ("row", schema_pb2.INT),
                       ("amount", schema_pb2.FLOAT)):  # fmt: skip
        schema.feature.add(name=name, type=kind)
    edited = without_columns(schema, ["row"])
    assert schema.feature[1].lifecycle_stage == schema_pb2.UNKNOWN_STAGE  # a copy
    assert set(schema_utils.schema_as_feature_spec(edited).feature_spec) == {"label", "amount"}
    with pytest.raises(ValueError, match="columns not in the schema: nowhere"):
        without_columns(schema, ["nowhere"])


def test_balanced_weights_equalise_the_classes_and_average_to_one():
    counts = {0: 90, 1: 10}
    weights = balanced_weights(counts)
    assert weights == {0: 100 / 180, 1: 100 / 20}
    assert weights[0] * 90 == pytest.approx(weights[1] * 10)
    assert sum(weights[c] * n for c, n in counts.items()) / 100 == pytest.approx(1.0)


def test_weighted_training_rows_carry_their_class_weight():
    import numpy as np

    from modeling.model.data import Rows, Splits

    labels = np.array([0, 0, 0, 1, 2, 0], dtype=np.int64)
    rows = Rows({"x": labels.astype(float)}, labels)
    splits = Splits(rows, rows, n_classes=3, class_weights={0: 0.5, 1: 2.0, 2: 3.0})
    _, weights = splits.training()
    assert weights.tolist() == [0.5, 0.5, 0.5, 2.0, 3.0, 0.5]
    assert Splits(rows, rows, n_classes=3).training()[1] is None  # unweighted
