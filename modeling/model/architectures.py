"""The bodies of the macro and micro spaces: a valid point in, a Keras graph out.

Every point the spaces can produce builds (tests/model build and train one step on samples of
both), because each choice maps to a layer that accepts any input width: projections are
added wherever a residual or an add would otherwise meet mismatched widths.

Layers are named by their place in the structure (``b2_dense``: block 2's dense layer;
``c0_n3_gate``: cell 0, node 3's gate), never by Keras' global counters, so that a child
architecture can find its parent's layers by name and inherit their weights (``morph``).
``width`` scales every layer (a low-fidelity trial trains a narrower network).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tf_keras

layers = tf_keras.layers


def _norm(kind: str, x: Any, name: str) -> Any:
    if kind == "batch":
        return layers.BatchNormalization(name=f"{name}_norm")(x)
    if kind == "layer":
        return layers.LayerNormalization(name=f"{name}_norm")(x)
    return x


def _project(x: Any, width: int, name: str) -> Any:
    if x.shape[-1] == width:
        return x
    return layers.Dense(width, use_bias=False, name=f"{name}_project")(x)


def scaled_width(width: Any, scale: float) -> int:
    return max(4, round(int(width) * scale))


def macro_body(point: Mapping[str, Any], x: Any, width_scale: float = 1.0) -> Any:
    activation, dropout = str(point["activation"]), float(point["dropout"])
    for i in range(1, int(point["blocks"]) + 1):
        name = f"b{i}"
        width = scaled_width(point[f"width_{i}"], width_scale)
        h = layers.Dense(width, name=f"{name}_dense")(x)
        h = layers.Activation(activation, name=f"{name}_act")(_norm(str(point["norm"]), h, name))
        if dropout > 0:
            h = layers.Dropout(dropout, name=f"{name}_dropout")(h)
        if point["skip"] == "residual":
            h = layers.Add(name=f"{name}_add")([h, _project(x, width, name)])
        elif point["skip"] == "dense":
            h = layers.Concatenate(name=f"{name}_concat")([x, h])
        x = h
    return x


def _operation(op: str, x: Any, width: int, activation: str, name: str) -> Any:
    if op == "dense":
        return layers.Dense(width, activation=activation, name=f"{name}_dense")(x)
    if op == "residual_dense":
        branch = layers.Dense(width, activation=activation, name=f"{name}_dense")(x)
        return layers.Add(name=f"{name}_add")([x, branch])
    if op == "glu":
        gate = layers.Dense(width, activation="sigmoid", name=f"{name}_gate")(x)
        value = layers.Dense(width, name=f"{name}_value")(x)
        return layers.Multiply(name=f"{name}_mul")([value, gate])
    if op == "dense_norm":
        h = layers.LayerNormalization(name=f"{name}_norm")(
            layers.Dense(width, name=f"{name}_dense")(x)
        )
        return layers.Activation(activation, name=f"{name}_act")(h)
    if op == "identity":
        return x
    raise ValueError(f"unknown cell operation '{op}'")


def micro_body(point: Mapping[str, Any], x: Any, width_scale: float = 1.0) -> Any:
    activation, dropout = str(point["activation"]), float(point["dropout"])
    n_nodes = int(point["cell_nodes"])
    for cell in range(int(point["cells"])):
        width = max(8, round(int(point["width"]) * float(point["width_multiplier"]) ** cell))
        width = scaled_width(width, width_scale)
        nodes = [layers.Dense(width, name=f"c{cell}_in")(x)]  # node 0: the input, at the width
        consumed = set()
        for i in range(1, n_nodes + 1):
            source = int(point.get(f"input_{i}", 0))
            consumed.add(source)
            op = str(point[f"op_{i}"])
            nodes.append(_operation(op, nodes[source], width, activation, f"c{cell}_n{i}"))
        loose = [node for i, node in enumerate(nodes) if i > 0 and i not in consumed]
        if len(loose) == 1:
            x = loose[0]
        elif point["combine"] == "add":
            x = layers.Add(name=f"c{cell}_combine")(loose)
        else:
            x = layers.Concatenate(name=f"c{cell}_combine")(loose)
        if dropout > 0:
            x = layers.Dropout(dropout, name=f"c{cell}_dropout")(x)
    return x


BODIES = {"macro": macro_body, "micro": micro_body}
