"""The two consoles every command writes to: stdout for what a run tells, stderr for the
one-line errors. One module, so the CLI and the Python API (pipeline.api) share them without
the API importing the CLI."""

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False)
