"""Where weight-inheritance snapshots live: somewhere every worker of the study reads."""

import numpy as np

from modeling.spaces import FeatureSet
from components.tuner.executor import weights_root
from components.tuner.hyperparameters import (
    best_hyperparameters_config,
    candidates_from_config,
    point_from_config,
)
from components.tuner.plan import SearchPlan
from components.tuner.snapshots import keep
from pipeline.definition.config import TunerConfig
from search.fidelity import Fidelity
from search.trial import Trial


def test_snapshots_sit_beside_a_sqlite_store_unless_configured():
    assert weights_root("sqlite:////data/tuner/studies.sqlite", None) == "/data/tuner/weights"
    assert weights_root("sqlite:////data/s.sqlite", "/shared/w") == "/shared/w"


def test_a_server_store_has_no_snapshot_folder_of_its_own():
    assert weights_root("postgresql://automl@db/studies", None) is None
    assert weights_root("postgresql://automl@db/studies", "/automl/w") == "/automl/w"


def test_the_candidates_full_width_snapshots_are_kept_for_the_trainer(tmp_path):
    root = tmp_path / "weights"
    for study in range(1, 6):
        search = root / f"study-{study}"
        search.mkdir(parents=True)
        for number in (0, 1, 2):
            (search / f"trial_{number}.npz").write_bytes(b"snapshot %d" % number)
    chosen = Trial(2, {"x": 1}, fidelity=Fidelity(3))
    narrow = Trial(1, {"x": 2}, fidelity=Fidelity(1, width=0.5))  # not the point's network
    forest = Trial(5, {"x": 3}, fidelity=Fidelity(3))  # no snapshot: nothing to keep
    for study in range(1, 6):  # five scheduled retrains
        kept = keep(str(root / f"study-{study}"), [chosen, narrow, forest])
    assert kept == {2: str(root / "searched" / "study-5" / "trial_2.npz")}
    assert (root / "searched" / "study-5" / "trial_2.npz").read_bytes() == b"snapshot 2"
    assert sorted(p.name for p in (root / "searched").iterdir()) == [
        "study-3",
        "study-4",
        "study-5",
    ]  # the newest three searches' networks
    assert keep(None, [chosen]) == {}

    settings = TunerConfig(space="macro", strategy="random", max_trials=2).model_dump(mode="json")
    plan = SearchPlan.from_settings(settings, "classification", FeatureSet(numeric=("a",)))
    point = plan.space.sample(np.random.default_rng(0))
    chosen.params, narrow.params = point, point
    # The chosen trained one of the point's epochs in 4 s: the Trainer foresees its retrain.
    chosen.cost, chosen.wall_time_s = {"compute": 1.0}, 4.0
    config = best_hyperparameters_config(plan, chosen, None, [narrow], kept)
    assert point_from_config(config) == ("macro", point)
    share = 1.0 / point["epochs"]
    assert candidates_from_config(config) == [
        {"trial": 2, "params": point, "weights": kept[2], "seconds": 4.0, "share": share},
        {"trial": 1, "params": point},
    ]
