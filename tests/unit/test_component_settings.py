"""Each component owns its settings model (components/*/settings.py), pipeline/definition/config.py
composes them, and an executor validates the settings it is handed before it reads an input:
a compiled pipeline's parameters can be edited in the KFP UI, so a bad value there is one
line naming the setting, not a KeyError or a wrong search."""

from __future__ import annotations

import json

import pytest

from components.guardrails.executor import Executor as GuardrailsExecutor
from components.guardrails.settings import GuardrailsConfig
from components.common.settings import ConfigError
from components.tuner.executor import Executor as TunerExecutor
from components.tuner.settings import TunerConfig
from components.tuner.worker_executor import Executor as WorkerExecutor
from pipeline.definition import config


def test_the_config_is_composed_of_the_components_own_models():
    built = config.build_config()
    assert type(built.tuner) is TunerConfig and type(built.guardrails) is GuardrailsConfig
    assert config.TunerConfig is TunerConfig  # one model, wherever it is named


@pytest.mark.parametrize(
    "executor, settings, message",
    [
        (TunerExecutor, {"max_trials": 0}, "tuner.max_trials: Input should be greater than"),
        (TunerExecutor, {"strategy": "annealing"}, "tuner.strategy: unknown strategy"),
        (WorkerExecutor, {"max_trials": 1, "seed": True}, "tuner.seed: a yes/no (true)"),
        (GuardrailsExecutor, {"enabled": True, "exclude_kinds": ["typo"]},
         "guardrails.exclude_kinds.0: Input should be"),
        (GuardrailsExecutor, {"leak": False}, "guardrails.leak: Extra inputs"),
    ],
)  # fmt: skip
def test_an_executor_refuses_settings_it_cannot_use_in_one_line(executor, settings, message):
    properties = {"settings": json.dumps(settings), "task": "classification", "label": "y"}
    with pytest.raises(ConfigError) as refused:
        executor().Do({}, {}, properties)
    assert message in str(refused.value) and "\n" not in str(refused.value)
