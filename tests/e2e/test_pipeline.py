"""The real pipeline, end to end, as users run it: `automl run` in a subprocess, LocalDagRunner,
MLMD in sqlite, real files; then the pushed SavedModel is loaded and fed raw rows."""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path

import pytest

from pipeline.definition.dataset import embedded_penguins_csv
from tests.conftest import run_automl
from tests.e2e.serving import (
    load,
    penguins_accuracy,
    penguins_rows,
    pushed_versions,
    serve_penguins,
)

pytestmark = pytest.mark.e2e

TAXI_CSV = (
    Path(__import__("tfx").__file__).parent / "examples/chicago_taxi_pipeline/data/simple/data.csv"
)


def test_penguins_run_is_blessed_and_pushed(penguins_run):
    output, result = penguins_run
    assert "Blessed               yes" in result.stdout
    assert "Trial 2 of 2" in result.stdout
    assert "Guardrail " not in result.stdout  # the penguins are clean
    report = result.stdout.split("Report")[-1].split()[0]
    assert Path(report).is_file() and Path(report).parent == output / "reports"
    versions = pushed_versions(output / "serving" / "automl-penguins")
    assert len(versions) == 1
    assert (versions[0] / "saved_model.pb").is_file()
    assert f"Pushed to             {versions[0]}" in result.stdout


# A line TensorFlow, absl, YDF, Beam or Python's warnings print: TF's C++ log ("2026-12-07
# 06:45:24.501522: I ..."), absl/glog ("W1207 06:45:24 ..."), YDF ("[INFO 24-12-07 ...]"),
# Python's logging default ("WARNING:absl:..."), warnings ("...: FutureWarning: ...").
LIBRARY_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] |[IWEF]\d{4} \d\d:\d\d|"
    r"\[(INFO|WARNING|ERROR) |(INFO|WARNING|ERROR):[\w.]+:)|\w+Warning: |warnings\.warn\("
)


def test_the_console_holds_our_lines_only(penguins_run):
    """Every library message, from the run and its trial processes, goes to the run's log."""
    output, result = penguins_run
    assert result.stderr == ""
    found = [line for line in result.stdout.splitlines() if LIBRARY_LINE.search(line)]
    assert not found, "\n".join(found)
    logs = list((output / "logs").glob("run-*.log"))
    assert any(LIBRARY_LINE.search(log.read_text()) for log in logs)  # written, to the log


def test_the_trainer_weighed_an_ensemble_of_the_best_trials(penguins_run):
    import json

    output, result = penguins_run
    (training,) = output.glob("pipeline_root/Trainer/model_run/*/training.json")
    ensemble = json.loads(training.read_text())["ensemble"]
    alone = [c["eval_loss"] for c in ensemble["candidates"]]
    # the selected trial and the runner-up (--max-trials 2), retrained; with +inherit (the
    # default estimator) also the searched network of each whose snapshot the Tuner kept
    retrained = [c["trial"] for c in ensemble["candidates"] if not c["searched"]]
    searched = [c["trial"] for c in ensemble["candidates"] if c["searched"]]
    assert len(retrained) == len(set(retrained)) == 2
    assert len(searched) == len(set(searched)) and set(searched) <= set(retrained)
    assert ensemble["eval_loss"] <= min(alone)  # never worse than the best alone
    assert ensemble["method"] != "single" or ensemble["eval_loss"] == min(alone)
    assert "Model                 " in result.stdout and "each alone, by trial" in result.stdout


def test_pushed_model_predicts_raw_csv_rows(penguins_run):
    import numpy as np

    output, _ = penguins_run
    outputs, inputs = serve_penguins(pushed_versions(output / "serving" / "automl-penguins")[0])
    assert "species" not in inputs  # the label is not a serving input
    predicted = [c.decode() for c in outputs["class"].numpy()]
    assert set(predicted) <= {"Adelie", "Chinstrap", "Gentoo"}
    np.testing.assert_allclose(outputs["probabilities"].numpy().sum(axis=1), 1.0, rtol=1e-5)
    assert penguins_accuracy(outputs) > 0.9
    # rows with missing measurements (NA in the CSV) still get a prediction
    assert any(r["bill_length_mm"] == "NA" for r in penguins_rows())


def test_serialized_example_signature_agrees_with_raw_signature(penguins_run):
    import numpy as np
    import tensorflow as tf

    output, _ = penguins_run
    model = load(pushed_versions(output / "serving" / "automl-penguins")[0])
    example = tf.train.Example()
    raw = {
        "island": b"Biscoe",
        "sex": b"female",
        "bill_length_mm": 46.1,
        "bill_depth_mm": 13.2,
        "flipper_length_mm": 211,
        "body_mass_g": 4500,
        "year": 2007,
    }
    for key, value in raw.items():
        feature = example.features.feature[key]
        if isinstance(value, bytes):
            feature.bytes_list.value.append(value)
        elif isinstance(value, int):
            feature.int64_list.value.append(value)
        else:
            feature.float_list.value.append(value)
    by_example = model.signatures["serving_examples"](
        examples=tf.constant([example.SerializeToString()])
    )
    by_columns = model.signatures["serving_default"](
        **{
            k: tf.constant([v.decode() if isinstance(v, bytes) else float(v)])
            for k, v in raw.items()
        }
    )
    np.testing.assert_allclose(by_example["probabilities"], by_columns["probabilities"], rtol=1e-5)
    assert by_columns["class"].numpy()[0] == b"Gentoo"


def test_model_is_keras_2_everywhere(penguins_run):
    """Tuner, Trainer and SavedModel agree on one Keras: tf_keras (Keras 2), as TFT requires."""
    output, _ = penguins_run
    version = pushed_versions(output / "serving" / "automl-penguins")[0]
    metadata = (version / "keras_metadata.pb").read_bytes()
    assert b'"keras_version": "2.16' in metadata


def _execution_states(output: Path) -> list:
    from ml_metadata import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(output / "metadata.sqlite")
    return [e.last_known_state for e in metadata_store.MetadataStore(config).get_executions()]


def test_identical_rerun_is_up_to_date_without_running(penguins_run, penguins_exclusive):
    output, first = penguins_run
    with penguins_exclusive():
        before = _execution_states(output)
        again = run_automl("run", "--output", str(output), "--max-trials", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "up to date: data, configuration and code unchanged since run" in again.stdout
    assert "Blessed               yes" in again.stdout
    assert _execution_states(output) == before  # the pipeline did not run at all
    assert len(pushed_versions(output / "serving" / "automl-penguins")) == 1


def test_forced_rerun_reuses_every_component_from_the_tfx_cache(penguins_run, penguins_exclusive):
    from ml_metadata.proto import metadata_store_pb2

    output, _ = penguins_run
    with penguins_exclusive():
        before = _execution_states(output)
        again = run_automl("run", "--output", str(output), "--max-trials", "2", "--rerun")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "11 of 12 components reused" in again.stdout  # all but the resolver node
    assert len(pushed_versions(output / "serving" / "automl-penguins")) == 1  # no re-push
    new = _execution_states(output)[len(before) :]
    assert new.count(metadata_store_pb2.Execution.CACHED) == 11
    assert new.count(metadata_store_pb2.Execution.COMPLETE) == 1  # the resolver


def test_anomalies_stop_the_run_before_training(tmp_path):
    data = tmp_path / "penguins.csv"
    shutil.copy(embedded_penguins_csv(), data)
    text = data.read_text().replace("Adelie,Torgersen,39.1", "Adelie,Atlantis,39.1", 1)
    data.write_text(text.replace(",181,3750,", ",181,99999,", 1))
    output = tmp_path / "out"
    result = run_automl(
        "run",
        "--data",
        str(data),
        "--label",
        "species",
        "--output",
        str(output),
        "--max-trials",
        "1",
    )
    assert result.returncode == 1
    assert "data anomalies found; the run stops before training" in result.stderr
    assert "island: Unexpected string values" in result.stderr
    assert "body_mass_g: Out-of-range values" in result.stderr
    assert not (output / "pipeline_root" / "Transform").exists()
    assert not (output / "serving").exists()


def test_regression_on_chicago_taxi_needs_no_code(tmp_path):
    import numpy as np
    import tensorflow as tf

    sample = tmp_path / "taxi.csv"
    with TAXI_CSV.open() as source:
        lines = source.readlines()
    sample.write_text("".join(lines[:3001]))  # header + 3,000 trips keeps the test short
    output = tmp_path / "out"
    result = run_automl(
        "run",
        "--data",
        str(sample),
        "--label",
        "fare",
        "--output",
        str(output),
        "--max-trials",
        "2",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "regression" in result.stdout
    assert "root_mean_squared_error=" in result.stdout
    assert "Schema inferred (SchemaGen)" in result.stdout
    versions = pushed_versions(output / "serving" / "automl-taxi")
    assert versions, result.stdout
    serve = load(versions[0]).signatures["serving_default"]
    rows = list(csv.DictReader(lines[:1] + lines[1:201]))

    def column(name, spec):
        values = [r[name] for r in rows]
        if spec.dtype == tf.string:
            return tf.constant(values)
        return tf.constant([float(v) if v else math.nan for v in values], tf.float32)

    prediction = serve(
        **{name: column(name, spec) for name, spec in serve.structured_input_signature[1].items()}
    )["prediction"].numpy()
    fares = np.array([float(r["fare"]) for r in rows])
    assert np.isfinite(prediction).all()
    assert np.sqrt(np.mean((prediction - fares) ** 2)) < fares.std()  # beats predicting the mean
    # The run's report plots the test split's residuals; a regression has no classes to plot.
    (report,) = (output / "reports").glob("*.html")
    page = report.read_text()
    assert "On the test split" in page and "Residuals" in page
    assert "Confusion matrix" not in page and "ROC curve" not in page


def test_the_evaluator_judges_on_the_test_split_that_no_selection_saw(penguins_run):
    """ExampleGen writes train/eval/test; Transform transforms only train and eval, the only
    data the Tuner and the Trainer receive; the Evaluator's metrics count the test rows."""
    from tfx.components.statistics_gen import stats_artifact_utils
    from tfx.types import standard_artifacts

    from components.common.model_evaluation import read_slices

    output, result = penguins_run
    root = output / "pipeline_root"
    (examples,) = root.glob("CsvExampleGen/examples/*")
    splits = sorted(p.name for p in examples.iterdir())
    assert splits == ["Split-eval", "Split-test", "Split-train"]
    (transformed,) = root.glob("Transform/transformed_examples/*")
    assert sorted(p.name for p in transformed.iterdir()) == ["Split-eval", "Split-train"]

    (statistics,) = root.glob("StatisticsGen/statistics/*")
    artifact = standard_artifacts.ExampleStatistics()
    artifact.uri, artifact.split_names = str(statistics), '["train", "eval", "test"]'

    def rows(split: str) -> int:
        proto = stats_artifact_utils.load_statistics(artifact, split).proto()
        return proto.datasets[0].num_examples

    (evaluation,) = root.glob("Evaluator/evaluation/*")
    counted = read_slices(str(evaluation))[""]["example_count"]
    assert counted == rows("test") and rows("test") != rows("eval")
    assert rows("test") > 30  # 15 % of penguins' 344 rows, about
    assert "(test split, unseen by the search and the Trainer)" in result.stdout


def test_a_time_budget_bounds_the_whole_run(tmp_path):
    """`--time-budget` is the run's wall time, imports and data check included: the search
    gets what the Trainer, the Evaluator and the push will not need, and trials still running
    at its end are stopped. Within 10 % of the budget, with a model pushed."""
    import time

    budget = 150
    started = time.monotonic()
    result = run_automl("run", "--output", str(tmp_path / "out"), "--time-budget", f"{budget}s")
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert wall <= budget * 1.1, f"{wall:.0f} s for a {budget} s budget"
    assert "Blessed               yes" in result.stdout
    (log,) = (tmp_path / "out" / "logs").glob("run-*.log")
    text = log.read_text()
    assert "Run time budget: the search has" in text
    assert "Search stopped: reached" in text and "time budget" in text


def test_a_split_is_decoded_once_and_mapped_by_later_readers(penguins_run, tmp_path, monkeypatch):
    """The Tuner decodes each split into the cache of columns, written batch by batch; a trial
    process or the Trainer then maps the same files read-only (same rows as decoding into
    memory, no second decoding), and a low-fidelity share of the rows is the same rows on
    every call."""
    import numpy as np
    import tensorflow_transform as tft
    from tfx.components.trainer import fn_args_utils
    from tfx.types import standard_artifacts

    from modeling.model import data, row_cache

    output, _ = penguins_run
    root = output / "pipeline_root"
    examples, graph = standard_artifacts.Examples(), standard_artifacts.TransformGraph()
    (examples.uri,) = [str(p) for p in root.glob("Transform/transformed_examples/*")]
    (graph.uri,) = [str(p) for p in root.glob("Transform/transform_graph/*")]
    examples.split_names = '["train", "eval"]'
    fn_args = fn_args_utils.get_common_fn_args(
        {"examples": [examples], "transform_graph": [graph]},
        {"train_args": "{}", "eval_args": "{}"},
    )
    transform = tft.TFTransformOutput(graph.uri)
    monkeypatch.setenv(row_cache.CACHE_ENV, str(tmp_path))

    decoded = data.decode(fn_args.train_files, fn_args.data_accessor, transform)
    assert not isinstance(decoded.labels, np.memmap)  # in memory, no cache
    first = data.cached(fn_args.train_files, fn_args.data_accessor, transform)
    (folder,) = tmp_path.iterdir()  # one folder of columns, published whole
    index = (folder / row_cache.INDEX).stat().st_mtime_ns
    mapped = data.cached(fn_args.train_files, fn_args.data_accessor, transform)
    assert (folder / row_cache.INDEX).stat().st_mtime_ns == index  # not decoded again
    assert isinstance(first.labels, np.memmap) and isinstance(mapped.labels, np.memmap)
    assert set(mapped.features) == set(decoded.features) and len(mapped) > 200
    for name, values in decoded.features.items():
        np.testing.assert_array_equal(mapped.features[name], values)
        assert mapped.features[name].dtype == values.dtype
    np.testing.assert_array_equal(mapped.labels, decoded.labels)
    half = mapped.fraction(0.5)
    np.testing.assert_array_equal(half.labels, mapped.fraction(0.5).labels)
    assert 0.35 < len(half) / len(mapped) < 0.65

    # A cap on memory keeps a sample of the real split, cached apart from the whole one.
    cap = 100 * decoded.bytes_per_row
    sampled = data.cached(fn_args.train_files, fn_args.data_accessor, transform, cap)
    assert len(sampled) == 100 and len(list(tmp_path.iterdir())) == 2
    assert sampled.bytes_per_row == decoded.bytes_per_row
    again = data.cached(fn_args.train_files, fn_args.data_accessor, transform, cap)
    np.testing.assert_array_equal(again.labels, sampled.labels)
