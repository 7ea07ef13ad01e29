"""Turns the runner's log stream into a few lines a person can follow.

TFX, Beam and TensorFlow log hundreds of lines per run. All of them go to a log file under the
output folder; the console shows which component runs, whether it came from the cache, how long
it took, and the Tuner's trial N of M.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

_RUNNING = re.compile(r"Component (\S+) is running\.")
_FINISHED = re.compile(r"Component (\S+) is finished\.")
_CACHED = re.compile(r"A cached execution \d+ is used\.")
_TRIAL = re.compile(r"(Trial \d+(?: of \d+)?(?: \[[^]]*\])?: .*)")


class ProgressHandler(logging.Handler):
    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console
        self._node: str | None = None
        self._started = 0.0
        self._cached = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed third-party log call must not break the run
            return
        if match := _RUNNING.search(message):
            self._node, self._started, self._cached = match.group(1), time.monotonic(), False
            self.console.print(f"  [bold]{escape(self._node)}[/] ...", highlight=False)
        elif _CACHED.search(message):
            self._cached = True
        elif match := _FINISHED.search(message):
            took = time.monotonic() - self._started
            note = "[cyan]cached[/]" if self._cached else f"{took:.1f}s"
            self.console.print(
                f"  [green]done[/] {escape(match.group(1))} ({note})", highlight=False
            )
        elif record.name == "automl.tuner" and (match := _TRIAL.search(message)):
            # A trial's line holds "[rung 0: ...]" and the user's parameter values: text.
            self.console.print(f"    {escape(match.group(1))}", highlight=False)


def install(console: Console, log_path: Path) -> list[logging.Handler]:
    """Routes all logging to ``log_path`` and progress to the console; returns what it added."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    from components.tuner.workers import RUN_LOG_ENV

    os.environ[RUN_LOG_ENV] = str(log_path.resolve())  # the trial processes write there too
    root = logging.getLogger()
    for handler in list(root.handlers):  # absl's stderr handler would flood the terminal
        root.removeHandler(handler)
    file_handler = logging.FileHandler(log_path)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    progress = ProgressHandler(console)
    root.addHandler(file_handler)
    root.addHandler(progress)
    root.setLevel(logging.INFO)
    for name in ("tensorflow", "absl"):  # both bring their own stderr handlers
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.INFO)
    logging.captureWarnings(True)
    return [file_handler, progress]
