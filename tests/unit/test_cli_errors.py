"""`automl run` with bad input: one line on stderr, exit code 2, and no output folder at all."""

from pathlib import Path

import pytest

from tests.conftest import run_automl

HEADER = "x,colour,y\n"
ROWS = "".join(f"{i}.5,red,{'a' if i % 2 else 'b'}\n" for i in range(20))


@pytest.mark.parametrize(
    "content, args, fragment",
    [
        (None, ["--label", "y"], "data file not found"),
        (b"\xff\xfe\x00binary\x00" * 5, ["--label", "y"], "is not UTF-8 text"),
        ("", ["--label", "y"], "is empty"),
        (HEADER, ["--label", "y"], "has a header but no data rows"),
        (HEADER + ROWS, ["--label", "price"], "label column 'price' is not in"),
        (HEADER + ROWS.replace(",a\n", ",b\n"), ["--label", "y"], "has a single value ('b')"),
        (HEADER + ROWS, ["--label", "y", "--task", "regression"], "is not numeric"),
        (HEADER + ROWS + "1,red\n", ["--label", "y"], "line 22 has 2 fields, the header has 3"),
    ],
)
def test_bad_input(tmp_path: Path, content, args, fragment):
    data = tmp_path / "data.csv"
    if isinstance(content, bytes):
        data.write_bytes(content)
    elif content is not None:
        data.write_text(content)
    output = tmp_path / "out"
    result = run_automl("run", "--data", str(data), "--output", str(output), *args, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0]
    assert not output.exists()


def test_label_required_with_data(tmp_path: Path):
    result = run_automl("run", "--data", str(tmp_path / "a.csv"), timeout=120)
    assert result.returncode == 2
    assert "--label is required" in result.stderr


def test_invalid_config_value(tmp_path: Path):
    config = tmp_path / "c.yaml"
    config.write_text("tuner:\n  max_trials: -1\n")
    result = run_automl(
        "run", "--config", str(config), "--output", str(tmp_path / "o"), timeout=120
    )
    assert result.returncode == 2
    assert "tuner.max_trials" in result.stderr
    assert not (tmp_path / "o").exists()


def test_unknown_task_is_rejected_by_the_cli(tmp_path: Path):
    result = run_automl("run", "--task", "ranking", timeout=120)
    assert result.returncode == 2
    assert "ranking" in result.stderr


@pytest.mark.parametrize(
    "args, tuner_yaml, fragment",
    [
        (["--strategy", "annealing"], "", "unknown strategy 'annealing' (choose from: bayesian"),
        (["--space", "resnet"], "", "unknown space 'resnet' (choose from: macro, micro, famil"),
        (["--max-trials", "0"], "", "tuner.max_trials: Input should be greater than or equal"),
        (["--time-budget", "0"], "", "tuner.time_budget_s: Input should be greater than 0"),
        ([], "space_overrides: {activation: []}", "activation: an empty list leaves nothing"),
        ([], "space_overrides: {blocks: {low: 4, high: 2}}", "blocks: low 4 is above high 2"),
        ([], "space_overrides: {depth: 3}", "unknown parameter(s) depth in the space overrides"),
        ([], "objectives: [val_auc]", "objective 'val_auc' is not measured for"),
        ([], "objectives: [val_rmse]", "objective 'val_rmse' is not measured for classification"),
        ([], "constraints: {memory_mb: 3}", "objective 'memory_mb' is not measured"),
        ([], "objectives: [latency_ms]", "the first objective must be a validation metric"),
        (["--estimator", "hyperbnad"], "", "unknown estimator part 'hyperbnad' (schedulers:"),
        (["--estimator", "asha+hyperband"], "", "names two schedulers: asha and hyperband"),
        (["--compute-budget", "0"], "", "tuner.max_total_epochs: Input should be greater"),
        ([], "estimation: {eta: 1}", "tuner.estimation.eta: Input should be greater"),
        ([], "space_overrides: {epochs: 3}", "epochs are fidelity, not searched"),
    ],
)
def test_bad_search_settings_fail_before_anything_runs(tmp_path: Path, args, tuner_yaml, fragment):
    config = tmp_path / "c.yaml"
    config.write_text(f"tuner: {{{tuner_yaml}}}\n" if tuner_yaml else "{}\n")
    output = tmp_path / "o"
    result = run_automl(
        "run", "--config", str(config), "--output", str(output), *args, timeout=120
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert not (output / "pipeline_root").exists()


@pytest.mark.parametrize("where", ["a file", "below a file", "unwritable"])
def test_an_output_that_cannot_be_a_folder_is_one_line_and_leaves_everything(tmp_path, where):
    import os

    data = tmp_path / "data.csv"
    data.write_text(HEADER + ROWS)
    blocker = tmp_path / "taken"
    blocker.write_text("keep me")
    output = {"a file": blocker, "below a file": blocker / "out"}.get(where)
    if where == "unwritable":
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only folder")
        parent = tmp_path / "locked"
        parent.mkdir(mode=0o500)
        output = parent / "out"
    result = run_automl("run", "--data", str(data), "--label", "y", "--output", str(output),
                        timeout=120)  # fmt: skip
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: the output") and str(output) in line
    assert blocker.read_text() == "keep me"


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path: Path):
    config = tmp_path / "c.yaml"
    config.write_bytes(b"tuner:\n  space: \xff\xfe\n")
    result = run_automl("run", "--config", str(config), "--output", str(tmp_path / "o"),
                        timeout=120)  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "is not UTF-8 text" in line
    assert not (tmp_path / "o").exists()


def test_a_disk_that_fills_during_the_pre_check_is_one_line_and_leaves_nothing(tmp_path):
    """The staged copy cannot be written (a file-size limit stands in for a full disk:
    writes past it fail with EFBIG as writes to a full disk fail with ENOSPC)."""
    import os
    import resource
    import signal
    import subprocess

    from tests.conftest import AUTOML, REPO

    data = tmp_path / "data.csv"
    data.write_text(HEADER + ROWS * 500)  # 10,000 rows, about 120 kB staged

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills at the limit
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    output = tmp_path / "out"
    result = subprocess.run(
        [AUTOML, "run", "--data", str(data), "--label", "y", "--output", str(output)],
        capture_output=True, text=True, timeout=120, cwd=REPO, preexec_fn=limited,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot stage the data under") and "File too large" in line
    assert not output.exists()  # neither the lock file nor an empty staging folder is left
