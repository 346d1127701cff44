"""Writing an output file so that readers only ever see the old file or the complete new one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Callable

from lifeexp_cli.errors import LifeexpError


def write_atomically(path: Path, write: Callable[[IO[bytes]], None], error: type[LifeexpError]) -> Path:
    """Write to a temporary file in the same folder, flush it to disk, then rename it over `path`.

    A failed or interrupted write removes the temporary file and leaves any previous `path` intact;
    two writers racing on one path leave one complete file (each renames its own).
    """
    path = Path(path)
    if path.is_dir():
        raise error(f"--out {path} is a directory: give a file path inside it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise error(f"cannot write to {path.parent}: {exc.strerror}; choose another --out") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
