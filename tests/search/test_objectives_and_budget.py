import pytest

from search.budget import Budget, BudgetError, compute_spent
from search.fidelity import trial_cost
from search.objectives import NoFeasibleTrial, Objective, pareto_front, select
from search.space import Float, SearchSpace
from search.strategies import create_strategy
from search.study import Outcome, Study
from search.trial import Trial, TrialStatus

LOSS, ACCURACY = Objective("val_loss"), Objective("val_accuracy", "max")
LATENCY, PARAMS = Objective("latency_ms"), Objective("params")


def trial(number, loss, latency, params=1000.0, status=TrialStatus.COMPLETE):
    metrics = {"val_loss": loss, "latency_ms": latency, "params": params}
    return Trial(number, {}, status=status, value=loss, metrics=metrics)


TRIALS = [
    trial(0, 0.30, 5.0, 5000),
    trial(1, 0.20, 9.0, 9000),  # most accurate
    trial(2, 0.35, 2.0, 400),  # fastest and smallest
    trial(3, 0.40, 6.0, 6000),  # dominated by 0
    trial(4, 0.205, 3.0, 800),  # within 2.5 % of the best, three times faster
    trial(5, 0.10, 1.0, status=TrialStatus.FAILED),  # never on the front
]


def test_pareto_front_keeps_exactly_the_undominated_completed_trials():
    front = pareto_front(TRIALS, [LOSS, LATENCY])
    assert sorted(t.number for t in front) == [1, 2, 4]
    assert sorted(t.number for t in pareto_front(TRIALS, [LOSS])) == [1]


def test_selection_rules():
    assert select(TRIALS, LOSS).number == 1
    assert select(TRIALS, LOSS, {LATENCY: 4.0}).number == 4
    assert select(TRIALS, LOSS, rule="fastest", tolerance=0.03).number == 4
    assert select(TRIALS, LOSS, rule="smallest", tolerance=1.0).number == 2
    assert select(TRIALS, LOSS, rule="fastest", tolerance=0.0).number == 1


def test_maximised_metric_and_infeasible_bounds():
    trials = [
        Trial(0, {}, status=TrialStatus.COMPLETE, value=1.0, metrics={"val_accuracy": 0.9}),
        Trial(1, {}, status=TrialStatus.COMPLETE, value=1.0, metrics={"val_accuracy": 0.7}),
    ]
    assert select(trials, ACCURACY).number == 0
    with pytest.raises(NoFeasibleTrial, match="none of the 5 completed trials meets latency_ms"):
        select(TRIALS, LOSS, {LATENCY: 0.5})


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({}, "needs a budget"),
        ({"max_trials": 0}, "max_trials=0 allows no trial"),
        ({"max_seconds": -1.0}, "max_seconds=-1.0"),
        ({"max_epochs": 0}, "max_epochs=0"),
    ],
)
def test_budgets_that_allow_nothing_are_rejected(kwargs, fragment):
    with pytest.raises(BudgetError, match=fragment):
        Budget(**kwargs)


def make_study(seed=0):
    space = SearchSpace([Float("x", 0.0, 1.0)])
    return Study(space, create_strategy("random", space, seed=seed), seed=seed)


def test_compute_budget_counts_the_epochs_trials_report():
    study = make_study()
    study.optimize(
        lambda t: Outcome(t.params["x"], {"val_loss": t.params["x"]}, cost={"epochs": 3}),
        budget=Budget(max_epochs=10),
    )
    assert len(study.trials) == 4  # 3 + 3 + 3 < 10, the fourth starts and ends the budget
    assert "compute budget" in study.stop_reason
    assert all(t.metrics["val_loss"] == t.value for t in study.trials)


def test_compute_budget_charges_epochs_times_the_fraction_of_rows():
    study = make_study()
    study.optimize(
        lambda t: Outcome(t.params["x"], cost=trial_cost(epochs=4, rows=0.25)),
        budget=Budget(max_epochs=3),
    )
    assert len(study.trials) == 3  # 1 + 1 < 3, the third reaches it
    assert compute_spent(study.trials) == 3.0
    assert all(t.cost["seconds"] >= 0 for t in study.trials)


def test_time_budget_stops_starting_trials():
    import time

    study = make_study()
    study.optimize(lambda t: time.sleep(0.05) or 1.0, budget=Budget(max_seconds=0.12))
    assert 2 <= len(study.trials) <= 4
    assert "time budget" in study.stop_reason
    assert all(t.wall_time_s >= 0.05 for t in study.trials)


def done(number: int, epochs: int, seconds: float, value: float = 1.0) -> Trial:
    from search.fidelity import Fidelity

    return Trial(number, {}, TrialStatus.COMPLETE, value, Fidelity(epochs), wall_time_s=seconds)


def test_a_time_reserve_keeps_room_for_what_follows_the_search():
    """The reserve is a fixed part plus the retrains of the best ``reserve_trials`` trials,
    highest fidelity first; it counts only once a trial has finished, so the first trial
    always starts."""
    budget = Budget(max_seconds=100.0, reserve_s=10.0, reserve_trials=2.0)
    assert budget.stop_reason([], elapsed_seconds=150.0) is None  # nothing trained yet
    trials = [done(0, 1, 1.0, 0.1), done(1, 4, 8.0, 0.5), done(2, 4, 12.0, 0.3), done(3, 4, 30.0)]
    assert budget.reserved_seconds(trials) == 10.0 + 12.0 + 8.0  # the low fidelity's 0.1 waits
    assert budget.stop_reason(trials, elapsed_seconds=69.0) is None
    reason = budget.stop_reason(trials, elapsed_seconds=70.0)
    assert reason == "reached the time budget (100 s, 30 s of it kept for what follows)"
    with pytest.raises(BudgetError, match="negative"):
        Budget(max_seconds=1.0, reserve_s=-1.0)


def test_trials_trained_in_full_take_their_retrain_off_the_reserve():
    """The Trainer reuses a candidate the search trained in full; another is reserved the
    time its trial foresees for a full training, unless that is too long a share of the
    budget to be retrained at all (the searched model is served instead)."""
    from search.fidelity import Fidelity

    budget = Budget(max_seconds=100.0, reserve_s=10.0, reserve_trials=3.0, full_compute=4.0)
    low = [done(0, 1, 1.0, 0.2), done(1, 1, 2.0, 0.1)]
    assert budget.reserved_seconds(low) == 10.0 + 4 * 2.0 + 4 * 1.0  # a quarter of the epochs
    one_full = [*low, done(2, 4, 8.0)]
    assert budget.reserved_seconds(one_full) == 10.0 + 4 * 2.0 + 4 * 1.0  # reused
    stopped = Trial(5, {}, TrialStatus.FAILED, None, Fidelity(4), wall_time_s=9.0)
    assert budget.reserved_seconds([*one_full, stopped]) == 10.0 + 12.0  # gives no model
    three_full = [*one_full, done(3, 4, 12.0), done(4, 4, 30.0)]
    assert budget.reserved_seconds(three_full) == 10.0
    slow = [done(0, 1, 9.0, 0.1), done(1, 1, 2.0, 0.2)]  # 36 s in full: over a third of 100 s
    assert budget.reserved_seconds(slow) == 10.0 + 4 * 2.0


def test_outcome_records_measurements_and_curves():
    study = make_study()
    study.optimize(
        lambda t: Outcome(0.5, {"val_loss": 0.5, "params": 10.0}, {"val_loss": [0.9, 0.5]}),
        n_trials=2,
    )
    record = study.to_records()[1]
    assert record["metrics"] == {"val_loss": 0.5, "params": 10.0}
    assert record["curves"] == {"val_loss": [0.9, 0.5]}
    assert record["status"] == "complete" and record["seed"] == study.trials[1].seed


def test_a_trial_trained_in_full_reserves_its_refit_when_the_trainer_refits_it():
    """A candidate trained in full is reused, but one the final training refits on more rows
    (a forest, on train+eval) reserves that refit, unless it is too long to run at all."""
    refit = {0: 6.0, 1: 0.0, 2: 50.0}  # trial number: its refit's seconds

    def budget(refit_seconds=None) -> Budget:
        return Budget(
            max_seconds=100.0, reserve_s=10.0, reserve_trials=3.0, full_compute=4.0,
            refit_seconds=refit_seconds,
        )  # fmt: skip

    full = [done(0, 4, 5.0, 0.1), done(1, 4, 5.0, 0.2)]
    assert budget().reserved_seconds(full) == 10.0
    assert budget(lambda t: refit[t.number]).reserved_seconds(full) == 10.0 + 6.0
    slow = [*full, done(2, 4, 40.0, 0.3)]  # a 50 s refit: over a third of 100 s
    assert budget(lambda t: refit[t.number]).reserved_seconds(slow) == 10.0 + 6.0


def test_a_run_deadline_reserves_the_refits_of_the_families_the_trainer_refits():
    """A forest's refit is its time scaled to the rows; a network's also to its parents'
    epochs, which a refit from scratch trains again (2 own epochs of 4 in its lineage)."""
    from components.tuner.deadline import RunDeadline
    from search.fidelity import Fidelity

    def reserved(**refits: bool) -> float:
        deadline = RunDeadline(
            ends_at=1e12, reserve_s=10.0, reserve_trials=2.0, refit_ratio=1.25, **refits
        )
        budget = deadline.search_budget(Budget(max_trials=9), now=1e12 - 100.0, full_compute=4.0)
        return budget.reserved_seconds([forest, network])

    forest = Trial(0, {"family": "gbt"}, TrialStatus.COMPLETE, 0.1, Fidelity(4), wall_time_s=8.0)
    network = Trial(
        1, {"family": "nn"}, TrialStatus.COMPLETE, 0.2, Fidelity(4), wall_time_s=8.0,
        cost={"epochs": 2.0, "compute": 4.0}, attrs={"model_epochs": 4},
    )  # fmt: skip
    assert reserved(refit_forests=True) == 10.0 + 1.25 * 8.0
    assert reserved(refit_networks=True) == 10.0 + 1.25 * 8.0 * 2
    assert reserved(refit_forests=True, refit_networks=True) == 10.0 + 1.25 * 8.0 * 3
    assert reserved() == 10.0


def test_a_candidate_being_promoted_to_full_is_not_reserved_twice():
    """A running promotion to full compute is the candidate's retrain, done by the search
    (and reused): reserving it too would stop the very trial that makes it reusable."""
    from search.fidelity import Fidelity

    budget = Budget(max_seconds=100.0, reserve_s=10.0, reserve_trials=2.0, full_compute=4.0)
    low = [done(0, 1, 2.0, 0.1), done(1, 1, 3.0, 0.2)]
    assert budget.reserved_seconds(low) == 10.0 + 4 * 2.0 + 4 * 3.0
    promoting = Trial(2, {}, fidelity=Fidelity(4), promoted_from=0)
    assert budget.reserved_seconds([*low, promoting]) == 10.0 + 4 * 3.0
    partway = Trial(3, {}, fidelity=Fidelity(2), promoted_from=1)
    assert budget.reserved_seconds([*low, partway]) == 10.0 + 4 * 2.0 + 4 * 3.0
