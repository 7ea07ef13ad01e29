"""Learning-curve extrapolation on synthetic curves, alone and inside a study."""

import numpy as np
import pytest

from search.curves import CurveStopping, forecast
from search.estimator import create_estimator
from search.fidelity import Fidelity, trial_cost
from search.space import Float, SearchSpace
from search.strategies import create_strategy
from search.study import Outcome, Study
from search.trial import Trial, TrialStatus

HORIZON = 20
T = np.arange(1, HORIZON + 1, dtype=float)
BEST = 0.8  # the value to beat
NOISE = np.random.default_rng(0).normal(0.0, 0.01, HORIZON)

# Curves that flatten out above the best: they should be stopped.
LOSERS = {
    "exp_to_1.0": 1.0 + 0.6 * np.exp(-0.6 * T),
    "pow_to_0.95": 0.95 + 0.5 * T**-1.5,
    "noisy_exp_to_0.9": 0.9 + 0.5 * np.exp(-0.5 * T) + NOISE,
    "flat_at_1.2": 1.2 + 0.01 * np.exp(-T),
}
# Curves above the best now that will cross it: they must be kept.
WINNERS = {
    "pow_to_0.5": 0.5 + 1.0 * T**-0.5,
    "log_to_0.45": 0.45 + 0.9 / np.log(T + 1.0),
    "slow_exp_to_0.6": 0.6 + 0.8 * np.exp(-0.15 * T),
    "noisy_pow_to_0.55": 0.55 + 0.8 * T**-0.6 + NOISE,
}


def first_stop(curve: np.ndarray, rule: CurveStopping) -> int | None:
    for n in range(1, HORIZON + 1):
        if rule.check(list(curve[:n]), HORIZON, BEST) is not None:
            return n
    return None


@pytest.mark.parametrize("name", LOSERS)
def test_curves_that_flatten_above_the_best_are_stopped_early(name):
    curve = LOSERS[name]
    assert np.minimum.accumulate(curve)[-1] > BEST
    stopped_at = first_stop(curve, CurveStopping())
    assert stopped_at is not None and stopped_at <= 8, stopped_at


@pytest.mark.parametrize("name", WINNERS)
def test_curves_that_will_cross_the_best_are_kept(name):
    curve = WINNERS[name]
    assert curve[2] > BEST > np.minimum.accumulate(curve)[-1]
    assert first_stop(curve, CurveStopping()) is None


def test_forecasts_never_exceed_the_value_already_reached():
    for curve in (*LOSERS.values(), *WINNERS.values()):
        for n in (3, 5, 10):
            prediction = forecast(list(curve[:n]), HORIZON, BEST)
            assert prediction is not None
            assert prediction.predicted <= np.minimum.accumulate(curve[:n])[-1] + 1e-12
            assert 0.0 <= prediction.probability <= 1.0


def test_the_rule_waits_for_min_epochs_a_target_and_an_unfinished_curve():
    curve = list(LOSERS["flat_at_1.2"])
    rule = CurveStopping(min_epochs=4)
    assert rule.check(curve[:3], HORIZON, BEST) is None
    assert rule.check(curve[:4], HORIZON, BEST) is not None
    assert rule.check(curve[:4], HORIZON, None) is None
    assert rule.check(curve, HORIZON, BEST) is None  # finished: nothing left to save
    with pytest.raises(ValueError, match="threshold"):
        CurveStopping(threshold=1.5)


SPACE = SearchSpace([Float("x", 0.0, 1.0)])


def curve_of(x: float) -> np.ndarray:
    """A family of curves whose final value is x + 0.2 and whose first epochs say little."""
    return x + 0.2 + 1.5 * T**-0.7


def epoch_by_epoch(trial: Trial) -> Outcome:
    """Trains (reads) a curve one epoch at a time, as the Tuner's trial runner does."""
    rule = CurveStopping()
    full = curve_of(trial.params["x"])
    seen: list[float] = []
    for loss in full[: trial.fidelity.epochs]:
        seen.append(float(loss))
        if (
            stop := rule.check(seen, trial.fidelity.epochs, trial.stop_target)
        ) is not None:
            return Outcome(
                min(seen),
                curves={"val_loss": seen},
                cost=trial_cost(len(seen), 1.0),
                attrs={"predicted_value": stop.predicted},
                stopped_early=True,
            )
    return Outcome(min(seen), curves={"val_loss": seen}, cost=trial_cost(len(seen), 1.0))


def test_curve_stopping_in_a_study_saves_compute_and_keeps_the_winner():
    results = {}
    for estimator in ("full", "full+curve"):
        study = Study(
            SPACE,
            create_strategy("random", SPACE, seed=5),
            seed=5,
            estimator=create_estimator(estimator, Fidelity(HORIZON), SPACE),
        )
        study.optimize(epoch_by_epoch, n_trials=20)
        results[estimator] = study
    full, curve = results["full"], results["full+curve"]
    assert [t.params for t in full.trials] == [t.params for t in curve.trials]  # same points
    assert curve.best.params == full.best.params  # the winner ran to the end
    pruned = [t for t in curve.trials if t.status is TrialStatus.PRUNED]
    assert pruned and all(len(t.curves["val_loss"]) < HORIZON for t in pruned)
    assert all(t.attrs["predicted_value"] > t.stop_target for t in pruned)
    spent = {name: sum(t.cost["compute"] for t in s.trials) for name, s in results.items()}
    assert spent["full+curve"] < 0.6 * spent["full"]
