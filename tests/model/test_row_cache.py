"""The cache of decoded splits (modeling.model.row_cache): written batch by batch, read back
mapped as the same columns, published whole or not at all, and kept to the newest few."""

from __future__ import annotations

import os

import numpy as np

from modeling.model import row_cache


def write(target: str, n_batches: int = 3) -> tuple[dict[str, np.ndarray], np.ndarray]:
    writer, parts = row_cache.Writer(target), []
    for b in range(n_batches):
        positions = np.arange(b * 100, (b + 1) * 100)
        features = {
            "x__z": positions.astype(np.float32),
            "pair__id": np.stack([positions, -positions], axis=1),  # two values a row, int64
        }
        writer.add(features, positions % 3)
        parts.append((features, positions % 3))
    assert writer.publish()
    joined = {k: np.concatenate([f[k] for f, _ in parts]) for k in parts[0][0]}
    return joined, np.concatenate([labels for _, labels in parts])


def test_batches_written_read_back_as_the_whole_columns_mapped(tmp_path):
    target = str(tmp_path / "split")
    features, labels = write(target)
    columns, read_labels = row_cache.read(target)
    assert isinstance(read_labels, np.memmap) and read_labels.dtype == labels.dtype
    np.testing.assert_array_equal(read_labels, labels)
    for name, values in features.items():
        assert columns[name].dtype == values.dtype and columns[name].shape == values.shape
        np.testing.assert_array_equal(columns[name], values)
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".staging")]


def test_a_split_published_first_by_another_process_is_kept_and_the_late_copy_dropped(
    tmp_path,
):
    target = str(tmp_path / "split")
    late = row_cache.Writer(target)
    late.add({"x": np.zeros(5, np.float32)}, np.zeros(5, np.int64))
    write(target)
    assert not late.publish()
    assert len(row_cache.read(target)[1]) == 300  # the first one's rows
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".staging")]


def test_a_discarded_write_leaves_nothing(tmp_path):
    writer = row_cache.Writer(str(tmp_path / "split"))
    writer.add({"x": np.ones(4, np.float32)}, np.ones(4, np.int64))
    writer.discard()
    assert os.listdir(tmp_path) == []


def test_the_cache_keeps_the_newest_splits(tmp_path, monkeypatch):
    monkeypatch.setenv(row_cache.CACHE_ENV, str(tmp_path))
    folders = [row_cache.folder([[f"part-{i}", 1, i]], None) for i in range(10)]
    assert len(set(folders)) == 10 and row_cache.folder([["part-0", 1, 0]], 1024) != folders[0]
    for number, folder in enumerate(folders):
        write(folder, n_batches=1)
        os.utime(folder, (number, number))  # written one after another
    kept = sorted(os.path.join(tmp_path, n) for n in os.listdir(tmp_path))
    assert kept == sorted(folders[-row_cache.CACHE_KEPT :])
