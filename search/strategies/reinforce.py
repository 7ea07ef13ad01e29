"""An RL controller: a policy over the choices, trained with REINFORCE and a moving-average
baseline, as in Zoph & Le 2017 ("Neural Architecture Search with Reinforcement Learning").

The policy is factorised (one distribution per parameter) rather than an RNN: at tabular
budgets of tens of trials an RNN controller has far more weights than there are rewards to fit.
Discrete parameters (choices, integers with at most ``max_arms`` values) get a softmax; numeric
ones a Gaussian over their unit interval whose mean and log standard deviation are learned (a
binned softmax lost to random search on Branin at 40 trials; the Gaussian does not). Conditional
parameters only learn from trials where they were active.

The policy is a pure function of the history: every proposal replays the updates of all scored
trials in order from the initial policy, so the controller needs no saved state and resumes or
runs in parallel like any other strategy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from search.space import Choice, Int, Param, SearchSpace, Value, Vector
from search.strategy import Proposal, Strategy
from search.trial import Trial

MIN_STD, MAX_STD, INITIAL_STD = 0.02, 0.5, 0.3


class ReinforceController(Strategy):
    name = "rl"

    def __init__(
        self,
        space: SearchSpace,
        seed: int = 0,
        learning_rate: float = 0.3,
        baseline_decay: float = 0.8,
        max_arms: int = 8,
    ) -> None:
        super().__init__(space, seed)
        self.learning_rate = learning_rate
        self.baseline_decay = baseline_decay
        self.max_arms = max_arms

    def _arms(self, param: Param) -> list[Value] | None:
        """The discrete values of a softmax parameter; None for a Gaussian one."""
        if isinstance(param, Choice):
            return list(param.values)
        if isinstance(param, Int) and len(param.grid()) <= self.max_arms:
            return param.grid()
        return None

    def _initial(self, param: Param) -> Vector:
        arms = self._arms(param)
        return np.zeros(len(arms)) if arms is not None else np.array([0.5, np.log(INITIAL_STD)])

    def policy(self, history: Sequence[Trial]) -> dict[str, Vector]:
        """Softmax logits, or [mean, log std] of a unit-interval Gaussian, per parameter."""
        weights = {p.name: self._initial(p) for p in self.space}
        scored = [t for t in history if t.scored]
        if len(scored) < 2:
            return weights
        values = np.array([t.value for t in scored], dtype=float)
        scale = values.std() or 1.0
        baseline: float | None = None
        for trial, value in zip(scored, values, strict=True):
            reward = -(value - values.mean()) / scale  # lower loss, higher reward
            baseline = reward if baseline is None else baseline
            advantage = reward - baseline
            for param in self.space:
                if param.name in trial.params:
                    self._update(param, weights[param.name], trial.params[param.name], advantage)
            baseline = self.baseline_decay * baseline + (1 - self.baseline_decay) * reward
        return weights

    def _update(self, param: Param, w: Vector, value: Value, advantage: float) -> None:
        arms = self._arms(param)
        if arms is not None:
            grad = -_softmax(w)
            grad[arms.index(value)] += 1.0
            w += self.learning_rate * advantage * grad
            return
        mean, std = w[0], np.exp(w[1])
        x = param.to_unit(value)
        # Natural-gradient steps (the score function scaled by the Fisher information).
        w[0] += self.learning_rate * advantage * (x - mean)
        w[1] += self.learning_rate * advantage * 0.5 * ((x - mean) ** 2 / std**2 - 1.0)
        w[1] = np.clip(w[1], np.log(MIN_STD), np.log(MAX_STD))

    def propose(self, history: Sequence[Trial], number: int) -> Proposal:
        rng = self.rng_for(number)
        weights = self.policy(history)
        point: dict[str, Value] = {}
        for param in self.space:
            if not self.space.is_active(param, point):
                continue
            w = weights[param.name]
            arms = self._arms(param)
            if arms is None:
                point[param.name] = param.from_unit(
                    float(np.clip(rng.normal(w[0], np.exp(w[1])), 0.0, 1.0))
                )
            else:
                point[param.name] = arms[int(rng.choice(len(arms), p=_softmax(w)))]
        return Proposal(point)


def _softmax(logits: Vector) -> Vector:
    shifted: Vector = np.exp(logits - logits.max())
    probabilities: Vector = shifted / shifted.sum()
    return probabilities
