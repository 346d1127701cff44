"""Opening a data source: a path or `-` (stdin), with one set of messages naming the option that gave it;
regular files only. A large data file is read under a byte progress bar when the caller passes one
(`progress`: (label, total bytes) -> a context manager yielding advance(bytes read)); the library itself
never draws anything.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import IO, Iterator

from lifeexp_cli.data import regular_files
from lifeexp_cli.errors import DataError

DATA_ENV = "LIFEEXP_DATA"

BLOCK_BYTES = 1 << 20

PROGRESS_BYTES = 64 << 20  # a data file this large or larger is read under a byte progress bar, when watched


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


def shown(source: str) -> str:
    """How messages name a source: `-` is stdin."""
    return "stdin" if source == "-" else source


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
def watched(handle: IO[bytes], source: str, role: str, progress=None) -> Iterator[IO[bytes]]:
    """The handle itself, or a CountingReader under the `progress` bar for a large data file."""
    size = os.fstat(handle.fileno()).st_size if progress is not None and role == "data" else 0
    if size < PROGRESS_BYTES:
        yield handle
        return
    with progress(f"reading {os.path.basename(source)}", size) as advance:
        yield CountingReader(handle, advance)


@contextmanager
def open_source(source: str, role: str = "data", progress=None) -> Iterator[IO[bytes]]:
    """A path opened for reading bytes, or stdin for `-` (left open); a problem is a one-line DataError.

    `role` ("data" or "input") picks the wording of the messages: which option named the file. A data
    file of PROGRESS_BYTES or more is read under the `progress` bar when one is given (module docstring).
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
    with handle, watched(handle, source, role, progress) as readable:
        yield readable


def not_regular(source: str, kind: str, role: str) -> str:
    """A FIFO or device never ends (or blocks): refused by name, with the way to stream anyway."""
    flag = "--data" if role == "data" else "--input"
    return (f"{flag} {source} is {kind}, not a regular file: give a CSV file, or pipe the data to "
            f"{flag} - (stdin)")
