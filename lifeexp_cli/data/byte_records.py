"""`predict --input` must write every input line back untouched, so it works on the bytes: `line_blocks`
cuts the input into blocks of whole records (a quoted field may hold a newline), `split_records` splits a
block into records and their cells, and `parse_numbers` turns one column's cells into floats. None of
this imports pandas.
"""

from __future__ import annotations

import csv
import math
from typing import IO, Iterator

from lifeexp_cli.data import catalog
from lifeexp_cli.data.csv_text import clipped, csv_problem
from lifeexp_cli.data.opening import BLOCK_BYTES
from lifeexp_cli.errors import DataError
from lifeexp_cli.limits import LARGEST_VALUE, MAX_RECORD_BYTES

MISSING = {b"", b"na", b"nan", b"n/a", b"null"}


def record_boundary(data: bytes) -> int:
    """Index just after the last newline outside quotes (0 if none), in one pass.

    Splitting on `"` gives pieces that alternate outside/inside quotes (an escaped `""` adds an empty
    piece, toggling twice), so only the outside pieces can hold a record boundary.
    """
    if b'"' not in data:
        return data.rfind(b"\n") + 1
    boundary, position = 0, 0
    for number, piece in enumerate(data.split(b'"')):
        if number % 2 == 0:
            newline = piece.rfind(b"\n")
            if newline >= 0:
                boundary = position + newline + 1
        position += len(piece) + 1
    return boundary


def line_blocks(stream: IO[bytes], size: int = BLOCK_BYTES) -> Iterator[bytes]:
    """Blocks of about `size` bytes that end at a record boundary (a newline outside quotes)."""
    rest = b""
    while True:
        data = stream.read(size)
        if not data:
            if rest:
                yield rest
            return
        data = rest + data
        if len(data) > MAX_RECORD_BYTES + size:
            # No record boundary for this long: an unbalanced quote (which would swallow the whole file),
            # or no line breaks at all (/dev/zero piped in, a binary file).
            quoted = b'"' in data
            raise DataError(f"the --input CSV has a record longer than {MAX_RECORD_BYTES >> 20} MiB"
                            + (" (an unbalanced \" ?): fix its quotes" if quoted else
                               " (no line break): give one row per line"))
        cut = record_boundary(data)
        block, rest = data[:cut], data[cut:]
        if block:
            yield block


def split_records(block: bytes, sep: bytes, cells: int) -> tuple[list[bytes], list[list[bytes]]]:
    """Records of a block (without their line ending) and each record's first `cells` cells.

    Blank lines are skipped. Records without quotes are split on `sep` directly; quoted ones go through
    the csv module so that separators and newlines inside quotes stay part of their cell.
    """
    lines = block.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    if b'"' in block:
        lines = _join_quoted(lines)
    if b"\r" in block:
        lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    records = [line for line in lines if line]
    if b'"' not in block:
        return records, [line.split(sep, cells) for line in records]
    text_sep = sep.decode()
    try:
        fields = [next(csv.reader([r.decode("utf-8", "surrogateescape")], delimiter=text_sep))
                  if b'"' in r else r.split(sep, cells) for r in records]
    except csv.Error as exc:
        raise csv_problem(exc, "the --input CSV") from None
    return records, [[f.encode("utf-8", "surrogateescape") if isinstance(f, str) else f for f in row]
                     for row in fields]


def _join_quoted(lines: list[bytes]) -> list[bytes]:
    """Glue lines back together where a quoted cell spans a newline (odd number of quotes so far)."""
    joined: list[bytes] = []
    pending = None
    for line in lines:
        pending = line if pending is None else pending + b"\n" + line
        if pending.count(b'"') % 2 == 0:
            joined.append(pending)
            pending = None
    if pending is not None:
        joined.append(pending)
    return joined


def parse_numbers(cells: list[bytes], column: str, first_row: int):
    """One column's cells as float64, NaN for blanks and NA; `status` text becomes 1/0; else an error.

    `first_row` is the file row number of the first cell, for messages.
    """
    import numpy as np

    try:  # fast: every cell a number; then: numbers and blanks; else cell by cell, with messages
        values = np.fromiter(map(float, cells), float, len(cells))
    except ValueError:
        try:
            values = np.fromiter([float(c) if c else math.nan for c in cells], float, len(cells))
        except ValueError:
            values = np.fromiter((_number(c, column, first_row + i) for i, c in enumerate(cells)), float,
                                 len(cells))
    infinite = np.isinf(values)
    if infinite.any():
        row = first_row + int(np.flatnonzero(infinite)[0])
        raise DataError(f"column {column} has an infinite value in row {row}: remove it or leave the cell empty")
    huge = np.abs(values) > LARGEST_VALUE
    if huge.any():
        at = int(np.flatnonzero(huge)[0])
        raise DataError(f"column {column} holds {values[at]:.3g} in row {first_row + at}, too large to compute with "
                        f"(limit {LARGEST_VALUE:.0e}): check the data or rescale that column")
    return values


def _number(cell: bytes, column: str, row: int) -> float:
    text = cell.strip()
    if text.lower() in MISSING:
        return math.nan
    status = catalog.STATUS_CODES.get(text.lower().decode("latin-1"))
    if column == catalog.STATUS_COLUMN and status is not None:
        return status
    try:
        return float(text)
    except ValueError:
        shown = text.decode("utf-8", "replace")
        hint = " (decimal comma? use a dot)" if "," in shown else ""
        raise DataError(f"column {column} has a non-numeric value {clipped(repr(shown))} in row {row}{hint}: "
                        "fix it or leave the cell empty") from None
