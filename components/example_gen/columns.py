"""CSV columns as tf.Example features, batch by batch in Arrow: the typing rules of TFX's
CsvExampleGen (tfx_bsl's csv_decoder), kept exactly, at Arrow's speed.

TFX's CsvExampleGen parses every line with Python's csv module, infers each cell's type in
Python and builds every tf.Example field by field: about 110 s for a million rows of twelve
columns, as long as StatisticsGen and Transform together (bench/results/scale.md). Here the
cells arrive as Arrow string columns and are typed and converted by Arrow's vectorised casts;
a batch whose values Arrow does not read as Python would (``" 5"``, ``"+5"``, ``"1_0"``,
integers past int64) falls back to the reference rules value by value, so the result is the
same on any input, only slower on odd ones.

The rules (tfx_bsl ``_InferValueType``): an empty cell is missing; a column is INT when every
value is a Python ``int`` within int64, FLOAT when every value is a Python ``float`` (an
integer past int64 makes it STRING), else STRING; a column with no value at all is UNKNOWN
and becomes a feature with no kind.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_INT64 = np.iinfo(np.int64)
_PLAIN_INT = r"^-?[0-9]+$"  # what Arrow's int64 cast and Python's int() both read alike
_INT64_DIGITS = 19  # an integer string this long may be past int64


class ColumnType(enum.IntEnum):
    """A column's type, ordered as tfx_bsl orders them: a column takes the widest type any
    of its values needs."""

    UNKNOWN = 0
    INT = 1
    FLOAT = 2
    STRING = 3


def value_type(cell: bytes) -> ColumnType:
    """One cell's type by the reference rules (Python's ``int`` and ``float`` on the bytes)."""
    if not cell:
        return ColumnType.UNKNOWN
    try:
        return ColumnType.INT if _INT64.min <= int(cell) <= _INT64.max else ColumnType.STRING
    except ValueError:
        pass
    try:
        float(cell)
    except ValueError:
        return ColumnType.STRING
    return ColumnType.FLOAT


def _cells(values: pa.Array) -> Iterable[bytes]:
    return (value.encode() for value in values.to_pylist())


def _reference_type(values: pa.Array, known: ColumnType) -> ColumnType:
    widest = known
    for cell in _cells(values):
        widest = max(widest, value_type(cell))
        if widest is ColumnType.STRING:
            break
    return widest


def _casts(values: pa.Array, to: pa.DataType) -> pa.Array | None:
    try:
        return pc.cast(values, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _has_long_integer(values: pa.Array) -> bool:
    """Whether a value Arrow read as a float is an integer string past int64, which the
    reference rules call STRING."""
    long = pc.and_(
        pc.greater_equal(pc.utf8_length(values), _INT64_DIGITS),
        pc.match_substring_regex(values, _PLAIN_INT),
    )
    candidates = values.filter(long)
    return any(value_type(cell) is ColumnType.STRING for cell in _cells(candidates))


def batch_type(column: pa.Array, known: ColumnType = ColumnType.UNKNOWN) -> ColumnType:
    """The widest of ``known`` and what the non-empty cells of ``column`` (a string column,
    empty cells null) need."""
    values = pc.drop_null(column)
    if known is ColumnType.STRING or len(values) == 0:
        return known
    if known <= ColumnType.INT and pc.all(pc.match_substring_regex(values, _PLAIN_INT)).as_py():
        if _casts(values, pa.int64()) is not None:
            return max(known, ColumnType.INT)
    if _casts(values, pa.float64()) is not None and not _has_long_integer(values):
        return max(known, ColumnType.FLOAT)
    return _reference_type(values, known)


def widest(types: Iterable[Mapping[str, ColumnType]]) -> dict[str, ColumnType]:
    """Merges per-file (or per-batch) column types: each column takes the widest."""
    merged: dict[str, ColumnType] = {}
    for found in types:
        for name, kind in found.items():
            merged[name] = max(merged.get(name, ColumnType.UNKNOWN), kind)
    return merged


def _values(values: pa.Array, kind: ColumnType) -> pa.Array:
    """The non-empty cells of a typed column as tf.Example stores them: int64, float32 (Python
    float, then rounded to float32 as the proto does), or the cell's bytes."""
    if kind is ColumnType.STRING:
        return pc.cast(values, pa.large_binary())
    if kind is ColumnType.INT:
        ints = _casts(values, pa.int64())
        if ints is None or not pc.all(pc.match_substring_regex(values, _PLAIN_INT)).as_py():
            ints = pa.array([int(cell) for cell in _cells(values)], pa.int64())
        return ints
    doubles = _casts(values, pa.float64())
    if doubles is None:
        doubles = pa.array([float(cell) for cell in _cells(values)], pa.float64())
    return pc.cast(doubles, pa.float32(), safe=False)


def feature_lists(column: pa.Array, kind: ColumnType) -> pa.LargeListArray:
    """One column as the list array tfx_bsl's encoder turns into a feature per row: a value
    per non-empty cell, an empty list of the column's kind for an empty one (as
    CsvExampleGen writes it), and a null, which encodes as a feature with no kind, for every
    row of an UNKNOWN column."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if kind is ColumnType.UNKNOWN:
        return pa.nulls(len(column), pa.large_list(pa.large_binary()))
    present = pc.is_valid(column).to_numpy(zero_copy_only=False)
    offsets = np.zeros(len(column) + 1, dtype=np.int64)
    np.cumsum(present, out=offsets[1:])
    return pa.LargeListArray.from_arrays(pa.array(offsets), _values(pc.drop_null(column), kind))
