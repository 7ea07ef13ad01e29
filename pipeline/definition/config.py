"""The one validated configuration object the whole pipeline is built from.

Every knob is reached from here (not from flags spread across components) so that the local
runner, the KFP compiler and the tests all build the same pipeline from the same object. A
YAML file and CLI flags are just two ways of filling it in. Each component owns its section's
model (components/*/settings.py), which this composes; the sections that are the pipeline's
own (split, evaluator, retrain, retention, beam) live here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from components.data_gate.settings import GateFile, GatesConfig, GateThreshold
from components.guardrails.settings import GuardrailKind, GuardrailsConfig
from components.common.settings import ConfigError, StrictSettings, one_line
from components.trainer.settings import TrainerConfig
from components.tuner.settings import (
    DEFAULT_ESTIMATOR, DEFAULT_FULL_TRIALS, DEFAULT_SEARCH_SECONDS, DEFAULT_STRATEGY,
    EstimationConfig, TunerConfig, parse_duration,
)  # fmt: skip

__all__ = [
    "DEFAULT_ESTIMATOR", "DEFAULT_FULL_TRIALS", "DEFAULT_SEARCH_SECONDS", "DEFAULT_STRATEGY",
    "BeamConfig", "ConfigError", "EstimationConfig", "EvaluatorConfig", "GateFile",
    "GateThreshold", "GatesConfig", "GuardrailKind", "GuardrailsConfig", "PipelineConfig",
    "RetentionConfig", "RetrainConfig", "SplitConfig", "StrictSettings", "TrainerConfig",
    "TunerConfig", "build_config", "parse_duration",
]  # fmt: skip

Task = Literal["classification", "regression"]


class SplitConfig(StrictSettings):
    """Hash-bucket split of the CSV into train, eval and test, as CsvExampleGen does it.

    Trials are trained on train and ranked on eval, and the Trainer chooses its ensemble on
    eval too; test is seen by nothing but the Evaluator, so the metrics it reports and blesses
    on carry no selection's optimism. 70/15/15 by default: on a small table (penguins) each
    of eval and test keeps about 50 rows."""

    train_buckets: int = Field(14, ge=1, le=100)
    eval_buckets: int = Field(3, ge=1, le=100)
    test_buckets: int = Field(3, ge=1, le=100)


class EvaluatorConfig(StrictSettings):
    """Blessing rules.

    Thresholds left unset default to "beat the naive baseline" (the majority class for
    classification, predicting the mean for regression), computed from the data itself, so a
    new CSV needs no hand-picked number.
    """

    min_accuracy: float | None = Field(None, ge=0.0, le=1.0)
    max_rmse: float | None = Field(None, gt=0.0)
    # How much worse than the latest blessed model a candidate may be and still be blessed.
    max_regression: float = Field(0.0, ge=0.0)
    # Raw features to slice the evaluation by (metrics per value, e.g. per island), and
    # whether the thresholds must also hold in every slice, not only overall.
    slices: tuple[str, ...] = ()
    thresholds_per_slice: bool = False


class RetrainConfig(StrictSettings):
    """What `automl retrain` changes: a warm-started search with a fraction of the budget."""

    compute_fraction: float = Field(0.5, gt=0.0, le=1.0)


class RetentionConfig(StrictSettings):
    """What a finished run keeps (pipeline.runners.retention): storage stays flat however many
    nightly runs there are, at about keep_runs runs' artifacts plus keep_versions models."""

    keep_versions: int = Field(30, ge=1, le=100_000)  # served versions (a month to roll back to)
    keep_runs: int = Field(7, ge=1, le=100_000)  # runs' artifacts, logs, staged spans, snapshots


class BeamConfig(StrictSettings):
    """Beam pipeline options for every Beam component (ExampleGen, StatisticsGen, Transform,
    the Evaluator, the data gate), locally and in the compiled KFP pipeline, passed as they
    are: e.g. ``["--runner=FlinkRunner", "--flink_master=host:8081"]``, or Dataflow's
    ``--runner=DataflowRunner --project=... --region=... --temp_location=gs://...``. None:
    locally, Beam's in-memory DirectRunner for a small table and a pool of one process per
    core for a large one (pipeline/runners/local_run.py's beam_args says where and why);
    in the compiled pipeline, the in-memory runner in each task's pod."""

    args: tuple[str, ...] = ()

    @field_validator("args")
    @classmethod
    def _options(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arg in value:
            if not arg.startswith("--") or len(arg) < 3 or any(c.isspace() for c in arg[:3]):
                raise ValueError(f"'{arg}' is not a Beam option (--name=value)")
        return value


class PipelineConfig(StrictSettings):
    """Everything needed to build and run the pipeline once."""

    data: Path | None = None  # a CSV, or a folder of span-N folders; None: the embedded penguins
    span: int | None = Field(None, ge=0)  # with a span folder: which span (None: the newest)
    label: str | None = None  # None only with the embedded dataset (label: species)
    task: Task | None = None  # None: inferred from the label column
    output: Path = Path("automl-output")
    dataset_name: str | None = None  # None: derived from the CSV file name
    exclude_features: tuple[str, ...] = ()
    categorical_features: tuple[str, ...] = ()  # integer columns to treat as categories
    schema_dir: Path | None = None  # None: the repository's schemas/ folder
    enable_cache: bool = True
    split: SplitConfig = SplitConfig()
    # Wall time of the whole run (`automl run --time-budget`): the search gets what the rest
    # of the pipeline will not need (pipeline.run_budget). tuner.time_budget_s bounds only
    # the search.
    time_budget_s: float | None = Field(None, gt=0)
    # Past this wall time a run or retrain exits (pipeline.runners.run_limit) and frees its output
    # folder: nothing may hold an unattended retrain forever. At least time_budget_s.
    run_time_limit_s: float = Field(12 * 3600.0, gt=0)
    tuner: TunerConfig = TunerConfig()
    trainer: TrainerConfig = TrainerConfig()
    evaluator: EvaluatorConfig = EvaluatorConfig()
    gates: GatesConfig = GatesConfig()
    guardrails: GuardrailsConfig = GuardrailsConfig()
    retrain: RetrainConfig = RetrainConfig()
    retention: RetentionConfig = RetentionConfig()
    beam: BeamConfig = BeamConfig()

    @field_validator("time_budget_s", "run_time_limit_s", mode="before")
    @classmethod
    def _run_duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _run_budget_replaces_the_default_compute(cls, values: Any) -> Any:
        """A run given only a time budget searches until the time is up, not for the default
        compute: the budget is handed to the search as its upper bound."""
        if not isinstance(values, dict) or values.get("time_budget_s") is None:
            return values
        tuner = values.get("tuner") or {}
        if isinstance(tuner, dict) and all(
            tuner.get(k) is None for k in ("max_trials", "time_budget_s", "max_total_epochs")
        ):
            budget = values["time_budget_s"]
            seconds = parse_duration(budget) if isinstance(budget, str) else budget
            values = {**values, "tuner": {**tuner, "time_budget_s": seconds}}
        return values

    @field_validator("dataset_name")
    @classmethod
    def _dataset_name_is_a_folder_name(cls, value: str | None) -> str | None:
        if value is not None and (not value or not all(c.isalnum() or c in "-_" for c in value)):
            raise ValueError("must contain only letters, digits, '-' and '_'")
        return value

    @model_validator(mode="after")
    def _label_needed_for_own_data(self) -> PipelineConfig:
        if self.data is not None and not self.label:
            raise ValueError("--label is required when --data is given")
        if self.label and self.label in self.exclude_features:
            raise ValueError(f"the label '{self.label}' cannot also be excluded")
        if self.time_budget_s is not None and self.run_time_limit_s < self.time_budget_s:
            raise ValueError(
                f"run_time_limit_s ({self.run_time_limit_s:g} s) is below the time budget "
                f"({self.time_budget_s:g} s): every run would be stopped before its end"
            )
        return self

    def for_retrain(self, budget_given: bool) -> PipelineConfig:
        """The retrain defaults: a warm-started search with ``retrain.compute_fraction`` of
        the compute budget and of the search's time (unless the caller gave a budget)."""
        updates: dict[str, Any] = {"warm_start": True}
        fraction = self.retrain.compute_fraction
        if not budget_given and self.tuner.max_total_epochs is not None:
            updates["max_total_epochs"] = self.tuner.max_total_epochs * fraction
        if not budget_given and self.tuner.time_budget_s is not None:
            updates["time_budget_s"] = self.tuner.time_budget_s * fraction
        return self.model_copy(update={"tuner": self.tuner.model_copy(update=updates)})

    @property
    def pipeline_name(self) -> str:
        return f"automl-{self.resolved_dataset_name}"

    @property
    def resolved_dataset_name(self) -> str:
        if self.dataset_name:
            return self.dataset_name
        if self.data is None:
            return "penguins"
        stem = self.data.stem if self.data.suffix else self.data.name
        cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem).strip("-")
        return cleaned or "dataset"

    @property
    def resolved_schema_dir(self) -> Path:
        if self.schema_dir is not None:
            return self.schema_dir
        return Path(__file__).resolve().parents[2] / "schemas"

    def gate_thresholds(self) -> dict[str, dict[str, Any]]:
        """The data gates' thresholds: per feature from gates.yaml beside the curated schema
        (if committed), else this config's defaults. ConfigError for a bad file."""
        path = self.resolved_schema_dir / self.resolved_dataset_name / "gates.yaml"
        committed = GateFile()
        if path.is_file():
            try:
                committed = GateFile.model_validate(yaml.safe_load(path.read_text()) or {})
            except (yaml.YAMLError, ValidationError) as exc:
                detail = one_line(exc) if isinstance(exc, ValidationError) else str(exc)
                raise ConfigError(f"{path}: {detail}".splitlines()[0]) from exc
        defaults = {"drift": self.gates.drift_threshold, "skew": self.gates.skew_threshold}
        return {
            kind: {
                "default": getattr(committed, kind).default or defaults[kind],
                "features": dict(getattr(committed, kind).features),
            }
            for kind in defaults
        }

    def curated_schema_path(self) -> Path | None:
        """The curated schema for this dataset, if someone has committed one."""
        path = self.resolved_schema_dir / self.resolved_dataset_name / "schema.pbtxt"
        return path if path.is_file() else None


def build_config(file: Path | None = None, **overrides: object) -> PipelineConfig:
    """Merges a YAML file (if any) with explicit overrides (CLI flags win) and validates.

    Overrides of nested settings use dotted keys: ``build_config(f, **{"tuner.max_trials": 2})``.
    """
    values: dict[str, object] = {}
    if file is not None:
        try:
            loaded = yaml.safe_load(file.read_text())
        except OSError as exc:
            raise ConfigError(f"cannot read config file {file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"config file {file} is not UTF-8 text (byte {exc.start}: {exc.reason})"
            ) from exc
        except yaml.YAMLError as exc:
            raise ConfigError(
                f"config file {file} is not valid YAML: {exc}".splitlines()[0]
            ) from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {file} must hold a mapping of settings")
        values.update(loaded)
    for key, value in overrides.items():
        if value is None:
            continue
        *parents, leaf = key.split(".")
        target = values
        for parent in parents:
            target = target.setdefault(parent, {})
            if not isinstance(target, dict):
                raise ConfigError(f"invalid configuration: {parent} must be a mapping")
        target[leaf] = value
    try:
        return PipelineConfig.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(one_line(exc)) from exc
