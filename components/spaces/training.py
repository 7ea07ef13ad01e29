"""Training hyperparameters, shared by every architecture space.

Weight decay only exists for the optimisers that decouple it (AdamW, SGD with momentum), so
plain Adam never carries a meaningless value a model-based strategy would try to learn from.
The epoch choices stop at the configured per-trial maximum: more epochs is a budget decision,
not something the search may buy itself.
"""

from __future__ import annotations

from search.space import Choice, Condition, Float, Param


def epoch_choices(max_epochs: int) -> tuple[int, ...]:
    return tuple(sorted({max(1, max_epochs // 4), max(1, max_epochs // 2), max_epochs}))


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
        Choice("epochs", epoch_choices(max_epochs)),
    ]
