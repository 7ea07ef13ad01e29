"""User text on the console is text, never rich markup: a file `trips [v2].csv`, a column
`a[/b]`, a label value `[/x]` and a trial's `[rung 0: ...]` are printed as they are, and
none of them can crash the CLI with a MarkupError."""

import io
import logging
import re
from pathlib import Path

from rich.console import Console

from pipeline.report import messages

from pipeline.runners import progress
from pipeline.definition.config import PipelineConfig
from pipeline.definition.dataset import DatasetProfile
from pipeline.report.run_summary import RunSummary
from tests.conftest import run_automl


def recording() -> Console:
    return Console(file=io.StringIO(), width=300, highlight=False, soft_wrap=True)


def test_the_data_line_and_summary_print_the_users_text_as_it_is(tmp_path: Path):
    data = tmp_path / "trips [v2].csv"
    config = PipelineConfig(data=data, label="fare[/x]", output=tmp_path / "out [1]")
    profile = DatasetProfile(
        staged_dir=tmp_path, label="fare[/x]", task="classification",
        columns=("a[/b]", "fare[/x]"), n_rows=20, renamed_columns={"[bold]b": "b"},
        class_counts={"[/x]": 10, "y": 10},
    )  # fmt: skip
    console = recording()
    console.print(messages.data_line(config, profile))
    summary = RunSummary(
        run_id="1", blessed=False, failed_checks=["accuracy [/x] below 0.9"],
        pushed_to=str(tmp_path / "serving [v2]"), metrics={"accuracy": 0.5},
    )  # fmt: skip
    messages.print_summary(console, summary, 3.0, tmp_path / "run [1].log")
    shown = console.file.getvalue()
    assert str(data) in shown and "label 'fare[/x]'" in shown
    assert "'[bold]b'->'b'" in shown and "out [1]" in shown
    assert "no - accuracy [/x] below 0.9" in shown
    assert str(tmp_path / "serving [v2]") in shown and "run [1].log" in shown


def test_trial_lines_keep_their_rung():
    console = recording()
    handler = progress.ProgressHandler(console)
    line = "Trial 3 of 9 [rung 0: 1 of 5 epochs]: val_loss 0.41 (colour=[/x])"
    handler.emit(logging.LogRecord("automl.tuner", logging.INFO, __file__, 1, line, None, None))
    assert console.file.getvalue().strip() == line


def test_a_bad_input_error_quotes_bracketed_names_as_they_are(tmp_path: Path):
    data = tmp_path / "trips [v2].csv"
    data.write_text("a[/b],y\n" + "".join(f"{i},{'[/x]' if i % 2 else 'z'}\n" for i in range(20)))
    output = tmp_path / "out"
    result = run_automl("run", "--data", str(data), "--output", str(output), "--label",
                        "[/price]", timeout=120)  # fmt: skip
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "label column '[/price]' is not in" in line and "MarkupError" not in line
    assert not output.exists()


def records(*lines: tuple[str, str]) -> list[logging.LogRecord]:
    return [logging.LogRecord(name, logging.INFO, __file__, 1, text, None, None)
            for name, text in lines]  # fmt: skip


RUN = records(
    ("absl", "Component Transform is running."),
    ("absl", "Component Transform is finished."),
    ("absl", "Component AutoMLTuner is running."),
    ("automl.tuner", "Run time budget: the search has 120 s, keeping 30 s and the retrains"),
    ("automl.tuner", "Trial 1 of 9 [rung 0: 1 of 5 epochs]: val_loss=0.41 (2.0s); "
                     "best val_loss=0.41 (trial 1, rung 0)"),
    ("automl.tuner", "Trial 2 of 9 [rung 1: 5 epochs]: val_loss=0.2113 (3.0s); "
                     "best val_loss=0.2113 (trial 2, rung 1)"),
    ("absl", "Component AutoMLTuner is finished."),
)  # fmt: skip


def test_a_terminal_gets_a_live_line_and_one_line_per_component():
    console = Console(file=io.StringIO(), width=200, force_terminal=True, highlight=False)
    handler = progress.ProgressHandler(console)
    for record in RUN[:-1]:
        handler.emit(record)
        if "Trial 2" in record.getMessage():
            handler._live.refresh()  # what its timer does ten times a second
    handler.emit(RUN[-1])
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", console.file.getvalue())  # no colours
    assert "AutoMLTuner (trial 2 of 9, rung 1, best val_loss=0.2113)" in shown
    assert "of 120 s searching" in shown
    assert "done Transform" in shown and "done AutoMLTuner" in shown
    assert "Trial 1 of 9" not in shown  # the live line, not a line per trial


def test_elsewhere_each_trial_gets_its_line_and_no_live_line():
    console = recording()
    handler = progress.ProgressHandler(console)
    for record in RUN:
        handler.emit(record)
    lines = console.file.getvalue().strip().splitlines()
    assert [line.split(" [rung")[0].strip() for line in lines] == [
        "done Transform (0.0s)", "Trial 1 of 9", "Trial 2 of 9", "done AutoMLTuner (0.0s)"
    ]  # fmt: skip
