"""The README's cron line is one a user can paste: five valid time fields and a command that
`automl retrain` accepts, flag for flag."""

import re
import shlex

from pipeline.cli import main
from tests.conftest import REPO

FIELD_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _cron_lines() -> list[str]:
    text = (REPO / "README.md").read_text()
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


def test_the_documented_cron_line_is_valid_and_calls_retrain_with_real_flags():
    (line,) = _cron_lines()
    fields = line.split(None, 5)
    for field, (low, high) in zip(fields[:5], FIELD_RANGES, strict=True):
        assert _valid_field(field, low, high), field
    command = fields[5].split(">>")[0]
    words = shlex.split(command.split("&&", 1)[1])
    assert words[:2] == [".venv/bin/automl", "retrain"]
    retrain = main.commands["retrain"]
    known = {opt for param in retrain.params for opt in param.opts}
    flags = [w for w in words[2:] if w.startswith("--")]
    assert flags and set(flags) <= known
    context = retrain.make_context("retrain", words[2:])  # parses as click would
    assert context.params["data"] is not None and context.params["label"] == "fare"
