"""The Evaluator's baseline on Kubeflow Pipelines: the model last pushed to the serving folder.

Locally the baseline comes from MLMD through a Resolver (strategy.py). Open-source KFP refuses
pipelines with resolver tasks ("resolver executors not implemented"; only Vertex AI runs them)
and gives components no MLMD, so on KFP the baseline is looked up where the Pusher puts
models: the Pusher only pushes blessed models, so the newest version in its folder is the
latest blessed model. The first run has none: the output is marked absent, and the Evaluator
below then evaluates without a baseline, exactly as it does locally when the Resolver finds
nothing.
"""

# No `from __future__ import annotations`: TFX parses this component's annotations at import.
import os
import shutil

from tfx.components.evaluator import executor as evaluator_executor
from tfx.components.evaluator.component import Evaluator
from tfx.dsl.component.experimental.annotations import OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.dsl.components.base import executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.utils import path_utils

ABSENT = "absent"  # int custom property: 1 when nothing had been pushed yet


def latest_pushed_version(push_base_directory: str) -> str | None:
    """The newest version folder holding a SavedModel (the Pusher names them by timestamp,
    in seconds: compared as numbers, a longer name is newer)."""
    if not os.path.isdir(push_base_directory):
        return None
    versions = [
        entry.path
        for entry in os.scandir(push_base_directory)
        if entry.is_dir()
        and entry.name.isdigit()  # not a push in progress (components.pusher)
        and os.path.exists(os.path.join(entry.path, "saved_model.pb"))
    ]
    newest = max(
        versions, key=lambda p: (len(os.path.basename(p)), os.path.basename(p)), default=None
    )
    return newest


@component
def LatestPushedModel(
    push_base_directory: Parameter[str], model: OutputArtifact[standard_artifacts.Model]
) -> None:
    version = latest_pushed_version(push_base_directory)
    model.set_int_custom_property(ABSENT, int(version is None))
    if version is not None:
        shutil.copytree(version, path_utils.serving_model_dir(model.uri), dirs_exist_ok=True)
        model.set_string_custom_property("pushed_version", os.path.basename(version))


class BaselineTolerantExecutor(evaluator_executor.Executor):
    """TFX's Evaluator executor, with a baseline marked absent treated as no baseline, and
    with TF-DF's ops registered so that TFMA can load a model with a forest inside (both
    runners use it)."""

    def Do(self, input_dict, output_dict, exec_properties):  # noqa: N802 (TFX's name)
        import tensorflow_decision_forests  # noqa: F401  (registers the forests' ops)

        key = standard_component_specs.BASELINE_MODEL_KEY
        baselines = input_dict.get(key, [])
        present = [m for m in baselines if m.get_int_custom_property(ABSENT) != 1]
        if len(present) != len(baselines):
            input_dict = {**input_dict, key: present}
            if not present:
                del input_dict[key]
        super().Do(input_dict, output_dict, exec_properties)


class BaselineTolerantEvaluator(Evaluator):
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(BaselineTolerantExecutor)
