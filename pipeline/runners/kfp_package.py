"""The compiled pipeline's two file formats, read without TFX (run-ir starts in a second).

``.json`` is TFX's own (a PipelineJob: spec plus run-time config, what Vertex AI takes);
``.yaml`` is the package ``kfp.Client`` uploads (the PipelineSpec with its default root, then
the Kubernetes platform spec that mounts the volume).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


def write(job: dict[str, Any], output: Path) -> None:
    """``.yaml``: the KFP package; anything else: TFX's PipelineJob JSON."""
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix in (".yaml", ".yml"):
        spec = dict(job["pipelineSpec"])
        spec["defaultPipelineRoot"] = job["runtimeConfig"]["gcsOutputDirectory"]
        documents = [spec] + ([job["platformSpec"]] if "platformSpec" in job else [])
        text = yaml.safe_dump_all(documents, sort_keys=False)
    else:
        text = json.dumps(job, indent=2, sort_keys=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(output)  # never a half-written package


def read(path: Path) -> dict[str, Any]:
    """Either format back as a PipelineJob dict (what ``automl run-ir`` executes)."""
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        documents = list(yaml.safe_load_all(text)) or [None]
        spec = documents[0]
        root = spec.get("defaultPipelineRoot", "") if isinstance(spec, dict) else ""
        job = {"pipelineSpec": spec, "runtimeConfig": {"gcsOutputDirectory": root}}
        if len(documents) > 1:
            job["platformSpec"] = documents[1]
    else:
        job = json.loads(text)
    spec = job.get("pipelineSpec") if isinstance(job, dict) else None
    if not isinstance(spec, dict) or "dag" not in spec.get("root", {}):
        raise ValueError(f"{path.name} is not a compiled pipeline (no pipelineSpec.root.dag)")
    return job
