"""`automl predict` on the model `make run`'s pipeline pushed (the shared penguins run), and
the README's serving snippet run as written: both must work on whatever family the search
served, forests included."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.definition.dataset import embedded_penguins_csv
from tests.conftest import REPO, run_automl

pytestmark = pytest.mark.e2e
ROWS = 25


def sample_csv(folder: Path, rows: int = ROWS) -> Path:
    """The first rows of the penguins CSV with an id column added (an extra column the model
    does not take) and the label kept."""
    with embedded_penguins_csv().open(newline="") as handle:
        table = list(csv.reader(handle))
    path = folder / "to-score.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row id", *table[0]])
        for number, row in enumerate(table[1 : rows + 1], start=1):
            writer.writerow([f"r{number}", *row])
    return path


def served_classes(model: Path, data: Path) -> list[str]:
    """The served model's classes for the CSV's rows, asked of its signature directly (as
    bench/served_score.py asks it)."""
    code = (
        "import sys, csv; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from bench.served_score import predictions;"
        "rows = list(csv.DictReader(open(sys.argv[3])));"
        "print('\\n'.join(predictions(Path(sys.argv[2]), rows, 'classification')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(REPO), str(model), str(data)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.split()


def test_predict_scores_a_csv_with_the_served_model_and_keeps_the_id(penguins_run, tmp_path):
    output, _ = penguins_run
    data, target = sample_csv(tmp_path), tmp_path / "out" / "predictions.csv"
    done = run_automl(
        "predict", "--output", str(output), "--data", str(data), "--keep", "row id",
        "--out", str(target),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(target.open()))
    assert [r["row id"] for r in rows] == [f"r{n}" for n in range(1, ROWS + 1)]
    classes = {"Adelie", "Chinstrap", "Gentoo"}
    assert set(rows[0]) == {"row id", "class", *(f"probability_{c}" for c in classes)}
    for row in rows:
        assert row["class"] in classes
        probabilities = {c: float(row[f"probability_{c}"]) for c in classes}
        assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-4)
        assert max(probabilities, key=probabilities.get) == row["class"]
    model = max((output / "serving" / "automl-penguins").iterdir(), key=lambda p: p.name)
    assert [r["class"] for r in rows] == served_classes(model, data)
    to_stdout = run_automl("predict", "--model", str(model), "--data", str(data))
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert list(csv.DictReader(io.StringIO(to_stdout.stdout))) == [
        {k: v for k, v in r.items() if k != "row id"} for r in rows
    ]


def test_bad_input_is_one_line_and_writes_nothing(penguins_run, tmp_path):
    output, _ = penguins_run
    data = sample_csv(tmp_path)
    text = data.read_text().splitlines()
    lacking = tmp_path / "lacking.csv"
    lacking.write_text("\n".join(",".join(line.split(",")[:-2]) for line in text) + "\n")
    wordy = tmp_path / "wordy.csv"
    header = text[0].split(",")
    column = header.index("bill_length_mm")
    broken = text[1].split(",")
    broken[column] = "long"
    wordy.write_text("\n".join([text[0], ",".join(broken), *text[2:]]) + "\n")
    target = tmp_path / "predictions.csv"
    for args, said in [
        (["--data", str(lacking)], "the CSV lacks: sex, year"),
        (["--data", str(wordy)], "column bill_length_mm, data row 1: 'long' is not a number"),
        (["--data", str(data), "--keep", "nope"], "--keep"),
        (["--data", str(data), "--model", str(tmp_path)], "holds no saved_model.pb"),
        (["--data", str(tmp_path / "absent.csv")], "not found"),
    ]:
        done = run_automl("predict", "--output", str(output), "--out", str(target), *args)
        assert done.returncode == 2 and said in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not target.exists() and not list(tmp_path.glob(".predictions.csv*"))
    empty = tmp_path / "no-runs"
    done = run_automl("predict", "--output", str(empty), "--data", str(data))
    assert done.returncode == 2 and "no model has been pushed" in done.stderr


def test_the_readme_serving_snippet_runs_on_the_pushed_model(penguins_run, tmp_path):
    output, _ = penguins_run
    readme = (REPO / "README.md").read_text()
    (snippet,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "load(" in b]
    version = max((output / "serving" / "automl-penguins").iterdir(), key=lambda p: p.name)
    code = snippet.replace(
        "automl-output/serving/automl-penguins/<version>", str(version)
    ).replace("model.signatures", "result = model.signatures")
    code += "\nprint(result['class'].numpy()[0].decode())\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
        env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] in {"Adelie", "Chinstrap", "Gentoo"}


def test_the_tf_serving_recipes_instance_fits_the_signature(penguins_run):
    """docs/pipeline.md's TF Serving request, each value made the one-element tensor TF
    Serving's REST API makes of it (a JSON number into float32, a string into string)."""
    import json

    import tensorflow as tf

    from tests.e2e.serving import load

    output, _ = penguins_run
    doc = (REPO / "docs" / "pipeline.md").read_text()
    (request,) = re.findall(r"-d '(\{.*?\})'", doc, re.S)
    body = json.loads(request)
    assert body["signature_name"] == "serving_default"
    (instance,) = body["instances"]
    version = max((output / "serving" / "automl-penguins").iterdir(), key=lambda p: p.name)
    serve = load(version).signatures["serving_default"]
    specs = serve.structured_input_signature[1]
    assert set(instance) == set(specs)  # every raw column, and only those
    for name, value in instance.items():  # JSON's types are the signature's
        assert (specs[name].dtype == tf.string) == isinstance(value, str), name
    answer = serve(**{n: tf.constant([v], specs[n].dtype) for n, v in instance.items()})
    assert answer["class"].numpy()[0].decode() in {"Adelie", "Chinstrap", "Gentoo"}
    assert set(answer) >= {"class", "class_id", "probabilities"}
