"""The study artifact's file: everything a person or a later run needs about the search.

Plain JSON, one file, written atomically (a reader never sees half a study): settings, the
space as printed, every trial with its parameters, per-epoch curves, measurements, status,
wall time and seed, the Pareto front and the selected trial; once the search is over, the
hyperparameters' importance over the trials trained at full fidelity (lower fidelities score
on another scale, which fANOVA would read as an effect of their parameters).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from components.tuner.plan import SearchPlan
from search.budget import compute_spent
from search.importance import importances
from search.study import Study
from search.trial import Trial

log = logging.getLogger("automl.tuner")

STUDY_FILE = "study.json"
FORMAT_VERSION = 2  # 2: per-trial fidelity and cost (was "budget"), the estimator


def as_dict(
    plan: SearchPlan,
    study: Study,
    schema_path: str | None = None,
    front: Sequence[Trial] = (),
    chosen: Trial | None = None,
) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "strategy": plan.strategy_name,
        "estimator": study.estimator.name if study.estimator else None,
        "full_fidelity": plan.full.to_dict(),
        "compute_spent": compute_spent(study.trials),
        "space_name": plan.space_name,
        "space": str(plan.space).splitlines(),
        "seed": plan.seed,
        "budget": {
            "max_trials": plan.budget.max_trials,
            "max_seconds": plan.budget.max_seconds,
            "max_epochs": plan.budget.max_epochs,
        },
        "objectives": [{"name": o.name, "direction": o.direction} for o in plan.objectives],
        "constraints": {o.name: bound for o, bound in plan.constraints.items()},
        "selection": {"rule": plan.selection, "tolerance": plan.tolerance},
        "schema": schema_path,
        "finished": chosen is not None,
        "stop_reason": study.stop_reason,
        "warm_start": {
            "earlier_results": len(study.prior),
            "replayed": [t.number for t in study.trials if "replay_of" in t.attrs],
        },
        "pareto_front": [t.number for t in front],
        "selected_trial": chosen.number if chosen is not None else None,
        "importance": _importance(plan, study) if chosen is not None else [],
        "trials": study.to_records(),
    }


def _importance(plan: SearchPlan, study: Study) -> list[dict[str, Any]]:
    """Importance is a reading of the search, not part of it: a failure to compute it is
    logged and the study is recorded without it."""
    full = [t for t in study.trials if t.fidelity is None or t.fidelity == plan.full]
    try:
        return [asdict(i) for i in importances(plan.space, full, seed=plan.seed)]
    except (ValueError, RuntimeError) as exc:
        log.warning("Hyperparameter importance not computed: %s", exc)
        return []


def write(
    path: str,
    plan: SearchPlan,
    study: Study,
    schema_path: str | None = None,
    front: Sequence[Trial] = (),
    chosen: Trial | None = None,
) -> None:
    partial = path + ".partial"
    with open(partial, "w") as handle:
        json.dump(as_dict(plan, study, schema_path, front, chosen), handle, indent=1)
    os.replace(partial, path)


def read(path: str) -> dict[str, Any]:
    with open(path) as handle:
        return json.load(handle)
