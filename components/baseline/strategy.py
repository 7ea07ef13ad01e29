"""Resolves the Evaluator's baseline: the latest blessed model that is not the candidate itself.

TFX's LatestBlessedModelStrategy returns the latest blessed model, full stop. On a re-run where
the Trainer's output came from the cache, that is the candidate itself: the Evaluator then sees a
new input (baseline changed from "none" to "the candidate"), misses the cache, compares the
model with itself and the Pusher pushes the same model again as a new version. Excluding the
candidate makes an identical re-run resolve the same baseline as the first run, so Evaluator
and Pusher are reused from the cache, and a model is never its own baseline.
"""

from __future__ import annotations

from typing import Any

from tfx.components.evaluator import constants
from tfx.dsl.components.common import resolver
from tfx.types import artifact

MODEL = "model"
BLESSING = "model_blessing"
CANDIDATE = "candidate"


class LatestBlessedBaselineStrategy(resolver.ResolverStrategy):
    """Inputs: all models, all blessings, and the candidate; output: baseline model + blessing."""

    def resolve_artifacts(
        self, store: Any, input_dict: dict[str, list[artifact.Artifact]]
    ) -> dict[str, list[artifact.Artifact]] | None:
        candidates = {a.id for a in input_dict.get(CANDIDATE, [])}
        blessed = {
            b.get_int_custom_property(constants.ARTIFACT_PROPERTY_CURRENT_MODEL_ID_KEY): b
            for b in input_dict.get(BLESSING, [])
            if b.get_int_custom_property(constants.ARTIFACT_PROPERTY_BLESSED_KEY) == 1
        }
        result: dict[str, list[artifact.Artifact]] = {MODEL: [], BLESSING: [], CANDIDATE: []}
        for model in sorted(input_dict.get(MODEL, []), key=lambda a: a.id, reverse=True):
            if model.id in blessed and model.id not in candidates:
                result[MODEL] = [model]
                result[BLESSING] = [blessed[model.id]]
                break
        return result
