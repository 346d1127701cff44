"""Reading CSV files: the one place that opens a data source, sniffs its separator and parses its header.

`open_source` opens a path or `-` (stdin) with one set of messages; `header` reads and checks the first
line (`parse_header` parses one already read). Then one way to read per need. `read_all` + `encoding_of` +
`parse_frame` read a whole file (or the columns a fit needs) into a pandas DataFrame (`dataset.read_table`); `parse_rows` splits a
small text into cells (`people.read_people`). `predict --input` must write every input line back
untouched, so it works on the bytes: `line_blocks` cuts the input into blocks of whole records (a quoted
field may hold a newline), `split_records` splits a block into records and their cells, and
`parse_numbers` turns one column's cells into floats; none of this imports pandas. `frames` (for the
streamed `fit`) reads with pandas' C parser, one chunk at a time, while `HashingReader` hashes the bytes
it reads.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import sys
from contextlib import contextmanager
from typing import IO, Iterator, NamedTuple

from lifeexp_cli.data import catalog, regular_files
from lifeexp_cli.errors import DataError
from lifeexp_cli.limits import LARGEST_VALUE, MAX_HEADER_BYTES, MAX_RECORD_BYTES

DATA_ENV = "LIFEEXP_DATA"
BLOCK_BYTES = 1 << 20
SNIFF_BYTES = 1 << 16  # the first block, checked for binary data before the rest is read
MISSING = {b"", b"na", b"nan", b"n/a", b"null"}
PROGRESS_BYTES = 64 << 20  # a data file this large or larger is read under a byte progress bar, when watched
PROGRESS_BLOCK = 8 << 20
SEPARATORS = (",", ";", "\t")

# What went wrong opening a source, in the words of the option that named it: role -> (missing file,
# directory, unreadable). `data` is --data (or $LIFEEXP_DATA), `input` is predict's --input.
OPEN_MESSAGES = {
    "data": ("data file {source} does not exist: check the path given to --data or $" + DATA_ENV,
             "{source} is a directory: pass the CSV file inside it with --data",
             "cannot read {source}: {reason}"),
    "input": ("--input file {source} does not exist: check the path",
              "--input {source} is a directory: give a CSV file",
              "cannot read --input {source}: {reason}"),
}


class Header(NamedTuple):
    """A CSV's first line: canonical column names, its separator and the encoding it was read with."""

    names: list[str]
    separator: str
    encoding: str


def shown(source: str) -> str:
    """How messages name a source: `-` is stdin."""
    return "stdin" if source == "-" else source


# (label, total bytes) -> a context manager yielding advance(bytes read); set by the command line
# (`watch_progress`) when stderr is a terminal. The library itself never draws anything.
_progress = None


def watch_progress(factory) -> None:
    """Show reading progress through `factory` (None: show nothing)."""
    global _progress
    _progress = factory


class CountingReader:
    """A binary file wrapper that reports every byte read to `advance`."""

    def __init__(self, raw: IO[bytes], advance):
        self.raw, self.advance = raw, advance

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.advance(len(data))
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        self.advance(len(data))
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # counted bytes are read once, forward
        return False

    def __iter__(self):
        return iter(self.readline, b"")


@contextmanager
def watched(handle: IO[bytes], source: str, role: str) -> Iterator[IO[bytes]]:
    """The handle itself, or a CountingReader under a progress bar for a large data file when watched."""
    size = os.fstat(handle.fileno()).st_size if _progress is not None and role == "data" else 0
    if size < PROGRESS_BYTES:
        yield handle
        return
    with _progress(f"reading {os.path.basename(source)}", size) as advance:
        yield CountingReader(handle, advance)


@contextmanager
def open_source(source: str, role: str = "data") -> Iterator[IO[bytes]]:
    """A path opened for reading bytes, or stdin for `-` (left open); a problem is a one-line DataError.

    `role` ("data" or "input") picks the wording of the messages: which option named the file. A data
    file of PROGRESS_BYTES or more is read under a byte progress bar when the command line watches.
    """
    if source == "-":
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise DataError("stdin is closed: pipe a CSV in (`cat rows.csv | lifeexp ...`) or give a file path")
        yield sys.stdin.buffer
        return
    missing, directory, unreadable = OPEN_MESSAGES[role]
    try:
        handle = regular_files.open_regular(source)
    except regular_files.NotRegular as exc:
        if exc.kind == "a directory":
            raise DataError(directory.format(source=source)) from None
        raise DataError(not_regular(source, exc.kind, role)) from None
    except FileNotFoundError:
        raise DataError(missing.format(source=source)) from None
    except OSError as exc:
        raise DataError(unreadable.format(source=source, reason=exc.strerror)) from None
    with handle, watched(handle, source, role) as readable:
        yield readable


def not_regular(source: str, kind: str, role: str) -> str:
    """A FIFO or device never ends (or blocks): refused by name, with the way to stream anyway."""
    flag = "--data" if role == "data" else "--input"
    return (f"{flag} {source} is {kind}, not a regular file: give a CSV file, or pipe the data to "
            f"{flag} - (stdin)")


def check_text(head: bytes, source: str) -> None:
    """Fail fast on binary data: look at the first block only, before reading (or parsing) the rest."""
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    if b"\x00" in head or controls > len(head) // 100:
        raise DataError(f"{source} is binary data, not a CSV text file: check the path given to --data")
    if len(head) == SNIFF_BYTES and b"\n" not in head:
        raise DataError(f"{source} has no line break in its first {SNIFF_BYTES} bytes: it is not a CSV file")


def read_all(source: str) -> bytes:
    """The whole file (or stdin), after checking that its first block is text."""
    with open_source(source) as handle:
        try:
            head = handle.read(SNIFF_BYTES)
            check_text(head, shown(source))
            if isinstance(handle, CountingReader):  # in blocks, so that the bar moves
                return b"".join([head, *iter(lambda: handle.read(PROGRESS_BLOCK), b"")])
            if handle.seekable():  # read the file once more, into one buffer of its size: no copies
                handle.seek(0)
                return handle.read()
            return b"".join([head, *iter(lambda: handle.read(BLOCK_BYTES), b"")])
        except OSError as exc:
            raise DataError(f"cannot read {source}: {exc.strerror}") from None


class Scan(NamedTuple):
    """What one pass over a file tells before parsing it: its first block, line count, hash and encoding."""

    head: bytes
    lines: int  # newline characters: at least the number of data rows
    sha256: str
    encoding: str


def scan(source: str) -> Scan:
    """Read a file once, a block at a time, holding none of it but the first block (checked to be text)."""
    import hashlib

    digest, lines, head = hashlib.sha256(), 0, b""
    check = Utf8Check()
    with open_source(source) as handle:
        try:
            while block := handle.read(BLOCK_BYTES):
                if not head:
                    head = block[:SNIFF_BYTES]
                    check_text(head, shown(source))
                digest.update(block)
                lines += block.count(b"\n")
                check.feed(block)
        except OSError as exc:
            raise DataError(f"cannot read {source}: {exc.strerror}") from None
    return Scan(head, lines, digest.hexdigest(), check.encoding())


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


def parse_frame(raw: bytes, source: str, encoding: str):
    """A whole CSV file's bytes as a pandas DataFrame with canonical column names. Parsed from the bytes
    (pandas decodes field by field): a decoded copy of the text would cost 1–4 bytes per character."""
    (frame,) = frame_blocks(raw, source, encoding)
    return frame


def frame_blocks(raw: bytes | IO[bytes], source: str, encoding: str, keep: set[str] | None = None,
                 rows: int | None = None, head: bytes | None = None):
    """A whole CSV file (its bytes, or an open binary file and its first block `head`) as pandas
    DataFrames with canonical column names: one, or blocks of `rows` rows (their index continues from
    block to block: the row's position among the data rows), with only the columns whose canonical names
    are in `keep` when it is given."""
    import pandas as pd

    head = raw if head is None else head
    if not head.strip():
        raise DataError(f"{source} is empty: give a CSV file with a header row and data rows")
    first = head.split(b"\n", 1)[0].decode(encoding, errors="replace")
    wanted = None if keep is None else (lambda name: catalog.canonical(str(name)) in keep)
    seen = 0
    try:
        stream = io.BytesIO(raw) if isinstance(raw, bytes) else raw
        parsed = pd.read_csv(stream, sep=sniff_separator(first), skipinitialspace=False, usecols=wanted,
                             encoding="utf-8-sig" if encoding == "utf-8" else encoding, chunksize=rows)
        for frame in [parsed] if rows is None else parsed:
            names = [catalog.canonical(str(c)) for c in frame.columns]
            check_unique(names, source)
            frame.columns = names
            seen += len(frame)
            if len(frame):
                yield frame
    except (pd.errors.ParserError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0]
        raise DataError(f"{source} is not a readable CSV ({message}): check the file, or its separator") from None
    if seen == 0:
        raise DataError(f"{source} has a header but no data rows")


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

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
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


def frames(stream: IO[bytes], names: list[str], sep: str, encoding: str, columns: list[str] | None,
           chunk_rows: int, text: bool = False):
    """pandas DataFrames of `chunk_rows` rows (the given columns only), read after the header line; with
    `text`, every cell as the text it is (blank and NA cells missing).

    The frames' index is the row's position among the data rows, so messages can name the file row.
    """
    import pandas as pd

    reader = pd.read_csv(stream, sep=sep, header=None, names=names, usecols=columns, chunksize=chunk_rows,
                         encoding=encoding, encoding_errors="replace", dtype=str if text else None)
    try:
        yield from reader
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"the CSV is not readable ({first}): check the file, or its separator") from None
