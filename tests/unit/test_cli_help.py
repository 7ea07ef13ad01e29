"""`automl --help` and `--version` answer without importing the search engine or TensorFlow
(their import is seconds; the names the help lists come from pipeline.definition.choices,
checked here against the registries they mirror)."""

from __future__ import annotations

import subprocess
import sys

from modeling.spaces import SPACE_NAMES
from pipeline.definition import choices
from search.estimator import SCHEDULER_NAMES
from search.strategies import STRATEGIES
from tests.conftest import REPO, run_automl

HEAVY = ("tensorflow", "optuna", "scipy", "search.strategies", "components.tuner.plan")


def test_the_help_lists_every_strategy_scheduler_and_space():
    assert sorted(choices.STRATEGY_NAMES) == sorted(STRATEGIES)
    assert list(choices.SCHEDULER_NAMES) == list(SCHEDULER_NAMES)
    assert list(choices.SPACE_NAMES) == list(SPACE_NAMES)
    helped = run_automl("run", "--help")
    assert helped.returncode == 0
    for name in [*choices.STRATEGY_NAMES, *choices.SCHEDULER_NAMES, *choices.SPACE_NAMES]:
        assert name in helped.stdout


def test_help_and_version_import_nothing_heavy():
    code = (
        "import sys\nfrom pipeline.cli import main\n"
        "for args in (['--help'], ['run', '--help'], ['--version']):\n"
        "    try:\n        main(args)\n    except SystemExit as e:\n        assert not e.code\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-500:]
    assert "automl, version " in done.stdout
