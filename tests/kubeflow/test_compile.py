"""`automl compile`: the IR KFP gets, checked offline with KFP's own parsers."""

from __future__ import annotations

import json

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from pipeline.runners import kfp_package, kubeflow
from tests.conftest import run_automl

COMPONENTS = {
    "DataCheck", "CsvExampleGen", "StatisticsGen", "ImportSchemaGen", "ExampleValidator",
    "DataGate", "Guardrails", "Transform", "AutoMLTuner", "Trainer", "latest_pushed_model",
    "Evaluator", "Pusher",
}  # fmt: skip
IMAGE = "registry.example/automl:1.2"


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compiled")
    output = folder / "pipeline.yaml"
    result = run_automl("compile", "--image", IMAGE, "--output", str(output))
    assert result.returncode == 0, result.stdout + result.stderr
    return output, result


def test_package_parses_as_kfp_client_reads_it(package):
    output, result = package
    spec_doc, platform_doc = yaml.safe_load_all(output.read_text())
    # The same strict parse kfp.Client does before uploading: unknown fields fail.
    spec = json_format.ParseDict(spec_doc, pipeline_spec_pb2.PipelineSpec())
    platform = json_format.ParseDict(platform_doc, pipeline_spec_pb2.PlatformSpec())
    assert spec.pipeline_info.name == "automl-penguins"
    assert spec.default_pipeline_root == kubeflow.DEFAULT_PIPELINE_ROOT
    assert "kubernetes" in platform.platforms
    assert f"{len(COMPONENTS)} tasks in {IMAGE}" in result.stdout


def test_every_component_runs_our_image_with_our_entry_point(package):
    spec = kfp_package.read(package[0])["pipelineSpec"]
    assert set(spec["root"]["dag"]["tasks"]) == COMPONENTS
    executors = spec["deploymentSpec"]["executors"]
    assert len(executors) == len(COMPONENTS)
    for executor in executors.values():
        assert "resolver" not in executor  # open-source KFP refuses resolver tasks
        container = executor["container"]
        assert container["image"] == IMAGE
        assert container["command"] == kubeflow.ENTRYPOINT
        assert "{{$}}" in container["args"]


def test_run_time_parameters_and_caching(package):
    spec = kfp_package.read(package[0])["pipelineSpec"]
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert parameters["data_root"] == {
        "parameterType": "STRING", "defaultValue": "/automl/data/penguins",
    }  # fmt: skip
    assert parameters["max_trials"]["parameterType"] == "NUMBER_INTEGER"
    assert parameters["compute_budget"]["parameterType"] == "NUMBER_DOUBLE"
    tasks = spec["root"]["dag"]["tasks"]
    example_gen = tasks["CsvExampleGen"]["inputs"]["parameters"]["input_base"]
    assert example_gen == {"componentInputParameter": "data_root"}
    tuner = tasks["AutoMLTuner"]["inputs"]["parameters"]
    assert tuner["max_trials"] == {"componentInputParameter": "max_trials"}
    settings = json.loads(tuner["settings"]["runtimeValue"]["constant"])
    assert settings["study_store"] == "sqlite:////automl/tuner/studies.sqlite"
    assert settings["snapshot_dir"] == "/automl/tuner/weights"  # every pod mounts it
    assert all(t["cachingOptions"]["enableCache"] for t in tasks.values())


def test_tuner_and_trainer_get_more_resources(package):
    executors = kfp_package.read(package[0])["pipelineSpec"]["deploymentSpec"]["executors"]
    resources = {
        k.removesuffix("_executor"): e["container"]["resources"] for k, e in executors.items()
    }
    assert resources["AutoMLTuner"]["resourceMemoryLimit"] == "8Gi"
    assert resources["Trainer"]["resourceCpuLimit"] == "2"
    assert resources["StatisticsGen"]["resourceMemoryLimit"] == "2Gi"
    for spec in resources.values():
        assert spec["resourceMemoryRequest"] == spec["resourceMemoryLimit"]
        assert float(spec["resourceCpuRequest"]) <= float(spec["resourceCpuLimit"])


def test_every_task_mounts_the_volume_and_finds_schemas_in_the_image(package):
    job = kfp_package.read(package[0])
    mounts = job["platformSpec"]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert set(mounts) == set(job["pipelineSpec"]["deploymentSpec"]["executors"])
    for executor in mounts.values():
        assert executor["pvcMount"] == [{"constant": "automl-data", "mountPath": "/automl"}]
    schema_gen = job["pipelineSpec"]["root"]["dag"]["tasks"]["ImportSchemaGen"]
    schema_file = schema_gen["inputs"]["parameters"]["schema_file"]["runtimeValue"]["constant"]
    assert schema_file == "/opt/automl/schemas/penguins/schema.pbtxt"


def test_json_output_is_tfx_pipeline_job(tmp_path):
    output = tmp_path / "pipeline.json"
    result = run_automl(
        "compile", "--image", IMAGE, "--output", str(output),
        "--pipeline-root", str(tmp_path / "root"), "--mount-path", str(tmp_path / "volume"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    job = json.loads(output.read_text())
    assert job["runtimeConfig"]["gcsOutputDirectory"] == str(tmp_path / "root")
    assert job["runtimeConfig"]["parameterValues"]["data_root"] == str(
        tmp_path / "volume" / "data" / "penguins"
    )
    json_format.ParseDict(job["pipelineSpec"], pipeline_spec_pb2.PipelineSpec())


BEAM = ["--runner=FlinkRunner", "--flink_master=flink.example:8081", "--parallelism=4"]


def test_the_data_check_runs_first_on_the_data_the_run_is_given(package):
    """ExampleGen waits for the data check, which reads the same run-time data folder and
    pattern; no task that reads the data starts before it (the other tasks that wait for
    nothing import the curated schema or look up the served baseline)."""
    tasks = kfp_package.read(package[0])["pipelineSpec"]["root"]["dag"]["tasks"]
    check = tasks["DataCheck"]
    assert "dependentTasks" not in check
    assert "DataCheck" in tasks["CsvExampleGen"]["dependentTasks"]
    parameters = check["inputs"]["parameters"]
    assert parameters["data_root"] == {"componentInputParameter": "data_root"}
    assert parameters["label"]["runtimeValue"]["constant"] == "species"
    assert parameters["task"]["runtimeValue"]["constant"] == "classification"
    roots = {name for name, task in tasks.items() if not task.get("dependentTasks")}
    assert roots == {"DataCheck", "ImportSchemaGen", "latest_pushed_model"}  # none reads data


def test_the_pusher_prunes_the_volume_as_the_retention_settings_say(package):
    tasks = kfp_package.read(package[0])["pipelineSpec"]["root"]["dag"]["tasks"]
    parameters = tasks["Pusher"]["inputs"]["parameters"]
    constant = {k: v["runtimeValue"]["constant"] for k, v in parameters.items()}
    assert (constant["keep_versions"], constant["keep_runs"]) == (30, 7)  # the defaults
    assert constant["snapshot_dir"] == "/automl/tuner/weights"


def test_beam_options_reach_every_task(tmp_path):
    """`--beam-arg` (or beam.args) is handed to every task's executor as Beam options, in
    order, after TFX's own arguments: the Beam components run on that runner."""
    output = tmp_path / "pipeline.json"
    flags = [f"--beam-arg={arg}" for arg in BEAM]
    result = run_automl("compile", "--image", IMAGE, "--output", str(output), *flags)
    assert result.returncode == 0, result.stderr
    executors = json.loads(output.read_text())["pipelineSpec"]["deploymentSpec"]["executors"]
    beam_tasks = {"CsvExampleGen", "StatisticsGen", "Transform", "Evaluator"}
    assert {name.removesuffix("_executor") for name in executors} >= beam_tasks
    for name, executor in executors.items():
        assert executor["container"]["args"][-len(BEAM) :] == BEAM, name


def test_retrain_package_searches_warm_with_a_fraction_of_the_budget(tmp_path, package):
    output = tmp_path / "retrain.yaml"
    result = run_automl("compile", "--retrain", "--image", IMAGE, "--output", str(output))
    assert result.returncode == 0, result.stderr

    def settings(path):
        tasks = kfp_package.read(path)["pipelineSpec"]["root"]["dag"]["tasks"]
        value = tasks["AutoMLTuner"]["inputs"]["parameters"]["settings"]["runtimeValue"]
        return json.loads(value["constant"])

    full, retrain = settings(package[0]), settings(output)
    assert retrain["warm_start"] is True
    assert retrain["max_total_epochs"] == pytest.approx(0.5 * full["max_total_epochs"])
    assert retrain["time_budget_s"] == pytest.approx(0.5 * full["time_budget_s"])


def test_worker_pods_share_the_tuners_inputs_and_nothing_waits_for_them(tmp_path):
    config = tmp_path / "workers.yaml"
    config.write_text("tuner: {worker_pods: 2, parallel_trials: 2}\n")
    output = tmp_path / "pipeline.yaml"
    result = run_automl(
        "compile", "--config", str(config), "--image", IMAGE, "--output", str(output)
    )
    assert result.returncode == 0, result.stderr
    spec = kfp_package.read(output)["pipelineSpec"]
    tasks = spec["root"]["dag"]["tasks"]
    workers = {"AutoMLTunerWorker1", "AutoMLTunerWorker2"}
    assert set(tasks) == COMPONENTS | workers
    tuner = tasks["AutoMLTuner"]
    resources = {}
    for name in workers | {"AutoMLTuner"}:
        task = tasks[name]
        # The same input artifacts: the study's key, which the workers find it by.
        assert task["inputs"]["artifacts"] == tuner["inputs"]["artifacts"]
        assert task["dependentTasks"] == tuner["dependentTasks"]
        settings = task["inputs"]["parameters"]["settings"]["runtimeValue"]["constant"]
        assert json.loads(settings)["worker_pods"] == 2
        component = spec["components"][task["componentRef"]["name"]]
        executor = spec["deploymentSpec"]["executors"][component["executorLabel"]]
        resources[name] = executor["container"]["resources"]
    assert resources["AutoMLTunerWorker1"] == resources["AutoMLTuner"]
    assert resources["AutoMLTuner"]["resourceCpuLimit"] == "4"  # two trials at a time
    for task in tasks.values():  # the workers end on their own; the run ends with them
        assert not workers & set(task.get("dependentTasks", []))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--image", IMAGE, "--output", "{tmp}/pipeline.txt"], "--output must end in"),
        (["--image", "bad image", "--output", "{tmp}/p.yaml"], "is not an image reference"),
        (["--image", IMAGE, "--output", "{tmp}/p.yaml", "--mount-path", "rel"],
         "must be absolute"),
        (["--image", IMAGE, "--output", "{tmp}/p.yaml", "--data", "{tmp}/none.csv",
          "--label", "y"], "none.csv"),
        (["--image", IMAGE, "--output", "{tmp}/p.yaml", "--beam-arg", "runner=Flink"],
         "'runner=Flink' is not a Beam option"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    result = run_automl("compile", *[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("{not json", [], "cannot be run: JSONDecodeError"),
        ("- a list\n", [], "cannot be run"),
        (None, ["--param", "epochs=3"], "no parameter 'epochs'"),
        (None, ["--param", "max_trials"], "--param takes NAME=VALUE"),
    ],
)
def test_run_ir_refuses_bad_input_in_one_line(package, tmp_path, content, args, message):
    if content is None:
        target = package[0]
    else:
        target = tmp_path / ("p.json" if content.startswith("{") else "p.yaml")
        target.write_text(content)
    result = run_automl("run-ir", str(target), "--work", str(tmp_path / "work"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "work").exists()


def test_the_entry_point_puts_the_span_back_on_examplegens_output(package):
    """The task's entry point restores the span the driver resolved only for the executors
    it knows as file-based ExampleGens: ours must be one, or the data gate judges every span
    as span 0 with no previous one (and so finds no drift)."""
    from pipeline.runners.kfp_entrypoint import EXAMPLE_GEN_EXECUTORS

    spec = kfp_package.read(package[0])["pipelineSpec"]
    tasks = spec["root"]["dag"]["tasks"]
    label = spec["components"][tasks["CsvExampleGen"]["componentRef"]["name"]]["executorLabel"]
    args = spec["deploymentSpec"]["executors"][label]["container"]["args"]
    assert args[args.index("--executor_class_path") + 1] in EXAMPLE_GEN_EXECUTORS
