"""Search spaces over tabular models, declared as data and importable without TensorFlow.

A network space is training hyperparameters + one architecture + an embedding size per
categorical feature of the transformed data. The ``families`` space puts the model family
first: a network of the macro space, gradient-boosted trees or a random forest, each
family's parameters existing only under it. The builders (modeling/model/) turn any valid
point into a model; declarations live here so the CLI can validate a config before
TensorFlow loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from modeling.spaces import families, macro, micro, training, trees
from modeling.spaces.features import FeatureSet, embedding_param_name, embedding_sizes
from search.restrict import restrict
from search.space import Choice, Condition, Param, SearchSpace

NETWORKS = {"macro": macro.params, "micro": micro.params}
FAMILIES_SPACE = "families"
SPACE_NAMES = [*NETWORKS, FAMILIES_SPACE]  # every space's name
FAMILY_NETWORK = "macro"  # the network branch of the families space


def network_of(space: str) -> str:
    """The network space a point of ``space`` builds its network from."""
    return FAMILY_NETWORK if space == FAMILIES_SPACE else space


def build_space(
    name: str,
    features: FeatureSet,
    max_epochs: int,
    overrides: Mapping[str, Any] | None = None,
) -> SearchSpace:
    """The named space for these inputs, narrowed by the user's overrides (SpaceError if bad)."""
    if name not in SPACE_NAMES:
        raise ValueError(f"unknown space '{name}' (choose from: {', '.join(SPACE_NAMES)})")
    embeddings: list[Param] = [
        Choice(embedding_param_name(feature), embedding_sizes(buckets))
        for feature, buckets in sorted(features.categorical.items())
    ]
    network = [*training.params(max_epochs), *NETWORKS[network_of(name)](), *embeddings]
    if name != FAMILIES_SPACE:
        return restrict(SearchSpace(network), overrides or {})
    only_networks = Condition(trees.FAMILY, (trees.NETWORK,))
    branch = [  # epochs stay: they are every family's fidelity (a forest's share of trees)
        p if p.condition is not None or p.name == "epochs" else replace(p, condition=only_networks)
        for p in network
    ]
    family = Choice(trees.FAMILY, tuple(families.FAMILIES))
    own = [p for f in families.FAMILIES.values() for p in f.params()]
    return restrict(SearchSpace([family, *branch, *own]), overrides or {})


__all__ = ["FAMILIES_SPACE", "SPACE_NAMES", "FeatureSet", "build_space", "network_of"]
