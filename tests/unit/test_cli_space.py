"""`automl space` prints the space the Tuner will search, overrides applied."""

from tests.conftest import run_automl


def test_space_command_prints_the_narrowed_space(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("tuner: {space_overrides: {blocks: {high: 2}, optimizer: adam}}\n")
    result = run_automl("space", "--space", "macro", "--config", str(config), timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "macro space, 12 parameters:"
    assert any(line.split() == ["blocks", "Int", "[1,", "2]"] for line in lines)
    assert any(line.split() == ["optimizer", "Choice", "{adam}"] for line in lines)
    assert not any(line.startswith(("width_3", "weight_decay")) for line in lines)
