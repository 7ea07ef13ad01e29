"""Calibrates the data gates: what drift and skew measure on same-population data and on
injected shifts of known size, per dataset, with the gate's own measuring code.

For each dataset (bench/automl_datasets: every one exists offline) and each of ``--resplits``
seeds, the rows are shuffled and halved: the first half plays the previous span, the second
the new one; each span's first 80 % is its train split and the rest its eval split, as the
pipeline's hash split makes them. Then, with components.data_gate.checks.measure (TFDV's
comparators, exactly as the gate runs them):

- same population: drift (new span's train against the previous span's) and skew (the new
  span's eval against its train), every feature; the gate must pass all of these;
- injected: the top numeric feature (highest mutual information with the label) shifted by
  half its standard deviation, and, per string feature, a new category in 10 % of the rows,
  put into the new span (drift) or its eval split (skew); the gate must catch these.

Statistics come from TFDV's DataFrame path (the pipeline's come from tf.Examples through
Beam: the same histograms, minutes faster). Results: bench/results/gate_calibration.{json,md}.

Usage: python bench/gate_calibration.py [--resplits 20] [--dataset NAME]...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import automl_datasets  # noqa: E402
from bench.vs_automl import head_commit  # noqa: E402
from components.data_gate import checks  # noqa: E402
from pipeline.definition.create_pipeline import QUANTILE_BUCKETS  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path(__file__).resolve().parent / "work" / "gate_calibration"
NEW_CATEGORY, NEW_SHARE, SHIFT_SD = "never-seen-before", 0.10, 0.5
UNBOUNDED = {"drift": {"default": 1e9}, "skew": {"default": 1e9}}  # measure, never stop


def _tfdv_version() -> str:
    import tensorflow_data_validation as tfdv

    return tfdv.__version__


def _stats(frame):
    import tensorflow_data_validation as tfdv

    options = tfdv.StatsOptions(num_quantiles_histogram_buckets=QUANTILE_BUCKETS)
    return tfdv.generate_statistics_from_dataframe(frame, stats_options=options)


def _values(measured, kind: str) -> dict[str, tuple[str, float]]:
    return {m.feature: (m.measure, m.value) for m in measured if m.kind == kind}


def top_numeric(frame, label: str, task: str, numeric: list[str]) -> str:
    """The numeric feature with the most mutual information with the label."""
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    sample = frame.sample(min(len(frame), 5000), random_state=0)
    numeric = [c for c in numeric if sample[c].notna().mean() > 0.5]  # mostly present
    x = sample[numeric].fillna(sample[numeric].median())
    score = mutual_info_classif if task == "classification" else mutual_info_regression
    return numeric[int(np.argmax(score(x, sample[label], random_state=0)))]


SPAN_ROWS = (250, 1000, 4000, 16000, 40000)  # the noise shrinks with the rows: measure it


def calibrate_dataset(name: str, resplits: int) -> list[dict]:
    """The dataset at every span size in SPAN_ROWS it holds twice (at least its half)."""
    import pandas as pd
    import tensorflow_data_validation as tfdv

    data = automl_datasets.prepare(name, WORK / "data")
    frame = pd.read_csv(data.train)
    features = [c for c in frame.columns if c != data.label]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(frame[c])]
    strings = [c for c in features if c not in numeric]
    top = top_numeric(frame, data.label, data.task, numeric)
    schema = tfdv.infer_schema(_stats(frame))
    sizes = [rows for rows in SPAN_ROWS if 2 * rows <= len(frame)] or [len(frame) // 2]
    return [
        calibrate(name, frame, schema, top, strings, rows, resplits) for rows in sizes
    ]


def calibrate(name, frame, schema, top, strings, half: int, resplits: int) -> dict:
    """Same-population and injected measurements for spans of ``half`` rows."""
    cut = int(half * 0.8)
    same = {"drift": {}, "skew": {}}  # feature -> values over resplits
    injected = {"drift": {}, "skew": {}}  # "shift: f" / "new category: f" -> values
    for seed in range(resplits):
        shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        previous, new = shuffled.iloc[:half], shuffled.iloc[half : 2 * half].reset_index(drop=True)
        previous_train = _stats(previous.iloc[:cut])
        new_train, new_eval = new.iloc[:cut], new.iloc[cut:].reset_index(drop=True)
        train_stats, eval_stats = _stats(new_train), _stats(new_eval)
        drift = checks.measure(train_stats, schema, UNBOUNDED, previous=previous_train)
        skew = checks.measure(train_stats, schema, UNBOUNDED, evaluation=eval_stats)
        for kind, measured in (("drift", drift), ("skew", skew)):
            for feature, (measure, value) in _values(measured, kind).items():
                same[kind].setdefault(f"{measure}|{feature}", []).append(value)
        rng = np.random.default_rng(seed)
        step = SHIFT_SD * frame[top].std()
        changes = {f"shift: {top}": lambda f, step=step: f.assign(**{top: f[top] + step})}
        for column in strings:
            def new_category(f, column=column, rng=rng):
                changed = f.copy()
                rows = rng.random(len(f)) < NEW_SHARE
                changed.loc[rows, column] = NEW_CATEGORY
                return changed
            changes[f"new category: {column}"] = new_category
        for what, change in changes.items():
            feature = what.split(": ", 1)[1]
            shifted = _stats(change(new_train))
            drifted = checks.measure(shifted, schema, UNBOUNDED, previous=previous_train)
            skewed = checks.measure(train_stats, schema, UNBOUNDED,
                                    evaluation=_stats(change(new_eval)))  # fmt: skip
            for kind, measured in (("drift", drifted), ("skew", skewed)):
                value = _values(measured, kind).get(feature, (None, float("nan")))[1]
                injected[kind].setdefault(what, []).append(value)
    return {
        "dataset": name, "rows_per_span": half, "train_rows": cut, "eval_rows": half - cut,
        "top_numeric": top, "string_features": strings, "resplits": resplits,
        "same_population": same, "injected": injected,
    }  # fmt: skip


def _rows(result: dict, kind: str) -> tuple[int, int]:
    train, evaluation = result["train_rows"], result["eval_rows"]
    return (train, train) if kind == "drift" else (train, evaluation)


def fitted(results: list[dict]) -> dict[str, float]:
    """Per measure, the largest same-population ``value / noise`` anywhere: the auto
    threshold's scale is about 1.4 times this (checks.AUTO_THRESHOLDS)."""
    worst: dict[str, float] = {}
    for result in results:
        for kind in ("drift", "skew"):
            for key, values in result["same_population"][kind].items():
                measure = key.split("|", 1)[0]
                ratio = max(values) / checks.noise(_rows(result, kind))
                worst[measure] = max(worst.get(measure, 0.0), ratio)
    return worst


def verdicts(result: dict, kind: str) -> tuple[int, int, dict[str, float]]:
    """At the committed auto thresholds: same-population measurements flagged (of all), and
    per injected change the share of re-splits that caught it."""
    rows = _rows(result, kind)
    same = [
        (key.split("|", 1)[0], v) for key, values in result["same_population"][kind].items()
        for v in values
    ]  # fmt: skip
    false = sum(v > checks.auto_threshold(measure, rows) for measure, v in same)
    caught = {}
    for what, values in result["injected"][kind].items():
        measure = checks.KS if what.startswith("shift") else checks.L_INF
        threshold = checks.auto_threshold(measure, rows)
        caught[what] = sum(v > threshold for v in values) / len(values)
    return false, len(same), caught


def write_report(results: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "gate_calibration.json").write_text(json.dumps(results, indent=1))
    worst = fitted(results)
    floors = {m: f for m, (f, _) in checks.AUTO_THRESHOLDS.items()}
    scales = {m: s for m, (_, s) in checks.AUTO_THRESHOLDS.items()}
    lines = [
        f"# Data gate calibration ({time.strftime('%Y-%m-%d')})", "",
        f"{results[0]['resplits']} random re-splits of each dataset into a previous and a new "
        "span (80 % train, 20 % eval each); drift: new train against previous train; skew: "
        "new eval against new train. The Kolmogorov-Smirnov distance (KS) from TFDV's "
        "quantiles histograms for numbers, TFDV's L-infinity distance (L-inf) for strings, as "
        "the gate measures them. Injected into "
        f"the new span (drift) or its eval split (skew): the top numeric feature shifted by "
        f"{SHIFT_SD} SD, a new category in {NEW_SHARE:.0%} of a string feature's rows. "
        f"Versions: TFDV {_tfdv_version()}, {QUANTILE_BUCKETS} quantile buckets (the "
        f"pipeline's StatisticsGen), gate code at commit {head_commit()}.", "",
        "Largest same-population value / sqrt(1/n1 + 1/n2) (n: the compared samples' rows): "
        + ", ".join(f"{m} {v:.2f}" for m, v in worst.items())
        + ". Auto thresholds in components/data_gate/checks.py: max(floor, scale x noise), "
        + ", ".join(f"{m}: floor {floors[m]}, scale {scales[m]}" for m in floors) + ".", "",
        "| dataset | rows per span | kind | same population: max KS | max L-inf | flagged at auto "
        "| injected: share of re-splits caught at auto (smallest value) |",
        "|---|---:|---|---:|---:|---:|---|",
    ]  # fmt: skip
    for result in results:
        for kind in ("drift", "skew"):
            same = {}
            for key, values in result["same_population"][kind].items():
                measure = key.split("|", 1)[0]
                same[measure] = max(same.get(measure, 0.0), max(values))
            false, total, caught = verdicts(result, kind)
            shown = "; ".join(
                f"{what} {share:.0%} ({min(result['injected'][kind][what]):.3f})"
                for what, share in caught.items()
            )
            lines.append(
                f"| {result['dataset']} | {result['rows_per_span']:,} | {kind} "
                f"| {same.get(checks.KS, float('nan')):.3f} "
                f"| {same.get(checks.L_INF, float('nan')):.3f} | {false} of {total} | {shown} |"
            )
    (RESULTS / "gate_calibration.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resplits", type=int, default=20)
    parser.add_argument("--dataset", action="append", choices=sorted(automl_datasets.SOURCES))
    args = parser.parse_args()
    results = []
    for name in args.dataset or list(automl_datasets.SOURCES):
        began = time.monotonic()
        results += calibrate_dataset(name, args.resplits)
        print(name, f"{time.monotonic() - began:.0f} s", flush=True)
        write_report(results)


if __name__ == "__main__":
    main()
