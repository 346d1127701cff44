"""A CSV read in chunks for a streamed fit: pandas DataFrames of a number of rows after the header line
(`frames`, pandas' C parser), while `HashingReader` keeps the bytes read to be hashed by whichever thread
has time.
"""

from __future__ import annotations

from typing import IO

from lifeexp_cli.data.opening import BLOCK_BYTES
from lifeexp_cli.errors import DataError


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
           chunk_rows: int, text: bool = False, source: str = "the CSV"):
    """pandas DataFrames of `chunk_rows` rows (the given columns only), read after the header line; with
    `text`, every cell as the text it is (blank and NA cells missing). A row that does not line up with
    the header is a DataError naming `source` and the line (csv_text.RowCheck).

    The frames' index is the row's position among the data rows, so messages can name the file row.
    """
    import pandas as pd

    from lifeexp_cli.data.csv_text import RowCheck

    stream = RowCheck(stream, source, sep, len(names), line=2)
    reader = pd.read_csv(stream, sep=sep, index_col=False, header=None, names=names, usecols=columns,
                         chunksize=chunk_rows,
                         encoding=encoding, encoding_errors="replace", dtype=str if text else None)
    try:
        yield from reader
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"the CSV is not readable ({first}): check the file, or its separator") from None
