"""A user's CSV as a stream of rows: memory stays flat however large the file, and each way a
file can be malformed is one line that says where.

The bytes are checked first, a megabyte at a time (UTF-8, NUL bytes, nothing but blanks), so
that the row passes that follow (pipeline.definition.dataset reads the rows twice: once to
learn the data, once to write the staged copy) meet only text that decodes. Rows come from
Python's csv module, which keeps quoted newlines and reports the line a problem is on.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


class DataError(ValueError):
    """The input data cannot be used; the message is one line, fit for a terminal."""


def check_bytes(path: Path) -> None:
    """The file exists, is a file, decodes as UTF-8 (a BOM allowed), holds no NUL byte and
    holds more than blanks."""
    where = str(path)
    if not path.exists():
        raise DataError(f"data file not found: {where}")
    if path.is_dir():
        raise DataError(
            f"{where} is a directory; pass the CSV file itself, or a folder of span-N folders"
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    text = False
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                pending = len(decoder.getstate()[0])  # a character cut by the chunk's end
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    byte = offset - pending + exc.start
                    raise DataError(
                        f"{where} is not UTF-8 text (byte {byte}); is it really a CSV?"
                    ) from exc
                if (nul := chunk.find(b"\x00")) >= 0:
                    line = lines + chunk.count(b"\n", 0, nul) + 1
                    raise DataError(f"{where} holds a NUL byte (line {line}); is it really a CSV?")
                visible = chunk[len(codecs.BOM_UTF8) :] if offset == 0 and chunk.startswith(
                    codecs.BOM_UTF8
                ) else chunk  # fmt: skip
                text = text or bool(visible.strip())
                lines += chunk.count(b"\n")
                offset += len(chunk)
    except OSError as exc:
        raise DataError(f"cannot read {where}: {exc.strerror}") from exc
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:  # the file ends inside a character
        raise DataError(f"{where} is not UTF-8 text (byte {offset}); is it really a CSV?") from exc
    if not text:
        raise DataError(f"{where} is empty")


@contextlib.contextmanager
def _reader(path: Path) -> Iterator[Any]:
    """A csv reader over the file as text (a BOM dropped), closed afterwards."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        yield csv.reader(handle)


class CsvTable:
    """One CSV file: its header, and its data rows each time it is iterated (cells stripped;
    blank lines skipped; a row of another width, or broken quoting, is an error naming its
    line; a file without data rows is an error at the end of a pass)."""

    def __init__(self, path: Path) -> None:
        check_bytes(path)
        self.path = path
        self.where = str(path)
        with _reader(path) as reader:
            try:
                self.header: list[str] = next(reader)
            except csv.Error as exc:
                raise DataError(
                    f"{self.where} line {reader.line_num} is not valid CSV: {exc}"
                ) from exc

    def __iter__(self) -> Iterator[list[str]]:
        width, rows = len(self.header), 0
        with _reader(self.path) as reader:
            try:
                next(reader)  # the header
                for row in reader:
                    if not row or all(not cell.strip() for cell in row):
                        continue  # blank lines carry nothing
                    if len(row) != width:
                        raise DataError(
                            f"{self.where} line {reader.line_num} has {len(row)} fields, "
                            f"the header has {width}"
                        )
                    rows += 1
                    yield [cell.strip() for cell in row]
            except csv.Error as exc:
                raise DataError(
                    f"{self.where} line {reader.line_num} is not valid CSV: {exc}"
                ) from exc
        if not rows:
            raise DataError(f"{self.where} has a header but no data rows")
