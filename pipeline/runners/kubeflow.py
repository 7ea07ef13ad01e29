"""Compiles the pipeline to KFP v2 IR with TFX's KubeflowV2DagRunner.

The pipeline is the one ``create_pipeline`` builds for the local runner (target "kubeflow":
run-time parameters, a baseline found without MLMD). What is added here belongs to the
cluster only: our image with our entry point, resource requests and limits per component, and
the volume that holds the data and the served models.

The two file formats are pipeline.runners.kfp_package's.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx.orchestration import data_types
from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner as v2

from pipeline.definition.config import PipelineConfig
from pipeline.definition.create_pipeline import DataFacts, create_pipeline
from search.store_url import PASSWORD_ENV

# Every task runs TFX's executor through ours, which maps object-store URIs to the files KFP's
# launcher downloads and uploads (pipeline.runners.kfp_entrypoint).
ENTRYPOINT = ["python", "-m", "pipeline.runners.kfp_entrypoint"]
ResourceSpec = pipeline_spec_pb2.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec


@dataclass(frozen=True)
class Resources:
    cpu_request: float
    cpu_limit: float
    memory_gib: float  # request = limit: a TensorFlow process over its request gets evicted

    def spec(self) -> ResourceSpec:
        return ResourceSpec(
            cpu_limit=self.cpu_limit,
            memory_limit=self.memory_gib,
            resource_cpu_request=f"{self.cpu_request:g}",
            resource_cpu_limit=f"{self.cpu_limit:g}",
            resource_memory_request=f"{self.memory_gib:g}Gi",
            resource_memory_limit=f"{self.memory_gib:g}Gi",
        )


DEFAULT_RESOURCES = Resources(cpu_request=0.5, cpu_limit=1, memory_gib=2)
# The Tuner trains parallel_trials models at once; the Trainer one, longer; both load
# TensorFlow and the transformed data, as Transform and the Evaluator's Beam pipeline do.
RESOURCES = {
    "AutoMLTuner": Resources(cpu_request=2, cpu_limit=4, memory_gib=8),
    "Trainer": Resources(cpu_request=1, cpu_limit=2, memory_gib=4),
    "Transform": Resources(cpu_request=1, cpu_limit=2, memory_gib=4),
    "Evaluator": Resources(cpu_request=1, cpu_limit=2, memory_gib=4),
}


@dataclass(frozen=True)
class Volume:
    """A PersistentVolumeClaim mounted into every task: the data, the pushed models and the
    study store (SQLite is safe on one node's volume; several nodes need a database server,
    ``tuner.study_store``)."""

    claim: str
    mount_path: str

    def data_root(self, config: PipelineConfig) -> str:
        return f"{self.mount_path}/data/{config.resolved_dataset_name}"

    def serving_dir(self, config: PipelineConfig) -> str:
        return f"{self.mount_path}/serving/{config.pipeline_name}"

    def history_dir(self, config: PipelineConfig) -> str:
        return f"{self.mount_path}/history/{config.pipeline_name}"

    def study_store(self) -> str:
        return f"sqlite:///{self.mount_path}/tuner/studies.sqlite"

    def snapshot_dir(self) -> str:
        return f"{self.mount_path}/tuner/weights"


DEFAULT_VOLUME = Volume(claim="automl-data", mount_path="/automl")
DEFAULT_PIPELINE_ROOT = "minio://mlpipeline/v2/artifacts"  # KFP standalone's MinIO bucket
IMAGE_SCHEMA_DIR = "/opt/automl/schemas"  # where the Dockerfile puts schemas/


def resources_for(component_id: str, parallel_trials: int | None) -> Resources:
    """A Tuner worker pod trains like the Tuner (AutoMLTunerWorker1, 2...). Without a set
    number of parallel trials the pod gets its default resources and fills its cores."""
    if component_id.startswith("AutoMLTunerWorker"):
        component_id = "AutoMLTuner"
    found = RESOURCES.get(component_id, DEFAULT_RESOURCES)
    if component_id == "AutoMLTuner" and parallel_trials and parallel_trials > 1:
        cores = max(found.cpu_limit, parallel_trials)
        return Resources(found.cpu_request, cores, found.memory_gib + 2 * (parallel_trials - 1))
    return found


def compile_pipeline(
    config: PipelineConfig,
    facts: DataFacts,
    image: str,
    pipeline_root: str = DEFAULT_PIPELINE_ROOT,
    volume: Volume = DEFAULT_VOLUME,
    schema_dir: str = IMAGE_SCHEMA_DIR,
) -> dict[str, Any]:
    """TFX's PipelineJob JSON (as a dict) for KFP; nothing is run or uploaded.

    The data, the served models and (unless configured) the study store live on the volume;
    ``facts`` are those of the CSV the user compiled with (its label, task and the baseline
    the Evaluator must beat), which the ``data_root`` parameter's later data must share.
    """
    config.tuner.refuse_password_in_url()
    on_volume = {
        "study_store": config.tuner.study_store or volume.study_store(),
        "snapshot_dir": config.tuner.snapshot_dir or volume.snapshot_dir(),
    }
    config = config.model_copy(update={"tuner": config.tuner.model_copy(update=on_volume)})
    facts = dataclasses.replace(facts, data_root=volume.data_root(config))
    built = create_pipeline(
        config,
        facts,
        pipeline_root=pipeline_root,
        serving_dir=volume.serving_dir(config),
        history_dir=volume.history_dir(config),
        target="kubeflow",
        task_schema_dir=schema_dir,
        beam_pipeline_args=list(config.beam.args),
    )
    runner = v2.KubeflowV2DagRunner(
        config=v2.KubeflowV2DagRunnerConfig(
            default_image=image, default_commands=ENTRYPOINT, use_pipeline_spec_2_1=True
        ),
        output_dir=tempfile.gettempdir(),  # not written: write_out=False
        output_filename="pipeline.json",
    )
    # The run-time parameters create_pipeline declared, with their defaults: TFX writes them
    # to the run config only when given, and KFP's UI and API read them from the spec.
    defaults = {
        value.name: value.default
        for component in built.components
        for value in component.exec_properties.values()
        if isinstance(value, data_types.RuntimeParameter)
    }
    job = runner.run(built, parameter_values=defaults, write_out=False)
    spec = job["pipelineSpec"]
    for name, declared in spec["root"]["inputDefinitions"]["parameters"].items():
        declared["defaultValue"] = defaults[name]
    # Set here rather than with TFX's with_platform_config, which ExampleGen's builder drops.
    for task, task_spec in spec["root"]["dag"]["tasks"].items():
        component = spec["components"][task_spec["componentRef"]["name"]]
        executor = spec["deploymentSpec"]["executors"][component["executorLabel"]]
        resources = resources_for(task, config.tuner.parallel_trials).spec()
        executor["container"]["resources"] = json_format.MessageToDict(resources)
    job["platformSpec"] = platform_spec(spec, volume, config.tuner.study_store_secret)
    return job


def platform_spec(
    spec: dict[str, Any], volume: Volume, password_secret: str | None = None
) -> dict[str, Any]:
    """KFP's Kubernetes platform spec (as kfp-kubernetes writes it): the volume in every task
    and, with ``password_secret``, the study store's password from that Secret."""
    mount = {"constant": volume.claim, "mountPath": volume.mount_path}
    executor: dict[str, Any] = {"pvcMount": [mount]}
    if password_secret:
        executor["secretAsEnv"] = [
            {
                "secretName": password_secret,
                "keyToEnv": [{"secretKey": "password", "envVar": PASSWORD_ENV}],
            }
        ]
    executors = {label: executor for label in spec["deploymentSpec"]["executors"]}
    return {"platforms": {"kubernetes": {"deploymentSpec": {"executors": executors}}}}
