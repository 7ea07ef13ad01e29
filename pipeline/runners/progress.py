"""Turns the runner's log stream into a few lines a person can follow.

TFX, Beam and TensorFlow log hundreds of lines per run. All of them go to a log file under the
output folder; the console shows which component runs, whether it came from the cache, how long
it took, and the Tuner's trials and best value so far.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

_RUNNING = re.compile(r"Component (\S+) is running\.")
_FINISHED = re.compile(r"Component (\S+) is finished\.")
_CACHED = re.compile(r"A cached execution \d+ is used\.")
_TRIAL = re.compile(r"(Trial (\d+)(?: of (\d+))?(?: \[rung (\d+)[^]]*\])?: .*)")
_BEST = re.compile(r"; (best \S+=\S+) \(trial \d+, rung \d+\)$")
_SEARCH_SECONDS = re.compile(r"Run time budget: the search has (\d+) s")


class ProgressHandler(logging.Handler):
    """One line per component when it ends (its time, or that the cache answered). On a
    terminal, a live line meanwhile: the component and its time so far; for the Tuner, the
    trials done, the rung, the best value so far and the search's time budget used. Elsewhere
    (a log, CI, cron mail), where a live line cannot redraw, each trial gets its line."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console
        self._node: str | None = None
        self._started = 0.0
        self._cached = False
        self._live: Progress | None = None
        self._task: TaskID | None = None
        self._search_s: float | None = None
        self._trial = ""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed third-party log call must not break the run
            return
        if match := _RUNNING.search(message):
            self._node, self._started, self._cached = match.group(1), time.monotonic(), False
            self._trial = ""
            self._show()
        elif _CACHED.search(message):
            self._cached = True
        elif match := _FINISHED.search(message):
            self.stop()
            took = time.monotonic() - self._started
            note = "[cyan]cached[/]" if self._cached else f"{took:.1f}s"
            self.console.print(
                f"  [green]done[/] {escape(match.group(1))} ({note})", highlight=False
            )
        elif match := _SEARCH_SECONDS.search(message):
            self._search_s = float(match.group(1))
        elif record.name == "automl.tuner" and (match := _TRIAL.search(message)):
            if self._live is None:
                # A trial's line holds "[rung 0: ...]" and the user's parameter values: text.
                self.console.print(f"    {escape(match.group(1))}", highlight=False)
                return
            number, of, rung = match.group(2), match.group(3), match.group(4) or "0"
            best = _BEST.search(message)
            self._trial = f"trial {number}{f' of {of}' if of else ''}, rung {rung}" + (
                f", {best.group(1)}" if best else ""
            )
            self._show()

    def _show(self) -> None:
        """The live line (a terminal only), started or brought up to date."""
        if not self.console.is_terminal or self._node is None:
            return
        if self._live is None:
            self._live = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                TimeElapsedColumn(), TextColumn("{task.fields[budget]}"),
                console=self.console, transient=True,
            )  # fmt: skip
            self._task = self._live.add_task("", total=None, budget="")
            self._live.start()
        assert self._task is not None
        tuning = bool(self._trial) and self._search_s is not None
        self._live.update(
            self._task,
            description=" ".join(filter(None, [self._node, self._trial and f"({self._trial})"])),
            total=self._search_s if tuning else None,
            completed=time.monotonic() - self._started if tuning else 0,
            budget=f"of {self._search_s:.0f} s searching" if tuning else "",
        )

    def stop(self) -> None:
        """Ends the live line (a failed run's too: it would leave the cursor hidden)."""
        if self._live is not None:
            self._live.stop()
            self._live = self._task = None


@contextlib.contextmanager
def library_output_to(log_path: Path) -> Iterator[None]:
    """File descriptor 2 into the run's log while the pipeline runs: TensorFlow's, YDF's and
    Beam's C++ code write there whatever Python's logging says (YDF prints a forest's loading
    and training lines; TensorFlow its start-up), and so do the trial processes started
    meanwhile. Python's own ``sys.stderr`` stays on the terminal, through a copy of the
    descriptor: our errors and the run time limit's last line must reach the user."""
    sys.stderr.flush()
    terminal = os.dup(2)
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 2)
    saved_stderr = sys.stderr
    sys.stderr = io.TextIOWrapper(
        os.fdopen(terminal, "wb", closefd=False), encoding=saved_stderr.encoding,
        errors="backslashreplace", line_buffering=True,
    )  # fmt: skip
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr = saved_stderr
        os.dup2(terminal, 2)
        os.close(terminal)


def install(console: Console, log_path: Path, verbose: bool = False) -> list[logging.Handler]:
    """Routes all logging to ``log_path`` and progress to the console (``verbose``: every
    record to stderr too); returns what it added."""
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
    added: list[logging.Handler] = [file_handler, progress]
    if verbose:
        everything = logging.StreamHandler(sys.stderr)
        everything.setFormatter(file_handler.formatter)
        root.addHandler(everything)
        added.append(everything)
    root.setLevel(logging.INFO)
    for name in ("tensorflow", "absl"):  # both bring their own stderr handlers
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.INFO)
    logging.captureWarnings(True)
    return added
