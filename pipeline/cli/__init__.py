"""The `automl` command: the group (group.py, imported first: it quiets TensorFlow's start-up
before anything imports it) and one module per command, each registering itself on import;
the console script is ``pipeline.cli:main``."""

from pipeline.cli.group import main
from pipeline.cli import kfp, predict, report, retrain, run  # noqa: F401  (register commands)

__all__ = ["main"]
