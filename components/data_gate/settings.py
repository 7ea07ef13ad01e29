"""The data gates' settings (the config's ``gates`` section) and the per-feature thresholds
file beside a curated schema (schemas/<dataset>/gates.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, field_validator

from components.common.settings import StrictSettings


# A data gate threshold: a distance in (0, 1], or "auto": from the compared samples' sizes
# (components.data_gate.checks.auto_threshold).
def _gate_threshold(value: Any) -> Any:
    if value is None or value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value <= 1.0:
        raise ValueError(f"a threshold is a distance in (0, 1] or 'auto', not {value!r}")
    return float(value)


GateThreshold = Annotated[float | str, BeforeValidator(_gate_threshold)]


class GatesConfig(StrictSettings):
    """The data gates before Transform (components.data_gate): the schema check, drift
    against the previous span and skew of the eval split against the train split. Their
    per-feature thresholds live beside the curated schema (schemas/<dataset>/gates.yaml);
    these are the defaults for features it does not name."""

    drift_threshold: GateThreshold = "auto"  # L-infinity / Kolmogorov-Smirnov
    # Skew is checked only for features gates.yaml names, unless a default is set here or
    # there ("auto" passes every same-population re-split of bench/gate_calibration.py).
    skew_threshold: GateThreshold | None = None
    # Let data that fails a gate through, deliberately: the gate records what it accepted
    # and the span becomes the baseline the next one is compared with.
    accept_changes: bool = False


class GateSection(StrictSettings):
    default: GateThreshold | None = None
    features: dict[str, float] = {}

    @field_validator("features")
    @classmethod
    def _in_range(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [f"{k}={v}" for k, v in value.items() if not 0.0 < v <= 1.0]
        if bad:
            raise ValueError(f"thresholds must be in (0, 1]: {', '.join(bad)}")
        return value


class GateFile(StrictSettings):
    """schemas/<dataset>/gates.yaml: per-feature thresholds (docs/retrains.md)."""

    drift: GateSection = GateSection()
    skew: GateSection = GateSection()
