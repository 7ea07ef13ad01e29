"""The guardrails' settings (the config's ``guardrails`` section)."""

from __future__ import annotations

from typing import Literal

from components.common.settings import StrictSettings

GuardrailKind = Literal["constant", "id_like", "leakage"]


class GuardrailsConfig(StrictSettings):
    """Data guardrails (components.guardrails), between the data gate and Transform: each
    finding is reported with what was done and the setting below that undoes it."""

    enabled: bool = True
    # Balance an imbalanced label: classes weighted inversely to their frequency in training.
    class_weights: bool = True
    # Findings whose column is left out of training, and columns never left out.
    exclude_kinds: tuple[GuardrailKind, ...] = ("constant", "id_like", "leakage")
    keep_features: tuple[str, ...] = ()
    leakage: bool = True  # try each column alone against the label, on a sample of rows
