"""`automl compile` and `automl run-ir`: the Kubernetes path of the same pipeline.

``compile`` writes the IR KFP runs; ``run-ir`` executes such a file here, task by task, as
subprocesses or in our image, which is how the compiled pipeline is tested without a cluster.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import click
import yaml
from rich.markup import escape

from pipeline.runners import ir_runner, kfp_entrypoint, kfp_package
from pipeline.cli.group import EXIT_RUN_FAILED, console, fail, main
from pipeline.definition.config import ConfigError, build_config
from pipeline.definition.dataset import DataError

PACKAGE_SUFFIXES = (".json", ".yaml", ".yml")


@main.command("compile")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="YAML settings.")
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    help="CSV, or span folder, the pipeline is built for.",
)
@click.option("--label", help="Label column (required with --data).")
@click.option("--image", required=True, help="Container image every task runs in.")
@click.option(
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="pipeline.yaml (the package kfp.Client uploads) or pipeline.json (TFX's PipelineJob).",
)
@click.option(
    "--pipeline-root",
    help="Where artifacts go (default: KFP's MinIO bucket, minio://mlpipeline/v2/artifacts).",
)
@click.option("--volume-claim", help="PersistentVolumeClaim for data and models (automl-data).")
@click.option("--mount-path", help="Where tasks mount it (default /automl).")
@click.option(
    "--volume-dir",
    type=click.Path(path_type=Path),
    help="Where to lay out what the volume must hold (the checked CSV at data/<dataset>/"
    "data.csv, or span-N/data.csv of a span folder); default: beside --output, in volume/.",
)
@click.option(
    "--schema-dir",
    help="Where tasks find the curated schemas (default: the image's copy of schemas/, "
    "/opt/automl/schemas).",
)
@click.option(
    "--beam-arg",
    multiple=True,
    help="A Beam pipeline option for every Beam task (--beam-arg=--runner=FlinkRunner); "
    "repeat. Config: beam.args.",
)
@click.option(
    "--retrain",
    is_flag=True,
    help="Compile the retrain: a warm-started search with retrain.compute_fraction of the "
    "budget (what a recurring run should run; make kfp-schedule does).",
)
def compile_command(
    retrain: bool,
    config_file: Path | None,
    data: Path | None,
    label: str | None,
    image: str,
    output: Path,
    pipeline_root: str | None,
    volume_claim: str | None,
    mount_path: str | None,
    volume_dir: Path | None,
    schema_dir: str | None,
    beam_arg: tuple[str, ...],
) -> None:
    """Compile the pipeline to KFP v2 IR (KubeflowV2DagRunner); nothing runs.

    Also lays out the volume's contents: the CSV as checked and cleaned for the pipeline
    (what CsvExampleGen must read), to copy onto the claim (make kfp-run does) or to give
    ``run-ir --volume``."""
    from pipeline.definition import layout

    if output.suffix not in PACKAGE_SUFFIXES:
        fail(f"--output must end in {', '.join(PACKAGE_SUFFIXES)}, not '{output.name}'")
    if not image.strip() or any(c.isspace() for c in image):
        fail(f"--image '{image}' is not an image reference")
    if mount_path is not None and not mount_path.startswith("/"):
        fail(f"--mount-path must be absolute, not '{mount_path}'")
    try:
        config = build_config(
            config_file, data=data, label=label, **{"beam.args": tuple(beam_arg) or None}
        )
        if retrain:
            config = config.for_retrain(budget_given=False)
        config.tuner.refuse_password_in_url()
        profile = layout.profile_data(config)
    except (ConfigError, DataError) as exc:
        fail(str(exc))
    from pipeline.runners import kubeflow
    from pipeline.runners.local_run import data_facts

    volume = kubeflow.Volume(
        claim=volume_claim or kubeflow.DEFAULT_VOLUME.claim,
        mount_path=(mount_path or kubeflow.DEFAULT_VOLUME.mount_path).rstrip("/") or "/",
    )
    job = kubeflow.compile_pipeline(
        config,
        data_facts(profile),
        image,
        pipeline_root=pipeline_root or kubeflow.DEFAULT_PIPELINE_ROOT,
        volume=volume,
        schema_dir=schema_dir or kubeflow.IMAGE_SCHEMA_DIR,
    )
    kfp_package.write(job, output)
    volume_dir = volume_dir or output.parent / "volume"
    # A span folder goes onto the volume as one: the pipeline reads its newest span per run.
    where = f"span-{profile.span}/data.csv" if profile.span is not None else "data.csv"
    data = volume_dir / "data" / config.resolved_dataset_name / where
    data.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(profile.staged_dir / where, data)
    tasks = job["pipelineSpec"]["root"]["dag"]["tasks"]
    compiled = f"{config.pipeline_name}: {len(tasks)} tasks in {image} -> {output}"
    holds = (
        f"{volume_dir} holds what the claim {volume.claim} must hold at {volume.mount_path} "
        f"(the data at {volume.data_root(config)}/{where})"
    )
    console.print(
        f"[bold]Compiled[/] {escape(compiled)}\n[bold]Volume[/] {escape(holds)}\n"
        "[bold]Run-time parameters[/] data_root, max_trials, compute_budget"
    )


@main.command("run-ir")
@click.argument("package", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A pipeline parameter (data_root, max_trials, compute_budget); repeatable.",
)
@click.option(
    "--work",
    type=click.Path(path_type=Path),
    default=Path("automl-output/ir-runs"),
    show_default=True,
    help="Task logs and executor files.",
)
@click.option("--pipeline-root", help="Run with this artifact root instead of the IR's.")
@click.option("--docker", "in_docker", is_flag=True, help="Run each task in the IR's image.")
@click.option(
    "--volume",
    type=click.Path(path_type=Path),
    help="With --docker: the folder mounted where the IR mounts its volume "
    "(default: WORK/volume).",
)
@click.option(
    "--parallel-tasks",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Tasks run at once (KFP starts every task whose inputs are ready).",
)
def run_ir(
    package: Path,
    params: tuple[str, ...],
    work: Path,
    pipeline_root: str | None,
    in_docker: bool,
    volume: Path | None,
    parallel_tasks: int,
) -> None:
    """Run a compiled pipeline here, task by task, as KFP would run it."""
    given = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"--param takes NAME=VALUE, not '{item}'")
        given[name] = value
    try:
        job = kfp_package.read(package)
        spec = job["pipelineSpec"]
        work = work.resolve()
        runner = ir_runner.IRRunner(
            job,
            work,
            ir_runner.Launcher(),
            given,
            pipeline_root,
            on_task=_print_task,
            parallel_tasks=parallel_tasks,
        )
    except (ValueError, KeyError, TypeError, yaml.YAMLError, ir_runner.IRError) as exc:
        fail(f"{package} cannot be run: {type(exc).__name__}: {exc}".splitlines()[0])
    root = runner.root
    if in_docker:
        runner.launcher = _launcher(job, root, work, volume)
    elif "://" in root:
        fail(f"the pipeline root {root} is not a folder: pass --pipeline-root or --docker")
    launcher = runner.launcher
    name = spec["pipelineInfo"]["name"]
    console.print(f"[bold]Run[/] {escape(f'{name} ({runner.run_id}) -> {root}')}")
    try:
        outputs = runner.run()
    except (ir_runner.TaskFailed, ir_runner.IRError) as exc:
        fail(str(exc), EXIT_RUN_FAILED)
    pushed = [a["metadata"] for a in outputs.get("Pusher", {}).get("pushed_model", [])]
    if pushed and pushed[0].get("pushed"):
        pushed_to = launcher.host_path(pushed[0]["pushed_destination"])
        console.print(f"[bold]Pushed to[/] {escape(str(pushed_to))}")
    else:
        console.print("[bold]Pushed to[/] not pushed (the model was not blessed)")


def _print_task(task: str, state: str, seconds: float) -> None:
    if state == "done":
        console.print(f"  {escape(task)} [green]done[/] ({seconds:.0f}s)")


def _launcher(job: dict, root: str, work: Path, volume: Path | None) -> ir_runner.Launcher:
    """Docker with the volume and the artifact store where a KFP pod has them."""
    docker = shutil.which("docker")
    if docker is None:
        fail("--docker: no docker command on PATH (bash kind-cluster/docker-engine.sh)")
    if subprocess.run([docker, "info"], capture_output=True, check=False).returncode != 0:
        fail("--docker: the Docker engine is not running (bash kind-cluster/docker-engine.sh)")
    executors = job.get("platformSpec", {}).get("platforms", {}).get("kubernetes", {})
    executors = executors.get("deploymentSpec", {}).get("executors", {})
    mount_paths = {m["mountPath"] for e in executors.values() for m in e.get("pvcMount", [])}
    volume_dir = (volume or work / "volume").resolve()
    mounts = [(str(volume_dir), path) for path in sorted(mount_paths)]  # empty: no volume
    if root.startswith("minio://"):  # one folder stands for MinIO where the launcher keeps it
        minio = kfp_entrypoint.LOCAL_PREFIXES["minio://"].rstrip("/")
        mounts.append((str(work / "minio"), minio))
    elif "://" not in root:
        mounts.append((str(Path(root).resolve()), root))
    else:
        fail(f"--docker: artifacts at {root} cannot be mounted (use a local or minio:// root)")
    for host, _ in mounts:  # docker would create missing ones as root
        Path(host).mkdir(parents=True, exist_ok=True)
    return ir_runner.Launcher(docker=docker, mounts=mounts)
