"""The text of a CSV: its encoding (UTF-8, else Latin-1), its separator, its header line (canonical
column names), and small texts split into cells (`parse_rows`).
"""

from __future__ import annotations

import codecs
import csv
from typing import IO, NamedTuple

from lifeexp_cli.data import catalog
from lifeexp_cli.data.opening import BLOCK_BYTES
from lifeexp_cli.errors import DataError
from lifeexp_cli.limits import MAX_HEADER_BYTES

SEPARATORS = (",", ";", "\t")


class Header(NamedTuple):
    """A CSV's first line: canonical column names, its separator and the encoding it was read with."""

    names: list[str]
    separator: str
    encoding: str


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (a byte-order mark dropped), else Latin-1, which decodes any bytes."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def encoding_of(raw: bytes) -> str:
    """"utf-8" when the bytes are UTF-8, else "latin-1" (as `decode`), checked block by block so that no
    decoded copy of a whole file is ever held."""
    check = Utf8Check()
    view = memoryview(raw)
    for start in range(0, len(view), BLOCK_BYTES):
        check.feed(view[start:start + BLOCK_BYTES])
    return check.encoding()


class Utf8Check:
    """Whether bytes fed a block at a time are UTF-8 (a character may straddle two blocks)."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.valid = True

    def feed(self, block) -> None:
        if self.valid:
            try:
                self.decoder.decode(block)
            except UnicodeDecodeError:
                self.valid = False

    def encoding(self) -> str:
        """The encoding to read the bytes fed so far with: "utf-8", or "latin-1" (which decodes any bytes)."""
        if self.valid:
            try:
                self.decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.valid = False
        return "utf-8" if self.valid else "latin-1"


def sniff_separator(header: str) -> str:
    """The most frequent of `,` `;` and tab in the header line (comma on a tie)."""
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def check_unique(names: list[str], source: str) -> None:
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise DataError(f"{source} has several columns named {', '.join(duplicates)} once made canonical: "
                        "rename them")


def parse_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """A small CSV text as its header cells (as written) and its non-blank rows of cells; separator sniffed."""
    lines = text.splitlines()
    if not lines:
        return [], []
    try:
        rows = list(csv.reader(lines, delimiter=sniff_separator(lines[0])))
    except csv.Error as exc:
        raise csv_problem(exc, "the CSV") from None
    return rows[0], [row for row in rows[1:] if row]


def csv_problem(exc: Exception, what: str) -> DataError:
    """The csv module's complaint about `what` as a one-line DataError."""
    if "field limit" in str(exc):
        return DataError(f"{what} has a field longer than {csv.field_size_limit()} characters (a stray \" that "
                         "swallows the lines after it?): fix its quotes or shorten the field")
    return DataError(f"{what} has a malformed quoted field (a stray \" ?): fix its quotes")


def parse_header(first: bytes) -> Header | None:
    """A header line already read (bytes, line ending included) as a Header; None for an empty line."""
    header, encoding = decode(first)
    header = header.rstrip("\r\n")
    if not header.strip():
        return None
    sep = sniff_separator(header)
    try:
        cells = next(csv.reader([header], delimiter=sep))
    except csv.Error as exc:
        raise csv_problem(exc, "the header") from None
    return Header([catalog.canonical(c) for c in cells], sep, encoding)


def first_line(stream: IO[bytes], source: str) -> bytes:
    """The first line, line ending included, read with a bound: a file without line breaks (or
    /dev/zero given as stdin) is an error naming the bound, not a read that never ends."""
    line = stream.readline(MAX_HEADER_BYTES + 1)
    if len(line) > MAX_HEADER_BYTES:
        raise DataError(f"{source} has a first line longer than {MAX_HEADER_BYTES >> 20} MiB: it is not a CSV "
                        "header (column names, then a line break)")
    return line


def header(stream: IO[bytes], source: str) -> Header:
    """Read a CSV's first line; an empty file or two columns with one canonical name is a DataError.

    The stream is left just after the header line. `source` names the file in messages.
    """
    found = parse_header(first_line(stream, source))
    if found is None:
        raise DataError(f"{source} is empty: give a CSV file with a header row and data rows")
    check_unique(found.names, source)
    return found
