"""Where the data comes from: `--data`, then $LIFEEXP_DATA, then the copy `lifeexp data install` put in the
user data folder (used only while it matches the sha256 recorded beside it); and where that folder is on
each platform.

Standard library only (no pandas): `lifeexp data where` and the "no data" error must be quick.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from lifeexp_cli.data import regular_files
from lifeexp_cli.data.opening import DATA_ENV
from lifeexp_cli.errors import UsageError

APP_FOLDER = "lifeexp"
INSTALLED_NAME = "life_expectancy_who.csv"
CHECKSUM_SUFFIX = ".sha256"
PUBLIC_SOURCE = "Kaggle 'Life Expectancy (WHO)', kaggle.com/kumarajarshi/life-expectancy-who"
# The SHA-256 of that file as published (Life Expectancy Data.csv, 333,442 bytes): the shipped models, the
# tests' figures and the docs' were all made from these bytes.
PUBLISHED_SHA256 = "872125dd1dd0f9140fbead61df20585a815f5cf47db68f08bf54efaf87963b11"


@dataclass(frozen=True)
class Choice:
    """The data a command will read and why: `how` is "--data", "$LIFEEXP_DATA" or "installed copy"."""

    source: str
    how: str


def user_data_folder() -> Path:
    """$XDG_DATA_HOME/lifeexp, else the platform's user data folder (~/.local/share on Linux and other
    Unix systems, ~/Library/Application Support on macOS, %LOCALAPPDATA% on Windows)."""
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative value is invalid and is ignored
        return Path(xdg) / APP_FOLDER
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        return Path(local or Path.home() / "AppData" / "Local") / APP_FOLDER
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_FOLDER
    return Path.home() / ".local" / "share" / APP_FOLDER


def installed_path() -> Path:
    """Where `lifeexp data install` puts the dataset (it may not be there)."""
    return user_data_folder() / INSTALLED_NAME


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def recorded_sha256(path: Path) -> str | None:
    """The sha256 written next to an installed file (the first word of its .sha256 file), or None."""
    try:  # a regular file of a few bytes: a FIFO or device put there is not read forever
        with regular_files.open_regular(checksum_path(path)) as stream:
            words = stream.read(4096).decode("utf-8", errors="replace").split()
    except OSError:
        return None
    digest = words[0].lower() if words else ""
    return digest if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest) else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with regular_files.open_regular(path) as handle:  # NotRegular is an OSError
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def installed_problem(path: Path) -> str | None:
    """Why an installed copy is not used, or None when it matches the sha256 recorded beside it.

    `data install` renames the copy into place, then its `.sha256`: a crash between the two (or an edit
    since) leaves a pair that does not match, which is treated as no installed copy, never read.
    """
    recorded = recorded_sha256(path)
    if recorded is None:
        return f"has no sha256 recorded beside it ({checksum_path(path).name})"
    try:
        actual = file_sha256(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if actual != recorded:
        return f"does not match the sha256 recorded beside it ({checksum_path(path).name})"
    return None


def unverified_message(installed: Path, problem: str) -> str:
    return (f"no data: the installed copy {installed} {problem}, so it is not used (an install was "
            f"interrupted, or the file changed since): install it again with `lifeexp data install FILE`, "
            f"or pass --data FILE, or set ${DATA_ENV}")


def no_data_message() -> str:
    return (f"no data: pass --data FILE, or set ${DATA_ENV}, or install the dataset once with "
            f"`lifeexp data install FILE` (it goes to {installed_path()}; the file is {PUBLIC_SOURCE})")


def find(data: str | None) -> Choice | None:
    """The data a command reads: `--data` wins, then $LIFEEXP_DATA, then the installed copy; None when
    there is none of the three. `-` means stdin."""
    if data:
        return Choice(data, "--data")
    given = os.environ.get(DATA_ENV)
    if given:
        return Choice(given, "$" + DATA_ENV)
    installed = installed_path()
    if installed.is_file() and installed_problem(installed) is None:
        return Choice(str(installed), "installed copy")
    return None


def locate(data: str | None) -> str:
    """The source to read, or a usage error naming all three places and the one command to run (or, when
    the installed copy does not match its sha256, saying so)."""
    choice = find(data)
    if choice is None:
        installed = installed_path()
        problem = installed_problem(installed) if installed.is_file() else None
        raise UsageError(unverified_message(installed, problem) if problem else no_data_message())
    return choice.source
