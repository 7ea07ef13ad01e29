"""Where a run keeps its things, all under one output folder, and the data check that comes first.

Kept free of TFX imports so that bad input is reported in a second, not after TensorFlow loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.definition import dataset, spans
from pipeline.definition.config import PipelineConfig

PENGUINS_LABEL = "species"


@dataclass(frozen=True)
class Layout:
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


def serving_dir(config: PipelineConfig) -> Path:
    return config.output / "serving" / config.pipeline_name


def history_dir(config: PipelineConfig) -> Path:
    """What the retrain loop remembers: accepted spans, gate and promotion decisions."""
    return config.output / "history" / config.pipeline_name


def profile_data(config: PipelineConfig) -> dataset.DatasetProfile:
    """Validates the CSV, or the span of a span folder (raising DataError), and stages it;
    nothing else is written before this."""
    source = config.data if config.data is not None else dataset.embedded_penguins_csv()
    label = config.label or PENGUINS_LABEL
    staged = Layout(config.output).staged
    if spans.is_span_folder(source):
        return spans.stage_span(
            source,
            label,
            config.task,
            staged,
            config.resolved_dataset_name,
            config.span,
            config.exclude_features,
            config.evaluator.slices,
        )
    if config.span is not None:
        raise dataset.DataError(f"--span needs a folder of span-N folders, not {source}")
    return dataset.profile_and_stage(
        source,
        label,
        config.task,
        staged,
        exclude=config.exclude_features,
        required=config.evaluator.slices,
    )
