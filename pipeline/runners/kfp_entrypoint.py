"""The container entry point of every compiled task: TFX's v2 executor, made to work on KFP.

TFX's entry point (kubeflow_v2_run_executor) opens artifacts at their URIs, which Vertex AI
serves as gs:// paths. Open-source KFP stores them in MinIO or S3, which TensorFlow cannot open;
instead its launcher downloads every input artifact to a local path before the command and
uploads every output from its local path after it (minio://b/x at /minio/b/x, s3:// at /s3/,
gs:// at /gcs/). So this entry point hands the executor those local paths and writes the
real URIs back into the executor output. A URI with no such mapping (a local pipeline root,
as ``automl run-ir`` uses) is left as it is.

It also runs ExampleGen's driver when nothing ran it: Vertex runs the IR's ``preCacheCheck``
hook before the container, KFP does not, and the executor needs the driver's resolved input.
The driver resolves the span, but TFX's executor entry point writes the Examples without it;
this entry point puts the span (and version, fingerprint) back on them, so that the data gate
downstream knows which span it is judging and which accepted span came before. The data
check's verdict on bad data is one line and exit 2, not a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
from components.data_check.csv_reading import DataError

LOCAL_PREFIXES = {"minio://": "/minio/", "s3://": "/s3/", "gs://": "/gcs/"}
INVOCATION_FLAG = "--json_serialized_invocation_args"
# File-based ExampleGens' executors, whose driver resolves a span: TFX's and ours (Arrow).
EXAMPLE_GEN_EXECUTORS = (
    "tfx.components.example_gen.csv_example_gen.executor.Executor",
    "components.example_gen.executor.Executor",
)


def local_path(uri: str) -> str:
    for prefix, local in LOCAL_PREFIXES.items():
        if uri.startswith(prefix):
            return local + uri[len(prefix) :]
    return uri


def map_artifact_uris(executor_input: dict[str, Any]) -> dict[str, str]:
    """Rewrites, in place, every artifact URI to its local path; returns local -> remote."""
    remote_of = {}
    for side in ("inputs", "outputs"):
        for artifact_list in executor_input.get(side, {}).get("artifacts", {}).values():
            for artifact in artifact_list.get("artifacts", []):
                uri = artifact.get("uri", "")
                mapped = local_path(uri)
                if mapped != uri:
                    remote_of[mapped] = uri
                    artifact["uri"] = mapped
    return remote_of


def restore_output_uris(output_file: str, remote_of: dict[str, str]) -> None:
    if not remote_of or not os.path.exists(output_file):
        return
    with open(output_file) as handle:
        output = json.load(handle)
    for artifact_list in output.get("artifacts", {}).values():
        for artifact in artifact_list.get("artifacts", []):
            artifact["uri"] = remote_of.get(artifact.get("uri", ""), artifact.get("uri", ""))
    with open(output_file, "w") as handle:
        json.dump(output, handle)


_RESOLVED = ("span", "version", "input_fingerprint")


def driver_resolution(output_file: str) -> dict[str, Any]:
    """What ExampleGen's driver resolved (its executor output's parameters)."""
    if not os.path.exists(output_file):
        return {}
    with open(output_file) as handle:
        values = json.load(handle).get("parameterValues", {})
    return {k: values[k] for k in _RESOLVED if k in values}


def stamp_examples(output_file: str, resolved: dict[str, Any]) -> None:
    """Adds the driver's resolution to the Examples' metadata in the executor output."""
    if not resolved or not os.path.exists(output_file):
        return
    with open(output_file) as handle:
        output = json.load(handle)
    for artifact in output.get("artifacts", {}).get("examples", {}).get("artifacts", []):
        artifact.setdefault("metadata", {}).update(resolved)
    with open(output_file, "w") as handle:
        json.dump(output, handle)


def main(argv: list[str]) -> None:
    # Our components log progress (a line per trial) at INFO under "automl"; the root logger
    # stays at WARNING in a task, so say it here, as the local runner's progress display does.
    logging.getLogger("automl").setLevel(logging.INFO)
    from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_run_executor as tfx_entry
    from tfx.orchestration.kubeflow.v2.file_based_example_gen import driver

    args, beam_args = tfx_entry._parse_flags(argv)
    executor_input = json.loads(args.json_serialized_invocation_args)
    remote_of = map_artifact_uris(executor_input)
    args.json_serialized_invocation_args = json.dumps(executor_input)
    output_file = executor_input["outputs"]["outputFile"]
    resolved: dict[str, Any] = {}
    if args.executor_class_path in EXAMPLE_GEN_EXECUTORS:
        if not os.path.exists(output_file):
            driver.main(
                argparse.Namespace(
                    json_serialized_invocation_args=args.json_serialized_invocation_args,
                    json_serialized_inputs_spec_args=args.json_serialized_inputs_spec_args,
                )
            )
        resolved = driver_resolution(output_file)
    try:
        tfx_entry._run_executor(args, beam_args)
    except DataError as exc:  # the data check's verdict: one line in the task's log
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    stamp_examples(output_file, resolved)
    restore_output_uris(output_file, remote_of)


if __name__ == "__main__":
    main(sys.argv[1:])
