"""Training hyperparameters, shared by every architecture space.

Weight decay only exists for the optimisers that decouple it (AdamW, SGD with momentum), so
plain Adam never carries a meaningless value a model-based strategy would try to learn from.
Epochs are not searched: they are fidelity, the estimator's to spend (a Hyperband rung, a
curve cut short), and a strategy that could buy itself more epochs would always prefer them.
The space carries the full number as a fixed value, which the Trainer reads.
"""

from __future__ import annotations

from search.space import Choice, Condition, Float, Param


def params(max_epochs: int) -> list[Param]:
    return [
        Choice("optimizer", ("adam", "adamw", "sgd")),
        Float("learning_rate", 1e-4, 3e-2, log=True, step=10.0),  # 0.1 diverged too often
        Float(
            "weight_decay",
            1e-6,
            1e-2,
            log=True,
            step=100.0,
            condition=Condition("optimizer", ("adamw", "sgd")),
        ),
        Choice("schedule", ("constant", "cosine", "exponential")),
        Choice("batch_size", (32, 64, 128, 256)),
        Choice("epochs", (max_epochs,)),
    ]
