"""An ensemble of a network and a boosted-trees model, trained on the penguins run's own
Transform output and exported the way the Trainer exports (the transform graph inside),
answers raw CSV rows as one model. Whether a run serves an ensemble depends on its data (it
must beat every candidate alone), so this is built directly instead of hoped for."""

from __future__ import annotations

import glob

import numpy as np
import pytest

from tests.e2e.serving import penguins_accuracy, serve_penguins

pytestmark = pytest.mark.e2e


def transformed_splits(output):
    import tensorflow as tf
    import tensorflow_transform as tft

    from modeling import features
    from modeling.model import data

    (graph,) = glob.glob(str(output / "pipeline_root/Transform/transform_graph/*"))
    (examples,) = glob.glob(str(output / "pipeline_root/Transform/transformed_examples/*"))
    transform = tft.TFTransformOutput(graph)
    spec = transform.transformed_feature_spec()

    def split(name: str) -> data.Rows:
        files = sorted(glob.glob(f"{examples}/Split-{name}/*"))
        records = tf.data.TFRecordDataset(files, compression_type="GZIP").batch(4096)
        columns: dict[str, list[np.ndarray]] = {}
        for batch in records.map(lambda serialized: tf.io.parse_example(serialized, spec)):
            for key, values in batch.items():
                columns.setdefault(key, []).append(np.asarray(values).reshape(-1))
        merged = {key: np.concatenate(parts) for key, parts in columns.items()}
        return data.Rows(merged, merged.pop(features.LABEL_KEY))

    splits = data.Splits(split("train"), split("eval"), n_classes=data.class_count(transform))
    return transform, splits


def test_a_network_and_trees_ensemble_serves_raw_rows(penguins_run, tmp_path):
    from modeling.model import build, export, fit
    from modeling.model.ensemble import EnsembleModel
    from modeling.spaces import build_space

    output, _ = penguins_run
    transform, splits = transformed_splits(output)
    inputs = build.feature_set(transform)
    space = build_space("families", inputs, max_epochs=5)
    members = []
    for point in space.branch_midpoints("family")[:2]:  # a network, boosted trees
        trained = fit.fit(point, "families", splits, inputs, "classification", seed=1)
        members.append(fit.servable(trained).model)
    ensemble = EnsembleModel(members, [0.5, 0.5])
    signatures = export.serving_signatures(ensemble, transform, "species", "classification")
    ensemble.save(str(tmp_path / "ensemble"), save_format="tf", signatures=signatures)

    outputs, names = serve_penguins(tmp_path / "ensemble")
    assert "species" not in names
    np.testing.assert_allclose(outputs["probabilities"].numpy().sum(axis=1), 1.0, rtol=1e-5)
    assert penguins_accuracy(outputs) > 0.9
