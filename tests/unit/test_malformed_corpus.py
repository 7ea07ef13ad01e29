"""A corpus of malformed inputs, each through the real CLI: one line on stderr that says what
is wrong, exit code 2, and nothing written (issue 22, item 1). test_cli_errors.py holds the
first such cases (paths, encodings, search settings); this file the rest.

Each case is a CSV (the label column is ``y``), an optional config file and extra flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import run_automl

GOOD_ROWS = "".join(f"{i}.5,{'rgb'[i % 3]},{'ab'[i % 2]}\n" for i in range(30))
GOOD = "x,colour,y\n" + GOOD_ROWS


@dataclass(frozen=True)
class Case:
    says: str  # a fragment of the one line
    csv: str | bytes = GOOD
    config: str | None = None
    flags: tuple[str, ...] = ()
    label: str = "y"
    extra: dict[str, str] = field(default_factory=dict)  # more files, by name


def with_line(number: int, text: str) -> str:
    """GOOD with its line ``number`` (the header is line 1) replaced by ``text``."""
    lines = GOOD.splitlines(keepends=True)
    lines[number - 1] = text + "\n"
    return "".join(lines)


def rows(label_of, n: int, feature=lambda i: f"{i}.5") -> str:
    return "x,y\n" + "".join(f"{feature(i)},{label_of(i)}\n" for i in range(n))


MOSTLY_RARE = "most of them in classes of fewer than 3"
DATA = {
    "labels all distinct": Case(MOSTLY_RARE, rows(lambda i: f"c{i}", 40)),
    "a float label as classes": Case(
        MOSTLY_RARE, rows(lambda i: f"{i * 0.37:.2f}", 40), flags=("--task", "classification")
    ),
    "a label with inf": Case(
        "non-finite number ('inf')", rows(lambda i: "inf" if i == 7 else i * 1.5, 40)
    ),
    "a label with -Infinity": Case(
        "non-finite number ('-Infinity')", rows(lambda i: "-Infinity" if i == 3 else i * 0.5, 40)
    ),
    "one class learnable": Case(
        "the others are too rare", rows(lambda i: "a" if i < 5 or i > 7 else f"r{i}", 14)
    ),
    "too many classes": Case(
        "1001 classes, more than the 1000", rows(lambda i: f"k{i % 1001}", 3003)
    ),
    "a NUL byte": Case("holds a NUL byte (line 5)", with_line(5, "3\x00.5,r,b")),
    "a header name twice": Case("column name 'x' appears twice", "x,x,y\n" + GOOD_ROWS),
    "headers that collapse": Case("appears twice (as 'gr_e')", "größe,grüße,y\n" + GOOD_ROWS),
    "an unnamed column": Case("column 2 of the header has no name", "x,,y\n" + GOOD_ROWS),
    "a label that is not there": Case("label column 'price' is not in", label="price"),
    "a markup label name": Case("label column '[/b]' is not in", label="[/b]"),
    "the label empty everywhere": Case("is empty in every row", rows(lambda i: "NA", 20)),
    "too few labelled rows": Case("at least 10 are needed", rows(lambda i: "ab"[i % 2], 6)),
    "a short row": Case("line 12 has 2 fields, the header has 3", with_line(12, "10.5,g")),
    "a long row": Case("line 4 has 4 fields", with_line(4, "2.5,b,a,extra")),
    "an unclosed quote": Case("fields, the header has 3", with_line(7, '"5.5,b,b')),
    "cp1252 text": Case("is not UTF-8 text", ("größe,y\n" + "ä,a\nö,b\n" * 9).encode("cp1252")),
    "UTF-16 text": Case("is not UTF-8 text", GOOD.encode("utf-16")),
    "regression on words": Case("is not numeric", flags=("--task", "regression")),
    "an excluded column that is not there": Case(
        "excluded column(s) not in", config="exclude_features: [weight]"
    ),
    "a span that is not a folder": Case(
        "--span needs a folder of span-N folders", flags=("--span", "3")
    ),
    "a folder without spans": Case("is a directory", csv=b"", extra={"folder/note.txt": "hi"}),
}

CONFIGS = {
    "a negative seed": "tuner: {seed: -1}",
    "a seed past numpy's": "tuner: {seed: 4294967296}",
    "true for a trial count": "tuner: {max_trials: true}",
    "false for a budget": "tuner: {time_budget_s: false}",
    "true for a tolerance": "tuner: {tolerance: true}",
    "a budget in parsecs": "tuner: {time_budget_s: 5 parsecs}",
    "a tolerance above 1": "tuner: {tolerance: 2}",
    "no parallel trials": "tuner: {parallel_trials: 0}",
    "an unknown selection rule": "tuner: {selection: cheapest}",
    "a store of no driver": "tuner: {study_store: 'mysql://automl@db/studies'}",
    "a store that is no URL": "tuner: {study_store: 'automl at db'}",
    "a secret of no Kubernetes name": "tuner: {study_store_secret: Store_Secret}",
    "an empty train split": "split: {train_buckets: 0}",
    "no ensemble": "trainer: {ensemble_size: 0}",
    "an accuracy above 1": "evaluator: {min_accuracy: 1.5}",
    "a slice of no column": "evaluator: {slices: [islands]}",
    "an unknown section": "tunr: {max_trials: 2}",
    "an unknown setting": "tuner: {max_trails: 2}",
    "a list, not a mapping": "- tuner\n- trainer",
    "broken YAML": "tuner: [max_trials: 2",
    "a tab-indented YAML": "tuner:\n\tmax_trials: 2",
}
CONFIG_SAYS = {
    "a negative seed": "tuner.seed",
    "a seed past numpy's": "tuner.seed",
    "true for a trial count": "a yes/no (true) where a number",
    "false for a budget": "a yes/no (false) where a number",
    "true for a tolerance": "a yes/no (true) where a number",
    "a budget in parsecs": "'5 parsecs' is not a duration",
    "a tolerance above 1": "tuner.tolerance",
    "no parallel trials": "tuner.parallel_trials",
    "an unknown selection rule": "tuner.selection",
    "a store of no driver": "its driver is not installed",
    "a store that is no URL": "not a database URL",
    "a secret of no Kubernetes name": "tuner.study_store_secret",
    "an empty train split": "split.train_buckets",
    "no ensemble": "trainer.ensemble_size",
    "an accuracy above 1": "evaluator.min_accuracy",
    "a slice of no column": "evaluator.slices: no column islands",
    "an unknown section": "tunr",
    "an unknown setting": "max_trails",
    "a list, not a mapping": "must hold a mapping of settings",
    "broken YAML": "is not valid YAML",
    "a tab-indented YAML": "is not valid YAML",
}
CORPUS = {**DATA, **{k: Case(CONFIG_SAYS[k], config=v) for k, v in CONFIGS.items()}}


def test_the_corpus_is_at_least_forty_inputs_with_the_earlier_file():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("name", list(CORPUS))
def test_malformed_input_is_one_line_exit_2_and_writes_nothing(tmp_path: Path, name: str):
    case = CORPUS[name]
    data = tmp_path / "data.csv"
    if case.extra:
        for relative, text in case.extra.items():
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).write_text(text)
        data = tmp_path / "folder"
    elif isinstance(case.csv, bytes):
        data.write_bytes(case.csv)
    else:
        data.write_text(case.csv)
    args = ["run", "--data", str(data), "--label", case.label, "--output", str(tmp_path / "o")]
    if case.config is not None:
        (tmp_path / "c.yaml").write_text(case.config)
        args += ["--config", str(tmp_path / "c.yaml")]
    result = run_automl(*args, *case.flags, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert case.says in lines[0], lines[0]
    assert not (tmp_path / "o").exists()  # no lock, no staged data, no pipeline root


@pytest.mark.parametrize(
    "args, says",
    [
        (["history", "--output", "{tmp}/none"], "no run of automl-penguins recorded"),
        (["report", "--output", "{tmp}/none"], "no run recorded under"),
        (["rollback", "--output", "{tmp}/none"], "nothing"),
        (["retrain", "--output", "{tmp}/none", "--data", "{tmp}/no.csv", "--label", "y"],
         "data file not found"),
        (["compile", "--image", "automl:1", "--output", "{tmp}/p.txt"], "--output must end in"),
        (["compile", "--image", "registry/automl 1.2", "--output", "{tmp}/p.json"], "--image"),
        (["run-ir", "{tmp}/c.yaml"], "is not a compiled pipeline"),
    ],
)
def test_other_commands_refuse_bad_input_in_one_line(tmp_path: Path, args, says):
    (tmp_path / "c.yaml").write_text("tuner: {max_trials: 2}\n")
    result = run_automl(*[a.format(tmp=tmp_path) for a in args], timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert not (tmp_path / "none").exists() and not (tmp_path / "p.json").exists()
