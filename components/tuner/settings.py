"""The Tuner's settings (the config's ``tuner`` section): the search's space, strategy,
estimator, objectives, budgets, parallelism and study store, validated where the config is
read and again by the executors that receive them."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from components.common.settings import ConfigError, StrictSettings

DEFAULT_FULL_TRIALS = 4  # no budget given: the compute of this many full-fidelity trials
# ... or this many seconds of search, whichever ends first: compute scales with the rows, so
# penguins stops on compute (about a minute, the whole run under 1.5 min) and a 100k-row
# table on time, keeping the whole run near 10 minutes (docs/search.md).
DEFAULT_SEARCH_SECONDS = 480.0
# The default (strategy, estimator) pair, chosen by bench/estimators.py (docs/benchmarks.md)
DEFAULT_STRATEGY = "evolution"
DEFAULT_ESTIMATOR = "successive_halving+inherit"


class EstimationConfig(StrictSettings):
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


class TunerConfig(StrictSettings):
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
    # The most each split's decoded rows may hold in the search's memory, in MiB: a larger
    # split is searched on a fixed random sample of that size (modeling.model.data.Sample),
    # so a worker's memory stays flat in the rows; the Trainer trains the chosen model on all.
    search_data_mb: float = Field(512.0, gt=0)
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
        from modeling.spaces import SPACE_NAMES

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
