"""The guardrails in a real run, on a churn table built to trip them: an imbalanced label, a
constant column, a numeric customer key and a refund flag written after the fact. Each is
told with its handling and its override; the excluded columns are gone from what the model
is served on; every trial and the Trainer weighted the classes. The clean penguins trip none
(tests/e2e/test_pipeline.py and test_report.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_automl
from tests.e2e.serving import load

pytestmark = pytest.mark.e2e
ROWS = 500


def churn_table(path: Path) -> Path:
    rng = np.random.default_rng(7)
    tenure = rng.exponential(24, ROWS)
    plan = rng.choice(["basic", "plus", "pro"], ROWS)
    risk = -0.05 * tenure + np.where(plan == "basic", 1.0, 0.0) + rng.normal(0, 0.5, ROWS)
    churned = np.where(risk > np.quantile(risk, 0.88), "yes", "no")  # 12% churn
    pd.DataFrame({
        "customer_id": np.arange(1, ROWS + 1),
        "tenure": tenure.round(1),
        "plan": plan,
        "region": "EU",
        "refund_issued": np.where(churned == "yes", "Y", "N"),
        "churned": churned,
    }).to_csv(path, index=False)  # fmt: skip
    return path


@pytest.fixture(scope="module")
def churn_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("churn")
    output = folder / "out"
    result = run_automl(
        "run", "--data", str(churn_table(folder / "churn.csv")), "--label", "churned",
        "--output", str(output), "--max-trials", "2",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return output, " ".join(result.stdout.split())


def only(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def test_each_finding_is_told_with_its_handling_and_override(churn_run):
    _, told = churn_run
    expected = [
        ("imbalance: churned: class 'yes' is", "classes weighted inversely",
         "guardrails.class_weights: false"),
        ("constant: region: one value in every row", "excluded from training",
         "guardrails.keep_features: [region]"),
        ("id_like: customer_id: a distinct integer in each of", "excluded from training",
         "guardrails.keep_features: [customer_id]"),
        ("leakage: refund_issued: alone predicts churned", "excluded from training",
         "guardrails.keep_features: [refund_issued]"),
    ]  # fmt: skip
    lines = re.findall(r"Guardrail (.*?)(?= Guardrail | Best hyperparameters)", told)
    assert len(lines) == len(expected), told
    for line, (found, handling, override) in zip(lines, expected, strict=True):
        assert line.startswith(found) and handling in line and f"({override})" in line


def test_excluded_columns_are_not_served_on_and_the_rest_are(churn_run):
    output, _ = churn_run
    model = load(only(output, "pipeline_root/Trainer/model/*/Format-Serving"))
    _, inputs = model.signatures["serving_default"].structured_input_signature
    assert set(inputs) == {"tenure", "plan"}


def test_every_trial_and_the_trainer_weighted_the_classes(churn_run):
    output, told = churn_run
    log = only(output, "logs/run-*.log").read_text()
    assert "Classes weighted in training: balanced (guardrails)" in log
    best = json.loads(
        only(output, "pipeline_root/AutoMLTuner/best_hyperparameters/*/*").read_text()
    )
    assert best["values"]["class_weighting"] == "balanced"
    training = json.loads(
        only(output, "pipeline_root/Trainer/model_run/*/training.json").read_text()
    )
    weights = {int(k): v for k, v in training["class_weights"].items()}
    assert len(weights) == 2 and max(weights.values()) > 3 * min(weights.values())
    # Weighted, the model trades accuracy for the rare class: blessed on chance AUC instead.
    assert "Blessed yes" in told


def test_the_report_shows_the_findings(churn_run):
    _, told = churn_run
    (report,) = re.findall(r"Report (\S+\.html)", told)
    page = Path(report).read_text()
    assert "Data guardrails" in page
    for column in ("customer_id", "region", "refund_issued"):
        assert f"<td>{column}</td>" in page
