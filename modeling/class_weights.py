"""Class weights for an imbalanced label: the guardrails decide to weight, the model data
applies the weights."""

from __future__ import annotations

from collections.abc import Mapping

BALANCED = "balanced"  # the guardrails' class_weighting value that asks for balanced_weights


def balanced_weights(counts: Mapping[int, int]) -> dict[int, float]:
    """Weights n / (k * count): every class contributes equally to the training loss, and
    the weights average to one over the rows (scikit-learn's "balanced")."""
    present = {c: n for c, n in counts.items() if n > 0}
    total, k = sum(present.values()), len(present)
    return {c: total / (k * n) for c, n in sorted(present.items())}
