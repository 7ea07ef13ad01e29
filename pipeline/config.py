"""The one validated configuration object the whole pipeline is built from.

Every knob lives here (not in flags spread across components) so that the local runner, the
KFP compiler and the tests all build the same pipeline from the same object. A YAML file and
CLI flags are just two ways of filling it in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

Task = Literal["classification", "regression"]


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line, fit for a terminal."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SplitConfig(_Strict):
    """Hash-bucket split of the CSV into train and eval, as CsvExampleGen does it."""

    train_buckets: int = Field(8, ge=1, le=100)
    eval_buckets: int = Field(2, ge=1, le=100)


class TunerConfig(_Strict):
    """Search budget for the (for now) KerasTuner random search over a small MLP space."""

    max_trials: int = Field(4, ge=1, le=1000)
    epochs_per_trial: int = Field(5, ge=1, le=1000)
    seed: int = 42


class TrainerConfig(_Strict):
    """Final training of the best hyperparameters on the full training split."""

    max_epochs: int = Field(30, ge=1, le=10_000)
    early_stopping_patience: int = Field(4, ge=1, le=1000)


class EvaluatorConfig(_Strict):
    """Blessing rules.

    Thresholds left unset default to "beat the naive baseline" (the majority class for
    classification, predicting the mean for regression), computed from the data itself, so a
    new CSV needs no hand-picked number.
    """

    min_accuracy: float | None = Field(None, ge=0.0, le=1.0)
    max_rmse: float | None = Field(None, gt=0.0)
    # How much worse than the latest blessed model a candidate may be and still be blessed.
    max_regression: float = Field(0.0, ge=0.0)


class PipelineConfig(_Strict):
    """Everything needed to build and run the pipeline once."""

    data: Path | None = None  # None: the embedded palmerpenguins dataset
    label: str | None = None  # None only with the embedded dataset (label: species)
    task: Task | None = None  # None: inferred from the label column
    output: Path = Path("automl-output")
    dataset_name: str | None = None  # None: derived from the CSV file name
    exclude_features: tuple[str, ...] = ()
    categorical_features: tuple[str, ...] = ()  # integer columns to treat as categories
    schema_dir: Path | None = None  # None: the repository's schemas/ folder
    enable_cache: bool = True
    split: SplitConfig = SplitConfig()
    tuner: TunerConfig = TunerConfig()
    trainer: TrainerConfig = TrainerConfig()
    evaluator: EvaluatorConfig = EvaluatorConfig()

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
        return self

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
        return Path(__file__).resolve().parent.parent / "schemas"

    def curated_schema_path(self) -> Path | None:
        """The curated schema for this dataset, if someone has committed one."""
        path = self.resolved_schema_dir / self.resolved_dataset_name / "schema.pbtxt"
        return path if path.is_file() else None


def _one_line(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "config"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "invalid configuration: " + "; ".join(parts)


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
        raise ConfigError(_one_line(exc)) from exc
