"""Our strategies behind KerasTuner's Oracle lifecycle propose exactly what our Study does."""

import pytest

keras_tuner = pytest.importorskip("keras_tuner")

from components.tuner.keras_tuner_oracle import StrategyOracle, to_hyperparameters  # noqa: E402
from search.strategies import strategy_by_name  # noqa: E402
from search.study import Study  # noqa: E402
from search.synthetic import PROBLEMS  # noqa: E402


def drive_keras_tuner(name: str, seed: int, trials: int, directory) -> list[dict]:
    problem = PROBLEMS["architecture"]
    oracle = StrategyOracle(
        strategy_by_name(name)(problem.space, seed=seed),
        objective=keras_tuner.Objective("loss", "min"),
        max_trials=trials,
    )
    oracle._set_project_dir(str(directory), "study")
    proposed = []
    while True:
        trial = oracle.create_trial("tuner0")
        if trial.status == "STOPPED":
            break
        hp = trial.hyperparameters
        params = {k: v for k, v in hp.values.items() if hp.is_active(k)}
        proposed.append(params)
        oracle.update_trial(trial.trial_id, {"loss": problem.objective(params)})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    return proposed


@pytest.mark.parametrize("name", ["random", "evolution", "bayesian", "tpe", "rl"])
def test_oracle_and_study_propose_the_same_points(name, tmp_path):
    problem = PROBLEMS["architecture"]
    study = Study(problem.space, strategy_by_name(name)(problem.space, seed=5), seed=5)
    study.optimize(lambda trial: problem.objective(trial.params), 14)
    via_keras_tuner = drive_keras_tuner(name, seed=5, trials=14, directory=tmp_path)
    assert via_keras_tuner == [t.params for t in study.trials]


def test_conditions_become_keras_tuner_conditions():
    hp = to_hyperparameters(PROBLEMS["architecture"].space)
    hp.values["blocks"] = 2
    assert hp.is_active("width_2") and not hp.is_active("width_3")


def test_nested_conditions_become_nested_keras_tuner_scopes():
    """The families space: a network's widths hang under its block count, which hangs under
    family=nn; KerasTuner needs the scopes nested to accept them at all."""
    hp = to_hyperparameters(PROBLEMS["families"].space)
    hp.values.update({"family": "nn", "blocks": 2})
    assert hp.is_active("blocks") and hp.is_active("width_2") and not hp.is_active("width_3")
    assert not hp.is_active("gbt_depth")
    hp.values["family"] = "gbt"
    assert hp.is_active("gbt_depth") and not hp.is_active("blocks")
    assert not hp.is_active("width_2")  # its parent is inactive, so it is too
