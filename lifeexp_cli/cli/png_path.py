"""Where a command is asked to draw a PNG (compare --png, corr --png, plot --out): a file name ending in
.png that is not a folder, checked before any work (matplotlib would write whatever format the suffix
names, or fail after the work is done). Standard library only: no picture is drawn here."""

from __future__ import annotations

from pathlib import Path

from lifeexp_cli.errors import UsageError


def check(value: str | None, option: str = "--png", example: str = "picture") -> None:
    """A usage error naming `option` when `value` is a folder or does not end in .png; None passes."""
    if value is None:
        return
    path = Path(value)
    if path.is_dir():
        raise UsageError(f"{option} {value} is a directory: give a file name such as {path / (example + '.png')}")
    if path.suffix.lower() != ".png":
        raise UsageError(f"{option} {value} must name a .png file, e.g. {option} {path.stem or example}.png")
