"""Serving signatures: the transform graph travels inside the SavedModel.

Three signatures, each for a different caller:

- ``serving_default`` takes raw, CSV-style columns by name (numbers as float32 with NaN for a
  missing value, strings with "" for a missing value) so a client can send a CSV row as it is;
- ``serving_examples`` takes serialized tf.Example protos (what TFMA and BulkInferrer feed);
- ``transform_features`` returns the transformed features, label included, which is how TFMA
  obtains the encoded label for evaluation.

Classifiers return ``probabilities``, ``class_id`` and the class name as ``class``; regressors
return ``prediction``.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras

from modeling import features


def _raw_input_spec(raw_spec: dict[str, Any]) -> dict[str, tf.TensorSpec]:
    return {
        name: tf.TensorSpec([None], tf.string if spec.dtype == tf.string else tf.float32, name)
        for name, spec in sorted(raw_spec.items())
    }


def _to_raw_tensor(value: tf.Tensor, spec: Any) -> tf.Tensor | tf.SparseTensor:
    """A CSV-style column, in the dense or sparse form the transform graph was built for."""
    if spec.dtype == tf.string:
        present = tf.not_equal(value, "")
    else:
        present = tf.logical_not(tf.math.is_nan(value))
        value = tf.cast(tf.round(value) if spec.dtype.is_integer else value, spec.dtype)
    if isinstance(spec, tf.io.FixedLenFeature):
        return tf.reshape(value, [-1, 1]) if spec.shape else value
    rows = tf.where(present)
    indices = tf.concat([rows, tf.zeros_like(rows)], axis=1)
    batch = tf.shape(value, out_type=tf.int64)[0]
    return tf.SparseTensor(indices, tf.boolean_mask(value, present), tf.stack([batch, 1]))


def serving_signatures(
    model: tf_keras.Model, tf_transform_output: tft.TFTransformOutput, label: str, task: str
) -> dict[str, Any]:
    # Keras must track the transform layer so its assets (vocabularies) are saved with the model.
    model.tft_layer = tf_transform_output.transform_features_layer()
    raw_spec = tf_transform_output.raw_feature_spec()
    full_raw_spec = dict(raw_spec)
    raw_spec.pop(label, None)
    if task == "classification":
        class_names = tf.constant(_class_names(tf_transform_output))

    def predict(raw_features: dict[str, Any]) -> dict[str, tf.Tensor]:
        transformed = model.tft_layer(raw_features)
        transformed.pop(features.LABEL_KEY, None)
        output = model(transformed)
        if task == "classification":
            class_id = tf.argmax(output, axis=1)
            return {
                "probabilities": output,
                "class_id": class_id,
                "class": tf.gather(class_names, class_id),
            }
        return {"prediction": output}

    @tf.function(input_signature=[_raw_input_spec(raw_spec)])
    def serve_raw(columns: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        return predict({name: _to_raw_tensor(columns[name], raw_spec[name]) for name in raw_spec})

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve_examples(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        return predict(tf.io.parse_example(serialized, raw_spec))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def transform_features(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        return model.tft_layer(tf.io.parse_example(serialized, full_raw_spec))

    return {
        "serving_default": serve_raw.get_concrete_function(),
        "serving_examples": serve_examples.get_concrete_function(),
        "transform_features": transform_features.get_concrete_function(),
    }


def _class_names(tf_transform_output: tft.TFTransformOutput) -> list[str]:
    path = tf_transform_output.vocabulary_file_by_name(features.LABEL_VOCABULARY)
    with tf.io.gfile.GFile(path) as handle:
        return [line.rstrip("\n") for line in handle]
