"""The searched models themselves, for the Trainer to weigh against retraining them or to
reuse instead of retraining them.

With weight inheritance a trial's network carries its parents' training as well as its own,
so what the search measured is not what a retrain from scratch for the trial's epochs gives
(bench/results/estimators.md: searched 0.120, retrained 0.184 on digits). The Tuner keeps the
snapshots of the candidates it hands the Trainer, and the Trainer serves a searched network
where it is better on the evaluation split than its retrain (components.trainer.ensembling);
a candidate the search trained in full (and every forest grown in full, which a retrain would
only grow again) is reused instead of retrained. A forest of a lower rung is kept too (while
it may be a candidate: components.tuner.trials): under a run's time budget it is served as
searched where growing it in full would not finish in time.

They are kept beside the search's own snapshots (components.tuner.executor.weights_root: next
to a SQLite store, or tuner.snapshot_dir, which compiled pipelines put on the volume every
task mounts), not in an artifact: TFX's Trainer reads best_hyperparameters as a folder of
one file, and on Kubeflow it is given its own inputs only, never the Tuner's study. The
newest few searches' are kept, so the folder does not grow with every scheduled retrain.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence

from search.fidelity import Fidelity
from search.trial import Trial

FOLDER = "searched"
KEEP_SEARCHES = 3


FOREST_SUFFIX = ".ydf"


def trained_in_full(fidelity: Fidelity, model_epochs: int, full_epochs: int) -> bool:
    """Whether a model had a full trial's training: every row, every unit, and at least the
    full epochs (its own, or with inherited weights its parents' too). The one rule for what
    the Trainer may reuse: trials save such forests, and the Tuner marks such candidates."""
    return fidelity.rows >= 1.0 and fidelity.width >= 1.0 and model_epochs >= full_epochs


def trial_trained_in_full(trial: Trial, full: Fidelity) -> bool:
    """:func:`trained_in_full` for a finished trial (no fidelity: no estimator, a full one)."""
    fidelity = trial.fidelity or full
    return trained_in_full(
        fidelity, int(trial.attrs.get("model_epochs", fidelity.epochs)), full.epochs
    )


def snapshot_name(number: int) -> str:
    """A network's weights (modeling.model.morph.Snapshot)."""
    return f"trial_{number}.npz"


def forest_name(number: int) -> str:
    """A forest grown in full, as YDF saves it (a folder): the Trainer reuses it."""
    return f"trial_{number}{FOREST_SUFFIX}"


def keep(weights_dir: str | None, trials: Sequence[Trial]) -> dict[int, str]:
    """Copies the snapshot of each of ``trials`` that has one (a network trained at full
    width, or a forest; a narrower network is not the point's) out of the
    search's ``weights_dir`` (<root>/study-<id>, removed after the search) to
    <root>/searched/study-<id>; returns {trial number: path}."""
    if weights_dir is None:
        return {}
    root, study = os.path.split(os.path.normpath(weights_dir))
    target = os.path.join(root, FOLDER, study)
    kept = {}
    for trial in trials:
        if trial.fidelity is not None and trial.fidelity.width < 1:
            continue
        for name in (snapshot_name(trial.number), forest_name(trial.number)):
            source = os.path.join(weights_dir, name)
            if not os.path.exists(source):
                continue
            os.makedirs(target, exist_ok=True)
            copy = shutil.copytree if os.path.isdir(source) else shutil.copy
            kept[trial.number] = copy(source, os.path.join(target, name))
    _prune(os.path.join(root, FOLDER))
    return kept


def _prune(folder: str) -> None:
    """Only the newest KEEP_SEARCHES searches' networks stay (by study id)."""
    if not os.path.isdir(folder):
        return
    numbered = sorted(
        (int(m.group(1)), name)
        for name in os.listdir(folder)
        if (m := re.fullmatch(r"study-(\d+)", name))
    )
    for _, name in numbered[:-KEEP_SEARCHES]:
        shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
