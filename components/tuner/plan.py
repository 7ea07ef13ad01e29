"""A search, fully validated before any training: space, strategy, budget, objectives.

Built from the tuner settings of the pipeline config by both the CLI (before TensorFlow loads,
with the categorical features not yet known) and the Tuner executor (with them), so a bad
setting fails in a second at the terminal instead of after Transform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modeling.spaces import FeatureSet, build_space
from search.budget import Budget
from search.estimator import Estimator, EstimatorSettings, create_estimator
from search.fidelity import Fidelity
from search.objectives import RULES, Objective, rule_cost
from search.space import SearchSpace
from search.strategies import create_strategy, strategy_by_name
from search.strategy import Strategy


class PlanError(ValueError):
    """Settings that cannot make a search; one line, fit for a terminal."""


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def measured_objectives(task: str) -> dict[str, Objective]:
    """What every trial measures, so what a user may optimise, bound or put on the front."""
    validation = (
        {"val_accuracy": Objective("val_accuracy", "max")}
        if task == "classification"
        else {"val_rmse": Objective("val_rmse", "min")}
    )
    return {
        "val_loss": Objective("val_loss", "min"),
        **validation,
        "params": Objective("params", "min"),
        "size_bytes": Objective("size_bytes", "min"),
        "latency_ms": Objective("latency_ms", "min"),  # per 1,000 rows
    }


@dataclass(frozen=True)
class SearchPlan:
    space_name: str
    space: SearchSpace
    strategy_name: str
    seed: int
    budget: Budget
    objectives: tuple[Objective, ...]
    constraints: dict[Objective, float]
    selection: str
    tolerance: float
    estimator_name: str = "full"
    estimator_settings: EstimatorSettings = EstimatorSettings()
    full: Fidelity = Fidelity(1)

    @property
    def primary(self) -> Objective:
        return self.objectives[0]

    @property
    def measures(self) -> frozenset[str]:
        """The metrics the search ranks, bounds or selects by: only these are measured
        where measuring costs time (a forest's saved bytes, any model's latency)."""
        names = {o.name for o in (*self.objectives, *self.constraints)}
        return frozenset(names | {c for c in [rule_cost(self.selection)] if c is not None})

    def estimator(self) -> Estimator:
        return create_estimator(
            self.estimator_name, self.full, self.space, self.estimator_settings
        )

    def strategy(self) -> Strategy:
        return create_strategy(
            self.strategy_name, self.space, seed=self.seed, max_trials=self.budget.max_trials
        )

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], task: str, features: FeatureSet | None = None
    ) -> SearchPlan:
        """``features=None``: validate all but the per-feature embedding overrides."""
        try:
            return cls._build(settings, task, features)
        except ValueError as exc:  # SpaceError, BudgetError, unknown names
            raise PlanError(f"invalid tuner settings: {exc}") from exc

    @classmethod
    def _build(
        cls, settings: Mapping[str, Any], task: str, features: FeatureSet | None
    ) -> SearchPlan:
        strategy_by_name(settings["strategy"])
        overrides = dict(settings.get("space_overrides") or {})
        if "epochs" in overrides:
            raise ValueError(
                "epochs are fidelity, not searched: set epochs_per_trial (a full trial's epochs)"
            )
        if features is None:
            overrides = {k: v for k, v in overrides.items() if not k.startswith("embed_")}
        space = build_space(
            settings["space"], features or FeatureSet(), settings["epochs_per_trial"], overrides
        )
        available = measured_objectives(task)
        names = list(settings["objectives"])
        if not names:
            raise ValueError("at least one objective is needed")
        for name in [*names, *settings.get("constraints", {})]:
            if name not in available:
                raise ValueError(
                    f"objective '{name}' is not measured for {task} "
                    f"(measured: {', '.join(available)})"
                )
        if len(set(names)) != len(names):
            raise ValueError(f"objectives {names} repeat a metric")
        if not names[0].startswith("val_"):
            raise ValueError(f"the first objective must be a validation metric, not '{names[0]}'")
        if settings.get("selection", "best") not in RULES:
            raise ValueError(f"unknown selection rule '{settings['selection']}'")
        full = Fidelity(int(settings["epochs_per_trial"]))
        estimation = dict(settings.get("estimation") or {})
        defaults = EstimatorSettings()  # one place for the defaults the config leaves out
        estimator_settings = EstimatorSettings(
            eta=_optional_int(estimation.get("eta")),
            levels=_optional_int(estimation.get("levels")),
            low_fidelity=Fidelity(
                max(1, round(full.epochs * float(estimation.get("low_epochs", 1 / 3)))),
                rows=float(estimation.get("low_rows", 1 / 3)),
                width=float(estimation.get("low_width", 1.0)),
            ),
            curve_threshold=float(estimation.get("curve_threshold", defaults.curve_threshold)),
            curve_min_epochs=int(estimation.get("curve_min_epochs", defaults.curve_min_epochs)),
            inherit_fraction=float(estimation.get("inherit_fraction", defaults.inherit_fraction)),
        )
        estimator_name = settings.get("estimator", "full")
        create_estimator(estimator_name, full, space, estimator_settings)  # fails here if bad
        return cls(
            estimator_name=estimator_name,
            estimator_settings=estimator_settings,
            full=full,
            space_name=settings["space"],
            space=space,
            strategy_name=settings["strategy"],
            seed=int(settings.get("seed", 0)),
            budget=Budget(
                max_trials=settings.get("max_trials"),
                max_seconds=settings.get("time_budget_s"),
                max_epochs=settings.get("max_total_epochs"),
            ),
            objectives=tuple(available[n] for n in names),
            constraints={
                available[name]: float(bound)
                for name, bound in settings.get("constraints", {}).items()
            },
            selection=settings.get("selection", "best"),
            tolerance=float(settings.get("tolerance", 0.0)),
        )
