"""The micro space: one cell, a small DAG, stacked ``cells`` times.

Node 0 is the cell's input projected to the cell's width; node ``i`` applies operation
``op_i`` to one earlier node (``input_i``, always an earlier index, so every point is a valid
DAG by construction). The nodes no other node consumes are the cell's output, combined by
``combine`` (add or concat), as in NASNet/PNAS cells. Cell ``c`` has width
``width * width_multiplier**c``, so the stack can widen or narrow with depth.
"""

from __future__ import annotations

from search.space import Choice, Condition, Float, Int, Param

MIN_NODES, MAX_NODES = 2, 4
OPERATIONS = ("dense", "residual_dense", "glu", "dense_norm", "identity")


def _when_nodes_at_least(i: int) -> Condition | None:
    return Condition("cell_nodes", tuple(range(i, MAX_NODES + 1))) if i > MIN_NODES else None


def params() -> list[Param]:
    nodes: list[Param] = []
    for i in range(1, MAX_NODES + 1):
        nodes.append(Choice(f"op_{i}", OPERATIONS, condition=_when_nodes_at_least(i)))
        if i > 1:
            nodes.append(Int(f"input_{i}", 0, i - 1, condition=_when_nodes_at_least(i)))
    return [
        Int("cell_nodes", MIN_NODES, MAX_NODES),
        *nodes,
        Choice("combine", ("add", "concat")),
        Int("cells", 1, 3),
        Choice("width", (32, 64, 128)),
        Choice("width_multiplier", (0.5, 1.0, 2.0)),
        Choice("activation", ("relu", "gelu", "swish")),
        Float("dropout", 0.0, 0.5, step=0.1),
    ]
