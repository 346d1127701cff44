"""A CSV read in chunks for a streamed fit: pandas DataFrames of a number of rows after the header line
(`frames`, pandas' C parser), the file read in a thread of its own (`ReadAhead`) where the row check and
the SHA-256 (`HashingReader`, which also tells whether the text is UTF-8) are done meanwhile.
"""

from __future__ import annotations

from typing import IO

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

        from lifeexp_cli.data.csv_text import Utf8Check

        self.raw = raw
        self.digest = hashlib.sha256()
        self.pending: list[bytes] = []
        self.eager = False
        self.utf8 = Utf8Check()  # whether the bytes hashed so far are UTF-8 (`notes`)
        self.encoding = "utf-8"  # what the reader decodes with (the header's: set by data/sources.py)

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if self.eager:
            self._add(data)
        else:
            self.pending.append(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.raw.readline(size)
        if self.eager:
            self._add(data)
        else:
            self.pending.append(data)
        return data

    def _add(self, data: bytes) -> None:
        self.digest.update(data)
        # Only text beyond ASCII is decoded to check it (or any text after a character cut by the last read).
        if self.utf8.valid and (not data.isascii() or self.utf8.decoder.getstate()[0]):
            self.utf8.feed(data)

    def readable(self) -> bool:
        return True

    def __iter__(self):  # pandas recognises file-like objects by `read` and `__iter__`
        return iter(self.readline, b"")

    def take(self) -> list[bytes]:
        blocks, self.pending = self.pending, []
        return blocks

    def hash(self, blocks: list[bytes]) -> None:
        for block in blocks:
            self._add(block)

    def notes(self, source: str) -> list[str]:
        """What the reading of a CSV must say of its text, as the in-memory read says it (data/dataset.py):
        a Latin-1 header read as Latin-1, or UTF-8 header over other bytes, which became U+FFFD."""
        if self.encoding == "latin-1":
            return [f"{source} is not UTF-8; read it as Latin-1"]
        if self.utf8.encoding() != "utf-8":
            return [f"{source} is not UTF-8 after its header: its other bytes became U+FFFD (the replacement "
                    "character); save it as UTF-8, or fit it with --no-stream (which reads it as Latin-1)"]
        return []

    def hash_as_read(self) -> None:
        """From now on, hash every read at once (what was read before first); `take()` gives nothing more."""
        self.hash(self.take())
        self.eager = True

    def finish(self) -> str:
        self.hash(self.take())
        while data := self.raw.read(BLOCK_BYTES):
            self._add(data)
        return self.digest.hexdigest()


def frames(stream: IO[bytes], names: list[str], sep: str, encoding: str, columns: list[str] | None,
           chunk_rows: int, text: bool = False, source: str = "the CSV"):
    """pandas DataFrames of `chunk_rows` rows (the given columns only), read after the header line; with
    `text`, every cell as the text it is (blank and NA cells missing). A row that does not line up with
    the header is a DataError naming `source` and the line (csv_text.RowCheck).

    The frames' index is the row's position among the data rows, so messages can name the file row.
    The file is read in a thread of its own (`ReadAhead`): the row check and, for a HashingReader, the
    hash are done there while pandas parses.
    """
    import pandas as pd

    from lifeexp_cli.data.csv_text import RowCheck

    if isinstance(stream, HashingReader):
        stream.hash_as_read()  # by the thread that reads
    try:
        with ReadAhead(RowCheck(stream, source, sep, len(names), line=2)) as ahead:
            yield from pd.read_csv(ahead, sep=sep, index_col=False, header=None, names=names, usecols=columns,
                                   chunksize=chunk_rows, encoding=encoding, encoding_errors="replace",
                                   dtype=str if text else None)
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
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
        from queue import Empty

        self.stopped.set()
        try:
            while True:  # room for the read the thread waits to hand on: it sees `stopped` at once
                self.queue.get_nowait()
        except Empty:
            pass
        self.thread.join(timeout=1.0)  # (a read of a pipe may wait for its writer: the thread ends after it)
