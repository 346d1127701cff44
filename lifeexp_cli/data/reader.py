"""Reading CSV files in bounded chunks: raw line blocks for `predict --input`, parsed frames for `fit`.

`predict --input` must write every input line back untouched, so it works on the bytes: `line_blocks`
cuts the input into blocks of whole records (a quoted field may hold a newline), `split_records` splits
a block into records and their cells, and `parse_numbers` turns one column's cells into floats. None of
this imports pandas. `frames` (for the streamed `fit`) reads with pandas' C parser, one chunk at a time,
while hashing the bytes it reads.
"""

from __future__ import annotations

import csv
import math
from typing import IO, Iterator

from lifeexp_cli.data import catalog
from lifeexp_cli.errors import DataError

BLOCK_BYTES = 1 << 20
MAX_RECORD_BYTES = 8 << 20  # a longer record means unbalanced quotes; refuse instead of reading on
MISSING = {b"", b"na", b"nan", b"n/a", b"null"}
STATUS_CODES = {b"developed": 1.0, b"developing": 0.0}


def sniff_separator(header: str) -> str:
    """The most frequent of `,` `;` and tab in the header line (comma on a tie), as `dataset` does."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


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
            # No record boundary for this long: an unbalanced quote, which would swallow the whole file.
            raise DataError(f"the --input CSV has a quoted field longer than {MAX_RECORD_BYTES >> 20} MiB "
                            "(an unbalanced \" ?): fix its quotes")
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
    except csv.Error:
        raise DataError("the --input CSV has a malformed quoted field (a stray \" ?): fix its quotes") from None
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
    return values


def _number(cell: bytes, column: str, row: int) -> float:
    text = cell.strip()
    if text.lower() in MISSING:
        return math.nan
    if column == catalog.STATUS_COLUMN and text.lower() in STATUS_CODES:
        return STATUS_CODES[text.lower()]
    try:
        return float(text)
    except ValueError:
        shown = text.decode("utf-8", "replace")
        hint = " (decimal comma? use a dot)" if "," in shown else ""
        raise DataError(f"column {column} has a non-numeric value {shown!r} in row {row}{hint}: "
                        "fix it or leave the cell empty") from None


class HashingReader:
    """A binary file wrapper that keeps what was read, to be hashed (SHA-256) by whichever thread has time.

    `take()` hands over the blocks read since the last call; `hash(blocks)` adds them to the digest, in
    order; `finish()` hashes the rest of the file and returns the hex digest.
    """

    def __init__(self, raw: IO[bytes]):
        import hashlib  # only a fit needs it; `predict` starts without

        self.raw = raw
        self.digest = hashlib.sha256()
        self.pending: list[bytes] = []

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.pending.append(data)
        return data

    def readline(self) -> bytes:
        data = self.raw.readline()
        self.pending.append(data)
        return data

    def readable(self) -> bool:
        return True

    def __iter__(self):  # pandas recognises file-like objects by `read` and `__iter__`
        return iter(self.readline, b"")

    def take(self) -> list[bytes]:
        blocks, self.pending = self.pending, []
        return blocks

    def hash(self, blocks: list[bytes]) -> None:
        for block in blocks:
            self.digest.update(block)

    def finish(self) -> str:
        self.hash(self.take())
        while data := self.raw.read(BLOCK_BYTES):
            self.digest.update(data)
        return self.digest.hexdigest()


def read_header(stream: IO[bytes]) -> tuple[list[str], str, str] | None:
    """Canonical column names, separator and encoding from a CSV's first line (None for an empty file).

    The stream is left just after the header line.
    """
    return parse_header(stream.readline())


def parse_header(first: bytes) -> tuple[list[str], str, str] | None:
    """`read_header` of a header line already read."""
    try:
        header, encoding = first.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        header, encoding = first.decode("latin-1"), "latin-1"
    header = header.rstrip("\r\n")
    if not header.strip():
        return None
    sep = sniff_separator(header)
    return [catalog.canonical(c) for c in next(csv.reader([header], delimiter=sep))], sep, encoding


def frames(stream: IO[bytes], names: list[str], sep: str, encoding: str, columns: list[str] | None,
           chunk_rows: int):
    """pandas DataFrames of `chunk_rows` rows (the given columns only), read after the header line.

    The frames' index is the row's position among the data rows, so messages can name the file row.
    """
    import pandas as pd

    reader = pd.read_csv(stream, sep=sep, header=None, names=names, usecols=columns, chunksize=chunk_rows,
                         encoding=encoding, encoding_errors="replace")
    try:
        yield from reader
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"the CSV is not readable ({first}): check the file, or its separator") from None
