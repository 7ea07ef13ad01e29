"""An ensemble of a network and a forest answers with the weighted average of its members,
and survives a SavedModel round trip (TF-DF's ops registered, as a server must)."""

import numpy as np
import pytest
import tensorflow as tf

import components  # noqa: F401  (Keras 2 before TensorFlow)
from components.model import fit, measure
from components.model.ensemble import EnsembleModel
from components.spaces import build_space
from tests.model.test_forest import INPUTS, splits


def test_a_network_and_a_forest_average_and_round_trip(tmp_path):
    import tensorflow_decision_forests  # noqa: F401

    data_splits = splits("classification", 3)
    space = build_space("families", INPUTS, max_epochs=2)
    members = [
        fit.fit(next(iter(space.grid({"family": f}))), "families", data_splits, INPUTS,
                "classification", seed=1).model
        for f in ("nn", "gbt")
    ]  # fmt: skip
    ensemble = EnsembleModel(members + [members[0]], [0.25, 0.75, 0.0])
    assert len(ensemble.members) == 2  # the zero-weight member is dropped
    features = next(iter(data_splits.eval.batch(40)))[0]
    expected = 0.25 * np.asarray(members[0](features)) + 0.75 * np.asarray(members[1](features))
    np.testing.assert_allclose(np.asarray(ensemble(features)), expected, rtol=1e-5)
    sizes = [measure.size(m)["params"] for m in members]
    assert measure.size(ensemble)["params"] == pytest.approx(sum(sizes))

    specs = {k: tf.TensorSpec([None], v.dtype, k) for k, v in features.items()}
    serve = tf.function(
        lambda inputs: {"probabilities": ensemble(inputs)}, input_signature=[specs]
    )
    tf.saved_model.save(ensemble, str(tmp_path), signatures=serve.get_concrete_function())
    loaded = tf.saved_model.load(str(tmp_path)).signatures["serving_default"]
    np.testing.assert_allclose(loaded(**features)["probabilities"].numpy(), expected, rtol=1e-5)


def test_an_ensemble_without_weight_is_refused():
    with pytest.raises(ValueError, match="positive weight"):
        EnsembleModel([], [])
