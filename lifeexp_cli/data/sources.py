"""A data source opened for one pass of a streamed fit: a CSV (or stdin) read in chunks while its bytes
are hashed, or a Parquet file read by row groups and hashed whole once the pass is done.
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
    `extra` ones the source has); hasher has `hash(blocks)` and `finish()` (the source's SHA-256).
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
        target_name, chosen = dataset.header_columns(names, features, target)
        wanted = None if chosen is None else [target_name, *chosen, *(e for e in extra if e in names)]
        frames = ((stream.take(), frame)
                  for frame in chunk_frames.frames(stream, names, sep, encoding, wanted, chunk_rows,
                                                   source=opening.shown(source)))
        yield target_name, chosen, names, frames, stream


class FileHash:
    """A whole file's SHA-256, taken once the pass is done (a Parquet file is not read front to back)."""

    def __init__(self, path: str):
        self.path = path

    def hash(self, blocks) -> None:
        pass

    def finish(self) -> str:
        return parts.file_sha256(self.path)


def frames_of(source: str, features: list[str], target: str, chunk_rows: int, extra: tuple = (),
              progress=None) -> Iterator:
    """(blocks, DataFrame) of each chunk of a source: the target, the features and the `extra` columns."""
    with opened(source, features, target, chunk_rows, extra, progress) as (_, _, _, frames, _):
        yield from frames


def feature_rows(source: str, features: list[str], target: str, chunk_rows: int, progress=None) -> Iterator:
    """(X, y) of each chunk of a source, for the passes after the first."""
    for _, frame in frames_of(source, features, target, chunk_rows, progress=progress):
        yield dataset.frame_arrays(frame, features, target)[:2]
