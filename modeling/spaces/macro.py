"""The macro space: a stack of fully connected blocks, each with its own width.

Block ``i``'s width exists only when there are at least ``i`` blocks. Skip connections are
"residual" (each block adds its input, projected when widths differ) or "dense" (each block
sees the concatenation of all earlier outputs, as in DenseNet), the two that help deep
tabular MLPs in Gorishniy et al. 2021 ("Revisiting Deep Learning Models for Tabular Data").
"""

from __future__ import annotations

from search.space import Choice, Condition, Float, Int, Param

MAX_BLOCKS = 4
WIDTHS = (16, 32, 64, 128, 256)


def params() -> list[Param]:
    return [
        Int("blocks", 1, MAX_BLOCKS),
        *[
            Choice(
                f"width_{i}",
                WIDTHS,
                condition=Condition("blocks", tuple(range(i, MAX_BLOCKS + 1))) if i > 1 else None,
            )
            for i in range(1, MAX_BLOCKS + 1)
        ],
        Choice("activation", ("relu", "gelu", "swish", "tanh")),
        Float("dropout", 0.0, 0.5, step=0.1),
        Choice("norm", ("none", "batch", "layer")),
        Choice("skip", ("none", "residual", "dense")),
    ]
