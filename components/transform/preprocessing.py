"""The automatic preprocessing_fn: feature engineering generated from the schema, no user code.

Transform hands us one tensor per schema feature. The schema already says everything we need:
the dtype tells numeric from string, and whether the tensor is sparse tells whether the feature
may be missing (SchemaGen only gives a fixed shape to features present in every example). So a
new CSV gets sensible features without anyone writing a preprocessing_fn:

- numeric: missing values imputed with the training mean, then z-scored; features that can be
  missing also get a 0/1 "was missing" indicator, because missingness is often informative;
- string (and integer columns declared categorical): vocabulary with an OOV bucket, missing
  values become their own token;
- label: vocabulary-encoded for classification (the vocabulary file maps ids back to class
  names at serving time), float for regression.
"""

from __future__ import annotations

from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tensorflow as tf
import tensorflow_transform as tft

from modeling import features

MAX_VOCABULARY = 1000
MISSING_CATEGORY = "__missing__"


def _as_dense(tensor: tf.Tensor | tf.SparseTensor, default: Any) -> tuple[tf.Tensor, tf.Tensor]:
    """Returns the values as a [batch] tensor and a [batch] mask of which were present."""
    if isinstance(tensor, tf.SparseTensor):
        batch = tf.shape(tensor, out_type=tf.int64)[0]
        shaped = tf.SparseTensor(tensor.indices, tensor.values, tf.stack([batch, 1]))
        present = tf.sparse.to_dense(
            tf.SparseTensor(
                shaped.indices, tf.ones_like(shaped.values, tf.bool), shaped.dense_shape
            ),
            default_value=False,
        )
        dense = tf.sparse.to_dense(shaped, default_value=default)
        return tf.reshape(dense, [-1]), tf.reshape(present, [-1])
    dense = tf.reshape(tensor, [-1])
    return dense, tf.ones_like(dense, tf.bool)


def _map_values(tensor: tf.Tensor | tf.SparseTensor, fn: Any) -> tf.Tensor | tf.SparseTensor:
    """Applies an element-wise ``fn`` to a dense tensor or to a sparse tensor's values."""
    if isinstance(tensor, tf.SparseTensor):
        return tf.SparseTensor(tensor.indices, fn(tensor.values), tensor.dense_shape)
    return fn(tensor)


def _to_float(tensor: tf.Tensor | tf.SparseTensor) -> tf.Tensor | tf.SparseTensor:
    return _map_values(tensor, lambda t: tf.cast(t, tf.float32))


def _to_string(tensor: tf.Tensor | tf.SparseTensor) -> tf.Tensor | tf.SparseTensor:
    if tensor.dtype == tf.string:
        return tensor
    return _map_values(tensor, tf.strings.as_string)


def _numeric(
    columns: dict[str, tf.Tensor | tf.SparseTensor], outputs: dict[str, tf.Tensor]
) -> None:
    """Every numeric column at once: the columns side by side in one [batch, n] tensor, so
    the whole table needs a handful of analyzers (sums, then mean, variance, min and max in
    one pass), not several per column. Each analyzer is a stage of Transform's Beam
    pipeline, and on digits (64 columns) building and running 128 of them took most of
    Transform's 63 s.

    A value beyond the training split's range is clamped to it before scoring, as a tree
    does implicitly: a network extrapolates linearly, and one test trip of 1,710 miles (the
    longest trained on: 191) was enough to take a network's test RMSE on taxi from about 3
    to 7 (bench-automl, 2026-12-06)."""
    names = sorted(columns)
    values, present = zip(*(_as_dense(_to_float(columns[n]), 0.0) for n in names), strict=True)
    stacked = tf.stack(values, axis=1)
    mask = tf.cast(tf.stack(present, axis=1), tf.float32)
    # The mean of the values observed, per column (what a missing value is imputed with).
    observed = tft.sum(stacked * mask, reduce_instance_dims=False)
    mean = tf.math.divide_no_nan(observed, tft.sum(mask, reduce_instance_dims=False))
    imputed = tf.where(mask > 0, stacked, mean + tf.zeros_like(stacked))
    # tft.scale_to_z_score's moments, taken with the range in the same pass (z-scoring the
    # clamped values with the analyzer would cost Transform one more pass over the data).
    centre = tft.mean(imputed, reduce_instance_dims=False)
    spread = tf.sqrt(tft.var(imputed, reduce_instance_dims=False))
    low = tft.min(imputed, reduce_instance_dims=False)
    high = tft.max(imputed, reduce_instance_dims=False)
    bounded = tf.clip_by_value(imputed, low, high)
    scored = tf.math.divide_no_nan(bounded - centre, spread)  # a constant column: 0
    for i, name in enumerate(names):
        outputs[features.numeric_name(name)] = scored[:, i]
        if isinstance(columns[name], tf.SparseTensor):
            outputs[features.missing_name(name)] = 1.0 - mask[:, i]


def _categorical(
    name: str, tensor: tf.Tensor | tf.SparseTensor, outputs: dict[str, tf.Tensor]
) -> None:
    values, _ = _as_dense(_to_string(tensor), MISSING_CATEGORY)
    values = tf.where(tf.equal(values, ""), MISSING_CATEGORY, values)
    outputs[features.categorical_name(name)] = tft.compute_and_apply_vocabulary(
        values, top_k=MAX_VOCABULARY, num_oov_buckets=1, vocab_filename=name
    )


def _label(tensor: tf.Tensor | tf.SparseTensor, task: str, outputs: dict[str, tf.Tensor]) -> None:
    if task == "classification":
        values, _ = _as_dense(_to_string(tensor), "")
        outputs[features.LABEL_KEY] = tft.compute_and_apply_vocabulary(
            values, num_oov_buckets=0, default_value=-1, vocab_filename=features.LABEL_VOCABULARY
        )
    else:
        outputs[features.LABEL_KEY], _ = _as_dense(_to_float(tensor), 0.0)


def preprocessing_fn(inputs: dict[str, Any], custom_config: dict[str, Any]) -> dict[str, Any]:
    """Entry point named in the Transform component (by dotted path, so one image serves all).

    custom_config: ``label``, ``task`` and ``categorical_features`` (integer columns that are
    codes, not quantities), all from the pipeline config.
    """
    label = custom_config["label"]
    categorical = set(custom_config.get("categorical_features", ()))
    outputs: dict[str, Any] = {}
    numeric = {}
    for name in sorted(inputs):
        tensor = inputs[name]
        if name == label:
            _label(tensor, custom_config["task"], outputs)
        elif tensor.dtype == tf.string or name in categorical:
            _categorical(name, tensor, outputs)
        else:
            numeric[name] = tensor
    if numeric:
        _numeric(numeric, outputs)
    if features.LABEL_KEY not in outputs:
        raise ValueError(f"label '{label}' is not among the schema's features: {sorted(inputs)}")
    return outputs
