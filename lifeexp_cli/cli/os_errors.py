"""What the operating system refused (a full disk, the file size limit, a name too long, no permission) as
one line that names the path and the way out, for the error boundary in cli/main.py."""

from __future__ import annotations

import errno

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
