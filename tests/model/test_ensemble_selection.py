"""Ensemble selection (Caruana et al.): never worse than the best single model on the data it
chooses on, an ensemble only when it helps, weights that sum to one."""

import numpy as np
import pytest

from modeling.model.ensemble_selection import greedy_weights, select
from modeling.model.scoring import score

ROWS, CLASSES = 600, 3


def noisy_classifiers(seed: int, count: int, error_rates):
    """Classifiers that are wrong on different random rows (errors independent: averaging
    them helps), as probability matrices."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, size=ROWS)
    predictions = []
    for rate in error_rates[:count]:
        guess = np.where(rng.random(ROWS) < rate, rng.integers(0, CLASSES, ROWS), labels)
        probabilities = np.full((ROWS, CLASSES), 0.1)
        probabilities[np.arange(ROWS), guess] = 0.8
        predictions.append(probabilities)
    return predictions, labels


@pytest.mark.parametrize("seed", range(20))
def test_the_choice_is_never_worse_than_the_best_single_model(seed):
    rng = np.random.default_rng(100 + seed)
    count = int(rng.integers(1, 6))
    rates = list(rng.uniform(0.05, 0.9, size=count))
    predictions, labels = noisy_classifiers(seed, count, rates)
    chosen = select(predictions, labels, "classification")
    best_single = min(score(p, labels, "classification", 1.0)["loss"] for p in predictions)
    assert chosen.loss <= best_single
    assert abs(sum(chosen.weights) - 1.0) < 1e-9 and min(chosen.weights) >= 0
    combined = sum(w * p for w, p in zip(chosen.weights, predictions, strict=True))
    assert score(combined, labels, "classification", 1.0)["loss"] == pytest.approx(chosen.loss)
    if chosen.method != "single":
        assert chosen.loss < best_single


def test_models_wrong_on_different_rows_make_an_ensemble():
    predictions, labels = noisy_classifiers(1, 3, [0.3, 0.3, 0.3])
    chosen = select(predictions, labels, "classification")
    assert chosen.method in ("average", "greedy") and len(chosen.members) >= 2


def test_a_dominant_model_is_served_alone():
    rng = np.random.default_rng(2)
    labels = rng.normal(size=ROWS)
    exact = labels + rng.normal(scale=0.01, size=ROWS)
    noise = [rng.normal(size=ROWS) for _ in range(3)]
    chosen = select([noise[0], exact, noise[1], noise[2]], labels, "regression")
    assert chosen.method == "single" and chosen.members == [1]


def test_greedy_weights_start_from_the_best_model_and_only_improve_on_it():
    predictions, labels = noisy_classifiers(3, 4, [0.2, 0.5, 0.6, 0.7])
    weights, loss = greedy_weights(predictions, labels, "classification", 1.0)
    singles = [score(p, labels, "classification", 1.0)["loss"] for p in predictions]
    assert loss <= min(singles) and weights[0] > 0


def test_no_candidate_is_refused():
    with pytest.raises(ValueError, match="at least one candidate"):
        select([], np.zeros(3), "regression")
