"""ID-like integer columns, from a sample of rows: a row number or a key stored as a number.

TFDV's statistics count distinct values of strings only, and a numeric key seen through a
hash split is no longer consecutive (80% of ids 1..500 land in train), so checks.py's
statistics test misses it. On rows the test is plain: integer values, every one distinct,
over enough rows that a real quantity (an age, minutes, a count) would repeat.
"""

from __future__ import annotations

import pandas as pd

from components.guardrails.checks import MIN_ROWS_FOR_ID, Finding


def id_like_integers(frame: pd.DataFrame, label: str) -> list[Finding]:
    found = []
    for column in frame.columns.drop(label, errors="ignore"):
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values):
            continue
        present = values.dropna()
        if len(present) < MIN_ROWS_FOR_ID or not (present == present.round()).all():
            continue
        if present.nunique() == len(present):
            found.append(Finding(
                "id_like", column,
                f"a distinct integer in each of {len(present)} sampled rows "
                f"({present.min():g}..{present.max():g})",
                1.0,
            ))  # fmt: skip
    return found
