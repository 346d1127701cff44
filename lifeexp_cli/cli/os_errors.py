"""What the operating system refused (a full disk, the file size limit, a name too long, no permission) as
one line that names the path and the way out, for the error boundary in cli/main.py."""

from __future__ import annotations

import errno
import io
import re

WRITE = "cannot write"
USE = "cannot use"

# errno -> (what failed, the way out)
ADVICE = {
    errno.ENOSPC: (WRITE, "the disk is full: free some space or write somewhere else"),
    errno.EDQUOT: (WRITE, "the disk quota is used up: free some space or write somewhere else"),
    errno.EFBIG: (WRITE, "the file size limit (ulimit -f) was reached: raise it or write somewhere else"),
    errno.EROFS: (WRITE, "the file system is read-only: write somewhere else"),
    errno.ENAMETOOLONG: (USE, "a name in the path is too long: choose a shorter one"),
    errno.EACCES: (USE, "permission denied: choose a path you may use, or change its permissions"),
    errno.EPERM: (USE, "operation not permitted: choose a path you may use, or change its permissions"),
    errno.ENOENT: (USE, "no such file or directory: check the path"),
    errno.ENOTDIR: (USE, "a part of the path is a file, not a directory: check the path"),
    errno.EISDIR: (USE, "it is a directory: give a file path"),
    errno.ELOOP: (USE, "too many symbolic links: check the path"),
    errno.EMFILE: (USE, "too many open files: close some programs, or raise the limit (ulimit -n)"),
    errno.ENFILE: (USE, "too many open files on the system: try again later"),
    errno.EIO: (USE, "an input/output error: the device failed; check it"),
}


def message(exc: OSError) -> str:
    """`cannot write m.joblib: the disk is full: free some space or write somewhere else`."""
    verb, advice = ADVICE.get(exc.errno, (USE, f"{(exc.strerror or str(exc)).lower()}: check the path and try again"))
    where = f" {exc.filename}" if exc.filename is not None else (" the output" if verb == WRITE else "")
    return f"{verb}{where}: {advice}"


class WholeWrites(io.RawIOBase):
    """An unbuffered stream (PYTHONUNBUFFERED=1, `python -u`) whose every write is whole or raises.

    An unbuffered stdout is Python's raw file, whose `write` may write part of what it is given and say so
    only in its return value, which the text layer above it ignores: at the file size limit (ulimit -f) the
    rest of the output was lost without an error. Here the rest is written again, so the system's refusal
    (EFBIG, ENOSPC) comes back as an OSError for the error boundary."""

    def __init__(self, raw):
        super().__init__()
        self.raw = raw

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.raw.fileno()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            written = self.raw.write(view[done:])
            if not written:  # None (would block) or 0: nothing more will go
                raise OSError(errno.EIO, "the output accepted no more bytes")
            done += written
        return done


def whole_writes(stream):
    """`stream` (sys.stdout) with every write checked: as it is when buffered (a buffered writer writes the
    rest again and raises on a refusal), else on a `WholeWrites` layer, still unbuffered."""
    raw = getattr(stream, "buffer", None)
    if not isinstance(raw, io.RawIOBase) or isinstance(raw, WholeWrites):
        return stream
    return io.TextIOWrapper(WholeWrites(raw), encoding=stream.encoding, errors=stream.errors,
                            line_buffering=stream.line_buffering, write_through=True)


def memory(task: str, exc: MemoryError) -> str:
    """`not enough memory for fit (7.45 GiB at once): try --stream, or fewer rows`; the size is numpy's, when
    it says (`Unable to allocate 7.45 GiB for an array ...`)."""
    size = re.search(r"allocate (\d[\d.]* [KMGTPE]?i?B)", str(exc))
    detail = f" ({size.group(1)} at once)" if size else ""
    way_out = "try --stream, or fewer rows" if task in STREAMING else "try fewer rows, or a machine with more memory"
    return f"not enough memory for {task}{detail}: {way_out}"


# Commands that can read their data in chunks (--stream) instead of holding it whole.
STREAMING = ("fit",)
