"""A run's time budget as the Tuner sees it: when the run must end, and what follows the search.

`automl run --time-budget` bounds the whole run. The CLI knows when the run started and what
comes after the search (the Trainer's retrains, the export, the Evaluator, the push); the
Tuner knows how long its trials take. So the CLI hands the Tuner a ``RunDeadline`` and the
search gets the time left minus a reserve: a fixed part for export, evaluation and push, and
the Trainer's retrains, each foreseen from its own trial's time (a candidate trained in full
is reused, a forest among them refit on train+eval, and one too long to retrain is served as
searched: search.budget.Budget.reserved_seconds).
Past that point running trials are stopped; the Trainer bounds each retrain by its share of
what is left (components.trainer.run_fn).

It travels in the environment (LocalDagRunner runs every executor in the CLI's process), not
as an execution property: a property that changed with every run would defeat TFX's cache
for the Tuner and everything after it. Without it (KFP, a plain tuner.time_budget_s) the
search's own budget applies as before.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from modeling.spaces.families import is_forest
from search.budget import Budget
from search.trial import Trial

ENV = "AUTOML_RUN_DEADLINE"


@dataclass(frozen=True)
class RunDeadline:
    ends_at: float  # time.time() by which the whole run should have ended
    reserve_s: float  # after the search: export, evaluation, push and summary
    reserve_trials: float  # the Trainer's candidates, in top-fidelity trials of the search
    # The Trainer refits the forests and networks it serves on train+eval
    # (trainer.refit_forests, refit_networks): a refit's time over its training's is
    # (train + eval rows) / train rows.
    refit_ratio: float = 1.0
    refit_forests: bool = False
    refit_networks: bool = False

    def seconds_left(self) -> float:
        """Seconds until the reserve for export, evaluation and push begins (may be < 0)."""
        return self.ends_at - time.time() - self.reserve_s

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> RunDeadline | None:
        value = os.environ.get(ENV)
        return cls(**json.loads(value)) if value else None

    def search_budget(self, budget: Budget, now: float, full_compute: float) -> Budget:
        """The search's budget under this deadline: at most the time left, with the reserve
        kept for what follows (at least a second: the first trial always runs). Trials of
        ``full_compute`` are candidates the Trainer reuses: no retrain is reserved for them."""
        left = max(1.0, self.ends_at - now)
        seconds = left if budget.max_seconds is None else min(budget.max_seconds, left)
        return replace(
            budget, max_seconds=seconds, reserve_s=self.reserve_s,
            reserve_trials=self.reserve_trials, full_compute=full_compute,
            refit_seconds=(
                self.refit_seconds if self.refit_forests or self.refit_networks else None
            ),
        )  # fmt: skip

    def refit_seconds(self, trial: Trial) -> float:
        """A trial's refit on train+eval, should the Trainer serve its model
        (components.trainer.refit): its own time scaled up to the rows (training grows about
        linearly with them), and a network's to the epochs of its parents' too, which a
        refit from scratch trains again."""
        if is_forest(trial.params):
            return trial.wall_time_s * self.refit_ratio if self.refit_forests else 0.0
        if not self.refit_networks:
            return 0.0
        own = float(trial.cost.get("epochs") or 0.0)
        lineage = float(trial.attrs.get("model_epochs", own))
        return trial.wall_time_s * self.refit_ratio * (lineage / own if own else 1.0)


def cut_off(budget: Budget) -> Callable[[Sequence[Trial]], float]:
    """For the Workers: seconds into the search after which running trials are stopped."""
    assert budget.max_seconds is not None

    def seconds(trials: Sequence[Trial]) -> float:
        return float(budget.max_seconds) - budget.reserved_seconds(trials)

    return seconds
