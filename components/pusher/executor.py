"""Publishing a blessed model so that serving never sees half of it, and remembering why.

TFX's Pusher copies the model straight into ``<base>/<version>/`` (saved_model.pb last, so TF
Serving waits for it), but a crash mid-copy leaves a partial version folder that anything
listing versions sees. Here the model is copied into a hidden ``.pushing-<version>`` folder
beside the versions, with ``automl_version.json`` (metrics, span, study, run), and renamed
into place: one atomic step on one file system. A crash before the rename leaves the
previous version serving and only a hidden folder, which the next push clears.

Every decision, pushed or not, goes to the history folder's ``promotion/`` with its reasons.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from typing import Any

from tfx import types
from tfx.components.pusher import executor as tfx_pusher
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils

from components import history
from components.model_evaluation import read_evaluation

log = logging.getLogger("automl.pusher")

VERSION_FILE = "automl_version.json"
STAGING_PREFIX = ".pushing-"
CRASH_ENV = "AUTOML_TEST_CRASH_DURING_PUSH"  # tests: die between copying and publishing


def versions(base: str) -> list[int]:
    """The published versions under ``base``, oldest first (hidden staging folders are not)."""
    if not os.path.isdir(base):
        return []
    return sorted(int(e.name) for e in os.scandir(base) if e.is_dir() and e.name.isdigit())


def next_version(base: str) -> int:
    """Seconds since the epoch, as TFX numbers versions, and always above the newest."""
    return max([int(time.time()), *(v + 1 for v in versions(base))])


def publish(source: str, base: str, record: dict[str, Any]) -> str:
    """Copies the SavedModel at ``source`` into a new version of ``base``, atomically;
    returns the version's folder."""
    os.makedirs(base, exist_ok=True)
    for entry in os.scandir(base):  # what a crashed push left
        if entry.name.startswith(STAGING_PREFIX):
            shutil.rmtree(entry.path, ignore_errors=True)
    version = next_version(base)
    staging = os.path.join(base, f"{STAGING_PREFIX}{version}")
    shutil.copytree(source, staging)
    with open(os.path.join(staging, VERSION_FILE), "w") as handle:
        json.dump({**record, "version": version}, handle, indent=1)
    if os.environ.get(CRASH_ENV):
        os._exit(86)  # a machine dying here must leave the previous version serving
    target = os.path.join(base, str(version))
    os.rename(staging, target)
    return target


def read_record(version_dir: str) -> dict[str, Any]:
    path = os.path.join(version_dir, VERSION_FILE)
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)


class Executor(tfx_pusher.Executor):
    """TFX's Pusher (blessing check, model path, output artifact), publishing atomically."""

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        pushed = artifact_utils.get_single_instance(
            output_dict[standard_component_specs.PUSHED_MODEL_KEY]
        )
        destination = pusher_pb2.PushDestination()
        proto_utils.json_to_proto(
            exec_properties[standard_component_specs.PUSH_DESTINATION_KEY], destination
        )
        base = destination.filesystem.base_directory
        record = self._record(input_dict)
        blessed = self.CheckBlessing(input_dict)
        decision = {**record, "time": time.time(), "blessed": blessed, "version": None}
        if blessed:
            model_path = self.GetModelPath(input_dict)
            target = publish(model_path, base, record)
            io_utils.copy_dir(model_path, pushed.uri)
            self._MarkPushed(pushed, pushed_destination=target)
            pushed.set_string_custom_property("pushed_version", os.path.basename(target))
            decision["version"] = int(os.path.basename(target))
            log.info("Model published to %s", target)
        else:
            self._MarkNotPushed(pushed)
        history.record_decision(exec_properties["history_dir"], "promotion", decision)

    @staticmethod
    def _record(input_dict: dict[str, list[types.Artifact]]) -> dict[str, Any]:
        """Lineage and metrics kept with a version: which span, which study, which model."""
        model = artifact_utils.get_single_instance(input_dict["model"])
        record: dict[str, Any] = {"model": model.uri, "span": None, "study": None}
        if examples := input_dict.get("examples"):
            record["span"] = history.span_of(artifact_utils.get_single_instance(examples))
        if study := input_dict.get("study"):
            record["study"] = artifact_utils.get_single_uri(study)
        if evaluation := input_dict.get("evaluation"):
            metrics, failed = read_evaluation(artifact_utils.get_single_uri(evaluation))
            record.update(metrics=metrics, failed_checks=failed)
        return record
