"""The text of a CSV: its encoding (UTF-8, else Latin-1), its separator, its header line (canonical
column names), and small texts split into cells (`parse_rows`).
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import IO, NamedTuple

from lifeexp_cli.data import catalog
from lifeexp_cli.data.opening import BLOCK_BYTES
from lifeexp_cli.errors import DataError
from lifeexp_cli.limits import MAX_HEADER_BYTES, MAX_RECORD_BYTES, SHOWN_CHARS

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


def clipped(text: str) -> str:
    """Outside text as a message shows it: cut to SHOWN_CHARS characters with "…" (a 300 MB cell is not
    repeated back)."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def check_unique(names: list[str], source: str, written: list[str] | None = None) -> None:
    """Two columns that mean one thing (`bmi` and `BMI`: one canonical name) are an error naming both as
    written; `written` are the header's cells as in the file (the canonical `names` when not given)."""
    written = names if written is None else written
    for name in dict.fromkeys(n for n in names if names.count(n) > 1):
        both = " and ".join(repr(clipped(w)) for w, n in zip(written, names) if n == name)
        raise DataError(f"{source} has columns {both}, which both mean {clipped(name)}: rename or remove one "
                        "of them")


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


# What the first bytes of a file that is no CSV text say it is, and what to do instead.
NOT_TEXT = ((b"PAR1", "a Parquet file, not CSV text: give a CSV file"),
            (b"\x1f\x8b", "gzip-compressed: decompress it first (`gunzip -c FILE | lifeexp ... -`)"),
            (b"\xff\xfe", "UTF-16 text: save it as UTF-8"), (b"\xfe\xff", "UTF-16 text: save it as UTF-8"))


def check_not_binary(head: bytes, source: str) -> None:
    """A first line that is Parquet, gzip, UTF-16 or other binary data is a DataError saying what it is,
    before anything is read further (or written)."""
    for magic, what in NOT_TEXT:
        if head.startswith(magic):
            raise DataError(f"{source} is {what}")
    if b"\x00" in head:
        raise DataError(f"{source} is UTF-16 text or binary data (it holds NUL bytes): save it as UTF-8 CSV")
    if sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13)) > len(head) // 100:
        raise DataError(f"{source} is binary data, not CSV text: check the path")


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
    line = first_line(stream, source)
    check_not_binary(line, source)
    found = parse_header(line)
    if found is None:
        raise DataError(f"{source} is empty: give a CSV file with a header row and data rows")
    check_unique(found.names, source, written_names(line, found.separator))
    return found


def written_names(line: bytes, separator: str) -> list[str]:
    """A header line's cells as written (parse_header has read it once already, so it parses)."""
    try:
        return next(csv.reader([decode(line)[0].rstrip("\r\n")], delimiter=separator), [])
    except csv.Error as exc:
        raise csv_problem(exc, "the header") from None


def quote_inside(source: str, line: int) -> DataError:
    """A quote inside a cell, the one diagnosis of every reader (`RowCheck` checks it for both)."""
    return DataError(f"{source} line {line} has a \" inside a cell (a quote may only open a cell and close it): "
                     "quote the whole cell and double the \" in it (\"a \"\"b\"\" c\"), or remove it")


class RowCheck:
    """A binary file wrapper that checks, as a parser reads through it, that every record lines up with
    the header: as many cells as it has columns (one more is accepted when that last cell is empty: a
    trailing separator). A record that does not, or one longer than MAX_RECORD_BYTES, is a DataError
    naming the file and the line; otherwise pandas would shift the columns (one extra cell on the first
    row makes the first column the index) or fill the missing cells, silently.

    A record ends at a newline or a lone carriage return outside quotes, as pandas' parser has it (a
    cell after a CR in a CRLF file is a row of its own there, so it is refused here). `width` None: the
    first record is the header and gives the width. `line`: the file line of the first byte read.
    `check(block, final)` checks whole records given directly (predict --input's blocks).
    """

    def __init__(self, raw, source: str, sep: str, width: int | None = None, line: int = 1,
                 trailing: bool = True):
        self.raw, self.source, self.sep, self.width, self.line = raw, source, ord(sep), width, line
        self.trailing = trailing  # accept a trailing separator (predict --input, which writes lines back, does not)
        self.rest = b""
        # translate() deletes these: what is left of a block is its separators, LFs and CRs (`_lined_up`)
        self.unmarked = bytes(c for c in range(256) if c not in (self.sep, 10, 13))

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.check(data, final=not data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        self.check(data, final=not data)
        return data

    def readable(self) -> bool:
        return True

    def __iter__(self):  # pandas recognises file-like objects by `read` and `__iter__`
        return iter(self.readline, b"")

    def check(self, data: bytes, final: bool = False) -> None:
        import numpy as np

        buf = self.rest + data if self.rest else data
        if not buf or ((not final or buf.endswith(b"\n")) and self.width is not None and self._lined_up(buf)):
            return  # (at the end, bytes that end with a LF leave no record unfinished: the same case)
        a = np.frombuffer(buf, np.uint8)
        outside = (np.cumsum(a == 34, dtype=np.uint8) & 1) == 0 if b'"' in buf else None  # parity of quotes
        ends = a == 10
        if b"\r" in buf:
            cr = a == 13
            cr[:-1] &= a[1:] != 10  # a CR that a LF follows ends nothing: the LF does
            if not final and a[-1] == 13:
                cr[-1] = False  # its LF may come with the next read
            ends |= cr
        ends = np.flatnonzero(ends if outside is None else ends & outside)
        cut = int(ends[-1]) + 1 if len(ends) else 0
        if final and cut < len(buf):
            ends, cut = np.append(ends, len(buf)), len(buf)
        self.rest = buf[cut:]
        if len(self.rest) > MAX_RECORD_BYTES:
            where = self.line + buf.count(b"\n", 0, cut)
            raise DataError(f"{self.source} line {where} is longer than "
                            f"{MAX_RECORD_BYTES >> 20} MiB (no line break, or an unbalanced \" ?): give one row per "
                            "line, and fix its quotes")
        if len(ends):
            if outside is not None:
                self._check_quotes(buf, a, cut)
            self._check_records(buf, a, outside, ends)
        self.line += buf.count(b"\n", 0, cut)

    def _lined_up(self, buf: bytes) -> bool:
        """The common case, checked in one pass over the bytes and taken as read: no quote, and every
        record that ends in `buf` ends at a LF (or every one at a CRLF) and has exactly `width` cells, so
        that its separators, LFs and CRs alone are one row's marks (width - 1 separators and the line
        end) repeated. False, with nothing taken: the general check decides (and words any problem)."""
        if b'"' in buf:
            return False
        cut = buf.rfind(b"\n") + 1
        if len(buf) - cut > MAX_RECORD_BYTES:
            return False
        marks = buf.translate(None, self.unmarked)
        records = marks.count(b"\n")
        crlf = b"\r" in marks
        row = bytes([self.sep]) * (self.width - 1) + (b"\r\n" if crlf else b"\n")
        if marks[:records * len(row)] != row * records:  # (a slice copies only the small `marks`)
            return False
        if crlf and (marks.count(b"\r") != records + buf.endswith(b"\r") or buf.count(b"\r\n") != records):
            return False  # a CR that ends a record of its own (the last byte's LF may come with the next read)
        self.rest = buf[cut:]
        self.line += records
        return True

    def _check_quotes(self, buf: bytes, a, cut: int) -> None:
        """A quote opens a cell or closes it (or, doubled, stands for itself inside one), nowhere else:
        the parity of the quotes then says where records end for this check and for pandas alike (pandas
        takes a quote inside an unquoted cell as text, so the two would see different rows)."""
        import numpy as np

        quotes = np.flatnonzero(a[:cut] == 34)
        borders = np.zeros(256, dtype=bool)
        borders[[self.sep, 10, 13, 34]] = True
        opening, closing = quotes[0::2], quotes[1::2]
        bad_open = (opening > 0) & ~borders[a[np.maximum(opening - 1, 0)]]
        bad_close = (closing + 1 < len(a)) & ~borders[a[np.minimum(closing + 1, len(a) - 1)]]
        wrong = np.concatenate([opening[bad_open], closing[bad_close]])
        if len(wrong):
            raise quote_inside(self.source, self.line + buf.count(b"\n", 0, int(wrong.min())))

    def _check_records(self, buf: bytes, a, outside, ends) -> None:
        import numpy as np

        starts = np.concatenate([[0], ends[:-1] + 1])
        last = np.maximum(ends - 1, 0)
        stops = ends - ((a[last] == 13) & (ends > starts))  # a CRLF's CR is part of no cell
        separators = a == self.sep
        separators = np.flatnonzero(separators if outside is None else separators & outside)
        cells = np.searchsorted(separators, stops) - np.searchsorted(separators, starts) + 1
        blank = stops == starts
        if self.width is None:
            first = int(np.argmax(~blank)) if (~blank).any() else len(blank)
            if first == len(blank):
                return
            self.width, blank = int(cells[first]), blank.copy()
            blank[:first + 1] = True
        trailing = (cells == self.width + 1) & (a[np.maximum(stops - 1, 0)] == self.sep)
        bad = ~blank & (cells != self.width) & ~(trailing & self.trailing)
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            found, where = int(cells[at]), self.line + buf.count(b"\n", 0, int(starts[at]))
            hint = "a trailing separator: remove it" if trailing[at] else \
                "a stray separator, or text that needs quotes?" if found > self.width else \
                "a missing cell, or a line break inside the row?"
            raise DataError(f"{self.source} line {where} has {found} cells where the header has {self.width} "
                            f"columns ({hint}): give every row one cell per column")


class BinaryRowCheck(RowCheck, io.BufferedIOBase):
    """A RowCheck that pandas sees as a binary file, as it sees the file it wraps: it decodes the bytes
    with the `encoding` it is given (a plain wrapper's bytes it would take for UTF-8)."""

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)
