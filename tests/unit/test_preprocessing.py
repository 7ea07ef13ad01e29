"""The schema-driven preprocessing_fn, run through real tf.Transform (Beam, in memory)."""

import tempfile

import numpy as np
import pytest

import components  # noqa: F401
import tensorflow as tf
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

from modeling import features
from components.transform.preprocessing import MISSING_CATEGORY, preprocessing_fn

RAW = [
    {"mass": [1.0], "island": [b"Dream"], "year": [2007], "kind": [b"a"], "price": [10.0]},
    {"mass": [3.0], "island": [b"Biscoe"], "year": [2008], "kind": [b"b"], "price": [20.0]},
    {"mass": [], "island": [b"Dream"], "year": [2009], "kind": [b"a"], "price": [30.0]},
    {"mass": [5.0], "island": [b"Dream"], "year": [2007], "kind": [b"b"], "price": [40.0]},
]
SPEC = {
    "mass": tf.io.VarLenFeature(tf.float32),  # may be missing: sparse, as SchemaGen leaves it
    "island": tf.io.FixedLenFeature([1], tf.string),
    "year": tf.io.FixedLenFeature([1], tf.int64),
    "kind": tf.io.FixedLenFeature([1], tf.string),
    "price": tf.io.FixedLenFeature([1], tf.float32),
}


def transform(label: str, task: str, categorical=()):
    rows = [{k: (np.array(v) if k == "mass" else v) for k, v in r.items()} for r in RAW]
    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(SPEC))
    config = {"label": label, "task": task, "categorical_features": list(categorical)}
    with tft_beam.Context(temp_dir=tempfile.mkdtemp(), force_tf_compat_v1=True):
        (out, _), fn = (rows, metadata) | tft_beam.AnalyzeAndTransformDataset(
            lambda inputs: preprocessing_fn(inputs, config)
        )
    return out, fn


@pytest.fixture(scope="module")
def classification():
    return transform("kind", "classification", categorical=("year",))


def test_numeric_features_are_imputed_and_z_scored(classification):
    out, _ = classification
    values = np.array([row[features.numeric_name("mass")] for row in out], dtype=float)
    # missing mass imputed with the mean of observed values (3.0), then z-scored
    assert values[2] == pytest.approx(0.0, abs=1e-6)
    assert values.mean() == pytest.approx(0.0, abs=1e-6)
    assert values[0] == pytest.approx(-values[3])
    missing = [row[features.missing_name("mass")] for row in out]
    assert missing == [0.0, 0.0, 1.0, 0.0]


def test_always_present_numeric_gets_no_missing_indicator(classification):
    out, _ = classification
    assert features.missing_name("price") not in out[0]
    assert features.numeric_name("price") in out[0]


def test_strings_and_declared_categoricals_are_vocabularised(classification):
    out, fn = classification
    island = [row[features.categorical_name("island")] for row in out]
    assert island[0] == island[2] == island[3] != island[1]
    year = [row[features.categorical_name("year")] for row in out]
    assert year[0] == year[3] and len(set(year)) == 3
    assert features.numeric_name("year") not in out[0]


def test_classification_label_is_encoded_with_its_vocabulary(classification):
    out, _ = classification
    labels = [row[features.LABEL_KEY] for row in out]
    assert sorted(set(labels)) == [0, 1]
    assert labels[0] == labels[2] and labels[1] == labels[3]


def test_regression_label_stays_numeric():
    out, _ = transform("price", "regression")
    assert [row[features.LABEL_KEY] for row in out] == [10.0, 20.0, 30.0, 40.0]
    assert features.categorical_name("kind") in out[0]


def test_missing_category_token_is_distinct():
    assert MISSING_CATEGORY not in {b"Dream", b"Biscoe"}


def test_label_absent_from_schema_is_an_error():
    with pytest.raises(Exception, match="not among the schema's features"):
        transform("nope", "classification")


def test_a_value_beyond_the_training_range_is_scored_as_the_range_s_end(classification):
    """A network extrapolates where a tree cannot: serving rows are clamped to what the
    model trained on (mass 1-5, price 10-40 here) before they are z-scored."""
    out, fn = classification
    beyond = {**RAW[0], "mass": np.array([100.0]), "price": [-50.0]}
    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(SPEC))
    with tft_beam.Context(temp_dir=tempfile.mkdtemp(), force_tf_compat_v1=True):
        (served, _) = (([beyond], metadata), fn) | tft_beam.TransformDataset()
    mass, price = features.numeric_name("mass"), features.numeric_name("price")
    assert served[0][mass] == pytest.approx(out[3][mass])  # the heaviest trained on: 5.0
    assert served[0][price] == pytest.approx(out[0][price])  # the cheapest: 10.0
    assert out[3][mass] > 0 > out[0][price]
