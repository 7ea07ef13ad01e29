"""What the e2e tests do with a pushed model: find it, load it, score it on the penguins CSV."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from pipeline.definition.dataset import embedded_penguins_csv


def pushed_versions(serving: Path) -> list[Path]:
    return sorted(p for p in serving.iterdir() if p.is_dir()) if serving.exists() else []


def load(version: Path):
    """A pushed SavedModel, loaded as a server would (TF-DF's ops registered, for forests)."""
    import components  # noqa: F401
    import tensorflow as tf
    import tensorflow_decision_forests  # noqa: F401

    return tf.saved_model.load(str(version))


def penguins_rows() -> list[dict[str, str]]:
    with embedded_penguins_csv().open() as handle:
        return list(csv.DictReader(handle))


def serve_penguins(version: Path) -> tuple[dict, list[str]]:
    """The serving signature's outputs on every raw row of the CSV (NA as missing), and the
    signature's input names."""
    return serve_rows(version, penguins_rows())


def serve_rows(version: Path, rows: list[dict[str, str]]) -> tuple[dict, list[str]]:
    """The serving signature's outputs on raw CSV rows (NA as missing), and its input names."""
    import tensorflow as tf

    serve = load(version).signatures["serving_default"]

    def column(name, numeric):
        values = [r[name] for r in rows]
        if numeric:
            return tf.constant([math.nan if v == "NA" else float(v) for v in values], tf.float32)
        return tf.constant(["" if v == "NA" else v for v in values])

    specs = serve.structured_input_signature[1]
    inputs = {name: column(name, spec.dtype == tf.float32) for name, spec in specs.items()}
    return serve(**inputs), sorted(inputs)


def penguins_accuracy(outputs: dict) -> float:
    predicted = [c.decode() for c in outputs["class"].numpy()]
    rows = penguins_rows()
    return sum(p == r["species"] for p, r in zip(predicted, rows, strict=True)) / len(rows)
