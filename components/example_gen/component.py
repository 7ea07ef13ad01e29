"""CsvExampleGen: TFX's component (its spec, driver, spans and splits) with the Arrow
executor (components.example_gen.executor), which turns CSV into tf.Examples about ten
times faster and keeps the rows' splits.

TFX's ``CsvExampleGen`` fixes its executor; ``FileBasedExampleGen`` is the same component
with the executor left open. The class keeps TFX's name, so the node id, the KFP task and
everything that reads the run's metadata by component name stay as they were.
"""

from __future__ import annotations

from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base import executor_spec

from components.example_gen.executor import Executor


class CsvExampleGen(FileBasedExampleGen):
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(Executor)
