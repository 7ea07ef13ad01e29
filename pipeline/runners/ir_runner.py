"""Runs a compiled KFP pipeline (IR) without a cluster, the way KFP's driver and launcher would.

kfp.local runs pipelines the KFP SDK compiled, not TFX's IR, so this is how the compiled
pipeline is proven here: each task once its producers are done (several at a time, as KFP
starts them), with its container command and arguments exactly as the IR has them and the
executor input (``{{$}}``) built as KFP's driver builds it (parameters from constants and
pipeline parameters, input artifacts from the producers' executor output, output URIs under
the pipeline root). Importer tasks are resolved here;
resolver tasks are refused as open-source KFP refuses them.

Tasks run as subprocesses of this Python, or (``Launcher.image``) in the image the IR names,
with the pipeline's volume and the artifact store mounted where the cluster mounts them:
KFP's launcher keeps minio://bucket/x at /minio/bucket/x, so one shared folder at /minio
stands for MinIO.
"""

from __future__ import annotations

import graphlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.runners import kfp_entrypoint

TASK_INPUT = "{{$}}"
PARAMETER_TYPES: dict[str, Callable[[str], Any]] = {
    "STRING": str,
    "NUMBER_INTEGER": int,
    "NUMBER_DOUBLE": float,
    "BOOLEAN": lambda text: text.lower() in ("1", "true", "yes"),
}


class IRError(RuntimeError):
    """The IR cannot be run as given; one line."""


class TaskFailed(RuntimeError):
    def __init__(self, task: str, log: Path, tail: str) -> None:
        super().__init__(f"task {task} failed (log: {log}):\n{tail}")
        self.task = task
        self.log = log


@dataclass
class Launcher:
    """Where tasks run: here, or in a container of the IR's image (``docker`` set)."""

    docker: str | None = None  # the docker command; None: subprocesses
    mounts: list[tuple[str, str]] = field(default_factory=list)  # (host, container) folders

    def command(self, image: str, argv: list[str], task_dir: Path) -> list[str]:
        if self.docker is None:
            return argv
        volumes = [*self.mounts, (str(task_dir), str(task_dir))]
        flags = [f"--volume={host}:{inside}" for host, inside in volumes]
        # The caller's user, so that what tasks write stays the caller's to read and delete.
        user = f"--user={os.getuid()}:{os.getgid()}"
        return [self.docker, "run", "--rm", "--network=none", user, "--env=HOME=/tmp",
                *flags, image, *argv]  # fmt: skip

    def _on_host(self, path: str) -> str | None:
        for host, inside in self.mounts:
            if path == inside or path.startswith(inside.rstrip("/") + "/"):
                return host + path[len(inside.rstrip("/")) :]
        return None

    def host_path(self, path: str) -> str:
        """Where a path inside the container is on this machine."""
        return self._on_host(path) or path

    def prepare_output(self, uri: str) -> None:
        """Creates an output's folder, as KFP's launcher does before the command: in a
        container, where the entry point will look for it (minio://b/x at /minio/b/x)."""
        if self.docker is None:
            folder = None if "://" in uri else uri
        else:
            folder = self._on_host(kfp_entrypoint.local_path(uri))
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # `python` in the IR is this environment's Python when tasks run as subprocesses.
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        return env


def pipeline_parameters(spec: dict[str, Any], job: dict[str, Any], given: dict[str, str]) -> dict:
    """Defaults, then the job's run-time config, then what the user gave (typed as declared)."""
    declared = spec["root"].get("inputDefinitions", {}).get("parameters", {})
    values = {n: d["defaultValue"] for n, d in declared.items() if "defaultValue" in d}
    values.update(job.get("runtimeConfig", {}).get("parameterValues", {}))
    for name, text in given.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise IRError(f"the pipeline has no parameter '{name}' (its parameters: {known})")
        kind = declared[name].get("parameterType", "STRING")
        try:
            values[name] = PARAMETER_TYPES.get(kind, str)(text)
        except ValueError:
            raise IRError(f"parameter {name}: '{text}' is not a {kind}") from None
    missing = sorted(set(declared) - set(values))
    if missing:
        raise IRError(f"no value for the pipeline parameters: {', '.join(missing)}")
    return values


def dependencies(tasks: dict[str, Any]) -> graphlib.TopologicalSorter:
    graph: graphlib.TopologicalSorter = graphlib.TopologicalSorter()
    for name, task in sorted(tasks.items()):
        producers = {
            a["taskOutputArtifact"]["producerTask"]
            for a in task.get("inputs", {}).get("artifacts", {}).values()
            if "taskOutputArtifact" in a
        }
        graph.add(name, *sorted(set(task.get("dependentTasks", [])) | producers))
    return graph


def task_order(tasks: dict[str, Any]) -> list[str]:
    return list(dependencies(tasks).static_order())


class IRRunner:
    def __init__(
        self,
        job: dict[str, Any],
        work_dir: Path,
        launcher: Launcher,
        parameters: dict[str, str] | None = None,
        pipeline_root: str | None = None,
        on_task: Callable[[str, str, float], None] = lambda task, state, seconds: None,
        parallel_tasks: int = 8,
    ) -> None:
        self.spec = job["pipelineSpec"]
        self.parameters = pipeline_parameters(self.spec, job, parameters or {})
        self.root = pipeline_root or job.get("runtimeConfig", {}).get("gcsOutputDirectory", "")
        if not self.root:
            raise IRError("the IR names no pipeline root: give one")
        self.work_dir = work_dir
        self.launcher = launcher
        self.on_task = on_task
        self.parallel_tasks = parallel_tasks  # KFP starts every task whose inputs are ready
        self.run_id = time.strftime("run-%Y%m%d-%H%M%S")
        self.outputs: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def run(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Every task, each once its producers are done, up to ``parallel_tasks`` at a time
        (a Tuner and its worker tasks run together); returns each task's output artifacts as
        KFP records them. After a failure no task starts; the running ones are waited for."""
        tasks = self.spec["root"]["dag"]["tasks"]
        graph = dependencies(tasks)
        graph.prepare()
        failure: BaseException | None = None
        with futures.ThreadPoolExecutor(self.parallel_tasks) as pool:
            running: dict[futures.Future, str] = {}
            while graph.is_active():
                if failure is None:
                    for name in sorted(graph.get_ready()):
                        running[pool.submit(self._timed_task, name, tasks[name])] = name
                if not running:
                    break
                finished, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    if future.exception() is not None:
                        failure = failure or future.exception()
                        continue
                    self.outputs[name] = future.result()
                    graph.done(name)
        if failure is not None:
            raise failure
        return self.outputs

    def _timed_task(self, name: str, task: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        started = time.monotonic()
        self.on_task(name, "running", 0.0)
        outputs = self._run_task(name, task)
        self.on_task(name, "done", time.monotonic() - started)
        return outputs

    def _run_task(self, name: str, task: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        component = self.spec["components"][task["componentRef"]["name"]]
        executor = self.spec["deploymentSpec"]["executors"][component["executorLabel"]]
        if "importer" in executor:
            return self._import(name, component, executor["importer"])
        if "resolver" in executor:
            raise IRError(f"task {name} is a resolver, which open-source KFP cannot run")
        if "container" not in executor:
            raise IRError(f"task {name}: unsupported executor {sorted(executor)}")
        task_dir = self.work_dir / self.run_id / name
        task_dir.mkdir(parents=True, exist_ok=True)
        executor_input = self._executor_input(name, task, component, task_dir)
        container = executor["container"]
        hook = container.get("lifecycle", {}).get("preCacheCheck")
        log = task_dir / "task.log"
        if hook:
            self._execute(name, container["image"], hook, executor_input, task_dir, log)
        self._execute(name, container["image"], container, executor_input, task_dir, log)
        return self._collect(executor_input)

    def _executor_input(
        self, name: str, task: dict[str, Any], component: dict[str, Any], task_dir: Path
    ) -> dict[str, Any]:
        inputs = task.get("inputs", {})
        values = {}
        for key, source in inputs.get("parameters", {}).items():
            if "componentInputParameter" in source:
                values[key] = self.parameters[source["componentInputParameter"]]
            elif "constant" in source.get("runtimeValue", {}):
                values[key] = source["runtimeValue"]["constant"]
            else:
                raise IRError(f"task {name}: parameter {key} has an unsupported source {source}")
        artifacts = {}
        for key, source in inputs.get("artifacts", {}).items():
            producer = source.get("taskOutputArtifact")
            if producer is None:
                raise IRError(f"task {name}: input {key} has an unsupported source {source}")
            produced = self.outputs[producer["producerTask"]][producer["outputArtifactKey"]]
            artifacts[key] = {"artifacts": produced}
        outputs = {}
        declared = component.get("outputDefinitions", {}).get("artifacts", {})
        for key, definition in declared.items():
            uri = f"{self.root.rstrip('/')}/{self.run_id}/{name}/{key}"
            artifact = self._artifact(name, key, uri, definition["artifactType"], {})
            outputs[key] = {"artifacts": [artifact]}
            self.launcher.prepare_output(uri)
        return {
            "inputs": {"parameterValues": values, "artifacts": artifacts},
            "outputs": {
                "artifacts": outputs,
                "outputFile": str(task_dir / "executor_output.json"),
            },
        }

    def _execute(
        self,
        name: str,
        image: str,
        container: dict[str, Any],
        executor_input: dict[str, Any],
        task_dir: Path,
        log: Path,
    ) -> None:
        serialized = json.dumps(executor_input)
        template = container["command"] + container["args"]
        argv = [a.replace(TASK_INPUT, serialized) for a in template]
        if any("{{$" in a for a in argv):
            raise IRError(f"task {name}: a placeholder other than {TASK_INPUT} is not supported")
        with open(log, "a") as handle:
            done = subprocess.run(
                self.launcher.command(image, argv, task_dir),
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=self.launcher.env(),
                cwd=task_dir,
                check=False,
            )
        if done.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise TaskFailed(name, log, tail)

    def _collect(self, executor_input: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """The declared outputs, with what the executor wrote of them (URIs, properties)."""
        declared = executor_input["outputs"]["artifacts"]
        output_file = Path(executor_input["outputs"]["outputFile"])
        written = json.loads(output_file.read_text()) if output_file.exists() else {}
        result = {}
        for key, artifact_list in declared.items():
            artifact = dict(artifact_list["artifacts"][0])
            for reported in written.get("artifacts", {}).get(key, {}).get("artifacts", [])[:1]:
                artifact["metadata"] = reported.get("metadata", {})
                artifact["uri"] = reported.get("uri") or artifact["uri"]
            result[key] = [artifact]
        return result

    def _import(
        self, name: str, component: dict[str, Any], importer: dict[str, Any]
    ) -> dict[str, list[dict[str, Any]]]:
        source = importer["artifactUri"]
        if "runtimeParameter" in source:
            uri = self.parameters[source["runtimeParameter"]]
        else:
            uri = source.get("constant") or source["constantValue"]["stringValue"]
        (key,) = component["outputDefinitions"]["artifacts"]
        metadata = importer.get("metadata", {})
        return {key: [self._artifact(name, key, uri, importer["typeSchema"], metadata)]}

    def _artifact(
        self, task: str, key: str, uri: str, type_schema: dict[str, Any], metadata: dict
    ) -> dict[str, Any]:
        """A runtime artifact as the executor input carries it, named for this run."""
        name = f"{self.run_id}.{task}.{key}"
        return {"name": name, "uri": uri, "type": type_schema, "metadata": metadata}
