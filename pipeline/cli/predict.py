"""`automl predict`: a CSV scored by the served model, as a client of its serving signature.

The model is the one serving now, the newest version under ``<output>/serving/<pipeline>/``
(a rollback publishes its choice as the newest), or a SavedModel folder named with --model.
The CSV is read as `automl run` reads its data (pipeline.definition.dataset: the same missing-value
tokens, the same column renames), so each column reaches the signature under the name the
model was trained with; columns the model does not take (the label, an id) are passed over,
and a column it takes that the CSV lacks is an error. TF-DF's ops are registered before the
model loads: a served forest needs them.

The output is a CSV, one row per input row in their order: the --keep columns as read, then
``prediction`` (regression) or ``class`` and one ``probability_<class>`` column per class of
the label's vocabulary (classification).
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from pipeline.cli.group import config_from, console, fail, main
from pipeline.definition.dataset import MISSING_TOKENS, DataError, read_rows, sanitised_names

BATCH = 8192
LABEL_VOCABULARY_ASSET = "__label_vocabulary__"  # modeling.features.LABEL_VOCABULARY


def served_model(output: Path, pipeline_name: str | None) -> Path:
    """The version serving now: of ``pipeline_name``, or of the one pipeline that ``output``
    serves; a one-line exit when there is none or the choice is ambiguous."""
    from components.pusher import versions

    serving = output / "serving"
    if pipeline_name is None:
        served = sorted(p.name for p in serving.glob("*") if versions.versions(str(p)))
        if len(served) > 1:
            fail(
                f"{output} serves several pipelines ({', '.join(served)}); "
                "say which with --dataset-name or --config"
            )
        pipeline_name = served[0] if served else "?"
    base = serving / pipeline_name
    published = versions.versions(str(base))
    if not published:
        fail(f"no model has been pushed under {serving}; run `automl run` first, or pass --model")
    return base / str(published[-1])


def _columns(names: list[str], rows: list[list[str]], specs: dict[str, Any]) -> dict[str, list]:
    """The signature's inputs from the rows: numbers as floats (NaN when missing), strings
    with "" when missing; a cell that is no number where one is needed is an error."""
    import tensorflow as tf

    index = {name: i for i, name in enumerate(names)}
    absent = sorted(set(specs) - set(index))
    if absent:
        raise DataError(f"the model needs columns the CSV lacks: {', '.join(absent)}")
    columns: dict[str, list] = {}
    for name, spec in specs.items():
        cells = [row[index[name]] for row in rows]
        if spec.dtype != tf.float32:
            columns[name] = ["" if c in MISSING_TOKENS else c for c in cells]
            continue
        values = []
        for number, cell in enumerate(cells, start=1):
            try:
                values.append(math.nan if cell in MISSING_TOKENS else float(cell))
            except ValueError:
                raise DataError(
                    f"column {name}, data row {number}: '{cell}' is not a number"
                ) from None
        columns[name] = values
    return columns


def _class_names(model_dir: Path) -> list[str] | None:
    path = model_dir / "assets" / LABEL_VOCABULARY_ASSET
    if not path.exists():
        return None
    return [line.rstrip("\n") for line in path.read_text().splitlines()]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """TensorFlow, TF-DF and YDF's C++ code write start-up and model-loading lines to the
    process's stderr whatever Python's logging says; the command's output is the CSV and one
    line of outcome, so file descriptor 2 goes to /dev/null while they load and predict (their
    failures still arrive as Python exceptions)."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    logging.disable(logging.WARNING)  # TF-DF's version notice goes through Python's logging
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        os.dup2(saved, 2)
        os.close(saved)


def predict_rows(model_dir: Path, names: list[str], rows: list[list[str]]) -> tuple[list, list]:
    """The output header and rows for the CSV's rows (see the module's docstring)."""
    with _quiet():
        return _predict_rows(model_dir, names, rows)


def _predict_rows(model_dir: Path, names: list[str], rows: list[list[str]]) -> tuple[list, list]:
    import components  # noqa: F401  (Keras 2 before TensorFlow)
    import tensorflow as tf
    import tensorflow_decision_forests  # noqa: F401  (a served forest's ops)

    try:
        serve = tf.saved_model.load(str(model_dir)).signatures["serving_default"]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{model_dir} is not a model `automl run` pushed: {exc}") from None
    specs = serve.structured_input_signature[1]
    columns = _columns(names, rows, specs)
    header: list[str] = []
    out: list[list] = []
    vocabulary = _class_names(model_dir)  # classification: the label's classes, in order
    for start in range(0, len(rows), BATCH):
        inputs = {
            name: tf.constant(values[start : start + BATCH], specs[name].dtype)
            for name, values in columns.items()
        }
        outputs = serve(**inputs)
        if "prediction" in outputs:
            header = ["prediction"]
            out += [[float(v)] for v in outputs["prediction"].numpy().reshape(-1)]
            continue
        probabilities = outputs["probabilities"].numpy()
        classes = vocabulary or [str(i) for i in range(probabilities.shape[1])]
        header = ["class", *(f"probability_{c}" for c in classes)]
        for name, row in zip(outputs["class"].numpy(), probabilities, strict=True):
            out.append([name.decode(), *(round(float(p), 6) for p in row)])
    return header, out


@main.command("predict")
@click.option(
    "--data", type=click.Path(path_type=Path), required=True, help="The CSV to score."
)
@click.option(
    "--model", "model_dir", type=click.Path(path_type=Path),
    help="A pushed SavedModel folder (default: the one serving under --output).",
)  # fmt: skip
@click.option("--output", type=click.Path(path_type=Path), help="The runs' output folder.")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("--dataset-name", help="The pipeline's dataset (default: from --config).")
@click.option(
    "--keep", multiple=True, help="A CSV column to copy into the output (e.g. an id); repeat."
)
@click.option(
    "--out", "target", type=click.Path(path_type=Path), help="Output CSV (default: stdout)."
)
def predict(
    data: Path, model_dir: Path | None, output: Path | None, config_file: Path | None,
    dataset_name: str | None, keep: tuple[str, ...], target: Path | None,
) -> None:  # fmt: skip
    """Score a CSV with the served model: one prediction per row, as a CSV."""
    try:
        header, rows = read_rows(data)
        names, _ = sanitised_names(header, str(data))
        kept = [names.index(sanitised_names([k], "--keep")[0][0]) for k in keep]
    except DataError as exc:
        fail(str(exc))
    except ValueError:
        fail(f"--keep: {', '.join(keep)}: not all are columns of {data}")
    if model_dir is None:
        config = config_from(config_file, {"output": output, "dataset_name": dataset_name})
        named = config_file is not None or dataset_name is not None
        model_dir = served_model(config.output, config.pipeline_name if named else None)
    elif not (model_dir / "saved_model.pb").exists():
        fail(f"{model_dir} holds no saved_model.pb")
    try:
        predicted_header, predicted = predict_rows(model_dir, names, rows)
    except DataError as exc:
        fail(str(exc))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header[i] for i in kept] + predicted_header)
    for row, values in zip(rows, predicted, strict=True):
        writer.writerow([row[i] for i in kept] + values)
    if target is None:
        sys.stdout.write(buffer.getvalue())
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(buffer.getvalue())
    partial.replace(target)  # never a half-written file under the name asked for
    console.print(
        f"[bold]Predicted[/] {len(rows)} rows with {escape(str(model_dir))}: "
        f"{escape(str(target))}"
    )
