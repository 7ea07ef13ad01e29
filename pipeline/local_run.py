"""Runs the pipeline with TFX's LocalDagRunner and an MLMD sqlite store under the output folder."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
from pipeline import dataset
from pipeline.config import PipelineConfig
from pipeline.create_pipeline import DataFacts, create_pipeline, serving_dir
from pipeline.run_summary import RunSummary, read_run

PENGUINS_LABEL = "species"
# Beam's in-memory direct runner: on small data and 2 cores, process pools cost more than they win.
BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]


@dataclass(frozen=True)
class Layout:
    """Where a run keeps its things, all under one output folder."""

    root: Path

    @property
    def staged(self) -> Path:
        return self.root / "staged"

    @property
    def pipeline_root(self) -> Path:
        return self.root / "pipeline_root"

    @property
    def metadata(self) -> Path:
        return self.root / "metadata.sqlite"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


def profile_data(config: PipelineConfig) -> dataset.DatasetProfile:
    """Validates the CSV (raising DataError) and stages it; nothing else is written before this."""
    source = config.data if config.data is not None else dataset.embedded_penguins_csv()
    label = config.label or PENGUINS_LABEL
    return dataset.profile_and_stage(source, label, config.task, Layout(config.output).staged,
                                     exclude=config.exclude_features)


def data_facts(profile: dataset.DatasetProfile) -> DataFacts:
    return DataFacts(
        data_root=str(profile.staged_dir.resolve()),
        label=profile.label,
        task=profile.task,
        n_classes=len(profile.class_counts),
        baseline_accuracy=profile.majority_fraction,
        baseline_rmse=profile.label_std,
    )


def metadata_config(layout: Layout):  # -> metadata_store_pb2.ConnectionConfig
    from tfx import v1 as tfx

    return tfx.orchestration.metadata.sqlite_metadata_connection_config(str(layout.metadata))


def run(config: PipelineConfig, profile: dataset.DatasetProfile) -> RunSummary:
    from tfx import v1 as tfx

    layout = Layout(config.output.resolve())
    layout.pipeline_root.mkdir(parents=True, exist_ok=True)
    built = create_pipeline(
        config,
        data_facts(profile),
        pipeline_root=str(layout.pipeline_root),
        serving_dir=str(serving_dir(config).resolve()),
        metadata_connection_config=metadata_config(layout),
        beam_pipeline_args=BEAM_ARGS,
    )
    started_ms = int(time.time() * 1000) - 1000
    tfx.orchestration.LocalDagRunner().run(built)
    summary = read_run(metadata_config(layout), config.pipeline_name, started_ms)
    if summary is None:
        raise RuntimeError("the run finished but left no record in the metadata store")
    return summary
