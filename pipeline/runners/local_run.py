"""Runs the pipeline with TFX's LocalDagRunner and an MLMD sqlite store under the output folder."""

from __future__ import annotations

import os
import time

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import psutil
from ml_metadata.proto import metadata_store_pb2
from tfx.orchestration import metadata
from tfx.orchestration.local.local_dag_runner import LocalDagRunner
from tfx.orchestration.pipeline import Pipeline

from components.tuner import deadline, workers
from pipeline.definition import dataset
from pipeline.definition.config import PipelineConfig
from pipeline.definition.create_pipeline import DataFacts, create_pipeline
from pipeline.definition.layout import Layout, history_dir, serving_dir
from pipeline.report.run_summary import RunSummary, read_run
from search.store_url import export_password

# Beam's in-memory DirectRunner (no arguments) for a small table, a pool of one process per
# core from POOL_FROM_ROWS rows up. bench-scale --runners (bench/results/beam_runners.md,
# 2026-12-07, 2 cores, the bare TFDV + tf.Transform job): the pool takes 1.44x the in-memory
# runner's time at 100k rows, breaks even at 300k, and takes 0.65x at 1M (162 s -> 105 s),
# for 1.5-2 GiB more memory (each worker loads TensorFlow). With no arguments TFX also skips
# building an sdist of itself for remote Beam workers before every Beam component (~2.5 s
# each), one more reason to keep small tables in memory.
POOL_FROM_ROWS = 500_000
POOL_MODE = "--direct_running_mode=multi_processing"
IN_MEMORY_MODE = "--direct_running_mode=in_memory"


def beam_args(config: PipelineConfig, profile: dataset.DatasetProfile) -> list[str]:
    """The user's Beam options if any (beam.args), else the runner for the data's size."""
    return list(config.beam.args) or runner_for(profile.n_rows)


def runner_for(n_rows: int) -> list[str]:
    """In memory (no options) below POOL_FROM_ROWS or on one core, else the pool."""
    return pool_args() if n_rows >= POOL_FROM_ROWS and workers.available_cores() > 1 else []


def example_gen_args(config: PipelineConfig, profile: dataset.DatasetProfile) -> list[str]:
    """ExampleGen in memory where the runner chosen for the size is the pool: one worker
    reads a file (the run's one CSV), so the pool's workers would only add their start (at
    1M rows its executor took 33 s on the pool against 20 s in memory). Options given win."""
    pooled = not config.beam.args and runner_for(profile.n_rows) != []
    return [IN_MEMORY_MODE] if pooled else []


def pool_args() -> list[str]:
    """Beam's multi-processing DirectRunner with one worker per core this process may use."""
    return [POOL_MODE, f"--direct_num_workers={workers.available_cores()}"]


def data_facts(profile: dataset.DatasetProfile) -> DataFacts:
    return DataFacts(
        data_root=str(profile.staged_dir.resolve()),
        label=profile.label,
        task=profile.task,
        n_classes=len(profile.class_counts),
        baseline_accuracy=profile.majority_fraction,
        minority_ratio=profile.minority_ratio,
        baseline_rmse=profile.label_std,
        label_range=profile.label_range,
        span=profile.span,
    )


def metadata_config(layout: Layout) -> metadata_store_pb2.ConnectionConfig:
    return metadata.sqlite_metadata_connection_config(str(layout.metadata))


# What follows the search under a run time budget, besides the Trainer's retrains and refits
# (counted in the search's own trial times): the Trainer's validation of the searched
# candidates, ensemble selection, importance and export with the transform graph, TFMA's
# evaluation, push, summary and report. Measured on 2 cores (bench-automl, 2026-12-03): 51 s
# on digits (1.4k rows; the Trainer 24 s reusing three networks, TFMA 18 s), 45 s on taxi
# (12k rows; 21 s and 15 s), 52 s on letters26 (24k rows, after its retrains); on 80k rows
# (interactions_100k) up to 47 s besides its retrains; TFMA grows with the rows. A reserve of
# 30 s had those runs end 13-21 s past their budget, with no time left to refit a forest.
AFTER_SEARCH_S = 45.0
AFTER_SEARCH_S_PER_ROW = 2e-4
# On Beam's pool (from POOL_FROM_ROWS rows) TFMA takes far less a row: bench-scale
# (2026-12-07/08, 2 cores) measured the Evaluator at 56 s on 1M rows and 335 s on 10M, and the
# 10M run's Trainer, Evaluator and push at 510 s, the retrain of its candidate included
# (reserved apart), where 2e-4 s a row reserved 2,045 s: with ingestion's 790 s, any budget
# under about 47 minutes left the search no time. 5e-5 keeps 545 s at 10M, 95 s at 1M.
AFTER_SEARCH_S_PER_ROW_ON_POOL = 5e-5


def run_deadline(config: PipelineConfig, profile: dataset.DatasetProfile) -> deadline.RunDeadline:
    """The whole run's deadline, counted from this process's start (the imports and the data
    check are part of the run a user waits for)."""
    assert config.time_budget_s is not None
    return deadline.RunDeadline(
        ends_at=psutil.Process().create_time() + config.time_budget_s,
        reserve_s=AFTER_SEARCH_S + after_search_s_per_row(config, profile) * profile.n_rows,
        reserve_trials=float(config.trainer.ensemble_size),
        refit_ratio=refit_ratio(config),
        refit_forests=config.trainer.refit_forests,
        refit_networks=config.trainer.refit_networks,
    )


def on_pool(config: PipelineConfig, profile: dataset.DatasetProfile) -> bool:
    """Whether the run's Beam stages take the pool (chosen for the size or given)."""
    return POOL_MODE in beam_args(config, profile)


def after_search_s_per_row(config: PipelineConfig, profile: dataset.DatasetProfile) -> float:
    """The reserve's share a row: the pool's where the run's Beam stages take it, the
    in-memory runner's otherwise (also for remote runners, unmeasured)."""
    return AFTER_SEARCH_S_PER_ROW_ON_POOL if on_pool(config, profile) else AFTER_SEARCH_S_PER_ROW


def refit_ratio(config: PipelineConfig) -> float:
    """Rows a refit on train+eval trains over the training split's (the hash buckets')."""
    split = config.split
    return (split.train_buckets + split.eval_buckets) / split.train_buckets


def local_pipeline(
    config: PipelineConfig, profile: dataset.DatasetProfile, layout: Layout
) -> Pipeline:
    """The pipeline LocalDagRunner runs, under the output folder's layout."""
    return create_pipeline(
        config,
        data_facts(profile),
        pipeline_root=str(layout.pipeline_root),
        serving_dir=str(serving_dir(config).resolve()),
        history_dir=str(history_dir(config).resolve()),
        metadata_connection_config=metadata_config(layout),
        beam_pipeline_args=beam_args(config, profile),
        example_gen_beam_args=example_gen_args(config, profile),
    )


def run(config: PipelineConfig, profile: dataset.DatasetProfile) -> RunSummary:
    if config.time_budget_s is not None:
        os.environ[deadline.ENV] = run_deadline(config, profile).to_env()
    else:
        os.environ.pop(deadline.ENV, None)
    # The password is taken out of the store URL that the pipeline records; the Tuner and
    # its trials (children of the fork server, started next) find it in the environment.
    export_password(config.tuner.study_store)
    # The trials' fork server imports TensorFlow (about 20 s on 2 cores) while ExampleGen,
    # StatisticsGen and Transform run, instead of after them; but not beside a pool of Beam
    # workers (a large table), where its memory would add to theirs for a gain of seconds
    # against minutes of ingestion: the Tuner starts it when it first needs it.
    if not on_pool(config, profile):
        workers.start_fork_server()
    layout = Layout(config.output.resolve())
    layout.pipeline_root.mkdir(parents=True, exist_ok=True)
    built = local_pipeline(config, profile, layout)
    started_ms = int(time.time() * 1000) - 1000
    LocalDagRunner().run(built)
    summary = read_run(metadata_config(layout), config.pipeline_name, started_ms)
    if summary is None:
        raise RuntimeError("the run finished but left no record in the metadata store")
    return summary
