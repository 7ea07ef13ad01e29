"""The documented schedules are ones a user can install: docs/retrains.md's cron line (five valid
time fields) and deploy/systemd's units, each calling `automl retrain` with flags it
accepts."""

import configparser
import re
import shlex

from pipeline.cli import main
from tests.conftest import REPO

FIELD_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _cron_lines() -> list[str]:
    text = (REPO / "docs" / "retrains.md").read_text()
    blocks = re.findall(r"```cron\n(.*?)```", text, flags=re.S)
    return [line for b in blocks for line in b.splitlines() if line and not line.startswith("#")]


def _valid_field(field: str, low: int, high: int) -> bool:
    for part in field.split(","):
        base, _, step = part.partition("/")
        if step and not step.isdigit():
            return False
        if base == "*":
            continue
        bounds = base.split("-")
        if not all(b.isdigit() and low <= int(b) <= high for b in bounds):
            return False
    return True


def _assert_retrain_command(words: list[str]) -> None:
    assert words[0].endswith(".venv/bin/automl") and words[1] == "retrain"
    retrain = main.commands["retrain"]
    known = {opt for param in retrain.params for opt in param.opts}
    flags = [w for w in words[2:] if w.startswith("--")]
    assert flags and set(flags) <= known
    context = retrain.make_context("retrain", words[2:])  # parses as click would
    assert context.params["data"] is not None and context.params["label"] == "fare"


def test_the_documented_cron_line_is_valid_and_calls_retrain_with_real_flags():
    (line,) = _cron_lines()
    fields = line.split(None, 5)
    for field, (low, high) in zip(fields[:5], FIELD_RANGES, strict=True):
        assert _valid_field(field, low, high), field
    command = fields[5].split(">>")[0]
    _assert_retrain_command(shlex.split(command.split("&&", 1)[1]))


def test_the_systemd_units_run_retrain_nightly_and_count_a_busy_night_as_failed():
    units = REPO / "deploy" / "systemd"
    service, timer = configparser.ConfigParser(), configparser.ConfigParser()
    service.read(units / "automl-retrain.service")
    timer.read(units / "automl-retrain.timer")
    assert service["Service"]["Type"] == "oneshot"
    # A night that found the last run still going made no model: the unit shows it failed.
    assert "SuccessExitStatus" not in service["Service"]
    _assert_retrain_command(shlex.split(service["Service"]["ExecStart"]))
    assert timer["Timer"]["OnCalendar"] == "*-*-* 03:00:00"
    assert timer["Install"]["WantedBy"] == "timers.target"
