"""A CSV read in chunks for a streamed fit: pandas DataFrames of a number of rows after the header line
(`frames`, pandas' C parser), while `HashingReader` keeps the bytes read to be hashed by whichever thread
has time.
"""

from __future__ import annotations

from typing import IO, Iterable, Iterator

from lifeexp_cli.data.opening import BLOCK_BYTES
from lifeexp_cli.errors import DataError


class HashingReader:
    """A binary file wrapper that keeps what was read, to be hashed (SHA-256) by whichever thread has time.

    `take()` hands over the blocks read since the last call; `hash(blocks)` adds them to the digest, in
    order; `finish()` hashes the rest of the file and returns the hex digest. After `hash_as_read()`,
    every read is hashed at once, by the thread that reads (`frames` reads in a thread of its own).
    """

    def __init__(self, raw: IO[bytes]):
        import hashlib  # only a fit needs it; `predict` starts without

        self.raw = raw
        self.digest = hashlib.sha256()
        self.pending: list[bytes] = []
        self.eager = False

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if self.eager:
            self.digest.update(data)
        else:
            self.pending.append(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        if self.eager:
            self.digest.update(data)
        else:
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

    def hash_as_read(self) -> None:
        """From now on, hash every read at once (what was read before first); `take()` gives nothing more."""
        self.hash(self.take())
        self.eager = True

    def finish(self) -> str:
        self.hash(self.take())
        while data := self.raw.read(BLOCK_BYTES):
            self.digest.update(data)
        return self.digest.hexdigest()


def frames(stream: IO[bytes], names: list[str], sep: str, encoding: str, columns: list[str] | None,
           chunk_rows: int, text: bool = False, source: str = "the CSV"):
    """pandas DataFrames of `chunk_rows` rows (the given columns only), read after the header line; with
    `text`, every cell as the text it is (blank and NA cells missing). A row that does not line up with
    the header is a DataError naming `source` and the line (csv_text.RowCheck).

    The frames' index is the row's position among the data rows, so messages can name the file row.

    The file is read in a thread of its own (`ReadAhead`): the row check and, for a HashingReader, the
    hash are done there while pandas parses. With three cores or more (`parsers()`), pieces of the file
    are parsed two at a time as well, each piece the bytes of one chunk's lines, as long as the pieces
    are plain (`Pieces`); from the first piece that is not, the rest is read as one stream. Either way
    every chunk holds the rows a sequential read gives it, and errors are raised at the same row.
    """
    import pandas as pd

    from lifeexp_cli.data.csv_text import RowCheck

    options = dict(sep=sep, index_col=False, header=None, names=names, usecols=columns, encoding=encoding,
                   encoding_errors="replace", dtype=str if text else None)
    if isinstance(stream, HashingReader):
        stream.hash_as_read()  # by the thread that reads
    check = RowCheck(stream, source, sep, len(names), line=2)
    start = 0  # rows handed on so far: the next frame's first index
    try:
        if len(names) > 1 and chunk_rows >= PARALLEL_ROWS and parsers() > 1:  # (one column: a blank line is no row)
            pieces = Pieces(stream, check, chunk_rows)
            for frame in parsed(pieces, options, parsers()):
                frame.index = pd.RangeIndex(start, start + len(frame))
                start += len(frame)
                yield frame
            if pieces.done and start:  # (no row at all: pandas words an empty body as before)
                return
            check = RowCheck(Prefixed(pieces.rest, stream), source, sep, len(names), line=pieces.line)
        with ReadAhead(check) as ahead:
            for frame in pd.read_csv(ahead, chunksize=chunk_rows, **options):
                if start:
                    frame.index = pd.RangeIndex(frame.index.start + start, frame.index.stop + start)
                yield frame
    except (pd.errors.ParserError, ValueError) as exc:
        first = shifted(str(exc).strip().splitlines()[0], start)
        raise DataError(f"the CSV is not readable ({first}): check the file, or its separator") from None


READ_BYTES = 1 << 18  # what pandas' parser asks a read for: the row check sees the blocks it saw before
AHEAD = 8  # reads ready before pandas asks for them (2 MiB)


class ReadAhead:
    """A binary file read in a thread of its own, a few reads of READ_BYTES ahead of the parser, so that
    what the file wrapper does on a read (the row check, the hash) is done meanwhile (numpy and hashlib
    let go of the GIL). An error of a read is raised by the read that would have met it, after every
    byte read before. A context manager: leaving it stops the thread."""

    def __init__(self, stream):
        import threading
        from queue import Queue

        self.queue: Queue = Queue(maxsize=AHEAD)
        self.stopped = threading.Event()
        self.ended = False
        self.thread = threading.Thread(target=self._read, args=(stream,), name="lifeexp-read", daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        try:
            while self._put(data := stream.read(READ_BYTES)) and data:
                pass
        except BaseException as exc:  # handed to the reading side, in its turn
            self._put(exc)

    def _put(self, item) -> bool:
        from queue import Full

        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def read(self, size: int = -1) -> bytes:
        if self.ended:
            return b""
        item = self.queue.get()
        if isinstance(item, BaseException):
            self.ended = True
            raise item
        self.ended = not item
        return item

    def readable(self) -> bool:
        return True

    def __iter__(self):  # pandas recognises file-like objects by `read` and `__iter__`
        return iter(self.read, b"")

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=1.0)  # (a read of a pipe may wait for its writer: the thread ends after it)


def parsers() -> int:
    """Pieces to parse at once: two with three cores or more for this process (the first pass's second
    thread has one core of its own, `model/fit/pipeline.py`), else one: on two cores the parse, the
    reading thread and that second thread already keep both busy, and more threads only cost."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if cores >= 3 else 1


PARALLEL_ROWS = 4096  # chunks of fewer rows are read as one stream: pieces that small gain nothing


def parsed(pieces: Iterable[list[bytes]], options: dict, threads: int):
    """The DataFrame of every piece, in order, `threads` of them parsed at once while the one before is
    handed on: at most threads + 1 pieces in memory. A piece's error is raised in its turn."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd

    def parse(piece: list[bytes]):
        return pd.read_csv(Piece(piece), **options)

    pool = ThreadPoolExecutor(threads, thread_name_prefix="lifeexp-parse")
    waiting: deque = deque()
    try:
        for piece in pieces:
            waiting.append(pool.submit(parse, piece))
            if len(waiting) > threads:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class Pieces:
    """The bytes of a CSV's body (after the header) cut in pieces of `rows` lines, each a list of the
    blocks read (the first and last cut at a line end): pieces as long as each is plain, as `check` (a
    csv_text.RowCheck that starts where the stream is) says — no quote, `width` cells on every line —
    so that a line is a row for pandas too, read as it is read in the middle of one stream. At the first piece that is not (or the last bytes, without a
    final line break), the iteration stops: `rest` is what was read and not handed on, from the line
    `line` of the file, to be read with the stream after it; `done`, that the stream ended and every
    byte was handed on.

    A piece is handed on once the next one is known to be plain: the rest then starts with a plain
    line, as a line in the middle of one stream is (pandas takes a first line with one cell too many,
    a trailing separator, that it refuses further on)."""

    def __init__(self, stream: IO[bytes], check, rows: int):
        self.stream, self.check, self.rows = stream, check, rows
        self.rest, self.line, self.done = b"", check.line, False

    def __iter__(self) -> Iterator[list[bytes]]:
        import numpy as np

        held: list[bytes] = []  # the last plain piece, not yet handed on
        parts: list[bytes] = []  # the piece so far
        need = self.rows  # the lines it lacks
        while block := self.stream.read(PIECE_READ):
            ends = np.frombuffer(block, np.uint8) == 10  # (numpy counts them faster than bytes.count)
            lines = int(np.count_nonzero(ends))
            while lines >= need:
                cut = int(np.flatnonzero(ends)[need - 1]) + 1
                ends = ends[cut:]
                piece = [*parts, block[:cut] if cut < len(block) else block]
                block, parts, lines, need = block[cut:], [], lines - need, self.rows
                line = self.check.line
                if not self.plain(piece):
                    self.rest = b"".join([*held, *piece, block])
                    return
                if held:
                    yield held
                held, self.line = piece, line
            if block:
                parts.append(block)
            need -= lines
        if not parts or (parts[-1].endswith(b"\n") and self.plain(parts)):
            for piece in (held, parts):  # (the last rows, fewer than `rows`, are a piece of their own)
                if piece:
                    yield piece
            self.done = True
        else:
            self.rest = b"".join([*held, *parts])

    def plain(self, piece: list[bytes]) -> bool:
        # (pandas drops a byte-order mark that starts what it reads: one starting a line is text in a cell)
        return not piece[0].startswith(BOM) and self.check.plain_lines(piece)


BOM = b"\xef\xbb\xbf"
PIECE_READ = 1 << 20  # bytes a read


class Piece:
    """A piece's blocks read as a file, as pandas reads RowCheck: a file-like object that is not a binary
    file, whose bytes pandas' C parser takes as they are (a BytesIO it would decode and encode again).
    A read hands on a whole block (pandas takes more than it asked for), so no byte is copied."""

    def __init__(self, parts: list[bytes]):
        self.parts = parts[::-1]

    def read(self, size: int = -1) -> bytes:
        return self.parts.pop() if self.parts else b""

    def readable(self) -> bool:
        return True

    def __iter__(self):  # pandas recognises file-like objects by `read` and `__iter__`
        return iter(self.read, b"")


class Prefixed:
    """`first`, then the rest of `stream`: the sequential read that takes over from `Pieces`."""

    def __init__(self, first: bytes, stream: IO[bytes]):
        self.first, self.at, self.stream = first, 0, stream

    def read(self, size: int = -1) -> bytes:
        if self.at == len(self.first):
            return self.stream.read(size)
        end = len(self.first) if size < 0 else self.at + size
        data = self.first[self.at:end]
        self.at += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        if self.at == len(self.first):
            return self.stream.readline(size)
        end = self.first.find(b"\n", self.at) + 1 or len(self.first)
        return self.read(end - self.at if size < 0 else min(size, end - self.at))

    def readable(self) -> bool:
        return True

    def __iter__(self):
        return iter(self.readline, b"")


def shifted(message: str, lines: int) -> str:
    """pandas' message with the line and row numbers it gives moved on by `lines`: what it counted from
    is `lines` lines into the body."""
    if not lines:
        return message
    import re

    return re.sub(r"\b(line|row) (\d+)", lambda found: f"{found[1]} {int(found[2]) + lines}", message)
