"""Which combination of candidate models to serve: one of them, their plain average, or the
weighted average found by greedy ensemble selection (Caruana et al. 2004, "Ensemble
Selection from Libraries of Models").

Greedy selection starts from the best single model and repeatedly adds, with replacement,
the candidate whose addition lowers the ensemble's validation loss most; a candidate added
n times out of N weighs n/N, and the best ensemble seen along the way is kept. Starting from
the best model (Caruana's "sorted initialisation") and keeping the best prefix mean it can
only improve on it. An ensemble is chosen only when it is strictly better than the best
single model on the given predictions, so serving several models is never a loss on the
data the choice was made on.

Everything here works on predictions (class probabilities or regression outputs), so it is
the same for every family and needs no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from modeling.model.scoring import score

ROUNDS = 25


@dataclass(frozen=True)
class Ensemble:
    weights: tuple[float, ...]  # per candidate, summing to 1
    loss: float  # on the predictions it was chosen on
    method: str  # "single", "average" or "greedy"
    candidate_losses: tuple[float, ...] = ()  # each candidate's alone

    @property
    def members(self) -> list[int]:
        return [i for i, w in enumerate(self.weights) if w > 0]


def _loss(predicted: np.ndarray, labels: np.ndarray, task: str, scale: float) -> float:
    return score(predicted, labels, task, scale)["loss"]


def _combine(predictions: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    return sum(w * p for w, p in zip(weights, predictions, strict=True) if w > 0)


def greedy_weights(
    predictions: Sequence[np.ndarray], labels: np.ndarray, task: str, scale: float,
    rounds: int = ROUNDS, singles: Sequence[float] | None = None,
) -> tuple[np.ndarray, float]:  # fmt: skip
    """Caruana's selection with replacement from the best single model: weights and loss of
    the best ensemble seen. ``singles``: the candidates' own losses, if already known."""
    if singles is None:
        singles = [_loss(p, labels, task, scale) for p in predictions]
    counts = np.zeros(len(predictions))
    counts[int(np.argmin(singles))] = 1
    best = (counts / counts.sum(), min(singles))
    for _ in range(rounds - 1):
        trials = []
        for i in range(len(predictions)):
            candidate = counts.copy()
            candidate[i] += 1
            weights = candidate / candidate.sum()
            trials.append((_loss(_combine(predictions, weights), labels, task, scale), i))
        loss, chosen = min(trials)
        counts[chosen] += 1
        if loss < best[1]:
            best = (counts / counts.sum(), loss)
    return best


def select(
    predictions: Sequence[np.ndarray],
    labels: np.ndarray,
    task: str,
    scale: float = 1.0,
    ensembles: bool = True,
) -> Ensemble:
    """The best of: each candidate alone, their average, the greedy ensemble (ties go to the
    simpler: a single model, then the average); without ``ensembles``, the best alone."""
    if not predictions:
        raise ValueError("ensemble selection needs at least one candidate")
    count = len(predictions)
    singles = tuple(_loss(p, labels, task, scale) for p in predictions)
    best = int(np.argmin(singles))
    chosen = Ensemble(
        tuple(float(i == best) for i in range(count)), singles[best], "single", singles
    )
    if count == 1 or not ensembles:
        return chosen
    uniform = np.full(count, 1.0 / count)
    average = _loss(_combine(predictions, uniform), labels, task, scale)
    if average < chosen.loss:
        chosen = Ensemble(tuple(uniform.tolist()), average, "average", singles)
    weights, loss = greedy_weights(predictions, labels, task, scale, singles=singles)
    if loss < chosen.loss:
        chosen = Ensemble(tuple(float(w) for w in weights), loss, "greedy", singles)
    return chosen
