"""Search spaces over tabular networks, declared as data and importable without TensorFlow.

A space is training hyperparameters + one architecture family + an embedding size per
categorical feature of the transformed data. The builder (components/model/build.py) turns any
valid point into a Keras model; declarations live here so the CLI can validate a config
before TensorFlow loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.spaces import macro, micro, training
from components.spaces.features import FeatureSet, embedding_param_name, embedding_sizes
from search.restrict import restrict
from search.space import Choice, Param, SearchSpace

ARCHITECTURES = {"macro": macro.params, "micro": micro.params}


def build_space(
    name: str,
    features: FeatureSet,
    max_epochs: int,
    overrides: Mapping[str, Any] | None = None,
) -> SearchSpace:
    """The named space for these inputs, narrowed by the user's overrides (SpaceError if bad)."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown space '{name}' (choose from: {', '.join(ARCHITECTURES)})")
    embeddings: list[Param] = [
        Choice(embedding_param_name(feature), embedding_sizes(buckets))
        for feature, buckets in sorted(features.categorical.items())
    ]
    space = SearchSpace([*training.params(max_epochs), *ARCHITECTURES[name](), *embeddings])
    return restrict(space, overrides or {})


__all__ = ["ARCHITECTURES", "FeatureSet", "build_space"]
