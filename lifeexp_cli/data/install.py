"""`lifeexp data install FILE`: check that FILE reads as the WHO dataset, then copy it into the user data
folder (`location.installed_path()`) with its sha256 written next to it, the two as one change.

A wrong file is told cheaply: its first block (text, and the WHO columns in its header) and its size are
checked before the rest is read, so a 100 MB file that is not the dataset costs no more memory than the
dataset does. The copy and its `.sha256` are both written whole to temporary files, then renamed into
place, the checksum last; a crash between the two renames leaves a pair that does not match, and
`location.installed_problem` refuses such a pair (install again) instead of reading it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from lifeexp_cli.data import catalog, csv_text, location, opening, regular_files, whole_file
from lifeexp_cli.limits import MAX_DATASET_BYTES
from lifeexp_cli.errors import DataError

# The WHO file is 333,442 bytes; 4 MiB (12 times that) leaves room for any re-encoding of it (UTF-16, every
# cell quoted, CRLF) and bounds what a wrong file costs: one larger is refused unread beyond this, unparsed.


@dataclass(frozen=True)
class Installed:
    path: Path
    sha256: str
    rows: int
    replaced: bool  # an earlier installed copy was there (and is now replaced)

    @property
    def published(self) -> bool:
        """Whether these are the bytes of the file as published (location.PUBLISHED_SHA256)."""
        return self.sha256 == location.PUBLISHED_SHA256


def missing_columns(names: list[str], source: str) -> None:
    """A DataError naming the WHO columns that `names` (canonical) lack."""
    missing = [name for name in catalog.WHO_COLUMNS if name not in names]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DataError(f"{opening.shown(source)} is not the WHO Life Expectancy dataset: it lacks the column"
                        f"{'s' if len(missing) > 1 else ''} {shown}; download {location.PUBLIC_SOURCE}")


def check_dataset(raw: bytes, source: str) -> int:
    """The number of rows, after checking that the bytes read as the WHO dataset (its columns, its
    row count); anything else is a DataError naming what differs."""
    frame = whole_file.parse_frame(raw, opening.shown(source), csv_text.encoding_of(raw))
    missing_columns(list(frame.columns), source)
    if len(frame) != catalog.WHO_ROWS:
        raise DataError(f"{opening.shown(source)} has {len(frame)} row{'s' * (len(frame) != 1)}, the WHO Life Expectancy dataset has "
                        f"{catalog.WHO_ROWS}: download the complete file ({location.PUBLIC_SOURCE})")
    return len(frame)


def read_candidate(source: str) -> bytes:
    """The file's bytes, read only after its first block and its size say it may be the dataset: text,
    a header with the WHO columns, at most MAX_DATASET_BYTES (checked on the bytes read, not on st_size)."""
    shown = opening.shown(source)
    try:
        with regular_files.open_regular(source) as stream:
            head = stream.read(whole_file.SNIFF_BYTES)
            whole_file.check_text(head, shown)
            header = csv_text.parse_header(head.split(b"\n", 1)[0])
            if header is None:
                raise DataError(f"{shown} is empty: give the downloaded CSV file ({location.PUBLIC_SOURCE})")
            missing_columns(header.names, source)
            rest = regular_files.read_at_most(stream, MAX_DATASET_BYTES - len(head))
            raw = None if rest is None else head + rest
    except regular_files.NotRegular as exc:
        raise DataError(f"{shown} is {exc.kind}, not a regular file: give the path of the downloaded CSV file") \
            from None
    except OSError as exc:
        raise DataError(f"cannot read {shown}: {exc.strerror}") from None
    if raw is None:
        raise DataError(f"{shown} is larger than {MAX_DATASET_BYTES >> 20} MiB, so it is not the WHO Life Expectancy "
                        f"dataset (about 0.3 MiB, {catalog.WHO_ROWS} rows): download {location.PUBLIC_SOURCE}")
    return raw


def install(source: str) -> Installed:
    """Copy a checked dataset to the installed path, with its `.sha256`: both whole, or neither new."""
    if not os.path.isfile(source):
        what = "is a directory" if os.path.isdir(source) else "does not exist"
        raise DataError(f"{source} {what}: give the path of the downloaded CSV file")
    raw = read_candidate(source)
    rows = check_dataset(raw, source)
    target = location.installed_path()
    check_writable(target)
    replaced = target.is_file()
    digest = hashlib.sha256(raw).hexdigest()  # raw is at most MAX_DATASET_BYTES: hashed where it lies
    write_pair(target, raw, f"{digest}  {target.name}\n".encode())
    return Installed(target, digest, rows, replaced)


def write_pair(target: Path, data: bytes, checksum: bytes) -> None:
    """The copy and its checksum as one change: each written whole to a temporary file beside it and
    flushed to disk, then renamed into place, the copy first and the checksum last, under a lock on the
    folder (two installs at once do not interleave their renames). Any failure removes both temporaries."""
    temps: list[str] = []
    try:
        for name, content in ((target.name, data), (location.checksum_path(target).name, checksum)):
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
            temps.append(temp)
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, 0o644)
        with locked(target.parent):
            os.replace(temps[0], target)
            os.replace(temps[1], location.checksum_path(target))
            sync_folder(target.parent)
    except BaseException as exc:
        for temp in temps:
            Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(target)  # a full disk or ulimit -f names the file it was for
        raise


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself (no lock file left behind); none where flock is missing."""
    try:
        import fcntl
    except ImportError:  # Windows: os.replace is still atomic for each file
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def sync_folder(folder: Path) -> None:
    """Flush the folder's entries (the renames) to disk, where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_writable(target: Path) -> None:
    """The data folder exists (made if needed) and can take the file: otherwise say how to choose another."""
    fix = "set XDG_DATA_HOME to a folder you can write, or use --data FILE / $LIFEEXP_DATA instead"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the data folder {target.parent}: {exc.strerror}; {fix}") from None
    if target.is_dir():
        raise DataError(f"{target} is a directory, not the installed dataset: remove it, or {fix}")
    if not os.access(target.parent, os.W_OK):
        raise DataError(f"cannot write to the data folder {target.parent}: permission denied; {fix}")
