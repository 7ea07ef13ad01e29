"""The one validated configuration object the whole pipeline is built from.

Every knob lives here (not in flags spread across components) so that the local runner, the
KFP compiler and the tests all build the same pipeline from the same object. A YAML file and
CLI flags are just two ways of filling it in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    BeforeValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

Task = Literal["classification", "regression"]
# A data gate threshold: a distance in (0, 1], or "auto": from the compared samples' sizes
# (components.data_gate.checks.auto_threshold).
def _gate_threshold(value: Any) -> Any:
    if value is None or value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value <= 1.0:
        raise ValueError(f"a threshold is a distance in (0, 1] or 'auto', not {value!r}")
    return float(value)


GateThreshold = Annotated[float | str, BeforeValidator(_gate_threshold)]


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line, fit for a terminal."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_flag_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """YAML's ``true`` where a number is meant is a slip, not 1 (pydantic's lax mode)."""
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if annotation is not bool and bool not in get_args(annotation):
                shown = str(value).lower()
                raise ValueError(f"a yes/no ({shown}) where a number or a name is meant")
        return value


class SplitConfig(_Strict):
    """Hash-bucket split of the CSV into train, eval and test, as CsvExampleGen does it.

    Trials are trained on train and ranked on eval, and the Trainer chooses its ensemble on
    eval too; test is seen by nothing but the Evaluator, so the metrics it reports and blesses
    on carry no selection's optimism. 70/15/15 by default: on a small table (penguins) each
    of eval and test keeps about 50 rows."""

    train_buckets: int = Field(14, ge=1, le=100)
    eval_buckets: int = Field(3, ge=1, le=100)
    test_buckets: int = Field(3, ge=1, le=100)


DEFAULT_FULL_TRIALS = 4  # no budget given: the compute of this many full-fidelity trials
# ... or this many seconds of search, whichever ends first: compute scales with the rows, so
# penguins stops on compute (about a minute, the whole run under 1.5 min) and a 100k-row
# table on time, keeping the whole run near 10 minutes (docs/search.md).
DEFAULT_SEARCH_SECONDS = 480.0
# The default (strategy, estimator) pair, chosen by bench/estimators.py (docs/benchmarks.md)
DEFAULT_STRATEGY = "evolution"
DEFAULT_ESTIMATOR = "successive_halving+inherit"


class EstimationConfig(_Strict):
    """The knobs of the performance estimators (``tuner.estimator``)."""

    # Schedulers keep the best 1/eta of each rung, over `levels` rungs (the lowest costs
    # eta**-(levels-1) of a full trial). Left out: the scheduler's own, chosen by the benchmark
    # (successive_halving: eta 9, 2 levels; hyperband and asha: eta 3, 3 levels).
    eta: int | None = Field(None, ge=2, le=10)
    levels: int | None = Field(None, ge=1, le=6)
    low_epochs: float = Field(1 / 3, gt=0.0, le=1.0)  # "low": fraction of epochs_per_trial
    low_rows: float = Field(1 / 3, gt=0.0, le=1.0)  # "low": fraction of the training rows
    low_width: float = Field(1.0, gt=0.0, le=1.0)  # "low": multiplier on layer widths
    curve_threshold: float = Field(0.05, gt=0.0, lt=1.0)  # stop when P(beat best) < this
    curve_min_epochs: int = Field(3, ge=2, le=1000)
    inherit_fraction: float = Field(0.5, gt=0.0, le=1.0)  # epochs a morphed child trains


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|m|h)?\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """Seconds in "600", "90s", "10m" or "1.5h" (ValueError otherwise)."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a duration (e.g. 600, 90s, 10m, 1.5h)")
    return float(match.group(1)) * _SECONDS[match.group(2) or "s"]


class TunerConfig(_Strict):
    """The search: which space, which strategy, which objectives, how much budget.

    The budget is whichever of max_trials, time_budget_s and max_total_epochs (compute)
    ends first.
    ``objectives[0]`` is the validation metric the strategy optimises; all of them form the
    Pareto front, and ``selection`` (with ``constraints``, upper bounds on metrics to minimise
    and lower bounds on metrics to maximise) picks the model the Trainer trains.
    """

    strategy: str = DEFAULT_STRATEGY
    # How trials are measured: full, low, successive_halving, hyperband or asha, with
    # optional +curve (learning-curve stopping) and +inherit (weight inheritance).
    estimator: str = DEFAULT_ESTIMATOR
    estimation: EstimationConfig = EstimationConfig()
    space: str = "families"  # model families first (networks, boosted trees, forests)
    # Narrowing of the space, by parameter: a value, a list of values, or {low, high}.
    space_overrides: dict[str, Any] = {}
    max_trials: int | None = Field(None, ge=1, le=100_000)
    time_budget_s: float | None = Field(None, gt=0)
    # Compute, in full-data epochs (epochs x fraction of rows, summed over trials); when no
    # budget is given, that of four full trials.
    max_total_epochs: float | None = Field(None, gt=0)
    epochs_per_trial: int = Field(5, ge=1, le=1000)  # a full-fidelity trial's epochs
    objectives: tuple[str, ...] = ("val_loss", "latency_ms", "params")
    constraints: dict[str, float] = {}
    selection: Literal["best", "fastest", "smallest"] = "best"
    tolerance: float = Field(0.02, ge=0.0, le=1.0)  # for fastest/smallest: relative to best
    seed: int = Field(42, ge=0, le=2**32 - 1)  # numpy's seeds
    # Trials at a time, each in its own process, sharing the study store; None: as many as
    # the cores and memory allow where the Tuner runs (components.tuner.workers).
    parallel_trials: int | None = Field(None, ge=1, le=64)
    # Compiled pipeline only: worker pods that run trials of the Tuner's study beside it,
    # each with parallel_trials slots (locally, parallel_trials is the knob). They find the
    # study through the store, so it must be one they all reach (the volume, or a server).
    worker_pods: int = Field(0, ge=0, le=32)
    worker_wait_s: float = Field(600.0, gt=0)  # how long a worker waits for the study to open
    # SQLAlchemy URL of the study store; default: a SQLite file under the pipeline root.
    # Workers on several machines need a database server (postgresql://...).
    # Its password is never stored or shown with it: give it in the environment
    # (AUTOML_STUDY_STORE_PASSWORD, or libpq's PGPASSWORD / ~/.pgpass); a password written in
    # the URL is taken out before anything records the URL (search.store_url).
    study_store: str | None = None
    # Compiled pipeline only: the Kubernetes Secret (key "password") every task pod reads
    # AUTOML_STUDY_STORE_PASSWORD from; a compiled pipeline never carries the password.
    study_store_secret: str | None = Field(None, pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    # Weight-inheritance snapshots (+inherit): default beside a SQLite store; with a server
    # store, a folder every worker shares (compiled pipelines: on the volume).
    snapshot_dir: str | None = None
    resume: bool = True  # continue an unfinished study of the same inputs (after a crash)
    trial_attempts: int = Field(3, ge=1, le=20)  # a trial whose worker dies is retried
    heartbeat_timeout_s: float = Field(60.0, gt=0)  # a silent remote worker is dead after it
    # A trial running longer is stopped and recorded as failed: a hung trial must not hold an
    # unattended retrain (and its output folder's lock) forever.
    trial_time_limit_s: float = Field(3600.0, gt=0)
    # A search on new data starts from the last finished study in the store over the same
    # space: its best warm_start_trials points first, the strategy modelling all its results.
    warm_start: bool = True
    warm_start_trials: int = Field(3, ge=0, le=100)

    def refuse_password_in_url(self) -> None:
        """ConfigError for a store URL with a password where the pipeline is compiled: KFP
        shows a pipeline's parameters in its UI, so the pods read it from a Secret instead."""
        from search.store_url import masked, without_password

        if self.study_store and without_password(self.study_store)[1] is not None:
            raise ConfigError(
                f"tuner.study_store {masked(self.study_store)} carries a password, which a "
                "compiled pipeline would show in the KFP UI: put it in a Kubernetes Secret "
                "(key 'password') and name the Secret in tuner.study_store_secret"
            )

    @field_validator("study_store")
    @classmethod
    def _known_store(cls, value: str | None) -> str | None:
        if value is not None:
            from search.store_url import check_driver

            check_driver(value)  # StoreUrlError (a ValueError): not a URL, or no driver
        return value

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        from search.strategies import strategy_by_name

        strategy_by_name(value)  # ValueError with the list of strategies
        return value

    @field_validator("estimator")
    @classmethod
    def _known_estimator(cls, value: str) -> str:
        from search.estimator import parse_estimator_name

        parse_estimator_name(value)  # ValueError naming the parts that exist
        return value

    @field_validator("time_budget_s", "trial_time_limit_s", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("space")
    @classmethod
    def _known_space(cls, value: str) -> str:
        from components.spaces import SPACE_NAMES

        if value not in SPACE_NAMES:
            raise ValueError(f"unknown space '{value}' (choose from: {', '.join(SPACE_NAMES)})")
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_budget(cls, values: Any) -> Any:
        """The compute of four full trials or eight minutes of search, whichever ends first,
        unless a budget is given: a time budget alone means 'search until then'."""
        budgets = ("max_trials", "time_budget_s", "max_total_epochs")
        if isinstance(values, dict) and all(values.get(k) is None for k in budgets):
            epochs = values.get("epochs_per_trial", 5)
            if isinstance(epochs, int):
                return {
                    **values,
                    "max_total_epochs": DEFAULT_FULL_TRIALS * epochs,
                    "time_budget_s": DEFAULT_SEARCH_SECONDS,
                }
        return values


class TrainerConfig(_Strict):
    """Final training of the selected hyperparameters on the training split."""

    epochs: int | None = Field(None, ge=1, le=10_000)  # None: the tuned number of epochs
    early_stopping_patience: int = Field(4, ge=1, le=1000)
    # The selected trial and up to this many minus one runners-up are retrained; their
    # average or greedy ensemble is served when it beats the best alone on the eval split
    # (selection "best" only). 1: the selected model alone.
    ensemble_size: int = Field(3, ge=1, le=10)
    # Once the choices made on eval are done, the served forests grown in full are grown once
    # more on train+eval, and the served networks trained from scratch on train+eval for
    # their epochs to the best on eval (components/trainer/refit.py), as time allows.
    refit_forests: bool = True
    refit_networks: bool = True


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
    # Raw features to slice the evaluation by (metrics per value, e.g. per island), and
    # whether the thresholds must also hold in every slice, not only overall.
    slices: tuple[str, ...] = ()
    thresholds_per_slice: bool = False


class GatesConfig(_Strict):
    """The data gates before Transform (components.data_gate): the schema check, drift
    against the previous span and skew of the eval split against the train split. Their
    per-feature thresholds live beside the curated schema (schemas/<dataset>/gates.yaml);
    these are the defaults for features it does not name."""

    drift_threshold: GateThreshold = "auto"  # L-infinity / Kolmogorov-Smirnov
    # Skew is checked only for features gates.yaml names, unless a default is set here or
    # there ("auto" passes every same-population re-split of bench/gate_calibration.py).
    skew_threshold: GateThreshold | None = None
    # Let data that fails a gate through, deliberately: the gate records what it accepted
    # and the span becomes the baseline the next one is compared with.
    accept_changes: bool = False


GuardrailKind = Literal["constant", "id_like", "leakage"]


class GuardrailsConfig(_Strict):
    """Data guardrails (components.guardrails), between the data gate and Transform: each
    finding is reported with what was done and the setting below that undoes it."""

    enabled: bool = True
    # Balance an imbalanced label: classes weighted inversely to their frequency in training.
    class_weights: bool = True
    # Findings whose column is left out of training, and columns never left out.
    exclude_kinds: tuple[GuardrailKind, ...] = ("constant", "id_like", "leakage")
    keep_features: tuple[str, ...] = ()
    leakage: bool = True  # try each column alone against the label, on a sample of rows


class _GateSection(_Strict):
    default: GateThreshold | None = None
    features: dict[str, float] = {}

    @field_validator("features")
    @classmethod
    def _in_range(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [f"{k}={v}" for k, v in value.items() if not 0.0 < v <= 1.0]
        if bad:
            raise ValueError(f"thresholds must be in (0, 1]: {', '.join(bad)}")
        return value


class _GateFile(_Strict):
    """schemas/<dataset>/gates.yaml: per-feature thresholds (docs/retrains.md)."""

    drift: _GateSection = _GateSection()
    skew: _GateSection = _GateSection()


class RetrainConfig(_Strict):
    """What `automl retrain` changes: a warm-started search with a fraction of the budget."""

    compute_fraction: float = Field(0.5, gt=0.0, le=1.0)


class RetentionConfig(_Strict):
    """What a finished run keeps (pipeline.retention): storage stays flat however many
    nightly runs there are, at about keep_runs runs' artifacts plus keep_versions models."""

    keep_versions: int = Field(30, ge=1, le=100_000)  # served versions (a month to roll back to)
    keep_runs: int = Field(7, ge=1, le=100_000)  # runs' artifacts, logs, staged spans, snapshots


class BeamConfig(_Strict):
    """Beam pipeline options for every Beam component (ExampleGen, StatisticsGen, Transform,
    the Evaluator, the data gate), locally and in the compiled KFP pipeline, passed as they
    are: e.g. ``["--runner=FlinkRunner", "--flink_master=host:8081"]``, or Dataflow's
    ``--runner=DataflowRunner --project=... --region=... --temp_location=gs://...``. None:
    Beam's in-memory DirectRunner, the fastest on one machine for small data (pipeline/
    local_run.py's BEAM_ARGS says why)."""

    args: tuple[str, ...] = ()

    @field_validator("args")
    @classmethod
    def _options(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arg in value:
            if not arg.startswith("--") or len(arg) < 3 or any(c.isspace() for c in arg[:3]):
                raise ValueError(f"'{arg}' is not a Beam option (--name=value)")
        return value


class PipelineConfig(_Strict):
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
    # Past this wall time a run or retrain exits (pipeline.run_limit) and frees its output
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
        return Path(__file__).resolve().parent.parent / "schemas"

    def gate_thresholds(self) -> dict[str, dict[str, Any]]:
        """The data gates' thresholds: per feature from gates.yaml beside the curated schema
        (if committed), else this config's defaults. ConfigError for a bad file."""
        path = self.resolved_schema_dir / self.resolved_dataset_name / "gates.yaml"
        committed = _GateFile()
        if path.is_file():
            try:
                committed = _GateFile.model_validate(yaml.safe_load(path.read_text()) or {})
            except (yaml.YAMLError, ValidationError) as exc:
                detail = _one_line(exc) if isinstance(exc, ValidationError) else str(exc)
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
        raise ConfigError(_one_line(exc)) from exc
