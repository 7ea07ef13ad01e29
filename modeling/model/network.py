"""The network family (modeling.spaces.families): a Keras network built from a point of a
network space (modeling.model.build), trained epoch by epoch, whose weights a snapshot
holds (morph) so that a later trial can inherit them and the Trainer can serve them."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import tf_keras

from modeling.model import build, data, morph
from modeling.model.fit import (
    VALIDATION_BATCH, FitResult, StopWhen, TrainingClock, until,
)  # fmt: skip
from modeling.spaces import FeatureSet

# A training split larger than this in memory is fed to Keras batch by batch (RowBatches);
# the search's splits are capped at tuner.search_data_mb (512 MiB), so only the Trainer's
# full split of a large table is.
STREAM_FROM_BYTES = 512 * 2**20


def fit(
    point: Mapping[str, Any],
    space: str,
    splits: data.Splits,
    inputs_info: FeatureSet,
    task: str,
    seed: int,
    epochs: int,
    *,
    patience: int | None = None,
    rows: float = 1.0,
    width_scale: float = 1.0,
    initial: morph.Snapshot | None = None,
    initial_epoch: int = 0,
    should_stop: Callable[[dict[str, list[float]]], bool] | None = None,
    max_seconds: float | None = None,
) -> FitResult:
    """Trains the network on (a fraction of) train for ``epochs``, validating on eval each
    epoch, and returns the best epoch's model; see modeling.model.fit.fit."""
    if max_seconds is not None:
        should_stop = until(time.monotonic() + max_seconds, should_stop)
    batch_size = int(point["batch_size"])
    model = build.build_model(
        point,
        space,
        inputs_info,
        task,
        splits.n_classes,
        splits.label_mean,
        splits.label_std,
        width_scale=width_scale,
    )
    inheritance = morph.inherit(model, initial, point) if initial is not None else None
    scheduled = {**point, "epochs": initial_epoch + epochs}
    callbacks = [c for c in [build.schedule_callback(scheduled)] if c is not None]
    # The model returned is the best epoch's, the one its validation metrics describe (as
    # KerasTuner keeps a trial's best epoch): a search trial's snapshot, reused by the Trainer
    # or inherited by a child, is what the trial was ranked by, not a later epoch that got
    # worse (taxi: a network ranked at 0.055 served at 0.18). With ``patience`` training also
    # stops that many epochs after the best; without, it runs every epoch.
    callbacks.append(
        tf_keras.callbacks.EarlyStopping(
            monitor="val_loss",
            patience=patience if patience is not None else initial_epoch + epochs + 1,
            restore_best_weights=True,
        )
    )
    stopper = StopWhen(should_stop) if should_stop is not None else None
    if stopper is not None:
        callbacks.append(stopper)
    clock = TrainingClock()
    callbacks.append(clock)
    train, weights = splits.training(rows, passes=splits.epoch_passes)
    started = time.monotonic()
    history = model.fit(
        **_feed(train, weights, splits.eval, batch_size, seed),
        initial_epoch=initial_epoch,
        epochs=initial_epoch + epochs,
        verbose=0,
        callbacks=callbacks,
    )
    per_epoch = {k: [float(v) for v in values] for k, values in history.history.items()}
    losses = np.array(per_epoch["val_loss"], dtype=float)
    losses[~np.isfinite(losses)] = np.inf
    return FitResult(
        model,
        per_epoch,
        int(np.argmin(losses)),
        stopped_early=bool(stopper and stopper.stopped),
        inheritance=inheritance,
        train_s=max(0.0, time.monotonic() - started - clock.tracing),
    )


def _feed(
    train: data.Rows, weights: np.ndarray | None, evaluation: data.Rows, batch_size: int, seed: int
) -> dict[str, Any]:
    """What ``fit`` is given: the arrays themselves, or for a split past STREAM_FROM_BYTES,
    batches drawn from its mapped columns (RowBatches)."""
    validation_batch = max(batch_size, VALIDATION_BATCH)
    if len(train) * train.bytes_per_row <= STREAM_FROM_BYTES:
        return {
            "x": train.features,
            "y": train.labels,
            "sample_weight": weights,
            "batch_size": batch_size,
            "shuffle": True,
            "validation_data": (evaluation.features, evaluation.labels),
            "validation_batch_size": validation_batch,
        }
    return {
        "x": RowBatches(train, batch_size, weights, seed=seed),
        "validation_data": RowBatches(evaluation, validation_batch, shuffle=False),
    }


class RowBatches(tf_keras.utils.Sequence):
    """A split fed to Keras a batch at a time from its columns, in a new random order every
    epoch. Keras turns arrays it is handed whole into tensors, a copy of the split; for a
    split decoded into the mapped cache (modeling.model.row_cache) that is its size again in
    memory, so past STREAM_FROM_BYTES a batch is gathered from the mapped columns when
    Keras asks for it, and memory holds the batch (the page cache holds the file)."""

    def __init__(
        self,
        rows: data.Rows,
        batch_size: int,
        weights: np.ndarray | None = None,
        *,
        shuffle: bool = True,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.rows, self.batch_size, self.weights, self.shuffle = rows, batch_size, weights, shuffle
        self.order = np.arange(len(rows))
        self._rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self) -> int:
        return -(-len(self.rows) // self.batch_size)

    def __getitem__(self, number: int) -> tuple:
        index = np.sort(self.order[number * self.batch_size : (number + 1) * self.batch_size])
        batch = self.rows.take(index)
        x = {name: np.asarray(values) for name, values in batch.features.items()}
        y = np.asarray(batch.labels)
        return (x, y) if self.weights is None else (x, y, self.weights[index])

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self._rng.shuffle(self.order)


def save(result: FitResult, path: str) -> None:
    """The network's weights, by layer name (what a child inherits, what the Trainer serves)."""
    morph.Snapshot.of(result.model).save(path)


def load(path: str) -> morph.Snapshot:
    """A network the search kept: its weights (components.tuner.snapshots)."""
    return morph.Snapshot.load(path)


def restore(
    point: Mapping[str, Any],
    space: str,
    splits: data.Splits,
    inputs_info: FeatureSet,
    task: str,
    kept: morph.Snapshot,
) -> FitResult:
    """The network a search trial trained, rebuilt from its snapshot and validated as it is
    (no epoch trained): with weight inheritance a trial's model carries its parents' training
    too, which a retrain from scratch for the same epochs does not reproduce."""
    model = build.build_model(
        point, space, inputs_info, task, splits.n_classes, splits.label_mean, splits.label_std
    )
    inheritance = morph.inherit(model, kept, point)
    if differ := [*inheritance.morphed, *inheritance.new]:
        raise ValueError(f"the snapshot is not of this point's network (layers {differ} differ)")
    measured = model.evaluate(
        splits.eval.features,
        splits.eval.labels,
        batch_size=max(int(point["batch_size"]), VALIDATION_BATCH),
        verbose=0,
        return_dict=True,
    )
    history = {"loss": [], **{f"val_{k}": [float(v)] for k, v in measured.items()}}
    return FitResult(model, history, 0, inheritance=inheritance, charged_epochs=0)
