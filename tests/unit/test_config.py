from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.definition.config import ConfigError, PipelineConfig, build_config


def test_defaults_run_the_embedded_penguins():
    config = build_config()
    assert config.data is None
    assert config.pipeline_name == "automl-penguins"
    split = config.split
    assert (split.train_buckets, split.eval_buckets, split.test_buckets) == (14, 3, 3)
    assert config.curated_schema_path() is not None  # schemas/penguins/schema.pbtxt ships


def test_yaml_file_is_merged_and_flags_win(tmp_path: Path):
    file = tmp_path / "automl.yaml"
    file.write_text("tuner:\n  max_trials: 7\n  seed: 3\nlabel: y\ndata: a.csv\n")
    config = build_config(file, label="z", **{"tuner.max_trials": 2})
    assert config.label == "z"
    assert config.tuner.max_trials == 2
    assert config.tuner.seed == 3
    assert config.data == Path("a.csv")


def test_dataset_name_derives_from_the_file_name():
    config = build_config(data=Path("/x/Chicago Taxi.csv"), label="fare")
    assert config.resolved_dataset_name == "Chicago-Taxi"
    assert config.curated_schema_path() is None


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"data": Path("a.csv")}, "--label is required"),
        ({"tuner.max_trials": 0}, "tuner.max_trials"),
        ({"split.eval_buckets": 0}, "split.eval_buckets"),
        ({"task": "clustering"}, "task"),
        ({"surprise": 1}, "surprise"),
        ({"dataset_name": "../etc"}, "dataset_name"),
        ({"label": "y", "exclude_features": ["y"]}, "cannot also be excluded"),
    ],
)
def test_invalid_settings_give_one_line(overrides, fragment):
    with pytest.raises(ConfigError) as error:
        build_config(**overrides)
    message = str(error.value)
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("tuner: [1, 2", "not valid YAML"),
        ("- a\n- b\n", "must hold a mapping"),
    ],
)
def test_bad_config_files(tmp_path: Path, content, fragment):
    file = tmp_path / "bad.yaml"
    file.write_text(content)
    with pytest.raises(ConfigError, match=fragment):
        build_config(file)


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        build_config(tmp_path / "nope.yaml")


def test_config_is_immutable():
    config = PipelineConfig()
    with pytest.raises(ValidationError):
        config.label = "x"  # type: ignore[misc]


def test_without_a_budget_the_search_gets_four_full_trials_or_eight_minutes():
    tuner = build_config().tuner
    assert (tuner.max_total_epochs, tuner.time_budget_s) == (4 * 5, 480.0)
    tuner = build_config(**{"tuner.epochs_per_trial": 3}).tuner
    assert (tuner.max_total_epochs, tuner.max_trials) == (12, None)
    given = build_config(**{"tuner.max_trials": 6}).tuner
    assert (given.max_total_epochs, given.time_budget_s) == (None, None)  # a budget given
    whole_run = PipelineConfig.model_validate({"time_budget_s": "5m"}).tuner
    assert (whole_run.max_total_epochs, whole_run.time_budget_s) == (None, 300.0)


def test_the_default_estimator_is_the_one_the_benchmark_chose():
    import json

    from pipeline.definition.config import DEFAULT_ESTIMATOR, TunerConfig

    results = Path(__file__).parents[2] / "bench" / "results" / "estimators.json"
    # "ours <strategy> / <estimator>", then the estimation settings it ran with, if any:
    # " (eta 9, levels 2)"
    chosen = json.loads(results.read_text())["default"]
    strategy, estimator = chosen.removeprefix("ours ").split(" / ")
    estimator, _, settings = estimator.partition(" (")
    tuner = TunerConfig()
    assert (tuner.strategy, DEFAULT_ESTIMATOR) == (strategy, estimator)
    for setting in filter(None, settings.removesuffix(")").split(", ")):
        name, value = setting.split(" ")
        assert getattr(tuner.estimation, name) == float(value), name


@pytest.mark.parametrize(
    "text, seconds", [("600", 600.0), ("90s", 90.0), ("10m", 600.0), ("1.5h", 5400.0)]
)
def test_a_time_budget_reads_as_a_duration(text, seconds):
    from pipeline.definition.config import parse_duration

    assert parse_duration(text) == seconds
    config = PipelineConfig.model_validate({"tuner": {"time_budget_s": text}})
    assert config.tuner.time_budget_s == seconds


@pytest.mark.parametrize("text", ["ten", "10 minutes", "-5m", "m"])
def test_a_time_budget_that_is_not_a_duration_is_refused(text):
    from pipeline.definition.config import parse_duration

    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)
