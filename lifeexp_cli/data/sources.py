"""A data source opened for one pass of a streamed fit: a CSV (or stdin) read in chunks while its bytes
are hashed, or a Parquet file read by row groups and hashed whole once the pass is done; and the arrays
of the first pass kept on disk (`ChunkCache`), so that the passes after it read numbers, not text.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from lifeexp_cli.data import chunk_frames, csv_text, dataset, opening, parts

CHUNK_ROWS = 65_536  # rows per chunk of a streamed pass


@contextmanager
def opened(source: str, features: str | list[str] | None, target: str, chunk_rows: int, extra: tuple = (),
           progress=None):
    """A CSV (or stdin) or Parquet source opened for one pass: (target name, features or None for `all`,
    its columns, frames, hasher). frames yields (blocks read, DataFrame of the needed columns and those
    `extra` ones the source has); hasher has `hash(blocks)` and `finish()` (the source's SHA-256). A CSV's
    blocks are hashed as read, by its reading thread (data/chunk_frames.py): they come empty.
    progress: a large CSV's byte bar (data/opening.py), or None."""
    if parts.is_parquet(source):
        names = list(parts.parquet_columns(source))
        target_name, chosen = dataset.header_columns(names, features, target)
        wanted = None if chosen is None else [target_name, *chosen, *(e for e in extra if e in names)]
        yield target_name, chosen, names, (((), frame) for frame in parts.parquet_frames(source, wanted, chunk_rows)), \
            FileHash(source)
        return
    with opening.open_source(source, progress=progress) as raw:
        stream = chunk_frames.HashingReader(raw)
        names, sep, encoding = csv_text.header(stream, opening.shown(source))
        stream.encoding = encoding
        target_name, chosen = dataset.header_columns(names, features, target)
        wanted = None if chosen is None else [target_name, *chosen, *(e for e in extra if e in names)]
        parsed = chunk_frames.frames(stream, names, sep, encoding, wanted, chunk_rows, source=opening.shown(source))
        try:
            yield target_name, chosen, names, ((stream.take(), frame) for frame in parsed), stream
        finally:
            parsed.close()  # its reading thread stops before the file closes


class FileHash:
    """A whole file's SHA-256, taken once the pass is done (a Parquet file is not read front to back)."""

    def __init__(self, path: str):
        self.path = path

    def hash(self, blocks) -> None:
        pass

    def notes(self, source: str) -> list[str]:
        return []  # Parquet's text is UTF-8 by its format

    def finish(self) -> str:
        return parts.file_sha256(self.path)


def frames_of(source: str, features: list[str], target: str, chunk_rows: int, extra: tuple = (),
              progress=None) -> Iterator:
    """(blocks, DataFrame) of each chunk of a source: the target, the features and the `extra` columns."""
    with opened(source, features, target, chunk_rows, extra, progress) as (_, _, _, frames, _):
        yield from frames


def feature_rows(source, features: list[str], target: str, chunk_rows: int, progress=None) -> Iterator:
    """(X, y) of each chunk of a source (a name, or its `ChunkCache`), for the passes after the first."""
    if isinstance(source, ChunkCache):
        yield from ((X, y) for X, y, _ in source.arrays())
        return
    for _, frame in frames_of(source, features, target, chunk_rows, progress=progress):
        yield dataset.frame_arrays(frame, features, target)[:2]


class ChunkCache:
    """The first pass's arrays of one source, chunk by chunk — X (n × p, column after column), y and a
    uint64 key per row — in an anonymous temporary file (removed when closed, or when the process ends),
    so that the passes after the first (the standard errors and calibration, median, refinement) read
    back the very numbers of the first pass instead of parsing the text again: 8 bytes a cell of the used
    columns on disk, one chunk in memory. When the disk refuses (full, no temporary folder) the cache is
    dropped and those passes parse the file again (`usable`)."""

    def __init__(self, source: str):
        self.source = source
        self.chunks: list[tuple[int, int, int]] = []  # (offset, rows, features) of each chunk
        self.names: dict = {}  # {country key: the country's text} (data/dataset.py `frame_group_keys`)
        self.file = None
        self.usable = True

    def add(self, X, y, keys) -> None:
        import numpy as np

        if not self.usable:
            return
        try:
            if self.file is None:
                import tempfile

                self.file = tempfile.TemporaryFile(prefix="lifeexp-chunks-")
            offset = self.file.tell()
            for part in (X.T, y, keys):  # X is in Fortran order: X.T is contiguous, no copy
                if part.size:
                    self.file.write(memoryview(np.ascontiguousarray(part)).cast("B"))
            self.chunks.append((offset, len(y), X.shape[1]))
        except OSError:
            self.close()

    def arrays(self) -> Iterator:
        """(X, y, keys) of each chunk, as `add` was given them."""
        import numpy as np

        for offset, n, p in self.chunks:
            self.file.seek(offset)
            numbers, keys = np.empty(n * (p + 1)), np.empty(n, dtype=np.uint64)
            if self.file.readinto(numbers) != numbers.nbytes or self.file.readinto(keys) != keys.nbytes:
                raise OSError(f"the temporary copy of {self.source}'s columns is short")
            yield numbers[:n * p].reshape(p, n).T, numbers[n * p:], keys

    def countries(self, keys) -> tuple[list[str], object]:
        """The rows' countries from their keys, coded: (the distinct country texts, sorted as
        `np.unique` sorts them; each row's index into them). The texts are those `dataset.frame_groups`
        gives; only the distinct ones are sorted as text (sorting a text per row is slow)."""
        import numpy as np

        distinct, index = np.unique(keys, return_inverse=True)
        texts = [self.names[key] for key in distinct.tolist()]
        order = sorted(range(len(texts)), key=texts.__getitem__)
        rank = np.empty(len(texts), dtype=np.intp)
        rank[order] = np.arange(len(texts))
        return [texts[i] for i in order], rank[index]

    def close(self) -> None:
        self.usable = False
        if self.file is not None:
            self.file.close()
            self.file = None
