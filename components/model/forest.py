"""Gradient-boosted trees and random forests (TensorFlow Decision Forests) behind the same
contract as our networks, so the Tuner, the Trainer, the export and the Evaluator need not
know which family a model is.

The forest reads Transform's output like a network (z-scored numbers; categorical ids, marked
categorical so the trees split on sets of values), and ``ForestModel`` returns what a network
returns: class probabilities over every class (TF-DF gives a binary model one column and a
model that never saw the last class fewer columns) or one prediction per row in the label's
units. Its validation loss is computed the way Keras computes the networks' (cross-entropy;
squared error in label standard deviations), so the study ranks every family on one scale.

A forest trains in one pass, so its "curve" has one point and there is nothing to inherit or
to stop early; a trial at a fraction of the epochs grows that fraction of the trees and is
charged that many epochs, which keeps the budget in one currency across families.

Loading a SavedModel with a forest inside needs TF-DF's inference ops, which importing
tensorflow_decision_forests registers (the Evaluator's executor does; so must a server).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tensorflow as tf
import tensorflow_decision_forests as tfdf
import tf_keras

from components.model import build, data, scoring
from components.model.fit import FitResult
from components.spaces import FeatureSet

MIN_TREES = 10


def _learner(
    point: Mapping[str, Any], share: float, task: str, inputs_info: FeatureSet, seed: int
):
    kind = (
        tfdf.keras.Task.CLASSIFICATION if task == "classification" else tfdf.keras.Task.REGRESSION
    )
    features = [
        tfdf.keras.FeatureUsage(name, tfdf.keras.FeatureSemantic.CATEGORICAL)
        for name in sorted(inputs_info.categorical)
    ] + [tfdf.keras.FeatureUsage(name) for name in inputs_info.numeric]
    common = {"task": kind, "features": features, "random_seed": seed, "verbose": 0}
    if point["family"] == "gbt":
        return tfdf.keras.GradientBoostedTreesModel(
            num_trees=max(MIN_TREES, round(int(point["gbt_trees"]) * share)),
            max_depth=int(point["gbt_max_depth"]),
            shrinkage=float(point["gbt_shrinkage"]),
            subsample=float(point["gbt_subsample"]),
            min_examples=int(point["gbt_min_examples"]),
            **common,
        )
    return tfdf.keras.RandomForestModel(
        num_trees=max(MIN_TREES, round(int(point["rf_trees"]) * share)),
        max_depth=int(point["rf_max_depth"]),
        min_examples=int(point["rf_min_examples"]),
        num_candidate_attributes_ratio=float(point["rf_attribute_ratio"]),
        **common,
    )


class ForestModel(tf_keras.Model):
    """A trained TF-DF model with a network's outputs (see the module's docstring)."""

    def __init__(self, forest: tf_keras.Model, task: str, n_classes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.forest, self.task, self.n_classes = forest, task, n_classes

    def call(self, inputs: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        output = self.forest(inputs)
        if self.task != "classification":
            return tf.reshape(output, [-1])
        columns = output.shape[-1]
        if self.n_classes == 2 and columns == 1:
            return tf.concat([1.0 - output, output], axis=1)
        if columns < self.n_classes:
            return tf.pad(output, [[0, 0], [0, self.n_classes - columns]])
        return output

    def model_size(self) -> dict[str, float]:
        """Nodes (a forest's parameters) and the bytes of its files."""
        inspector = self.forest.make_inspector()
        nodes = sum(1 for _ in inspector.iterate_on_nodes())
        folder = inspector.directory
        size = sum(
            os.path.getsize(os.path.join(folder, name))
            for name in os.listdir(folder)
            if os.path.isfile(os.path.join(folder, name))
        )
        return {"params": float(nodes), "size_bytes": float(size)}


def _metrics(model: ForestModel, examples: tf.data.Dataset, scale: float) -> dict[str, float]:
    """The loss and metric a network's Keras history has, under the same names."""
    predicted, labels = data.predictions(model, examples)
    return scoring.score(predicted, labels, model.task, scale)


def fit(
    point: Mapping[str, Any],
    splits: data.Splits,
    inputs_info: FeatureSet,
    task: str,
    seed: int,
    epochs: int,
    rows: float = 1.0,
) -> FitResult:
    """Grows the forest on (a fraction of) the training rows, with ``epochs`` of the point's
    full epochs as its share of the trees; measured on train and eval."""
    share = min(1.0, epochs / max(1, int(point["epochs"])))
    forest = _learner(point, share, task, inputs_info, seed)
    forest.fit(splits.training(rows).batch(data.READ_BATCH), verbose=0)
    model = ForestModel(forest, task, splits.n_classes)
    scale = build.label_scale(splits.label_std)
    train = _metrics(model, data.subset(splits.train, rows), scale)
    evaluation = _metrics(model, splits.eval, scale)
    history = {
        **{name: [value] for name, value in train.items()},
        **{f"val_{name}": [value] for name, value in evaluation.items()},
    }
    return FitResult(model, history, best_epoch=0, charged_epochs=epochs)
