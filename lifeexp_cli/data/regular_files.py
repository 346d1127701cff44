"""Opening a file to read: regular files only, and never more bytes than a cap.

A size check on `st_size` is no bound: /dev/zero, /dev/urandom and a FIFO report 0 and then never end
(or block until a writer comes). So the file is opened without blocking, refused unless `fstat` says it
is a regular file (after following symlinks), and read with an explicit limit on the bytes actually read.
Standard library only: `predict` opens its model on the fast start-up path.
"""

from __future__ import annotations

import os
import stat
from typing import IO


class NotRegular(OSError):
    """The path names something that is not a regular file; `kind` says what ("a FIFO", ...)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def kind_of(mode: int) -> str:
    for test, words in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "not a regular file"


def open_regular(path: str | os.PathLike) -> IO[bytes]:
    """The file opened for reading bytes; NotRegular unless it is a regular file; OSError as raised.

    O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; it changes nothing
    for a regular file.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(kind_of(mode))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    # Outside the try: once fdopen's file object holds the descriptor, an interrupt (Ctrl-C, SIGTERM) arriving
    # inside fdopen unwinds through that object, which closes it; closing it again here would fail (EBADF)
    # and the interrupt would be reported as "cannot read" (or close another file that took the number).
    return os.fdopen(fd, "rb")


def read_at_most(stream: IO[bytes], cap: int) -> bytes | None:
    """All of `stream` if it holds at most `cap` bytes, else None (having read cap + 1 bytes, no more)."""
    chunks, total = [], 0
    while total <= cap:
        chunk = stream.read(min(1 << 20, cap + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return None
