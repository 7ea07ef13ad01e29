"""The IR runner's and the entry point's own logic, on small hand-written IR (no TFX run)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pipeline.runners import ir_runner, kfp_entrypoint


def job(tasks: dict, executors: dict, components: dict, parameters: dict | None = None) -> dict:
    return {
        "pipelineSpec": {
            "pipelineInfo": {"name": "t"},
            "root": {
                "dag": {"tasks": tasks},
                "inputDefinitions": {"parameters": parameters or {}},
            },
            "components": components,
            "deploymentSpec": {"executors": executors},
        },
        "runtimeConfig": {"gcsOutputDirectory": "/unused"},
    }


def python_task(code: str) -> dict:
    """A container executor running Python on the executor input, like TFX's entry point."""
    return {
        "container": {"image": "x", "command": [sys.executable, "-c", code], "args": ["{{$}}"]}
    }


WRITE_OUTPUT = """
import json, sys, pathlib
executor_input = json.loads(sys.argv[1])
out = executor_input["outputs"]
value = executor_input["inputs"]["parameterValues"].get("n", 0)
artifact = out["artifacts"]["result"]["artifacts"][0]
pathlib.Path(artifact["uri"], "value").write_text(str(value))
artifact["metadata"] = {"n": value}
pathlib.Path(out["outputFile"]).write_text(json.dumps({"artifacts": out["artifacts"]}))
"""
READ_INPUT = """
import json, sys, pathlib
executor_input = json.loads(sys.argv[1])
(artifact,) = executor_input["inputs"]["artifacts"]["source"]["artifacts"]
assert artifact["metadata"]["n"] == 7, artifact
assert pathlib.Path(artifact["uri"], "value").read_text() == "7"
"""
ARTIFACT_TYPE = {"artifactType": {"schemaTitle": "system.Artifact"}}


def two_tasks() -> dict:
    return job(
        tasks={
            "consume": {
                "componentRef": {"name": "consume"},
                "inputs": {"artifacts": {"source": {"taskOutputArtifact": {
                    "producerTask": "produce", "outputArtifactKey": "result"}}}},
            },
            "produce": {
                "componentRef": {"name": "produce"},
                "inputs": {"parameters": {"n": {"componentInputParameter": "n"}}},
            },
        },
        executors={"produce": python_task(WRITE_OUTPUT), "consume": python_task(READ_INPUT)},
        components={
            "produce": {"executorLabel": "produce",
                        "outputDefinitions": {"artifacts": {"result": ARTIFACT_TYPE}}},
            "consume": {"executorLabel": "consume"},
        },
        parameters={"n": {"parameterType": "NUMBER_INTEGER", "defaultValue": 1}},
    )  # fmt: skip


def test_tasks_run_in_order_and_pass_artifacts_with_their_metadata(tmp_path):
    seen = []
    runner = ir_runner.IRRunner(
        two_tasks(), tmp_path / "work", ir_runner.Launcher(), {"n": "7"},
        pipeline_root=str(tmp_path / "root"), on_task=lambda t, s, _: seen.append((t, s)),
    )  # fmt: skip
    outputs = runner.run()
    assert [t for t, s in seen if s == "done"] == ["produce", "consume"]
    (result,) = outputs["produce"]["result"]
    assert result["uri"] == str(tmp_path / "root" / runner.run_id / "produce" / "result")
    assert result["metadata"] == {"n": 7}
    assert result["type"] == {"schemaTitle": "system.Artifact"}


def test_a_failing_task_names_itself_and_its_log(tmp_path):
    broken = two_tasks()
    broken["pipelineSpec"]["deploymentSpec"]["executors"]["consume"] = python_task(
        "raise SystemExit('no good')"
    )
    runner = ir_runner.IRRunner(
        broken, tmp_path, ir_runner.Launcher(), pipeline_root=str(tmp_path / "root")
    )
    with pytest.raises(ir_runner.TaskFailed, match="task consume failed") as failed:
        runner.run()
    assert "no good" in failed.value.log.read_text()


MEET = """
import pathlib, sys, time
here, other = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
here.touch()
deadline = time.monotonic() + 60
while not other.exists():  # only a task running at the same time can create it
    if time.monotonic() > deadline:
        raise SystemExit("the other task never ran beside this one")
    time.sleep(0.05)
"""


def independent_tasks(codes: dict[str, list[str]], after: dict | None = None) -> dict:
    """Tasks that share no artifacts; ``after`` adds dependencies by name."""
    return job(
        tasks={
            name: {"componentRef": {"name": name}, "dependentTasks": (after or {}).get(name, [])}
            for name in codes
        },
        executors={
            name: {"container": {"image": "x", "command": [sys.executable, "-c", *argv],
                                 "args": ["{{$}}"]}}
            for name, argv in codes.items()
        },
        components={name: {"executorLabel": name} for name in codes},
    )  # fmt: skip


def watched_runner(spec: dict, tmp_path: Path) -> tuple[ir_runner.IRRunner, list]:
    """A runner of ``spec`` and the list of (task, state) events it reports."""
    seen: list = []
    runner = ir_runner.IRRunner(
        spec, tmp_path / "work", ir_runner.Launcher(), pipeline_root=str(tmp_path / "root"),
        on_task=lambda t, s, _: seen.append((t, s)),
    )  # fmt: skip
    return runner, seen


def test_ready_tasks_run_at_the_same_time_as_kfp_starts_them(tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    spec = independent_tasks(
        {"tuner": [MEET, a, b], "worker": [MEET, b, a], "after": ["pass"]},
        after={"after": ["tuner", "worker"]},
    )  # fmt: skip
    runner, seen = watched_runner(spec, tmp_path)
    runner.run()
    assert seen[-2:] == [("after", "running"), ("after", "done")]


def test_after_a_failure_running_tasks_end_and_no_task_starts(tmp_path):
    slow = "import time, pathlib, sys; time.sleep(1); pathlib.Path(sys.argv[1]).touch()"
    spec = independent_tasks(
        {"fails": ["raise SystemExit('bad')"], "slow": [slow, str(tmp_path / "slow")],
         "next": ["pass"]},
        after={"next": ["slow"]},
    )  # fmt: skip
    runner, seen = watched_runner(spec, tmp_path)
    with pytest.raises(ir_runner.TaskFailed, match="task fails failed"):
        runner.run()
    assert (tmp_path / "slow").exists() and ("slow", "done") in seen
    assert not any(t == "next" for t, _ in seen)


@pytest.mark.parametrize(
    ("given", "message"),
    [({"m": "1"}, "no parameter 'm'"), ({"n": "one"}, "is not a NUMBER_INTEGER")],
)
def test_bad_parameters_are_refused(tmp_path, given, message):
    with pytest.raises(ir_runner.IRError, match=message):
        ir_runner.IRRunner(two_tasks(), tmp_path, ir_runner.Launcher(), given, str(tmp_path))


def test_resolver_tasks_are_refused_as_kfp_refuses_them(tmp_path):
    spec = two_tasks()
    spec["pipelineSpec"]["deploymentSpec"]["executors"]["produce"] = {"resolver": {}}
    runner = ir_runner.IRRunner(spec, tmp_path, ir_runner.Launcher(), pipeline_root="/r")
    with pytest.raises(ir_runner.IRError, match="resolver"):
        runner.run()


def test_docker_launcher_mounts_and_maps_paths_back(tmp_path):
    launcher = ir_runner.Launcher(docker="docker", mounts=[(str(tmp_path), "/automl")])
    command = launcher.command("img:1", ["python", "-m", "x"], tmp_path / "task")
    assert command[:3] == ["docker", "run", "--rm"]
    assert "--network=none" in command
    assert f"--volume={tmp_path}:/automl" in command
    assert command[-4:] == ["img:1", "python", "-m", "x"]
    assert launcher.host_path("/automl/serving/1") == f"{tmp_path}/serving/1"
    assert launcher.host_path("/elsewhere") == "/elsewhere"


def test_entry_point_maps_object_store_uris_to_launcher_paths_and_back(tmp_path):
    executor_input = {
        "inputs": {"artifacts": {"a": {"artifacts": [{"uri": "minio://bucket/x/a"}]}}},
        "outputs": {"artifacts": {"b": {"artifacts": [{"uri": "s3://b2/y"}]}},
                    "outputFile": str(tmp_path / "out.json")},
    }  # fmt: skip
    remote_of = kfp_entrypoint.map_artifact_uris(executor_input)
    assert executor_input["inputs"]["artifacts"]["a"]["artifacts"][0]["uri"] == "/minio/bucket/x/a"
    assert executor_input["outputs"]["artifacts"]["b"]["artifacts"][0]["uri"] == "/s3/b2/y"
    Path(tmp_path / "out.json").write_text(
        json.dumps({"artifacts": {"b": {"artifacts": [{"uri": "/s3/b2/y"}]}}})
    )
    kfp_entrypoint.restore_output_uris(str(tmp_path / "out.json"), remote_of)
    written = json.loads((tmp_path / "out.json").read_text())
    assert written["artifacts"]["b"]["artifacts"][0]["uri"] == "s3://b2/y"
    assert kfp_entrypoint.local_path("/local/root/x") == "/local/root/x"


def test_docker_launcher_prepares_outputs_where_the_task_will_look(tmp_path):
    launcher = ir_runner.Launcher(docker="docker", mounts=[(str(tmp_path / "m"), "/minio")])
    launcher.prepare_output("minio://bucket/run/Trainer/model")
    assert (tmp_path / "m" / "bucket" / "run" / "Trainer" / "model").is_dir()
    launcher.prepare_output("gs://elsewhere/x")  # not mounted: nothing made on this machine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
