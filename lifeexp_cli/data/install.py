"""`lifeexp data install FILE`: check that FILE reads as the WHO dataset, then copy it into the user data
folder (`location.installed_path()`) atomically, with its sha256 written next to it."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from lifeexp_cli.data import catalog, csv_text, location, opening, whole_file
from lifeexp_cli.errors import DataError


@dataclass(frozen=True)
class Installed:
    path: Path
    sha256: str
    rows: int
    replaced: bool  # an earlier installed copy was there (and is now replaced)


def check_dataset(raw: bytes, source: str) -> int:
    """The number of rows, after checking that the bytes read as the WHO dataset (its columns, its
    row count); anything else is a DataError naming what differs."""
    frame = whole_file.parse_frame(raw, opening.shown(source), csv_text.encoding_of(raw))
    missing = [name for name in catalog.WHO_COLUMNS if name not in frame.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DataError(f"{opening.shown(source)} is not the WHO Life Expectancy dataset: it lacks the column"
                        f"{'s' if len(missing) > 1 else ''} {shown}; download {location.PUBLIC_SOURCE}")
    if len(frame) != catalog.WHO_ROWS:
        raise DataError(f"{opening.shown(source)} has {len(frame)} rows, the WHO Life Expectancy dataset has "
                        f"{catalog.WHO_ROWS}: download the complete file ({location.PUBLIC_SOURCE})")
    return len(frame)


def install(source: str, progress=None) -> Installed:
    """Copy a checked dataset to the installed path: the copy, then its `.sha256`, each written whole."""
    from lifeexp_cli.model.store import write_atomically  # standard library only

    if not os.path.isfile(source):
        what = "is a directory" if os.path.isdir(source) else "does not exist"
        raise DataError(f"{source} {what}: give the path of the downloaded CSV file")
    raw = whole_file.read_all(source, progress)
    rows = check_dataset(raw, source)
    target = location.installed_path()
    check_writable(target)
    replaced = target.is_file()
    digest = hashlib.sha256(raw).hexdigest()
    write_atomically(target, lambda stream: stream.write(raw), DataError)
    write_atomically(location.checksum_path(target),
                     lambda stream: stream.write(f"{digest}  {target.name}\n".encode()), DataError)
    return Installed(target, digest, rows, replaced)


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
