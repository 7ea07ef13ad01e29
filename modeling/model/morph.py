"""Weight inheritance: a child network starts from its parent's trained weights.

Network morphism (Wei et al. 2016) and Net2Net (Chen et al. 2016) grow a trained network
without changing the function it computes, so the child starts where the parent ended. Layers
are matched by their structural names (``architectures``); each weight is copied into the
overlapping slice, and what the parent did not have is initialised so that it changes nothing:

* a wider layer keeps the parent's units; its new units start as usual, but every layer that
  reads them gets zero weights for them, so they contribute nothing until trained (the
  zero-fan-out form of Net2WiderNet, which unlike replicate-and-split needs no symmetry);
* inputs that come through a concatenation (embeddings, dense skips, concatenated cell
  outputs) are matched segment by segment, by the layer that produced each segment, so a
  wider embedding or one more skip does not shift the weights of the others;
* a new block or cell node is identity-initialised: the identity on a plain block (exact for
  ReLU-family activations, whose inputs here are already non-negative, and for no norm or
  batch norm), and a near-zero branch on a residual block or a cell node, so its output is
  the input plus nothing (Net2DeeperNet). Near zero, not zero: a ReLU branch at exactly zero
  would never receive a gradient.

What no morphism preserves (a narrower layer, another activation, layer norm over new units)
still inherits the overlapping weights, a warm start rather than an equivalent network.
tests/model/test_morph.py checks the function-preserving cases to tolerance.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tf_keras

NEAR_ZERO = 1e-3  # scale of a new residual branch's weights


@dataclass
class Snapshot:
    """A trained network's weights by layer name, with where each concatenated input of a
    dense layer came from: all a child needs, without rebuilding the parent."""

    weights: dict[str, list[np.ndarray]]
    segments: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, model: tf_keras.Model) -> Snapshot:
        weights = {layer.name: layer.get_weights() for layer in model.layers if layer.weights}
        segments = {
            layer.name: input_segments(layer)
            for layer in model.layers
            if isinstance(layer, tf_keras.layers.Dense)
        }
        return cls(weights, segments)

    def save(self, path: str) -> None:
        arrays = {
            f"{name}/{i}": array
            for name, values in self.weights.items()
            for i, array in enumerate(values)
        }
        with open(path, "wb") as handle:
            np.savez(handle, __segments__=np.array(json.dumps(self.segments)), **arrays)

    @classmethod
    def load(cls, path: str) -> Snapshot:
        by_layer: dict[str, dict[int, np.ndarray]] = {}
        with np.load(path) as stored:
            for key in stored.files:
                if key != "__segments__":
                    name, index = key.rsplit("/", 1)
                    by_layer.setdefault(name, {})[int(index)] = stored[key]
            segments = json.loads(str(stored["__segments__"]))
        return cls(
            {name: [arrays[i] for i in sorted(arrays)] for name, arrays in by_layer.items()},
            {name: [(str(p), int(w)) for p, w in parts] for name, parts in segments.items()},
        )


PASS_THROUGH = (
    tf_keras.layers.Dropout,
    tf_keras.layers.Activation,
    tf_keras.layers.BatchNormalization,
    tf_keras.layers.LayerNormalization,
)


def _producer(tensor: Any) -> Any:
    """The layer that decided what the tensor's channels are: dropout, activations and norms
    keep the channels of their input, so a child that adds dropout still finds its inputs."""
    layer = tensor._keras_history.layer
    while isinstance(layer, PASS_THROUGH):
        layer = layer.input._keras_history.layer
    return layer


def input_segments(layer: Any) -> list[tuple[str, int]]:
    """(Producing layer, width) of each segment of a layer's input: the parts of a
    concatenation, or the one layer it reads."""
    source = _producer(layer.input)
    if isinstance(source, tf_keras.layers.Concatenate):
        return [(_producer(t).name, int(t.shape[-1])) for t in source.input]
    return [(source.name, int(layer.input.shape[-1]))]


def _copy_overlap(target: np.ndarray, source: np.ndarray) -> None:
    """Copies the leading slice the two arrays share (every axis), in place."""
    overlap = tuple(slice(0, min(a, b)) for a, b in zip(target.shape, source.shape, strict=True))
    target[overlap] = source[overlap]


def _dense_kernel(
    fresh: np.ndarray,
    parent: np.ndarray,
    child_segments: list[tuple[str, int]],
    parent_segments: list[tuple[str, int]],
) -> np.ndarray:
    """Inherited units take the parent's rows segment by segment and zero for inputs the
    parent never had (which must not change their output); new units keep ``fresh``."""
    parent_at: dict[str, tuple[int, int]] = {}
    start = 0
    for name, width in parent_segments:
        parent_at.setdefault(name, (start, width))
        start += width
    if len(child_segments) == len(parent_segments) == 1 and child_segments[0][0] not in parent_at:
        # One input either way, produced by a layer of another kind (a skip was added):
        # the same channels in the same order, so a warm start still.
        parent_at = {child_segments[0][0]: (0, parent_segments[0][1])}
    kernel = fresh.copy()
    columns = min(fresh.shape[1], parent.shape[1])
    kernel[:, :columns] = 0.0
    start = 0
    for name, width in child_segments:
        if name in parent_at:
            p_start, p_width = parent_at[name]
            rows = min(width, p_width)
            kernel[start : start + rows, :columns] = parent[p_start : p_start + rows, :columns]
        start += width
    return kernel


def _new_layer_weights(layer: Any, fresh: list[np.ndarray], residual: bool) -> list[np.ndarray]:
    """A layer the parent lacks: identity or near-zero where that preserves the function."""
    if not isinstance(layer, tf_keras.layers.Dense):
        return fresh
    name = layer.name
    kernel = fresh[0]
    if (
        name.endswith("_project")
        or name.endswith("_in")
        or (name.endswith("_dense") and name.startswith("b") and not residual)
    ):
        kernel = np.eye(*kernel.shape, dtype=kernel.dtype)
    elif name.endswith("_dense") or name.endswith("_value"):
        kernel = kernel * NEAR_ZERO
    else:
        return fresh
    return [kernel, *(np.zeros_like(w) for w in fresh[1:])]


@dataclass(frozen=True)
class Inheritance:
    """What a child got: layers copied whole, morphed (resized) and new."""

    copied: tuple[str, ...]
    morphed: tuple[str, ...]
    new: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"copied": len(self.copied), "morphed": list(self.morphed), "new": list(self.new)}


def inherit(child: tf_keras.Model, parent: Snapshot, point: Mapping[str, Any]) -> Inheritance:
    """Sets ``child``'s weights from ``parent``'s (see the module docstring)."""
    residual = point.get("skip") == "residual"
    copied, morphed, new = [], [], []
    for layer in child.layers:
        if not layer.weights:
            continue
        fresh = layer.get_weights()
        inherited = parent.weights.get(layer.name)
        if inherited is None or len(inherited) != len(fresh):
            layer.set_weights(_new_layer_weights(layer, fresh, residual))
            new.append(layer.name)
            continue
        dense = isinstance(layer, tf_keras.layers.Dense)
        same_inputs = not dense or input_segments(layer) == parent.segments.get(layer.name)
        if same_inputs and all(a.shape == b.shape for a, b in zip(fresh, inherited, strict=True)):
            layer.set_weights(inherited)
            copied.append(layer.name)
            continue
        values = [w.copy() for w in fresh]
        if dense:
            values[0] = _dense_kernel(
                fresh[0], inherited[0], input_segments(layer), parent.segments.get(layer.name, [])
            )
            for target, source in zip(values[1:], inherited[1:], strict=True):
                _copy_overlap(target, source)
        else:
            for target, source in zip(values, inherited, strict=True):
                if target.ndim == source.ndim:
                    _copy_overlap(target, source)
        layer.set_weights(values)
        morphed.append(layer.name)
    return Inheritance(tuple(copied), tuple(morphed), tuple(new))
