"""Gradient-boosted trees and random forests, grown by YDF directly, behind the same contract
as our networks, so the Tuner, the Trainer, the export and the Evaluator need not know which
family a model is.

The trees read Transform's output like a network (z-scored numbers; categorical ids, marked
categorical so the trees split on sets of values), and a ``Forest`` returns what a network
returns: class probabilities over every class (YDF gives a binary model one column and a
model that never saw a class no column for it) or one prediction per row in the label's
units. Its validation loss is computed the way Keras computes the networks' (cross-entropy;
squared error in label standard deviations), so the study ranks every family on one scale.

Why YDF and not TF-DF's Keras wrapper: a trial trains, scores and measures the forest in
YDF's own C++ (TF-DF fed it through tf.data and predicted through TensorFlow, and counting a
large forest's nodes through its inspector took longer than growing it). Only a model that is
served becomes a TensorFlow function (``servable``), which is what the Trainer exports.

A forest trains in one pass, so its "curve" has one point and there is nothing to inherit or
to stop early; a trial at a fraction of the epochs grows that fraction of the trees and is
charged that many epochs, which keeps the budget in one currency across families.

Loading a SavedModel with a forest inside needs TF-DF's inference ops, which importing
tensorflow_decision_forests registers (the Evaluator's executor does; so must a server).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import tensorflow as tf
import tf_keras
import ydf

from modeling.model import build, data, scoring
from modeling.model.fit import FitResult
from modeling.spaces import FeatureSet

MIN_TREES = 10
LABEL = "__label__"
WEIGHT = "__weight__"
THREADS: int | None = None  # a trial's share of the cores (components.tuner.workers)
SCORED_TRAIN_ROWS = 1_000  # the training loss is a diagnostic: a spread sample suffices


def learner(
    point: Mapping[str, Any],
    share: float,
    task: str,
    inputs_info: FeatureSet,
    seed: int,
    weighted: bool,
    max_seconds: float | None = None,
) -> ydf.generic_learner.GenericLearner:
    """YDF's learner for a point, growing ``share`` of its trees (bench/trial_profile.py
    trains the same learner in a bare loop)."""
    features = [
        ydf.Feature(name, ydf.Semantic.CATEGORICAL) for name in sorted(inputs_info.categorical)
    ] + [ydf.Feature(name, ydf.Semantic.NUMERICAL) for name in inputs_info.numeric]
    common: dict[str, Any] = {
        "label": LABEL,
        "task": ydf.Task.CLASSIFICATION if task == "classification" else ydf.Task.REGRESSION,
        "features": features,
        "include_all_columns": False,
        "random_seed": seed,
        "weights": WEIGHT if weighted else None,
    }
    if THREADS is not None:
        common["num_threads"] = THREADS
    if max_seconds is not None:  # YDF keeps the trees grown when the time is up
        common["maximum_training_duration_seconds"] = max(1.0, float(max_seconds))
    if point["family"] == "gbt":
        return ydf.GradientBoostedTreesLearner(
            num_trees=max(MIN_TREES, round(int(point["gbt_trees"]) * share)),
            max_depth=int(point["gbt_max_depth"]),
            shrinkage=float(point["gbt_shrinkage"]),
            subsample=float(point["gbt_subsample"]),
            min_examples=int(point["gbt_min_examples"]),
            # Points from before the choice existed grew level by level.
            growing_strategy=str(point.get("gbt_growing", "local")).upper(),
            **_splits(str(point.get("gbt_split", "axis_aligned"))),
            **common,
        )
    return ydf.RandomForestLearner(
        num_trees=max(MIN_TREES, round(int(point["rf_trees"]) * share)),
        max_depth=int(point["rf_max_depth"]),
        min_examples=int(point["rf_min_examples"]),
        num_candidate_attributes_ratio=float(point["rf_attribute_ratio"]),
        compute_oob_performances=False,  # the eval split scores it; out-of-bag costs a pass
        **common,
    )


def _splits(kind: str) -> dict[str, Any]:
    """YDF's settings for a split kind; sparse oblique as YDF's benchmark_rank1 template sets
    it (projections over min-max normalised columns, as many as the numeric columns;
    categorical splits on random subsets of values)."""
    if kind == "axis_aligned":
        return {}
    return {
        "split_axis": "SPARSE_OBLIQUE",
        "sparse_oblique_normalization": "MIN_MAX",
        "sparse_oblique_num_projections_exponent": 1.0,
        "categorical_algorithm": "RANDOM",
    }


class Forest:
    """A trained YDF model with a network's outputs (see the module's docstring)."""

    def __init__(self, model: Any, task: str, n_classes: int) -> None:
        self.model, self.task, self.n_classes = model, task, n_classes
        # YDF's output columns are the classes it saw, in its own order: a 0/1 matrix maps
        # them onto every class id of the label vocabulary.
        self.class_map = np.zeros((0, n_classes), np.float32)
        if task == "classification":
            seen = [int(c) for c in model.label_classes()]
            self.class_map = np.eye(n_classes, dtype=np.float32)[seen]

    @property
    def inputs(self) -> list[str]:
        return list(self.model.input_feature_names())

    def __call__(self, features: Mapping[str, Any]) -> np.ndarray:
        columns = {name: np.asarray(features[name]).reshape(-1) for name in self.inputs}
        output = np.asarray(self.model.predict(columns), np.float32)
        if self.task != "classification":
            return output.reshape(-1)
        if output.ndim == 1:  # binary: the probability of YDF's second class
            output = np.stack([1.0 - output, output], axis=1)
        return output @ self.class_map

    def model_size(self, with_bytes: bool = True) -> dict[str, float]:
        """Nodes (a forest's parameters) and the bytes of its saved files (a save: 0.9 s for
        300 deep trees, so only when asked)."""
        described = str(self.model.describe(output_format="text"))
        found = re.search(r"Total number of nodes: (\d+)", described)
        nodes = {"params": float(found.group(1)) if found else 0.0}
        if not with_bytes:
            return nodes
        with tempfile.TemporaryDirectory() as folder:
            self.model.save(folder)
            size = sum(
                os.path.getsize(os.path.join(root, name))
                for root, _, names in os.walk(folder)
                for name in names
            )
        return {**nodes, "size_bytes": float(size)}

    def servable(self) -> ForestModel:
        """The forest as a Keras model of TensorFlow ops, for export and ensembles."""
        function = self.model.to_tensorflow_function(squeeze_binary_classification=False)
        return ForestModel(function, self.inputs, self.task, self.class_map, self.model_size())


class ForestModel(tf_keras.Model):
    """A forest's TensorFlow function (TF-DF's inference ops) with a network's outputs."""

    def __init__(
        self,
        function: tf.Module,
        inputs: list[str],
        task: str,
        class_map: np.ndarray,
        size: Mapping[str, float],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.function, self.inputs, self.task = function, list(inputs), task
        self.class_map = tf.constant(class_map)
        self.size = (float(size["params"]), float(size["size_bytes"]))

    def call(self, inputs: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        output = self.function({name: tf.reshape(inputs[name], [-1]) for name in self.inputs})
        if self.task != "classification":
            return tf.reshape(output, [-1])
        return tf.matmul(tf.cast(output, tf.float32), self.class_map)

    def model_size(self, with_bytes: bool = True) -> dict[str, float]:
        """The grown forest's nodes and bytes (its function holds no Keras weights)."""
        sizes = {"params": self.size[0]}
        if with_bytes:
            sizes["size_bytes"] = self.size[1]
        return sizes


def training_columns(rows: data.Rows, inputs_info: FeatureSet, weights: np.ndarray | None) -> dict:
    names = [*inputs_info.categorical, *inputs_info.numeric]
    columns = {name: np.asarray(rows.features[name]) for name in names}
    columns[LABEL] = np.asarray(rows.labels)
    if weights is not None:
        columns[WEIGHT] = weights
    return columns


def _spread(rows: data.Rows, count: int) -> data.Rows:
    """At most ``count`` rows, evenly spaced over the split."""
    step = max(1, -(-len(rows) // count))
    return rows.take(slice(None, None, step))


def fit(
    point: Mapping[str, Any],
    space: str,
    splits: data.Splits,
    inputs_info: FeatureSet,
    task: str,
    seed: int,
    epochs: int,
    *,
    rows: float = 1.0,
    max_seconds: float | None = None,
    **_: Any,  # a network's fidelity and estimator (width, weights, early stops): none apply
) -> FitResult:
    """Grows the forest on (a fraction of) the training rows, with ``epochs`` of the point's
    full epochs as its share of the trees; measured on train and eval."""
    share = min(1.0, epochs / max(1, int(point["epochs"])))
    train, weights = splits.training(rows)
    grower = learner(point, share, task, inputs_info, seed, weights is not None, max_seconds)
    columns = training_columns(train, inputs_info, weights)
    started = time.monotonic()
    model = grower.train(columns, verbose=0)
    train_s = time.monotonic() - started
    forest = Forest(model, task, splits.n_classes)
    scale = build.label_scale(splits.label_std)

    def scores(rows: data.Rows) -> dict[str, float]:
        return scoring.score(*data.predictions(forest, rows), task, scale)

    history = {
        **{name: [value] for name, value in scores(_spread(train, SCORED_TRAIN_ROWS)).items()},
        **{f"val_{name}": [value] for name, value in scores(splits.eval).items()},
    }
    return FitResult(forest, history, best_epoch=0, charged_epochs=epochs, train_s=train_s)


def save(result: FitResult, path: str) -> None:
    """The YDF model itself (a folder), converted to TensorFlow only if it is served."""
    result.model.model.save(path)


def load(path: str) -> Any:
    """A forest the search grew and kept (components.tuner.snapshots)."""
    return ydf.load_model(path)


def restore(
    point: Mapping[str, Any], space: str, splits: data.Splits, inputs_info: FeatureSet,
    task: str, kept: Any,
) -> FitResult:  # fmt: skip
    """A kept forest (``load``), validated and made servable: the family's restore."""
    from modeling.model.fit import servable

    return servable(validate(kept, splits, task))


def validate(model: Any, splits: data.Splits, task: str) -> FitResult:
    """A forest the search grew in full, validated as it is (growing it again would only
    repeat the search's work)."""
    forest = Forest(model, task, splits.n_classes)
    scores = scoring.score(
        *data.predictions(forest, splits.eval), task, build.label_scale(splits.label_std)
    )
    history = {"loss": [], **{f"val_{name}": [value] for name, value in scores.items()}}
    return FitResult(forest, history, best_epoch=0, charged_epochs=0)
