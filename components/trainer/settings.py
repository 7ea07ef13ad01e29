"""The Trainer's settings (the config's ``trainer`` section)."""

from __future__ import annotations

from pydantic import Field

from components.common.settings import StrictSettings


class TrainerConfig(StrictSettings):
    """Final training of the selected hyperparameters on the training split."""

    epochs: int | None = Field(None, ge=1, le=10_000)  # None: the tuned number of epochs
    early_stopping_patience: int = Field(4, ge=1, le=1000)
    # The selected trial and up to this many minus one runners-up are retrained; their
    # average or greedy ensemble is served when it beats the best alone on the eval split
    # (selection "best" only). 1: the selected model alone.
    ensemble_size: int = Field(3, ge=1, le=10)
    # Once the choices made on eval are done, the served forests grown in full are grown once
    # more on train+eval, and the served networks trained from scratch on train+eval for
    # their epochs to the best on eval (components/trainer/refit.py), as time allows.
    refit_forests: bool = True
    refit_networks: bool = True
