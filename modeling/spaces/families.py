"""The model families the ``families`` space chooses between, each one entry of a registry.

A family is declared here, importable without TensorFlow (the CLI validates spaces before it
loads): its name (the value of the space's ``family`` choice), its hyperparameters (each
exists only under it), whether it trains epoch by epoch from weights that a snapshot holds
and a later trial can inherit (networks) or grows in one pass with its size in its
hyperparameters (forests), and the module that implements it. That module (modeling/model/)
provides what ``FamilyModel`` lists: fit a point at a fidelity, load a model the search kept,
restore a kept model validated and servable. Adding a family is one module and one line in
``FAMILIES``; tests/model/test_family_contract.py runs every registered family through the
same contract.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from modeling.spaces import trees
from search.space import Param

FAMILY = trees.FAMILY


class FamilyModel(Protocol):
    """What a family's implementation module provides (modeling/model/network.py,
    modeling/model/forest.py)."""

    def fit(
        self, point: Mapping[str, Any], space: str, splits: Any, inputs_info: Any, task: str,
        seed: int, epochs: int, *, patience: int | None, rows: float, width_scale: float,
        initial: Any, initial_epoch: int, should_stop: Any, max_seconds: float | None,
    ) -> Any:  # fmt: skip
        """Trains the point at a fidelity (a share of the epochs and of the rows); a
        modeling.model.fit.FitResult."""

    def save(self, result: Any, path: str) -> None:
        """Keeps a trained model (a FitResult's) at ``path`` for a later trial or the Trainer."""

    def load(self, path: str) -> Any:
        """A model the search kept (components.tuner.snapshots) as this family saved it."""

    def restore(
        self, point: Mapping[str, Any], space: str, splits: Any, inputs_info: Any, task: str,
        kept: Any,
    ) -> Any:  # fmt: skip
        """A kept model validated as it is, servable: a FitResult with no epoch trained."""


@dataclass(frozen=True)
class ModelFamily:
    name: str
    epoch_trained: bool  # networks: snapshots, inheritance, epochs to the best; forests: not
    implementation: str  # the module providing FamilyModel
    params: Callable[[], list[Param]]  # its own; a network's branch is the network space

    def model(self) -> FamilyModel:
        """The implementation, imported on first use (it imports TensorFlow or YDF)."""
        module: FamilyModel = importlib.import_module(self.implementation)  # type: ignore[assignment]
        return module


FAMILIES: dict[str, ModelFamily] = {
    family.name: family
    for family in (
        ModelFamily(trees.NETWORK, True, "modeling.model.network", list),
        ModelFamily("gbt", False, "modeling.model.forest", trees.gbt_params),
        ModelFamily("rf", False, "modeling.model.forest", trees.rf_params),
    )
}


def family_of(point: Mapping[str, Any]) -> ModelFamily:
    """The family of a point; a point of a network space (no family choice) is a network."""
    return FAMILIES[str(point.get(FAMILY, trees.NETWORK))]


def is_forest(point: Mapping[str, Any]) -> bool:
    """Grown in one pass (no weights to snapshot or inherit, its size in its point)."""
    return not family_of(point).epoch_trained
