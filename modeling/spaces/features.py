"""What a search space needs to know about the model's inputs, without TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass, field

from modeling import features


@dataclass(frozen=True)
class FeatureSet:
    """Transformed inputs: numeric columns, and categorical ones with their bucket counts."""

    numeric: tuple[str, ...] = ()
    categorical: dict[str, int] = field(default_factory=dict)


def embedding_param_name(transformed_name: str) -> str:
    return "embed_" + transformed_name.removesuffix(features.CATEGORICAL_SUFFIX)


def embedding_sizes(buckets: int) -> tuple[int, ...]:
    """Sizes worth trying for one categorical: powers of two up to fast.ai's rule of thumb x2.

    A feature with 3 values gains nothing from 32 dimensions; the rule of thumb
    (1.6 * buckets^0.56) bounds the choice so the space does not waste trials on it.
    """
    ceiling = max(2, min(64, round(3.2 * buckets**0.56)))
    sizes = tuple(size for size in (2, 4, 8, 16, 32, 64) if size <= ceiling)
    return sizes or (2,)
