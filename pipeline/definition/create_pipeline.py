"""The pipeline, defined once. Both the local runner and the KFP compiler call ``create_pipeline``.

User code is referenced by dotted path inside our package (not as module files that TFX would
re-package into a wheel every run), so the same container image serves every component and the
cache is not invalidated by a rebuilt user module.
"""

from __future__ import annotations

import os

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tensorflow_data_validation as tfdv
from tfx.components.example_validator.component import ExampleValidator
from tfx.components.schema_gen.component import SchemaGen
from tfx.components.schema_gen.import_schema_gen.component import ImportSchemaGen
from tfx.components.statistics_gen.component import StatisticsGen
from tfx.components.trainer.component import Trainer
from tfx.components.transform.component import Transform
from tfx.dsl.components.base.base_node import BaseNode
from tfx.dsl.components.common.resolver import Resolver
from tfx.orchestration import data_types
from tfx.orchestration.pipeline import Pipeline
from tfx.proto import example_gen_pb2, range_config_pb2, trainer_pb2, transform_pb2
from tfx.types import standard_artifacts
from tfx.types.channel import Channel

from components.baseline import strategy as baseline
from components.baseline.pushed import BaselineTolerantEvaluator, LatestPushedModel
from components.baseline.strategy import LatestBlessedBaselineStrategy
from components.data_check.component import DataCheck
from components.data_gate.component import DataGate
from components.example_gen.component import CsvExampleGen
from components.guardrails.checks import IMBALANCE_RATIO
from components.guardrails.component import Guardrails
from components.pusher.component import SafePusher
from components.tuner.component import AutoMLTuner, AutoMLTunerWorker
from pipeline.definition import evaluation, spans
from pipeline.definition.config import PipelineConfig
from search.store_url import without_password

PREPROCESSING_FN = "components.transform.preprocessing.preprocessing_fn"
RUN_FN = "components.trainer.run_fn.run_fn"
STAGED_FILE = "data.csv"
TEST_SPLIT = "test"  # the Evaluator's: no selection sees it
QUANTILE_BUCKETS = 100  # StatisticsGen's quantiles histograms (TFDV's default: 10)
Target = Literal["local", "kubeflow"]


@dataclass(frozen=True)
class DataFacts:
    """What is known about the data when the pipeline is built (from the CSV pre-check)."""

    data_root: str
    label: str
    task: str
    n_classes: int = 0
    baseline_accuracy: float | None = None  # majority-class accuracy
    minority_ratio: float | None = None  # the rarest class's rows over the most common's
    baseline_rmse: float | None = None  # RMSE of always predicting the mean
    label_range: tuple[float, float] | None = None  # regression: the residual plot's range
    span: int | None = None  # the span to read from a span folder (pipeline.definition.spans)


def _example_gen(
    config: PipelineConfig,
    data_root: str | data_types.RuntimeParameter,
    span: int | None,
    kubeflow: bool,
) -> CsvExampleGen:
    """Reads the staged CSV, or one span of a span folder: locally the span the run was
    given; on the cluster the newest span under ``data_root`` when the run starts."""
    pattern, range_config = _input_pattern(span, kubeflow)
    return CsvExampleGen(
        input_base=data_root,
        input_config=example_gen_pb2.Input(
            splits=[example_gen_pb2.Input.Split(name="data", pattern=pattern)]
        ),
        range_config=range_config,
        output_config=example_gen_pb2.Output(
            split_config=example_gen_pb2.SplitConfig(
                splits=[
                    example_gen_pb2.SplitConfig.Split(
                        name="train", hash_buckets=config.split.train_buckets
                    ),
                    example_gen_pb2.SplitConfig.Split(
                        name="eval", hash_buckets=config.split.eval_buckets
                    ),
                    example_gen_pb2.SplitConfig.Split(
                        name=TEST_SPLIT, hash_buckets=config.split.test_buckets
                    ),
                ]
            )
        ),
    )


def _input_pattern(
    span: int | None, kubeflow: bool
) -> tuple[str, range_config_pb2.RangeConfig | None]:
    """ExampleGen's file pattern under the data root, and the span range it reads."""
    if span is not None and kubeflow:
        return spans.KFP_PATTERN, None
    if span is not None:
        return spans.STAGED_PATTERN, range_config_pb2.RangeConfig(
            static_range=range_config_pb2.StaticRange(start_span_number=span, end_span_number=span)
        )
    return STAGED_FILE, None


def tuner_settings(config: PipelineConfig, pipeline_root: str) -> dict:
    """The tuner section, with the study store under a local pipeline root by default (a
    bucket cannot hold a SQLite file: remote roots need ``tuner.study_store``)."""
    settings = config.tuner.model_dump(mode="json")
    if settings["study_store"] is None and "://" not in pipeline_root:
        path = os.path.join(os.path.abspath(pipeline_root), "tuner", "studies.sqlite")
        settings["study_store"] = f"sqlite:///{path}"
    elif settings["study_store"] is not None:
        # The settings land in MLMD and in compiled pipelines: the password stays out of
        # them (a local run puts it in the environment: search.store_url.export_password).
        settings["study_store"] = without_password(settings["study_store"])[0]
    return settings


def statistics_options() -> tfdv.StatsOptions:
    """StatisticsGen's options. The data gate reads each numeric feature's distribution from
    its quantiles: 100 buckets keep a discrete column's steps within 1 %
    (components.data_gate.distance). Distinct counts and top values come from sketches
    (TFDV's KMV of 16,384 and Misra-Gries of 1,024 entries, exact below those sizes, as TFDV
    computes them in memory): the exact count groups every distinct string by key, which a
    local Beam runner holds in memory, so an id-like column of 7M values took StatisticsGen
    to 6.4 GiB at 10M rows (bench/results/scale.md)."""
    return tfdv.StatsOptions(
        num_quantiles_histogram_buckets=QUANTILE_BUCKETS, use_sketch_based_topk_uniques=True
    )


def create_pipeline(
    config: PipelineConfig,
    facts: DataFacts,
    pipeline_root: str,
    serving_dir: str,
    history_dir: str,
    metadata_connection_config: object | None = None,
    beam_pipeline_args: list[str] | None = None,
    target: Target = "local",
    task_schema_dir: str | None = None,
    example_gen_beam_args: list[str] | None = None,
) -> Pipeline:
    """The pipeline for either runner. For ``kubeflow`` the data folder and the search budgets
    are run-time parameters (a scheduled run can point at new data), and the Evaluator's
    baseline is found in the serving folder instead of MLMD (components.baseline.pushed).
    ``task_schema_dir``: where the tasks find the curated schemas, if not where we do.
    ``example_gen_beam_args``: ExampleGen's own Beam options, after (so over) the pipeline's."""
    kubeflow = target == "kubeflow"
    data_root: str | data_types.RuntimeParameter = facts.data_root
    if kubeflow:
        data_root = data_types.RuntimeParameter("data_root", ptype=str, default=facts.data_root)
    example_gen = _example_gen(config, data_root, facts.span, kubeflow)
    if example_gen_beam_args:
        example_gen.with_beam_pipeline_args(example_gen_beam_args)
    first: list[BaseNode] = []
    if kubeflow:  # locally the CLI checked the data before the pipeline was built
        first.append(DataCheck(data_root, _input_pattern(facts.span, kubeflow)[0], facts.label,
                               facts.task))  # fmt: skip
        example_gen.add_upstream_node(first[0])
    statistics_gen = StatisticsGen(
        examples=example_gen.outputs["examples"],
        stats_options=statistics_options(),
    )
    curated = config.curated_schema_path()
    if curated is not None:
        if task_schema_dir is not None:  # the same file, where the tasks' containers have it
            curated = Path(task_schema_dir, curated.parent.name, curated.name)
        schema_gen = ImportSchemaGen(schema_file=str(curated))
    else:
        schema_gen = SchemaGen(
            statistics=statistics_gen.outputs["statistics"], infer_feature_shape=True
        )
    example_validator = ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"]
    )
    data_gate = DataGate(
        examples=example_gen.outputs["examples"],
        statistics=statistics_gen.outputs["statistics"],
        schema=schema_gen.outputs["schema"],
        anomalies=example_validator.outputs["anomalies"],
        thresholds=config.gate_thresholds(),
        history_dir=history_dir,
        accept_changes=config.gates.accept_changes,
    )
    guardrails = Guardrails(
        examples=example_gen.outputs["examples"],
        statistics=statistics_gen.outputs["statistics"],
        schema=schema_gen.outputs["schema"],
        settings=config.guardrails.model_dump(mode="json"),
        label=facts.label,
        task=facts.task,
    )
    guardrails.add_upstream_node(data_gate)  # nothing is judged on data the gate stopped
    # From here on the pipeline reads the guardrails' schema (excluded columns retired).
    training_schema = guardrails.outputs["training_schema"]

    transform = Transform(
        examples=example_gen.outputs["examples"],
        schema=training_schema,
        preprocessing_fn=PREPROCESSING_FN,
        custom_config={
            "label": facts.label,
            "task": facts.task,
            "categorical_features": list(config.categorical_features),
        },
        # Both for speed: StatisticsGen already computed the statistics we use, and tracing the
        # preprocessing_fn as a TF1 graph instead of repeatedly as tf.functions took Transform
        # from 29 s to 23 s on penguins (2 cores). The transform graph still serves the TF2
        # SavedModel (tests/e2e load it and predict).
        disable_statistics=True,
        force_tf_compat_v1=True,
        # The test split is for the Evaluator alone, which reads the raw examples.
        splits_config=transform_pb2.SplitsConfig(analyze=["train"], transform=["train", "eval"]),
    )

    tuner_inputs = {
        "examples": transform.outputs["transformed_examples"],
        "transform_graph": transform.outputs["transform_graph"],
        "schema": training_schema,
        "guardrails": guardrails.outputs["findings"],
        "settings": tuner_settings(config, pipeline_root),
        "task": facts.task,
    }
    tuner = AutoMLTuner(**tuner_inputs, **(_run_time_budgets() if kubeflow else {}))
    # Pods that share the Tuner's study; LocalDagRunner runs one component at a time, so
    # locally the Tuner's parallel_trials processes do this instead.
    tuner_workers = [
        AutoMLTunerWorker(**tuner_inputs).with_id(f"AutoMLTunerWorker{i + 1}")
        for i in range(config.tuner.worker_pods if kubeflow else 0)
    ]
    trainer = Trainer(
        run_fn=RUN_FN,
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=training_schema,
        hyperparameters=tuner.outputs["best_hyperparameters"],
        train_args=trainer_pb2.TrainArgs(),
        eval_args=trainer_pb2.EvalArgs(),
        custom_config={
            "task": facts.task,
            "label": facts.label,
            "seed": config.tuner.seed,
            "epochs": config.trainer.epochs,
            "early_stopping_patience": config.trainer.early_stopping_patience,
            "ensemble_size": config.trainer.ensemble_size,
            "refit_forests": config.trainer.refit_forests,
            "refit_networks": config.trainer.refit_networks,
        },
    )

    if kubeflow:
        baseline_node = LatestPushedModel(push_base_directory=serving_dir).with_id(
            "latest_pushed_model"
        )
    else:
        baseline_node = Resolver(
            strategy_class=LatestBlessedBaselineStrategy,
            **{
                baseline.MODEL: Channel(type=standard_artifacts.Model),
                baseline.BLESSING: Channel(type=standard_artifacts.ModelBlessing),
                baseline.CANDIDATE: trainer.outputs["model"],
            },
        ).with_id("latest_blessed_model_resolver")
    evaluator = BaselineTolerantEvaluator(
        examples=example_gen.outputs["examples"],
        example_splits=[TEST_SPLIT],  # rows no trial, ensemble or threshold was chosen on
        model=trainer.outputs["model"],
        baseline_model=baseline_node.outputs["model"],
        eval_config=evaluation.eval_config(
            facts.task,
            config.evaluator,
            facts.n_classes,
            facts.baseline_accuracy,
            facts.baseline_rmse,
            label_range=facts.label_range,
            weighted_classes=_weighted_classes(config, facts),
        ),
    ).with_id("Evaluator")
    pusher = SafePusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        serving_dir=serving_dir,
        history_dir=history_dir,
        evaluation=evaluator.outputs["evaluation"],
        examples=example_gen.outputs["examples"],
        study=tuner.outputs["study"],
        lease_store=tuner_inputs["settings"]["study_store"],
        # Locally the run prunes after it finishes (pipeline.runners.retention, with MLMD); a
        # cluster run prunes the volume as it publishes.
        keep_versions=config.retention.keep_versions if kubeflow else 0,
        keep_runs=config.retention.keep_runs if kubeflow else 0,
        snapshot_dir=config.tuner.snapshot_dir if kubeflow else None,
    ).with_id("Pusher")
    return Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=pipeline_root,
        components=[
            *first,
            example_gen,
            statistics_gen,
            schema_gen,
            example_validator,
            data_gate,
            guardrails,
            transform,
            tuner,
            *tuner_workers,
            trainer,
            baseline_node,
            evaluator,
            pusher,
        ],
        enable_cache=config.enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=beam_pipeline_args or [],
    )


def _weighted_classes(config: PipelineConfig, facts: DataFacts) -> bool:
    """Whether the guardrails will weight the classes of this data (an imbalanced label), as
    far as the data seen when the pipeline is built tells."""
    settings = config.guardrails
    return (
        settings.enabled
        and settings.class_weights
        and facts.minority_ratio is not None
        and facts.minority_ratio < IMBALANCE_RATIO
    )


def _run_time_budgets() -> dict[str, data_types.RuntimeParameter]:
    """0 means "as compiled" (the config's budgets)."""
    return {
        "max_trials": data_types.RuntimeParameter("max_trials", ptype=int, default=0),
        "compute_budget": data_types.RuntimeParameter("compute_budget", ptype=float, default=0.0),
    }
