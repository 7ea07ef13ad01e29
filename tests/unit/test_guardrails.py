"""Each guardrail on a table built to trigger it, from real TFDV statistics; the embedded
penguins (a clean dataset) trigger none."""

import numpy as np
import pandas as pd
import pytest

from components.guardrails.checks import findings

ROWS = 400


def stats_of(frame: pd.DataFrame):
    import tensorflow_data_validation as tfdv

    return tfdv.generate_statistics_from_dataframe(frame)


def base(rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": rng.choice(["yes", "no"], size=ROWS),
            "amount": rng.normal(50, 10, size=ROWS),
            "colour": rng.choice(["red", "green", "blue"], size=ROWS),
        }
    )


@pytest.mark.parametrize(
    "change, kind, feature, fragment",
    [
        ({"label": ["rare"] * 20 + ["common"] * (ROWS - 20)}, "imbalance", "label",
         "class 'rare' is 5% of rows, 'common' 95%"),
        ({"amount": [np.nan] * 300 + list(np.linspace(0, 1, ROWS - 300))}, "missing", "amount",
         "75% of rows have no value"),
        ({"colour": ["red"] * ROWS}, "constant", "colour", "one value in every row"),
        ({"width": [3.0] * ROWS}, "constant", "width", "always 3"),
        ({"customer": [f"c{i:05d}" for i in range(ROWS)]}, "id_like", "customer",
         "400 distinct values in 400 rows"),
        ({"row": np.arange(1000, 1000 + ROWS)}, "id_like", "row",
         "consecutive integers 1000..1399 over 400 rows"),
    ],
)  # fmt: skip
def test_each_guardrail_fires_on_the_data_built_for_it(change, kind, feature, fragment):
    frame = base(np.random.default_rng(0))
    for column, values in change.items():
        frame[column] = values
    found = findings(stats_of(frame), "label", "classification")
    assert [(f.kind, f.feature) for f in found] == [(kind, feature)]
    assert fragment in found[0].detected


def test_many_distinct_strings_that_repeat_are_high_cardinality_not_ids():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"label": rng.normal(size=6000), "zip": rng.integers(0, 1500, 6000)})
    frame["zip"] = "z" + frame["zip"].astype(str)
    found = findings(stats_of(frame), "label", "regression")
    assert [(f.kind, f.feature) for f in found] == [("high_cardinality", "zip")]


def test_the_embedded_penguins_are_clean():
    from pipeline.definition.dataset import embedded_penguins_csv

    frame = pd.read_csv(embedded_penguins_csv())
    assert findings(stats_of(frame), "species", "classification") == []


def test_a_column_that_copies_the_label_leaks_and_an_honest_strong_one_does_not():
    from components.guardrails.leakage import leaking_columns

    rng = np.random.default_rng(3)
    frame = base(rng)
    signal = rng.normal(size=ROWS)
    frame["label"] = np.where(signal > 0, "yes", "no")
    frame["refund_issued"] = np.where(signal > 0, "Y", "N")  # written after the fact
    frame["score"] = signal + rng.normal(scale=0.5, size=ROWS)  # predictive, honestly noisy
    found = leaking_columns(frame, "label", "classification")
    assert [(f.kind, f.feature) for f in found] == [("leakage", "refund_issued")]
    assert "alone predicts label with held-out accuracy 1.000" in found[0].detected


def test_a_regression_label_recomputed_from_a_column_leaks():
    from components.guardrails.leakage import leaking_columns

    rng = np.random.default_rng(4)
    frame = base(rng).drop(columns="label")
    frame["total_cents"] = rng.integers(100, 10_000, size=ROWS)
    frame["total"] = frame["total_cents"] / 100
    frame["noise"] = rng.normal(size=ROWS)
    found = leaking_columns(frame, "total", "regression")
    assert [f.feature for f in found] == ["total_cents"]


def test_the_embedded_penguins_have_no_leak():
    from components.guardrails.leakage import leaking_columns
    from pipeline.definition.dataset import embedded_penguins_csv

    frame = pd.read_csv(embedded_penguins_csv())
    assert leaking_columns(frame, "species", "classification") == []


def test_a_numeric_key_seen_through_a_split_is_id_like_and_a_quantity_is_not():
    from components.guardrails.identifiers import id_like_integers

    rng = np.random.default_rng(5)
    frame = base(rng)
    frame["customer_id"] = rng.permutation(np.arange(1, 2 * ROWS + 1))[:ROWS]  # half the ids
    frame["minutes"] = rng.integers(0, 600, size=ROWS)  # a quantity: values repeat
    frame["amount"] = frame["amount"].round(6)  # distinct, but not integers
    found = id_like_integers(frame, "label")
    assert [(f.kind, f.feature) for f in found] == [("id_like", "customer_id")]
    assert "a distinct integer in each of 400 sampled rows" in found[0].detected


def test_the_leakage_sample_is_drawn_over_the_whole_split(tmp_path):
    """ExampleGen writes rows in the CSV's order: a sample of a split sorted by row number
    must reach its end, not stop after its first rows."""
    import tensorflow as tf

    from components.guardrails.executor import split_rows

    rows, limit = 30_000, 2_000
    with tf.io.TFRecordWriter(str(tmp_path / "data.gz"), options="GZIP") as writer:
        for index in range(rows):
            feature = {"row": tf.train.Feature(int64_list=tf.train.Int64List(value=[index]))}
            example = tf.train.Example(features=tf.train.Features(feature=feature))
            writer.write(example.SerializeToString())
    sample = split_rows(str(tmp_path), limit)["row"].to_numpy()
    assert len(sample) == limit and len(set(sample)) == limit
    assert list(sample) == sorted(sample)  # kept in the files' order
    quarters = np.histogram(sample, bins=4, range=(0, rows))[0]
    assert quarters.min() > limit / 4 * 0.8  # every quarter of the split is in the sample
    assert len(split_rows(str(tmp_path))) == rows


def test_statistics_gen_sketches_keep_ids_and_high_cardinality_apart(tmp_path):
    """StatisticsGen counts distinct values with sketches (exact below 16,384 values, so the
    small tables above are counted exactly): past that, the estimates must still put an id
    column above ID_LIKE_DISTINCT and a column whose values each repeat well below it."""
    import tensorflow_data_validation as tfdv

    from pipeline.definition.create_pipeline import statistics_options

    rows = 60_000
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({
        "label": rng.choice(["yes", "no"], size=rows),
        "order": [f"o{i:06d}" for i in rng.permutation(rows)],
        "merchant": [f"m{i:05d}" for i in rng.integers(0, 30_000, rows)],
    })  # fmt: skip
    source = tmp_path / "data.csv"
    frame.to_csv(source, index=False)
    stats = tfdv.generate_statistics_from_csv(str(source), stats_options=statistics_options())
    distinct = {f.path.step[0]: f.string_stats.unique for f in stats.datasets[0].features}
    assert abs(distinct["order"] - rows) / rows < 0.03
    true_merchants = frame["merchant"].nunique()
    assert abs(distinct["merchant"] - true_merchants) / true_merchants < 0.03
    found = findings(stats, "label", "classification")
    assert sorted((f.kind, f.feature) for f in found) == [
        ("high_cardinality", "merchant"), ("id_like", "order")
    ]
