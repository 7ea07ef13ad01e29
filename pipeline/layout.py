"""Where a run keeps its things, all under one output folder, and the data check that comes first.

Kept free of TFX imports so that bad input is reported in a second, not after TensorFlow loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import dataset
from pipeline.config import PipelineConfig

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


def profile_data(config: PipelineConfig) -> dataset.DatasetProfile:
    """Validates the CSV (raising DataError) and stages it; nothing else is written before this."""
    source = config.data if config.data is not None else dataset.embedded_penguins_csv()
    label = config.label or PENGUINS_LABEL
    return dataset.profile_and_stage(
        source, label, config.task, Layout(config.output).staged, exclude=config.exclude_features
    )
