"""Several trained models served as one: the weighted average of their outputs (class
probabilities, or predictions in the label's units), whatever their families.

``EnsembleModel`` answers like any of its members, so the export (serving signatures with
the transform graph inside), the Evaluator and the Pusher treat it like a single model; the
weights come from modeling.model.ensemble_selection. Members with zero weight are dropped,
so a served ensemble carries only the models it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tensorflow as tf
import tf_keras


class EnsembleModel(tf_keras.Model):
    def __init__(
        self, members: Sequence[tf_keras.Model], weights: Sequence[float], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        kept = [(m, float(w)) for m, w in zip(members, weights, strict=True) if w > 0]
        if not kept:
            raise ValueError("an ensemble needs a member with a positive weight")
        total = sum(w for _, w in kept)
        self.members = [m for m, _ in kept]
        self.weights_of_members = [w / total for _, w in kept]

    def call(self, inputs: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        outputs = [
            w * tf.cast(member(inputs, training=False), tf.float32)
            for member, w in zip(self.members, self.weights_of_members, strict=True)
        ]
        return tf.add_n(outputs)

    def model_size(self, with_bytes: bool = True) -> dict[str, float]:
        """The members' sizes, summed (a network's weights, a forest's nodes)."""
        from modeling.model import measure

        sizes = [measure.size(member, with_bytes) for member in self.members]
        return {key: float(sum(s[key] for s in sizes)) for key in sizes[0]}
