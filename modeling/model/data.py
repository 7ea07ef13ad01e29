"""Reading Transform's output for the Tuner and the Trainer, the same way in both.

A split is decoded once into columns (``Rows``) and every trial, epoch and prediction slices
those arrays. Why not a tf.data pipeline per trial: decoding tf.Examples and passing rows one
at a time through tf.data cost more than training a small network on them (on 80k rows, 25 s
to decode row by row against 4 s for five epochs of an MLP), and a trial process would pay it
again. The decoded columns are written to the machine's cache as they are decoded
(``cached``, modeling.model.row_cache): the trial processes of a search and the Trainer map
the same files instead of decoding again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow_transform as tft
from tfx_bsl.public import tfxio

from modeling import features
from modeling.class_weights import BALANCED, balanced_weights
from modeling.model import row_cache

if TYPE_CHECKING:  # TFX's type only: importing tfx.components here would load all of TFX
    from tfx.components.trainer.fn_args_utils import DataAccessor

DECODE_BATCH = 8192
PREDICT_BATCH = 8192
SUBSET_SEED = 20_170_531  # fixed: every low-fidelity trial trains on the same rows
# A network's epoch is at least this many examples (modeling.model.fit), at most this many
# passes over a small table.
MIN_EPOCH_EXAMPLES = 100_000
MAX_EPOCH_PASSES = 20


@dataclass(frozen=True)
class Rows:
    """One split's transformed rows as columns: each feature's values, and the label's."""

    features: dict[str, np.ndarray]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, index: Any) -> Rows:
        """The rows at ``index`` (positions, a mask or a slice)."""
        return Rows({k: v[index] for k, v in self.features.items()}, self.labels[index])

    def fraction(self, share: float) -> Rows:
        """The same ``share`` of the rows on every call, spread over the whole split.

        A fixed random draw per row, so every low-fidelity trial sees the same rows (results
        stay comparable) and a CSV sorted by time or by label is sampled evenly, which taking
        its first rows would not."""
        if share >= 1.0:
            return self
        draw = np.random.default_rng(SUBSET_SEED).random(len(self))
        return self.take(np.flatnonzero(draw < share))

    @property
    def bytes_per_row(self) -> int:
        """What one row holds in memory, over every column and the label."""
        arrays = [*self.features.values(), self.labels]
        return sum(a.itemsize * (a.size // max(1, len(self))) for a in arrays)

    def concat(self, other: Rows) -> Rows:
        """These rows, then ``other``'s (the same columns)."""
        return _joined([self, other])

    def batches(self, size: int = PREDICT_BATCH) -> Iterator[Rows]:
        for start in range(0, len(self), size):
            yield self.take(slice(start, start + size))


def batches(
    file_pattern: list[str], data_accessor: DataAccessor, transform_output: tft.TFTransformOutput
) -> Iterator[Rows]:
    """The transformed examples of one split as columns, in large batches."""
    dataset = data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(
            batch_size=DECODE_BATCH, label_key=features.LABEL_KEY, num_epochs=1, shuffle=False
        ),
        transform_output.transformed_metadata.schema,
    )
    for batch, label in dataset:
        labels = np.asarray(label).reshape(-1)
        yield Rows(
            {k: _column(np.asarray(v).reshape(len(labels), -1)) for k, v in batch.items()},
            labels,
        )


def decode(
    file_pattern: list[str],
    data_accessor: DataAccessor,
    transform_output: tft.TFTransformOutput,
    max_bytes: int | None = None,
) -> Rows:
    """The transformed examples of one split as columns in memory (``cached`` without a
    cache: files on a bucket).

    With ``max_bytes``, a split whose columns would hold more is kept as a fixed random
    sample that holds at most that (``Sample``): memory stays flat however many rows the
    split has, while every row has the same chance to be in it."""
    sample = Sample(max_bytes)
    for rows in batches(file_pattern, data_accessor, transform_output):
        sample.add(rows)
    if not sample.seen:
        raise ValueError(f"no examples in {file_pattern}")
    return sample.rows()


class Sample:
    """Rows added batch by batch, kept whole or, past ``max_bytes``, as a bottom-k sample.

    Each row gets a fixed pseudo-random key from its position (the same rows on every
    decode of the same files); the rows with the ``k`` smallest keys are a uniform random
    sample, with ``k`` as many rows as ``max_bytes`` holds. The buffer is cut back to ``k``
    whenever it reaches ``k`` plus a quarter, so at most about 2.25x ``max_bytes`` is held
    while the cut copies (the kept rows, the buffer, and the copy); the rows keep their
    order in the split."""

    def __init__(self, max_bytes: int | None) -> None:
        self.max_bytes = max_bytes
        self.seen = 0
        self.limit: int | None = None
        self._parts: list[Rows] = []
        self._keys: list[np.ndarray] = []
        self.held = 0

    def add(self, rows: Rows) -> None:
        if self.max_bytes is not None and self.limit is None:
            self.limit = max(1, self.max_bytes // max(1, rows.bytes_per_row))
        self._parts.append(rows)
        if self.max_bytes is not None:
            self._keys.append(np.random.default_rng([SUBSET_SEED, self.seen]).random(len(rows)))
        self.seen += len(rows)
        self.held += len(rows)
        if self.limit is not None and self.held >= self.limit + max(self.limit // 4, 1):
            self._cut()

    def _cut(self) -> None:
        rows, keys = _joined(self._parts), np.concatenate(self._keys)
        assert self.limit is not None
        if len(rows) > self.limit:
            kept = np.sort(np.argpartition(keys, self.limit - 1)[: self.limit])
            rows, keys = rows.take(kept), keys[kept]
        self._parts, self._keys, self.held = [rows], [keys], len(rows)

    def rows(self) -> Rows:
        """The rows kept: all of them, or the sample."""
        if self.limit is not None:
            self._cut()
        return _joined(self._parts)


def _joined(parts: list[Rows]) -> Rows:
    """The parts' rows one after another (the same columns)."""
    if len(parts) == 1:
        return parts[0]
    return Rows(
        {k: np.concatenate([p.features[k] for p in parts]) for k in parts[0].features},
        np.concatenate([p.labels for p in parts]),
    )


def _column(values: np.ndarray) -> np.ndarray:
    """One value per row stays a vector (what the models' inputs and YDF take)."""
    return values[:, 0] if values.shape[1] == 1 else values


def _described(files: list[str]) -> list[list]:
    described = []
    for pattern in files:
        for name in sorted(tf_glob(pattern)):
            status = os.stat(name)
            described.append([name, status.st_size, status.st_mtime_ns])
    return described


def tf_glob(pattern: str) -> list[str]:
    import tensorflow as tf

    return tf.io.gfile.glob(pattern)


def cached(
    file_pattern: list[str],
    data_accessor: DataAccessor,
    transform_output: tft.TFTransformOutput,
    max_bytes: int | None = None,
) -> Rows:
    """``decode``, once per machine: the columns are written to the cache batch by batch as
    they are decoded, and every call (this one, another trial process, the Trainer) maps them
    read-only, so the page cache holds one copy that all of them share and decoding holds
    one batch. A sample (``max_bytes``) is cached apart from the whole split; files on a
    bucket are decoded into memory without a cache."""
    if any("://" in p for p in file_pattern):
        return decode(file_pattern, data_accessor, transform_output, max_bytes)
    folder = row_cache.folder(_described(file_pattern), max_bytes)
    if not os.path.isdir(folder):
        try:
            _decode_into(folder, file_pattern, data_accessor, transform_output, max_bytes)
        except OSError:  # the cache's disk is full or read-only: decode into memory
            return decode(file_pattern, data_accessor, transform_output, max_bytes)
    os.utime(folder)  # newest first when the cache is pruned
    return Rows(*row_cache.read(folder))


def _decode_into(
    folder: str,
    file_pattern: list[str],
    data_accessor: DataAccessor,
    transform_output: tft.TFTransformOutput,
    max_bytes: int | None,
) -> None:
    writer = row_cache.Writer(folder)
    try:
        if max_bytes is None:
            for rows in batches(file_pattern, data_accessor, transform_output):
                writer.add(rows.features, rows.labels)
        else:
            sample = decode(file_pattern, data_accessor, transform_output, max_bytes)
            writer.add(sample.features, sample.labels)
        if not writer.rows:
            raise ValueError(f"no examples in {file_pattern}")
    except BaseException:
        writer.discard()
        raise
    writer.publish()  # False: another process published the same split first; it is read


@dataclass
class Splits:
    """Train and eval rows, read once and shared by every model trained on them, with what
    the model's head needs to know about the label."""

    train: Rows
    eval: Rows
    n_classes: int = 1  # classification: the label vocabulary's size
    label_mean: float = 0.0  # regression: the label's moments on the training split
    label_std: float = 1.0
    # classification, an imbalanced label (components/guardrails): weight of each class id
    class_weights: dict[int, float] | None = None

    @property
    def train_rows(self) -> int:
        return len(self.train)

    @property
    def epoch_passes(self) -> float:
        """Passes over the training rows that make one epoch of a network.

        An epoch is the unit of a network's fidelity and of the search's compute, and five of
        them are a full trial; on a small table five passes are a few hundred gradient steps,
        far from converged (letters26, 17k training rows: an MLP needs ~45 passes; digits,
        1k rows, more than 100), so the search compared networks stopped long before their
        best against forests grown in full. A floor on the examples per epoch, the way
        ``steps_per_epoch`` sets an epoch on a repeated dataset, keeps a large table's epoch
        one pass and gives a small one more, at most ``MAX_EPOCH_PASSES``."""
        return min(MAX_EPOCH_PASSES, max(1.0, MIN_EPOCH_EXAMPLES / max(1, len(self.train))))

    def training(self, rows: float = 1.0, passes: float = 1.0) -> tuple[Rows, np.ndarray | None]:
        """The training rows a model fits (a fraction of them for a low-fidelity trial), and
        each row's class weight when classes are weighted. ``passes`` > 1 repeats the rows
        that many times (a fractional pass adds a fixed random draw of them), which makes one
        Keras epoch that many passes (:attr:`epoch_passes`)."""
        train = self.train.fraction(rows)
        if passes > 1.0:
            train = train.take(_repeated(len(train), passes))
        if not self.class_weights:
            return train, None
        table = np.array(
            [self.class_weights.get(c, 1.0) for c in range(self.n_classes)], np.float32
        )
        return train, table[train.labels.astype(int)]

    def with_eval_rows(self, task: str) -> Splits:
        """Train and eval together as the training rows (the label's moments and the class
        weights computed again over them), for a final refit whose choices were all made on
        eval; eval stays eval, so the refit model's eval scores are no longer unseen."""
        weighting = BALANCED if self.class_weights else None
        return Splits.of(self.train.concat(self.eval), self.eval, task, self.n_classes, weighting)

    @classmethod
    def load(
        cls,
        fn_args,
        tf_transform_output: tft.TFTransformOutput,
        task: str,
        class_weighting: str | None = None,
        max_bytes: int | None = None,
    ) -> Splits:
        """``class_weighting``: "balanced" weights classes inversely to their frequency in
        training (the guardrails' handling of an imbalanced label). ``max_bytes``: the most
        each split may hold in memory; a larger one is a fixed random sample of its rows."""
        train = cached(fn_args.train_files, fn_args.data_accessor, tf_transform_output, max_bytes)
        evaluation = cached(
            fn_args.eval_files, fn_args.data_accessor, tf_transform_output, max_bytes
        )
        n_classes = class_count(tf_transform_output) if task == "classification" else 1
        return cls.of(train, evaluation, task, n_classes, class_weighting)

    @classmethod
    def of(
        cls,
        train: Rows,
        evaluation: Rows,
        task: str,
        n_classes: int = 1,
        class_weighting: str | None = None,
    ) -> Splits:
        """The splits of these rows, with the label's classes or moments filled in."""
        splits = cls(train, evaluation)
        if task == "classification":
            splits.n_classes = n_classes
            if class_weighting == BALANCED:
                splits.class_weights = balanced_weights(class_counts(train))
        else:
            splits.label_mean, splits.label_std = label_moments(train)
        return splits


def _repeated(count: int, passes: float) -> np.ndarray:
    """Positions of ``count`` rows taken ``passes`` times: every row ``int(passes)`` times,
    then a fixed random share of them once more."""
    whole = np.tile(np.arange(count), int(passes))
    extra = round((passes - int(passes)) * count)
    draw = np.random.default_rng(SUBSET_SEED).permutation(count)[:extra]
    return np.concatenate([whole, np.sort(draw)])


def predictions(model, rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """A model's outputs on a split, and the split's labels (one per row)."""
    predicted = [np.asarray(model(batch.features)) for batch in rows.batches()]
    return np.concatenate(predicted), np.asarray(rows.labels).reshape(-1)


def class_count(tf_transform_output: tft.TFTransformOutput) -> int:
    return tf_transform_output.vocabulary_size_by_name(features.LABEL_VOCABULARY)


def class_counts(rows: Rows) -> dict[int, int]:
    """Rows per class id in a split."""
    ids, counts = np.unique(np.asarray(rows.labels).astype(int), return_counts=True)
    return {int(i): int(n) for i, n in zip(ids, counts, strict=True)}


def label_moments(rows: Rows) -> tuple[float, float]:
    """Mean and standard deviation of a regression label on the training split."""
    labels = np.asarray(rows.labels, dtype=np.float64)
    return float(labels.mean()), float(labels.std())
