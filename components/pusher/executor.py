"""Publishing a blessed model so that serving never sees half of it, and remembering why.

TFX's Pusher copies the model straight into ``<base>/<version>/`` (saved_model.pb last, so TF
Serving waits for it), but a crash mid-copy leaves a partial version folder that anything
listing versions sees. This executor keeps TFX's blessing check and output artifact and
publishes through versions.publish (copy aside, then one atomic rename), with the version's
lineage and metrics in ``automl_version.json``. Every decision, pushed or not, goes to the
history folder's ``promotion/`` with its reasons. A blessed model is held back while a
rollback's pin (versions.pinned) stands.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any

from tfx import types
from tfx.components.pusher import executor as tfx_pusher
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils

from components.common import history
from components.common.model_evaluation import read_evaluation
from components.pusher import pruning
from components.pusher.versions import pinned, publish

log = logging.getLogger("automl.pusher")


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
        pin = pinned(base) if blessed else None
        if pin is not None:  # an operator's rollback: the nightly run must not undo it
            self._MarkNotPushed(pushed)
            pushed.set_int_custom_property("held_by_pin", 1)
            decision["pinned"] = pin.get("version")
            log.warning("Blessed, not pushed: %s is pinned (automl unpin)", pin.get("version"))
        elif blessed:
            model_path = self.GetModelPath(input_dict)
            with _publish_lease(exec_properties.get("lease_store"), base):
                target = publish(model_path, base, record)
                _prune(base, exec_properties)
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


def _prune(base: str, exec_properties: dict[str, Any]) -> None:
    """On a cluster (the compiled pipeline sets ``keep_versions``): the newest served versions
    (always the serving and the pinned one) and the newest studies' snapshots stay, under the
    publish lease, so a run publishing beside this one never sees a version vanish."""
    keep_versions = int(exec_properties.get("keep_versions") or 0)
    if keep_versions <= 0:
        return
    pruned = pruning.Pruned()
    pruning.prune_versions(base, keep_versions, pruned)
    keep_runs, snapshots = exec_properties.get("keep_runs"), exec_properties.get("snapshot_dir")
    if keep_runs and snapshots:
        pruned.studies, size = pruning.prune_numbered(Path(snapshots), pruning.STUDY, keep_runs)
        pruned.bytes += size
    if pruned:
        log.info(pruned.line())


def _publish_lease(store_url: str | None, base: str) -> contextlib.AbstractContextManager:
    """The serving folder's publish lease in the study store (search.lease), if there is one."""
    if not store_url:
        return contextlib.nullcontext()
    from search.lease import Leases
    from search.liveness import worker_name

    return Leases(store_url).held(f"publish:{base}", worker_name())
