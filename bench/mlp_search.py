"""KerasTuner and Optuna searching a plain MLP within a wall-time budget, as a user of either
would write it: scikit-learn preprocessing of the CSV (median-imputed, standardised numbers
with missing-value indicators; one-hot strings), 20 % of train.csv held out for validation,
at most 150 epochs a trial with early stopping, the best trial's model scored on test.csv.

KerasTuner runs its Hyperband tuner (its documentation's headline example); Optuna runs its
default TPE sampler and median pruner with ``timeout``. Neither has a wall-time budget of its
own inside a trial, so a callback ends the running trial's training at the deadline.

Usage: python bench/mlp_search.py {keras_tuner,optuna} TRAIN TEST LABEL TASK BUDGET_S
       RESULT_JSON [REPEAT]
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # the budget counts from the process's start, imports included

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import holdout  # noqa: E402
from bench.keras_tuner_2 import kt  # noqa: E402

import tf_keras  # noqa: E402

EPOCHS = 150
BATCH = 256
PREDICT_RESERVE_S = 5.0


def _arrays(train: Path, test: Path, label: str, task: str) -> dict[str, Any]:
    import pandas as pd
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    read = {"na_values": sorted(holdout.MISSING), "keep_default_na": False}
    frame, test_frame = pd.read_csv(train, **read), pd.read_csv(test, **read)
    y = frame.pop(label).astype(str if task == "classification" else float).to_numpy()
    test_frame.pop(label)
    preprocess = ColumnTransformer(
        [
            (
                "numbers",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
                ),
                make_column_selector(dtype_include="number"),
            ),
            (
                "strings",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing"),
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist",
                        max_categories=32,
                        sparse_output=False,
                    ),
                ),
                make_column_selector(dtype_exclude="number"),
            ),
        ]
    )  # fmt: skip
    fit_x, val_x, fit_y, val_y = train_test_split(frame, y, test_size=0.2, random_state=0)
    arrays = {
        "x": preprocess.fit_transform(fit_x).astype("float32"),
        "val_x": preprocess.transform(val_x).astype("float32"),
        "test_x": preprocess.transform(test_frame).astype("float32"),
    }
    if task == "classification":
        classes = np.unique(y)
        arrays.update(y=np.searchsorted(classes, fit_y), val_y=np.searchsorted(classes, val_y))
        arrays["decode"] = lambda out: classes[np.argmax(out, axis=1)].tolist()
        arrays["outputs"] = len(classes)
    else:
        mean, std = float(fit_y.mean()), float(fit_y.std() or 1.0)
        arrays.update(y=(fit_y - mean) / std, val_y=(val_y - mean) / std, outputs=1)
        arrays["decode"] = lambda out: (out[:, 0] * std + mean).tolist()
    return arrays


def _mlp(arrays: dict[str, Any], task: str, layers: int, units: int, dropout: float, rate: float):
    model = tf_keras.Sequential([tf_keras.Input((arrays["x"].shape[1],))])
    for _ in range(layers):
        model.add(tf_keras.layers.Dense(units, activation="relu"))
        model.add(tf_keras.layers.Dropout(dropout))
    classify = task == "classification"
    model.add(tf_keras.layers.Dense(arrays["outputs"], activation="softmax" if classify else None))
    model.compile(
        tf_keras.optimizers.Adam(rate),
        "sparse_categorical_crossentropy" if classify else "mse",
    )
    return model


class Deadline(tf_keras.callbacks.Callback):
    """Ends training when the search's wall time is spent (checked every batch)."""

    def __init__(self, ends_at: float) -> None:
        super().__init__()
        self.ends_at = ends_at

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if time.monotonic() >= self.ends_at:
            self.model.stop_training = True


def _callbacks(ends_at: float) -> list:
    stop = tf_keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)
    return [stop, Deadline(ends_at)]


def keras_tuner_search(arrays: dict[str, Any], task: str, ends_at: float) -> tuple[Any, int]:
    class Timed(kt.oracles.HyperbandOracle):
        def populate_space(self, trial_id: str) -> dict:
            if time.monotonic() >= ends_at:
                return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}
            return super().populate_space(trial_id)

    def build(hp: Any) -> tf_keras.Model:
        return _mlp(
            arrays, task, hp.Int("layers", 1, 3), hp.Int("units", 32, 512, sampling="log"),
            hp.Float("dropout", 0.0, 0.5), hp.Float("rate", 1e-4, 1e-2, sampling="log"),
        )  # fmt: skip

    oracle = Timed(objective="val_loss", max_epochs=EPOCHS, factor=3, hyperband_iterations=100)

    class Tuner(kt.Hyperband):
        def __init__(self, **kwargs: Any) -> None:
            kt.Tuner.__init__(self, **kwargs)  # the timed oracle; Hyperband's run_trial

    with tempfile.TemporaryDirectory() as directory:
        tuner = Tuner(hypermodel=build, oracle=oracle, directory=directory, project_name="mlp")
        tuner.search(
            arrays["x"], arrays["y"], validation_data=(arrays["val_x"], arrays["val_y"]),
            batch_size=BATCH, callbacks=_callbacks(ends_at), verbose=0,
        )  # fmt: skip
        trials = len(tuner.oracle.trials)
        return tuner.get_best_models(1)[0], trials


def optuna_search(arrays: dict[str, Any], task: str, ends_at: float) -> tuple[Any, int]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    best: dict[str, Any] = {"loss": np.inf, "weights": None, "model": None}

    class Report(tf_keras.callbacks.Callback):
        def __init__(self, trial: optuna.Trial) -> None:
            super().__init__()
            self.trial = trial

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.trial.report(float(logs["val_loss"]), epoch)
            if self.trial.should_prune():
                self.model.stop_training = True

    def objective(trial: optuna.Trial) -> float:
        model = _mlp(
            arrays, task, trial.suggest_int("layers", 1, 3),
            trial.suggest_int("units", 32, 512, log=True),
            trial.suggest_float("dropout", 0.0, 0.5),
            trial.suggest_float("rate", 1e-4, 1e-2, log=True),
        )  # fmt: skip
        model.fit(
            arrays["x"], arrays["y"], validation_data=(arrays["val_x"], arrays["val_y"]),
            batch_size=BATCH, epochs=EPOCHS, callbacks=[*_callbacks(ends_at), Report(trial)],
            verbose=0,
        )  # fmt: skip
        loss = float(model.evaluate(arrays["val_x"], arrays["val_y"], verbose=0))
        if loss < best["loss"]:
            best.update(loss=loss, model=model)
        return loss

    study = optuna.create_study()
    study.optimize(objective, timeout=max(1.0, ends_at - time.monotonic()))
    return best["model"], len(study.trials)


def main() -> None:
    # A repeat's number (ignored: neither search is seeded, so a repeat runs it again).
    tool, train, test, label, task, budget, result, *_ = sys.argv[1:]
    ends_at = STARTED + float(budget) - PREDICT_RESERVE_S
    arrays = _arrays(Path(train), Path(test), label, task)
    search = keras_tuner_search if tool == "keras_tuner" else optuna_search
    model, trials = search(arrays, task, ends_at)
    predicted = arrays["decode"](model.predict(arrays["test_x"], batch_size=4096, verbose=0))
    wall = time.monotonic() - STARTED
    score = holdout.score(task, holdout.labels(Path(test), label), predicted)
    version = kt.__version__ if tool == "keras_tuner" else __import__("optuna").__version__
    detail = {"trials": trials, "max_epochs": EPOCHS, "batch_size": BATCH}
    Path(result).write_text(
        json.dumps(
            {"score": score, "wall_s": round(wall, 1), "version": version, "detail": detail}
        )
    )


if __name__ == "__main__":
    main()
