"""The Evaluator's plots, as the report draws them: computed by TFMA on the test split (the rows
no trial, ensemble or threshold was chosen on), read back from its output, never recomputed.

Classification: the confusion matrix; ROC and precision-recall curves and calibration, of the
positive class when there are two classes and micro-averaged over the classes (each class one
against the rest, their counts summed) when there are more. Regression: the mean label of each
bucket of predictions, whose distance from the diagonal is the model's mean residual there.
"""

from __future__ import annotations

import os
from typing import Any

from pipeline.report.figures import figure

MAX_NAMED_CLASSES = 30  # a confusion matrix beyond that is unreadable as a picture


def read(uri: str) -> dict[str, Any]:
    """The candidate's plots over the whole test split, as plain lists: ``confusion``
    {actual: {predicted: examples}}, ``curves`` {class: [(threshold, tp, fp, tn, fn)]},
    ``calibration`` {class or "": [(predictions summed, labels summed, examples)]}, every
    bucket, empty ones too (a class's bucket i covers the same predictions as another's)."""
    import tensorflow_model_analysis as tfma

    found: dict[str, Any] = {"confusion": {}, "curves": {}, "calibration": {}}
    for plots in tfma.load_plots(uri):
        if plots.slice_key.single_slice_keys:
            continue  # a slice's: the report plots the whole split
        for entry in plots.plot_keys_and_values:
            key, value = entry.key, entry.value
            if key.model_name == "baseline":
                continue
            cls = str(key.sub_key.class_id.value) if key.sub_key.HasField("class_id") else ""
            if value.HasField("multi_class_confusion_matrix_at_thresholds"):
                (matrix, *_) = value.multi_class_confusion_matrix_at_thresholds.matrices
                for cell in matrix.entries:
                    row = found["confusion"].setdefault(str(cell.actual_class_id), {})
                    row[str(cell.predicted_class_id)] = cell.num_weighted_examples
            # one class's value holds both its curve and its calibration buckets
            if value.HasField("confusion_matrix_at_thresholds"):
                found["curves"][cls] = [
                    (m.threshold, m.true_positives, m.false_positives, m.true_negatives,
                     m.false_negatives)
                    for m in value.confusion_matrix_at_thresholds.matrices
                ]  # fmt: skip
            if value.HasField("calibration_histogram_buckets"):
                found["calibration"][cls] = [
                    (b.total_weighted_refined_prediction.value, b.total_weighted_label.value,
                     b.num_weighted_examples.value)
                    for b in value.calibration_histogram_buckets.buckets
                ]  # fmt: skip
    return found


def class_names(model_uri: str | None) -> list[str]:
    """The label's classes in their index order, from the vocabulary the model carries."""
    from modeling.features import LABEL_VOCABULARY

    for folder in ("Format-Serving", ""):
        path = os.path.join(model_uri or "", folder, "assets", LABEL_VOCABULARY)
        if model_uri and os.path.exists(path):
            with open(path) as handle:
                return [line.rstrip("\n") for line in handle]
    return []


def _pooled(per_class: dict[str, list[tuple[float, ...]]]) -> list[tuple[float, ...]]:
    """Binary: the positive class's (class 1). More classes: every class's one-against-the-
    rest numbers summed, point by point (micro-averaging; TFMA gives every class the same
    thresholds and buckets)."""
    if set(per_class) == {"0", "1"}:
        return per_class["1"]
    lists = [v for k, v in per_class.items() if k]
    if not lists:
        return per_class.get("", [])
    width = min(len(v) for v in lists)
    return [tuple(map(sum, zip(*(v[i] for v in lists), strict=True))) for i in range(width)]


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def _roc_and_pr(curves: dict[str, list[tuple[float, ...]]], scope: str) -> str:
    points = _pooled(curves)
    fpr = [_ratio(fp, fp + tn) for _, tp, fp, tn, fn in points]
    tpr = [_ratio(tp, tp + fn) for _, tp, fp, tn, fn in points]
    precision = [_ratio(tp, tp + fp) for _, tp, fp, tn, fn in points]

    def roc(axes: Any) -> None:
        axes.plot(fpr, tpr, color="#2f6db5")
        axes.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1)
        axes.set_xlabel("false positive rate")
        axes.set_ylabel("true positive rate (recall)")

    def pr(axes: Any) -> None:
        axes.plot(tpr, precision, color="#2f6db5")
        axes.set_xlabel("recall")
        axes.set_ylabel("precision")
        axes.set_ylim(0, 1.02)

    return figure("ROC curve", f"Test split; {scope}.", roc) + figure(
        "Precision-recall curve", f"Test split; {scope}.", pr
    )


def _calibration(buckets: list[tuple[float, ...]], scope: str, regression: bool) -> str:
    buckets = [b for b in buckets if b[2] > 0]
    predicted = [_ratio(p, n) for p, _, n in buckets]
    observed = [_ratio(label, n) for _, label, n in buckets]
    sizes = [n for *_, n in buckets]

    def draw(axes: Any) -> None:
        low, high = min(predicted + observed), max(predicted + observed)
        axes.plot([low, high], [low, high], color="#999", linestyle="--", linewidth=1)
        largest = max(sizes) or 1.0
        axes.scatter(predicted, observed, s=[12 + 60 * n / largest for n in sizes],
                     color="#2f6db5")  # fmt: skip
        axes.plot(predicted, observed, color="#2f6db5", linewidth=1)
        axes.set_xlabel("mean prediction in the bucket")
        axes.set_ylabel("mean label" if regression else "observed frequency")

    if regression:
        return figure(
            "Residuals",
            "Test split; predictions in equal buckets over the label's range in the data (dot "
            "size: rows). The gap to the diagonal is the bucket's mean residual.",
            draw,
        )
    return figure("Calibration", f"Test split; {scope}; dot size: rows.", draw)


def _confusion(confusion: dict[str, dict[str, float]], names: list[str]) -> str:
    classes = sorted({int(c) for c in confusion} | {int(p) for r in confusion.values() for p in r})
    classes = [c for c in classes if c >= 0]  # TFMA's -1: no class predicted (none here)
    counts = [[confusion.get(str(a), {}).get(str(p), 0.0) for p in classes] for a in classes]
    labels = [names[c] if c < len(names) else str(c) for c in classes]

    def draw(axes: Any) -> None:
        axes.imshow(counts, cmap="Blues")
        if len(classes) <= MAX_NAMED_CLASSES:
            axes.set_xticks(range(len(classes)), labels, rotation=90, fontsize=7)
            axes.set_yticks(range(len(classes)), labels, fontsize=7)
        if len(classes) <= 10:
            top = max(max(row) for row in counts) or 1.0
            for i, row in enumerate(counts):
                for j, value in enumerate(row):
                    axes.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=8,
                              color="white" if value > top / 2 else "black")  # fmt: skip
        axes.set_xlabel("predicted class")
        axes.set_ylabel("actual class")
        axes.grid(False)

    return figure("Confusion matrix", "Test split; rows are the actual classes.", draw)


def section(plots: dict[str, Any], names: list[str]) -> str:
    """The report's "Test split" section, or nothing when the run recorded no plots (runs
    from before the Evaluator computed them)."""
    parts = []
    binary = set(plots["curves"]) == {"0", "1"}
    positive = names[1] if binary and len(names) > 1 else "class 1"
    scope = f"'{positive}' against the other" if binary else "micro-averaged over the classes"
    if plots["confusion"]:
        parts.append(_confusion(plots["confusion"], names))
    if plots["curves"]:
        parts.append(_roc_and_pr(plots["curves"], scope))
    if calibration := plots["calibration"]:
        regression = set(calibration) == {""}
        parts.append(_calibration(_pooled(calibration), scope, regression))
    if not parts:
        return ""
    return (
        "<h2>On the test split</h2><p>What the Evaluator (TFMA) measured on rows no selection "
        f"saw.</p><div class=\"grid\">{''.join(parts)}</div>"
    )
