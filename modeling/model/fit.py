"""One training run, shared by every Tuner trial and by the final Trainer."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import tf_keras

from modeling.model import data, morph
from modeling.spaces import FeatureSet
from modeling.spaces.families import family_of

# Validation batches: a prediction's cost, not a gradient step's, so larger than training's.
VALIDATION_BATCH = 1024


@dataclass(frozen=True)
class FitResult:
    model: tf_keras.Model
    history: dict[str, list[float]]  # per epoch: loss, val_loss, and the task's metrics
    best_epoch: int  # 0-based epoch of the lowest validation loss
    stopped_early: bool = False  # ``should_stop`` ended it
    inheritance: morph.Inheritance | None = None
    charged_epochs: int | None = None  # a forest's share of the epochs; None: the epochs run
    # Seconds of training proper (Keras' fit less its tracing, YDF's train), without the
    # model's build or the measuring after: what the schedulers weigh against the fixed cost.
    train_s: float = 0.0

    @property
    def epochs_run(self) -> int:
        """Epochs to charge the budget (and to record as the model's training)."""
        return (
            self.charged_epochs if self.charged_epochs is not None else len(self.history["loss"])
        )

    @property
    def objective(self) -> float:
        """Best validation loss seen; lower is better (inf if it never was finite)."""
        return self.validation_metrics().get("val_loss", math.inf)

    def validation_metrics(self) -> dict[str, float]:
        """Every validation metric at the best epoch, e.g. val_loss and val_accuracy."""
        return {
            name: float(values[self.best_epoch])
            for name, values in self.history.items()
            if name.startswith("val_") and math.isfinite(float(values[self.best_epoch]))
        }


def until(
    ends_at: float, should_stop: Callable[[dict[str, list[float]]], bool] | None
) -> Callable[[dict[str, list[float]]], bool]:
    """``should_stop``, or the clock passing ``ends_at``, whichever says stop first."""

    def stop(seen: dict[str, list[float]]) -> bool:
        return time.monotonic() >= ends_at or (should_stop is not None and should_stop(seen))

    return stop


class StopWhen(tf_keras.callbacks.Callback):
    """Ends training when ``should_stop`` says so, given every epoch's metrics so far."""

    def __init__(self, should_stop: Callable[[dict[str, list[float]]], bool]) -> None:
        super().__init__()
        self.should_stop = should_stop
        self.seen: dict[str, list[float]] = {}
        self.stopped = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for name, value in (logs or {}).items():
            self.seen.setdefault(name, []).append(float(value))
        if self.should_stop(self.seen):
            self.stopped = True
            self.model.stop_training = True


class TrainingClock(tf_keras.callbacks.Callback):
    """Seconds of training proper in a Keras ``fit``: its wall time less the first batch and
    the first validation pass, which trace the train and test functions (over a second on
    penguins, where five epochs of gradient steps take a fraction of that). Tracing is a
    trial's fixed cost, like the model's build, and the schedulers weigh the two apart."""

    def __init__(self) -> None:
        super().__init__()
        # It never reads the logs: without this, Keras turns every step's logs into numpy
        # for a callback with batch hooks, a sync on every training step.
        self._supports_tf_logs = True
        self.tracing = 0.0
        self._started_at = 0.0
        self._batched = self._tested = False  # only the first batch and pass trace

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._batched:
            self._started_at = time.monotonic()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._batched:
            self.tracing += time.monotonic() - self._started_at
            self._batched = True

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._tested:
            self._started_at = time.monotonic()

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if not self._tested:
            self.tracing += time.monotonic() - self._started_at
            self._tested = True


def fit(
    point: Mapping[str, Any],
    space: str,
    splits: data.Splits,
    inputs_info: FeatureSet,
    task: str,
    seed: int,
    epochs: int | None = None,
    patience: int | None = None,
    *,
    rows: float = 1.0,
    width_scale: float = 1.0,
    initial: morph.Snapshot | None = None,
    initial_epoch: int = 0,
    should_stop: Callable[[dict[str, list[float]]], bool] | None = None,
    max_seconds: float | None = None,
) -> FitResult:
    """Trains on train, validates on eval, and returns the best epoch's model (by val_loss),
    through the point's family (modeling.spaces.families): a network, or a forest.

    The keyword arguments are a Tuner trial's fidelity and estimator: a fraction of the
    training rows, narrower layers, weights inherited from another trial (then ``initial_epoch``
    places the run in the learning-rate schedule), and a rule that may end training early; a
    family grown in one pass (a forest) has no weights to inherit and no epochs to stop
    early. ``max_seconds`` bounds the training's wall time (a run's time budget): a network
    stops after the epoch that passes it, a forest keeps the trees grown by then.
    """
    tf_keras.utils.set_random_seed(seed)
    return family_of(point).model().fit(
        point, space, splits, inputs_info, task, seed,
        int(epochs if epochs is not None else point["epochs"]),
        patience=patience, rows=rows, width_scale=width_scale, initial=initial,
        initial_epoch=initial_epoch, should_stop=should_stop, max_seconds=max_seconds,
    )  # fmt: skip


def servable(result: FitResult) -> FitResult:
    """The result with a model TensorFlow can export: a forest (grown and measured in YDF)
    becomes its TensorFlow function; a network already is one."""
    convert = getattr(result.model, "servable", None)
    return dataclasses.replace(result, model=convert()) if convert else result
