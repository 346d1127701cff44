"""Where the data comes from: put the WHO dataset where every command finds it (`install`), and say which
file a command will read and why (`where`)."""

from __future__ import annotations

from dataclasses import dataclass


def install(file: str):
    """Check that `file` is the WHO Life Expectancy dataset, then copy it atomically into the user data
    folder with its sha256: an `Installed` (data/install.py) with the `path` written, the `sha256`, the
    `rows` and whether an earlier copy was `replaced`."""
    from lifeexp_cli.data.install import install as install_file

    return install_file(file)


@dataclass(frozen=True)
class Where:
    """Which data a command reads: `source` (None: no data anywhere) and `how` it was chosen ("--data",
    "$LIFEEXP_DATA" or "installed copy"; None with no source); `env`, the value of $LIFEEXP_DATA (None when
    unset or empty); the installed copy's `installed_path`, whether it is `installed_present`, the sha256
    recorded at install (`installed_sha256`, None when none was) and whether the file still matches it
    (`sha256_matches`: None when there is nothing to compare, False when it cannot be read)."""

    source: str | None
    how: str | None
    env: str | None
    installed_path: str
    installed_present: bool
    installed_sha256: str | None
    sha256_matches: bool | None


def where(data: str | None = None) -> Where:
    """The data a command given `data` (None: no --data) reads, the order it is chosen in, and the state of
    the installed copy."""
    import os

    from lifeexp_cli.data import location

    choice = location.find(data)
    installed = location.installed_path()
    present = installed.is_file()
    recorded = location.recorded_sha256(installed) if present else None
    matches = None
    if present and recorded:
        try:
            matches = location.file_sha256(installed) == recorded
        except OSError:
            matches = False
    return Where(choice.source if choice else None, choice.how if choice else None,
                 os.environ.get(location.DATA_ENV) or None, str(installed), present, recorded, matches)
