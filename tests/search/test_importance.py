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
