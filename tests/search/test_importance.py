"""Hyperparameter importance (fANOVA through Optuna) on objectives whose answer is known."""

import numpy as np

from search.importance import ALL_TRIALS, importances
from search.synthetic import PROBLEMS
from search.trial import Trial, TrialStatus


def sampled(problem: str, count: int, seed: int = 0) -> list[Trial]:
    p = PROBLEMS[problem]
    rng = np.random.default_rng(seed)
    trials = []
    for number in range(count):
        point = p.space.sample(rng)
        trials.append(Trial(number, point, status=TrialStatus.COMPLETE, value=p.objective(point)))
    return trials


def test_the_family_matters_most_and_each_branch_is_explained_on_its_own():
    space = PROBLEMS["families"].space
    found = importances(space, sampled("families", 150))
    overall = [i for i in found if i.scope == ALL_TRIALS]
    assert [i.parameter for i in overall] == ["family"]  # the one parameter every trial has
    forest = {i.parameter: i.share for i in found if i.scope == "family = rf"}
    # min_examples moves the loss by up to 0.64, the number of trees by 0.1
    assert set(forest) == {"rf_trees", "rf_min_examples"}
    assert forest["rf_min_examples"] > forest["rf_trees"]
    assert abs(sum(forest.values()) - 1.0) < 1e-6
    network = {i.parameter for i in found if i.scope == "family = nn"}
    assert "blocks" in network and "width_3" not in network  # only in deep networks


def test_too_few_trials_give_no_importance_rather_than_noise():
    space = PROBLEMS["families"].space
    assert importances(space, sampled("families", 5)) == []
    unscored = [Trial(i, t.params) for i, t in enumerate(sampled("branin", 20))]
    assert importances(PROBLEMS["branin"].space, unscored) == []


def test_the_run_summary_names_the_most_important_parameters_of_each_scope():
    from dataclasses import asdict

    from rich.console import Console

    from pipeline.report.messages import print_summary
    from pipeline.report.run_summary import RunSummary

    found = [asdict(i) for i in importances(PROBLEMS["families"].space, sampled("families", 150))]
    search = {
        "strategy": "tpe", "estimator": "full", "space": "families", "trials": 150,
        "completed": 150, "stopped_early": 0, "compute": 600.0, "stop_reason": "max trials",
        "selected": None, "importance": found,
    }  # fmt: skip
    console = Console(record=True, width=300)
    print_summary(console, RunSummary("run", search=search), 1.0, None)
    line = next(x for x in console.export_text().splitlines() if x.startswith("Important"))
    assert "family 100% (all trials, 150 full trials)" in line
    assert "rf_min_examples" in line and "(family = rf," in line


def test_the_tuners_real_spaces_are_assessed_without_error():
    from modeling.spaces import SPACE_NAMES, FeatureSet, build_space

    inputs = FeatureSet(numeric=("a__z",), categorical={"b__id": 5})
    rng = np.random.default_rng(1)
    for name in SPACE_NAMES:
        space = build_space(name, inputs, max_epochs=5)
        trials = [
            Trial(n, space.sample(rng), status=TrialStatus.COMPLETE, value=float(rng.random()))
            for n in range(40)
        ]
        found = importances(space, trials)
        assert found and all(0.0 <= i.share <= 1.0 for i in found), name
