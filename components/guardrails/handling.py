"""What each guardrail finding leads to, and how a person overrides it.

Cloud AutoML services apply such fixes silently; we apply them and say so, finding by
finding, with the config key that undoes each one. Columns are excluded by marking them
DEPRECATED in the schema the rest of the pipeline reads, which is how TFX itself retires a
feature: Transform, the Trainer and the serving signature then never see the column (a
server need not send it), while ExampleValidator and the data gate still check it against
the curated schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tensorflow_metadata.proto.v0 import schema_pb2

from components.guardrails.checks import Finding
from modeling.class_weights import BALANCED

REPORT_FILE = "guardrails.json"  # the findings artifact's file: Decision.as_dict()

_KEPT_HOW = {
    "missing": "kept: missing values are imputed (numbers: the training mean, plus a 0/1 "
    "was-missing feature; strings: a token of their own)",
    "high_cardinality": "kept: the vocabulary keeps the 1,000 most frequent values, the rest "
    "share one out-of-vocabulary bucket",
}
_WHY_EXCLUDED = {
    "constant": "carries no information",
    "id_like": "a model can only memorise it",
    "leakage": "nearly always information from after the fact",
}


@dataclass(frozen=True)
class Handled:
    """A finding and what was done about it."""

    finding: Finding
    handling: str  # what was done, for a person
    override: str  # the config setting that undoes (or applies) it

    def as_dict(self) -> dict[str, Any]:
        return {**self.finding.as_dict(), "handling": self.handling, "override": self.override}

    def line(self) -> str:
        return describe(self.as_dict())


def describe(handled: Mapping[str, Any]) -> str:
    """One line for a person: what was found, what was done, and how to undo it."""
    return (
        f"{handled['kind']}: {handled['feature']}: {handled['detected']}; "
        f"{handled['handling']} ({handled['override']})"
    )


@dataclass(frozen=True)
class Decision:
    handled: tuple[Handled, ...] = ()
    excluded: tuple[str, ...] = ()  # columns the rest of the pipeline does not see
    class_weighting: str | None = None  # "balanced": classes weighted inversely to frequency
    notes: tuple[str, ...] = ()  # checks that could not run, and why

    def as_dict(self) -> dict[str, Any]:
        return {
            "findings": [h.as_dict() for h in self.handled],
            "excluded": list(self.excluded),
            "class_weighting": self.class_weighting,
            "notes": list(self.notes),
        }


def decide(findings: Iterable[Finding], settings: Mapping[str, Any]) -> Decision:
    """The handling of every finding under the config's ``guardrails`` section
    (pipeline.definition.config.GuardrailsConfig, as JSON)."""
    keep = set(settings["keep_features"])
    excluding = set(settings["exclude_kinds"])
    weights = bool(settings["class_weights"])
    handled, excluded, weighting = [], [], None
    for finding in findings:
        name, kind = finding.feature, finding.kind
        if kind == "imbalance":
            if weights:
                weighting = BALANCED
                how = "handled: classes weighted inversely to their frequency in training"
                handled.append(Handled(finding, how, "guardrails.class_weights: false"))
            else:
                handled.append(Handled(finding, "not handled: class weights are off",
                                       "guardrails.class_weights: true"))  # fmt: skip
        elif kind in _KEPT_HOW:
            handled.append(Handled(finding, _KEPT_HOW[kind], f"exclude_features: [{name}]"))
        elif name in keep:
            handled.append(Handled(
                finding, "kept, as guardrails.keep_features says",
                f"remove {name} from guardrails.keep_features",
            ))  # fmt: skip
        elif kind in excluding:
            if name not in excluded:
                excluded.append(name)
            handled.append(Handled(
                finding, f"excluded from training ({_WHY_EXCLUDED[kind]})",
                f"guardrails.keep_features: [{name}]",
            ))  # fmt: skip
        else:
            handled.append(Handled(
                finding, f"kept: guardrails.exclude_kinds leaves out {kind}",
                f"guardrails.exclude_kinds: [..., {kind}]",
            ))  # fmt: skip
    return Decision(tuple(handled), tuple(excluded), weighting)


def without_columns(schema: schema_pb2.Schema, columns: Sequence[str]) -> schema_pb2.Schema:
    """A copy of ``schema`` in which ``columns`` are DEPRECATED (see the module's docstring)."""
    edited = schema_pb2.Schema()
    edited.CopyFrom(schema)
    wanted = set(columns)
    for feature in edited.feature:
        if feature.name in wanted:
            feature.lifecycle_stage = schema_pb2.DEPRECATED
            wanted.discard(feature.name)
    if wanted:
        raise ValueError(f"columns not in the schema: {', '.join(sorted(wanted))}")
    return edited

