"""The bodies of the macro and micro spaces: a valid point in, a Keras graph out.

Every point the spaces can produce builds (tests/model build and train one step on samples of
both), because each choice maps to a layer that accepts any input width: projections are
added wherever a residual or an add would otherwise meet mismatched widths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import components  # noqa: F401  (selects Keras 2 before TensorFlow is imported)
import tf_keras

layers = tf_keras.layers


def _norm(kind: str, x: Any) -> Any:
    if kind == "batch":
        return layers.BatchNormalization()(x)
    if kind == "layer":
        return layers.LayerNormalization()(x)
    return x


def _project(x: Any, width: int) -> Any:
    return x if x.shape[-1] == width else layers.Dense(width, use_bias=False)(x)


def macro_body(point: Mapping[str, Any], x: Any) -> Any:
    activation, dropout = str(point["activation"]), float(point["dropout"])
    for i in range(1, int(point["blocks"]) + 1):
        width = int(point[f"width_{i}"])
        h = layers.Dense(width)(x)
        h = layers.Activation(activation)(_norm(str(point["norm"]), h))
        if dropout > 0:
            h = layers.Dropout(dropout)(h)
        if point["skip"] == "residual":
            h = layers.Add()([h, _project(x, width)])
        elif point["skip"] == "dense":
            h = layers.Concatenate()([x, h])
        x = h
    return x


def _operation(op: str, x: Any, width: int, activation: str) -> Any:
    if op == "dense":
        return layers.Dense(width, activation=activation)(x)
    if op == "residual_dense":
        return layers.Add()([x, layers.Dense(width, activation=activation)(x)])
    if op == "glu":
        gate = layers.Dense(width, activation="sigmoid")(x)
        return layers.Multiply()([layers.Dense(width)(x), gate])
    if op == "dense_norm":
        return layers.Activation(activation)(layers.LayerNormalization()(layers.Dense(width)(x)))
    if op == "identity":
        return x
    raise ValueError(f"unknown cell operation '{op}'")


def micro_body(point: Mapping[str, Any], x: Any) -> Any:
    activation, dropout = str(point["activation"]), float(point["dropout"])
    n_nodes = int(point["cell_nodes"])
    for cell in range(int(point["cells"])):
        width = max(8, round(int(point["width"]) * float(point["width_multiplier"]) ** cell))
        nodes = [layers.Dense(width)(x)]  # node 0: the cell input at the cell's width
        consumed = set()
        for i in range(1, n_nodes + 1):
            source = int(point.get(f"input_{i}", 0))
            consumed.add(source)
            nodes.append(_operation(str(point[f"op_{i}"]), nodes[source], width, activation))
        loose = [node for i, node in enumerate(nodes) if i > 0 and i not in consumed]
        if len(loose) == 1:
            x = loose[0]
        elif point["combine"] == "add":
            x = layers.Add()(loose)
        else:
            x = layers.Concatenate()(loose)
        if dropout > 0:
            x = layers.Dropout(dropout)(x)
    return x


BODIES = {"macro": macro_body, "micro": micro_body}
