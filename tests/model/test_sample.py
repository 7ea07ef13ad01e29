"""A split too large for the search's memory is kept as a sample (modeling.model.data.Sample):
at most the rows its byte cap holds, the same rows on every decode, spread over the whole
split, in the split's order, and never more than about a quarter over the cap while it is
being read."""

from __future__ import annotations

import numpy as np

from modeling.model.data import Rows, Sample


def batches(n_rows: int, size: int = 1000):
    """A split's rows as a decoder yields them: a numeric column, a two-wide one, the label
    (the row's position, so the test can tell which rows were kept)."""
    for start in range(0, n_rows, size):
        positions = np.arange(start, min(start + size, n_rows))
        yield Rows(
            {
                "x__z": positions.astype(np.float32),
                "pair": np.stack([positions, positions], axis=1).astype(np.float32),
            },
            positions.astype(np.int64),
        )


def read(n_rows: int, max_bytes: int | None) -> tuple[Rows, Sample, int]:
    sample, most_held = Sample(max_bytes), 0
    for rows in batches(n_rows):
        sample.add(rows)
        most_held = max(most_held, sample.held)
    return sample.rows(), sample, most_held


def test_without_a_cap_every_row_is_kept_in_order():
    rows, _, _ = read(5_500, None)
    np.testing.assert_array_equal(rows.labels, np.arange(5_500))
    np.testing.assert_array_equal(rows.features["pair"][:, 1], np.arange(5_500))


def test_a_cap_keeps_the_rows_it_holds_spread_over_the_split_in_order():
    per_row = 4 + 8 + 8  # float32, two float32, int64 label
    cap = 2_000 * per_row
    rows, sample, most_held = read(100_000, cap)
    assert rows.bytes_per_row == per_row and len(rows) == 2_000 == sample.limit
    assert len(rows) * rows.bytes_per_row <= cap
    kept = np.asarray(rows.labels)
    assert np.all(np.diff(kept) > 0)  # the split's order, no row twice
    np.testing.assert_array_equal(rows.features["x__z"], kept.astype(np.float32))
    # Uniform over the split: each tenth of it holds about a tenth of the sample.
    per_tenth = np.bincount(kept // 10_000, minlength=10)
    assert per_tenth.min() > 150 and per_tenth.max() < 250, per_tenth
    # Memory is flat in the rows: 50x the cap read, never much more than the cap held.
    assert most_held <= 2_000 + 2_000 // 4 + 1_000


def test_the_same_split_gives_the_same_sample_and_a_smaller_table_is_kept_whole():
    first, _, _ = read(30_000, 1_000 * 20)
    second, _, _ = read(30_000, 1_000 * 20)
    np.testing.assert_array_equal(first.labels, second.labels)
    whole, _, _ = read(800, 1_000 * 20)
    np.testing.assert_array_equal(whole.labels, np.arange(800))
