"""A whole file read at once: its bytes (`read_all`), one pass that scans it without holding it (`scan`),
and its bytes parsed by pandas into DataFrames (`parse_frame`, `frame_blocks`); binary data is refused
from the first block.
"""

from __future__ import annotations

import io
from typing import IO, NamedTuple

from lifeexp_cli.data import catalog
from lifeexp_cli.data.csv_text import BinaryRowCheck, Utf8Check, check_unique, sniff_separator, written_names
from lifeexp_cli.data.opening import BLOCK_BYTES, CountingReader, open_source, shown
from lifeexp_cli.errors import DataError

SNIFF_BYTES = 1 << 16  # the first block, checked for binary data before the rest is read
PROGRESS_BLOCK = 8 << 20  # bytes read at a time under a progress bar, so that the bar moves


def check_text(head: bytes, source: str) -> None:
    """Fail fast on binary data: look at the first block only, before reading (or parsing) the rest."""
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    if b"\x00" in head or controls > len(head) // 100:
        raise DataError(f"{source} is binary data, not a CSV text file: check the path given to --data")
    if len(head) == SNIFF_BYTES and b"\n" not in head:
        raise DataError(f"{source} has no line break in its first {SNIFF_BYTES} bytes: it is not a CSV file")


def read_all(source: str, progress=None) -> bytes:
    """The whole file (or stdin), after checking that its first block is text; `progress` as `open_source`."""
    with open_source(source, progress=progress) as handle:
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


def scan(source: str, progress=None) -> Scan:
    """Read a file once, a block at a time, holding none of it but the first block (checked to be text)."""
    import hashlib

    digest, lines, head = hashlib.sha256(), 0, b""
    check = Utf8Check()
    with open_source(source, progress=progress) as handle:
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
    seen, sep = 0, sniff_separator(first)
    written = written_names(head.split(b"\n", 1)[0], sep)  # as written: pandas renames a repeated name
    check_unique([catalog.canonical(w) for w in written], source, written)
    try:
        stream = BinaryRowCheck(io.BytesIO(raw) if isinstance(raw, bytes) else raw, source, sep)
        parsed = pd.read_csv(stream, sep=sep, skipinitialspace=False, usecols=wanted, index_col=False,
                             encoding="utf-8-sig" if encoding == "utf-8" else encoding, chunksize=rows)
        for frame in [parsed] if rows is None else parsed:
            names = [catalog.canonical(str(c)) for c in frame.columns]
            check_unique(names, source, [str(c) for c in frame.columns])
            frame.columns = names
            seen += len(frame)
            if len(frame):
                yield frame
    except (pd.errors.ParserError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0]
        raise DataError(f"{source} is not a readable CSV ({message}): check the file, or its separator") from None
    if seen == 0:
        raise DataError(f"{source} has a header but no data rows")
