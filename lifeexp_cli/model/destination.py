"""Where a model may be written: decided once, before any work, and checked again just before the rename.

lifeexp replaces only a regular file that is a lifeexp model, or writes where nothing is. Refused:

- `--out ''`, `--out dir/` (a trailing slash names a directory), `--name` with a path separator, `.`/`..`,
  or a control character (NAME is a file name in the models folder; --out takes paths): usage, exit 2;
- `--out` naming the file the data is read from (--data, $LIFEEXP_DATA), through any link: exit 2;
- an existing directory, device (/dev/null), FIFO, socket, or symbolic link (/dev/stdout is one): exit 1.
  Links are refused rather than written through: replacing the link's target would change a file the
  user did not name, and replacing the link would silently unlink it;
- an existing regular file that is not a lifeexp model (the dataset, a script, a PNG): exit 1;
- a folder on the way that is a file (`--out afile/m.joblib`): exit 1.

A lifeexp model is recognised by its first bytes, without loading it: the pickle header and the record's
first key, `"format": "lifeexp-model"` (every model file starts so), so a damaged older model can still
be refitted in place.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lifeexp_cli.data import regular_files
from lifeexp_cli.errors import ModelError, UsageError
from lifeexp_cli.limits import MAX_NAME_CHARS

MODEL_MARK = b"lifeexp-model"
HEAD_BYTES = 64  # the format key and value come first: PROTO, FRAME, dict, "format", "lifeexp-model"
MAX_NAME = MAX_NAME_CHARS


def check_name(name: str, flag: str) -> None:
    """NAME is one file name: the model goes to the models folder as NAME.joblib."""
    problem = None
    if not name.strip():
        problem = "is empty"
    elif "/" in name or "\\" in name or (os.altsep and os.altsep in name):
        problem = "holds a path separator"
    elif name in (".", "..") or name.startswith(".."):
        problem = "starts with .."
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        problem = "holds a control character"
    elif len(name) > MAX_NAME:
        problem = f"is longer than {MAX_NAME} characters"
    if problem:
        path_instead = ", or a path with --out" if flag == "--name" else ""
        raise UsageError(f"{flag} {name!r} {problem}: give a plain name such as tim-adam (saved as "
                         f"models/NAME.joblib){path_instead}")


def check_out(out: str) -> None:
    """--out as typed: a file path, not empty and not a directory by its spelling."""
    if not out.strip():
        raise UsageError("--out is empty: give a file path such as models/my-model.joblib")
    if out.endswith(("/", os.sep)) or Path(out).name in ("", ".", ".."):
        raise UsageError(f"--out {out} names a directory: give a file path such as "
                         f"{out.rstrip('/' + os.sep) or '.'}/model.joblib")


def check_not_an_input(path: Path, inputs: list[str], shown: str) -> None:
    """The model must not land on a file the command reads (through any link or hard link)."""
    for source in inputs:
        if not source or source == "-":
            continue
        try:
            same = os.path.samefile(path, source)
        except OSError:  # either does not exist (yet): not the same file
            continue
        if same:
            raise UsageError(f"{shown} is the data file {source}: writing the model there would destroy the "
                             "data; choose another path")


def check_replaceable(path: Path, shown: str) -> None:
    """Nothing at `path`, or a regular file holding a lifeexp model; the folders on the way are folders."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        check_folders(path, shown)
        return
    except OSError as exc:
        raise ModelError(f"cannot write {shown}: {exc.strerror}; choose another path") from None
    if stat.S_ISLNK(mode):
        raise ModelError(f"{shown} is a symbolic link (to {os.readlink(path)}): lifeexp does not replace links "
                         "or write through them; give the file itself, or a new path")
    if stat.S_ISDIR(mode):
        raise ModelError(f"{shown} is a directory: give a file path such as {path}/model.joblib")
    if not stat.S_ISREG(mode):
        raise ModelError(f"{shown} is {regular_files.kind_of(mode)}, not a file: lifeexp writes a model only to a "
                         "new file or over a lifeexp model; choose another path")
    if not is_model_file(path):
        raise ModelError(f"{shown} exists and is not a lifeexp model: lifeexp replaces only its own model files; "
                         "choose another path, or remove the file first")


def check_folders(path: Path, shown: str) -> None:
    """The nearest existing folder on the way must be a folder (folders missing after it are created)."""
    for parent in path.absolute().parents:
        try:
            mode = os.stat(parent).st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ModelError(f"cannot write {shown}: {exc.strerror}; choose another path") from None
        if not stat.S_ISDIR(mode):
            raise ModelError(f"cannot write {shown}: {parent} is not a directory; choose another path")
        return


def is_model_file(path: Path) -> bool:
    """Does the regular file at `path` start as every lifeexp model file does?"""
    try:
        with regular_files.open_regular(path) as stream:
            head = stream.read(HEAD_BYTES)
    except OSError:
        return False
    return head.startswith(b"\x80") and MODEL_MARK in head


def check_path(path: Path, shown: str, inputs: list[str] = ()) -> None:
    """Every refusal of an existing `path` (or of the folders on its way), before any work."""
    check_not_an_input(path, list(inputs), shown)
    check_replaceable(path, shown)
