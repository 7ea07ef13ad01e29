"""Scores a pushed SavedModel on a test CSV through its ``serving_default`` signature, as a
client would call it: each CSV cell as text, numbers as float32 (NaN when missing), strings
with "" when missing. TF-DF's ops are registered first, for models that hold a forest.
It builds the signature's inputs itself rather than through `automl predict`'s code: it is
the independent client that benchmarks score with and that tests/e2e/test_predict.py checks
`automl predict` against.

Usage: python bench/served_score.py SAVED_MODEL TEST_CSV LABEL TASK  (prints the score)
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import holdout  # noqa: E402

BATCH = 8192


def predictions(saved_model: Path, rows: list[dict[str, str]], task: str) -> list:
    import components  # noqa: F401  (Keras 2 before TensorFlow)
    import tensorflow as tf
    import tensorflow_decision_forests  # noqa: F401

    serve = tf.saved_model.load(str(saved_model)).signatures["serving_default"]
    specs = serve.structured_input_signature[1]

    def column(name: str, numeric: bool, part: list[dict[str, str]]) -> tf.Tensor:
        cells = [row[name] for row in part]
        if numeric:
            values = [math.nan if v in holdout.MISSING else float(v) for v in cells]
            return tf.constant(values, tf.float32)
        return tf.constant(["" if v in holdout.MISSING else v for v in cells])

    predicted: list = []
    for start in range(0, len(rows), BATCH):
        part = rows[start : start + BATCH]
        inputs = {n: column(n, s.dtype == tf.float32, part) for n, s in specs.items()}
        outputs = serve(**inputs)
        if task == "classification":
            predicted += [c.decode() for c in outputs["class"].numpy()]
        else:
            predicted += outputs["prediction"].numpy().reshape(-1).tolist()
    return predicted


def main() -> None:
    saved_model, test, label, task = sys.argv[1:]
    with open(test, newline="") as handle:
        rows = list(csv.DictReader(handle))
    truth = [row[label] for row in rows]
    print(holdout.score(task, truth, predictions(Path(saved_model), rows, task)))


if __name__ == "__main__":
    main()
