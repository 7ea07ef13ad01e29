"""What a Tuner worker needs to run trials of a stored study, as plain JSON.

The executor, a local trial process and a worker pod on Kubernetes all rebuild the same plan,
data and trial runner from this one description (the input artifacts serialised the way TFX
serialises them between its own processes), so a worker joins a study knowing only the store.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tensorflow_transform as tft
from tfx import types
from tfx.components.trainer import fn_args_utils
from tfx.types import artifact_utils, standard_component_specs

from modeling import features
from components.guardrails.executor import read_report
from modeling.model import build, data
from modeling.spaces import FeatureSet, portfolio, trees
from components.tuner.plan import SearchPlan
from components.tuner.settings import TunerConfig
from components.tuner.trials import TrialRunner
from search.space import SearchSpace
from search.study import Study
from search.trial import Trial

# Settings a resumed study may change: how much to search, where, and how to pick. Every other
# setting shapes the proposals, so a study resumed with another value would be a mix of two.
RESUMABLE = frozenset(
    {
        "max_trials",
        "time_budget_s",
        "max_total_epochs",
        "parallel_trials",
        "worker_pods",
        "worker_wait_s",
        "study_store",
        "study_store_secret",
        "snapshot_dir",
        "resume",
        "trial_attempts",
        "heartbeat_timeout_s",
        "trial_time_limit_s",
        "warm_start",  # which study it starts from is recorded as warm_start_from instead
        "warm_start_trials",
        "selection",
        "tolerance",
        "constraints",
    }
)


def family_openers(space: SearchSpace, prior: Sequence[Trial]) -> list[dict[str, Any]]:
    """The families space opens with one middle-of-the-ranges point per family, then the
    portfolio's known-good points (modeling.spaces.portfolio), but for the families
    an earlier study (warm start) already measured: whatever the budget, and however fast
    the strategy concentrates, every family is compared."""
    if trees.FAMILY not in {p.name for p in space}:
        return []
    measured = {t.params.get(trees.FAMILY) for t in prior}
    middles = {p[trees.FAMILY]: p for p in space.branch_midpoints(trees.FAMILY)}
    known_good = [
        {**middles[p[trees.FAMILY]], **p}
        for p in portfolio.PORTFOLIO
        if p[trees.FAMILY] in middles
    ]
    points = [*middles.values(), *(p for p in known_good if space.check(p) is None)]
    return [p for p in points if p[trees.FAMILY] not in measured]


@dataclass(frozen=True)
class TunerJob:
    inputs: dict[str, list[types.Artifact]]
    settings: dict[str, Any]
    task: str
    weights_root: str | None = None  # shared snapshots for weight inheritance, per study

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": artifact_utils.jsonify_artifact_dict(self.inputs),
            "settings": self.settings,
            "task": self.task,
            "weights_root": self.weights_root,
        }

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> TunerJob:
        return cls(
            artifact_utils.parse_artifact_dict(values["inputs"]),
            values["settings"],
            values["task"],
            values.get("weights_root"),
        )

    @property
    def study_key(self) -> str:
        """The inputs searched: a rerun on cached upstream artifacts finds its study again."""
        uris = sorted(a.uri for artifacts in self.inputs.values() for a in artifacts)
        return hashlib.sha256(json.dumps(uris).encode()).hexdigest()[:32]

    @property
    def problem(self) -> str:
        """What the search is for: the task and the CSV columns the model reads, numeric or
        categorical (not their vocabularies, which a new span may grow, nor which columns
        got a missing-value indicator, which depends on the rows a split drew). A warm start
        needs an earlier study of the same problem on other data, not merely one over the
        same space."""
        info = self.inputs_info
        numeric = sorted({features.raw_name(name) for name in info.numeric})
        categorical = sorted({features.raw_name(name) for name in info.categorical})
        described = [self.task, numeric, categorical]
        return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:16]

    @property
    def searched(self) -> dict[str, Any]:
        return {k: v for k, v in self.settings.items() if k not in RESUMABLE}

    @functools.cached_property
    def fn_args(self) -> Any:
        return fn_args_utils.get_common_fn_args(
            self.inputs,
            {
                standard_component_specs.TRAIN_ARGS_KEY: "{}",
                standard_component_specs.EVAL_ARGS_KEY: "{}",
            },
        )

    @functools.cached_property
    def transform_output(self) -> tft.TFTransformOutput:
        return tft.TFTransformOutput(self.fn_args.transform_graph_path)

    @functools.cached_property
    def inputs_info(self) -> FeatureSet:
        return build.feature_set(self.transform_output)

    @functools.cached_property
    def class_weighting(self) -> str | None:
        """The guardrails' class weighting ("balanced" for an imbalanced label), if any."""
        reports = self.inputs.get("guardrails") or []
        return read_report(reports[0]).get("class_weighting") if reports else None

    @functools.cached_property
    def plan(self) -> SearchPlan:
        return SearchPlan.from_settings(self.settings, self.task, self.inputs_info)

    def study(self, prior: Sequence[Trial] = ()) -> Study:
        plan = self.plan
        return Study(
            plan.space,
            plan.strategy(),
            seed=plan.seed,
            estimator=plan.estimator(),
            prior=prior,
            replay=int(self.settings.get("warm_start_trials", 3)),
            openers=family_openers(plan.space, prior),
        )

    def weights_dir(self, study_id: int) -> str | None:
        if self.weights_root is None or not self.plan.estimator().inherit:
            return None
        path = os.path.join(self.weights_root, f"study-{study_id}")
        os.makedirs(path, exist_ok=True)
        return path

    def decode_data(self) -> None:
        """Decodes both splits into the machine's cache of columns (modeling.model.data)
        before any trial starts, so the trial processes map them instead of each decoding."""
        for files in (self.fn_args.train_files, self.fn_args.eval_files):
            data.cached(files, self.fn_args.data_accessor, self.transform_output, self.max_bytes)

    @property
    def max_bytes(self) -> int:
        """What each split may hold in a trial's memory (TunerSettings.search_data_mb)."""
        default = TunerConfig.model_fields["search_data_mb"].default  # a record from before it
        return int(float(self.settings.get("search_data_mb", default)) * 2**20)

    def runner(self, history: Sequence[Trial], study_id: int) -> TrialRunner:
        """The objective, reading the data (once per process that calls it)."""
        estimator = self.plan.estimator()
        return TrialRunner(
            self.plan.space_name,
            data.Splits.load(
                self.fn_args,
                self.transform_output,
                self.task,
                self.class_weighting,
                self.max_bytes,
            ),
            self.inputs_info,
            self.task,
            self.plan.primary,
            curve_stopping=estimator.curve_stopping,
            weights_dir=self.weights_dir(study_id),
            history=history,
            final_rung=estimator.scheduler.top,
            measures=self.plan.measures,
        )
