"""The data gate's measurements on real TFDV statistics: drift of a shifted feature is caught
and named, a fresh sample of the same population passes, skew is checked only where asked,
per-feature thresholds come from schemas/<dataset>/gates.yaml; the Kolmogorov-Smirnov
distance ignores an outlier and a near-constant column that TFDV's histograms do not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

from components.data_gate import checks
from pipeline.definition.config import ConfigError, build_config

THRESHOLDS = {"drift": {"default": 0.25, "features": {}}, "skew": {"default": None}}


def sample(seed: int, shift: float = 0.0, colours=("red", "green", "blue")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "length": rng.normal(40.0 + shift, 5.0, 500),
            "colour": rng.choice(list(colours), 500),
        }
    )


def stats(frame: pd.DataFrame):
    return tfdv.generate_statistics_from_dataframe(frame)


@pytest.fixture(scope="module")
def schema():
    return tfdv.infer_schema(stats(sample(0)))


def exceeded(measurements):
    return {(m.kind, m.feature) for m in measurements if m.exceeded}


def test_a_fresh_sample_of_the_same_population_passes(schema):
    found = checks.measure(stats(sample(1)), schema, THRESHOLDS, previous=stats(sample(2)))
    assert {m.feature for m in found} == {"length", "colour"}  # both were measured
    assert exceeded(found) == set()


def test_a_shifted_numeric_feature_drifts_by_kolmogorov_smirnov(schema):
    found = checks.measure(
        stats(sample(1, shift=15)), schema, THRESHOLDS, previous=stats(sample(2))
    )
    assert exceeded(found) == {("drift", "length")}
    (length,) = [m for m in found if m.feature == "length"]
    assert length.measure == "Kolmogorov-Smirnov distance" and length.value > 0.25
    assert length.line("span 2").startswith("drift: length: Kolmogorov-Smirnov distance")


def test_a_changed_category_mix_drifts_by_l_infinity(schema):
    lopsided = sample(1, colours=("red",) * 8 + ("green", "blue"))
    found = checks.measure(stats(lopsided), schema, THRESHOLDS, previous=stats(sample(2)))
    (colour,) = [m for m in found if m.feature == "colour"]
    assert colour.measure == "L-infinity distance" and colour.exceeded


def test_per_feature_thresholds_win_over_the_default(schema):
    lenient = {**THRESHOLDS, "drift": {"default": 0.25, "features": {"length": 1.0}}}
    found = checks.measure(stats(sample(1, shift=15)), schema, lenient, previous=stats(sample(2)))
    assert exceeded(found) == set()


def test_skew_is_measured_only_where_a_threshold_is_given(schema):
    train, evaluation = stats(sample(1)), stats(sample(3, shift=15))
    assert checks.measure(train, schema, THRESHOLDS, evaluation=evaluation) == []
    asked = {**THRESHOLDS, "skew": {"default": None, "features": {"length": 0.25}}}
    found = checks.measure(train, schema, asked, evaluation=evaluation)
    assert [(m.kind, m.feature, m.exceeded) for m in found] == [("skew", "length", True)]


def test_gates_yaml_beside_the_schema_sets_thresholds(tmp_path):
    (tmp_path / "trips").mkdir()
    (tmp_path / "trips" / "gates.yaml").write_text(
        "drift: {default: 0.1, features: {fare: 0.4}}\nskew: {features: {fare: 0.2}}\n"
    )
    config = build_config(schema_dir=tmp_path, dataset_name="trips")
    assert config.gate_thresholds() == {
        "drift": {"default": 0.1, "features": {"fare": 0.4}},
        "skew": {"default": None, "features": {"fare": 0.2}},
    }
    (tmp_path / "trips" / "gates.yaml").write_text("drift: {features: {fare: 3}}\n")
    with pytest.raises(ConfigError, match="gates.yaml.*thresholds must be in"):
        build_config(schema_dir=tmp_path, dataset_name="trips").gate_thresholds()


def test_auto_thresholds_pass_a_fresh_sample_and_catch_the_changes_the_gate_must_catch(schema):
    """At 5,000 rows a span: half a standard deviation on a number, a new category in 10 %
    of the rows (bench/gate_calibration.py measures where these stop being detectable)."""
    auto = {"drift": {"default": "auto"}, "skew": {"default": "auto"}}

    def big(seed: int, shift: float = 0.0, new: float = 0.0) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        colours = rng.choice(["red", "green", "blue"], 5000)
        colours[rng.random(5000) < new] = "purple"
        return pd.DataFrame({"length": rng.normal(40.0 + shift, 5.0, 5000), "colour": colours})

    previous = stats(big(2))
    assert exceeded(checks.measure(stats(big(1)), schema, auto, previous=previous)) == set()
    assert exceeded(checks.measure(stats(big(1)), schema, auto, evaluation=stats(big(3)))) == set()
    shifted = checks.measure(stats(big(1, shift=2.5)), schema, auto, previous=previous)
    assert exceeded(shifted) == {("drift", "length")}
    new = checks.measure(stats(big(1, new=0.1)), schema, auto, previous=previous)
    assert exceeded(new) == {("drift", "colour")}
    (colour,) = [m for m in new if m.feature == "colour"]
    assert colour.threshold == checks.auto_threshold(checks.L_INF, (5000, 5000))


def test_an_outlier_or_a_near_constant_column_is_no_drift(schema):
    """What made TFDV's Jensen-Shannon divergence 0.4-1.0 on same-population taxi trips and
    digits pixels (bench/results/gate_calibration_jensen_shannon.md)."""
    from components.data_gate.distance import ks_distances

    rng = np.random.default_rng(5)
    one = pd.DataFrame({"miles": rng.exponential(3.0, 4000), "pixel": rng.random(4000) < 0.01})
    two = pd.DataFrame({"miles": rng.exponential(3.0, 4000), "pixel": rng.random(4000) < 0.01})
    two.loc[0, "miles"] = 1710.0  # one trip far beyond the rest
    found = ks_distances(stats(one.astype(float)), stats(two.astype(float)), {"miles", "pixel"})
    assert found["miles"] < 0.05 and found["pixel"] < 0.05
    shifted = one.assign(miles=one["miles"] + 1.5)  # half a standard deviation
    assert ks_distances(stats(shifted), stats(one), {"miles"})["miles"] > 0.15
