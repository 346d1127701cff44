"""`lifeexp data install FILE` and `lifeexp data where`: put the dataset where every command finds it, and
say which data a command will read and why."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import Annotated

import typer

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import DataOpt, Format, FormatOpt, NoHeaderOpt, QuietOpt


def install(
    file: Annotated[str, typer.Argument(help="The WHO Life Expectancy CSV as downloaded from Kaggle.",
                                        show_default=False)],
    quiet: QuietOpt = False,
):
    """Check that FILE is the WHO Life Expectancy dataset (its 22 columns and 2938 rows), then copy it into
    the user data folder ($XDG_DATA_HOME/lifeexp, else ~/.local/share/lifeexp on Linux,
    ~/Library/Application Support/lifeexp on macOS, %LOCALAPPDATA%\\lifeexp on Windows), with its sha256
    next to it. From then on every command reads it when neither --data nor $LIFEEXP_DATA is given.

    The copy is written whole or not at all; installing again replaces it.

    Example:

        lifeexp data install "Life Expectancy Data.csv"

        lifeexp data where
    """
    from lifeexp_cli.data.location import PUBLISHED_SHA256
    from lifeexp_cli.usecases import data_source

    done = data_source.install(file)  # at most 4 MiB (data/install.py MAX_DATASET_BYTES): read at once, no byte bar
    render.line(str(done.path))
    verb = "Replaced the installed copy with" if done.replaced else "Installed"
    render.info(f"{verb} the WHO dataset ({done.rows} rows, sha256 {done.sha256}); every command now "
                "reads it unless --data or $LIFEEXP_DATA says otherwise", quiet)
    if not done.published:
        render.warn(f"{file} is not byte for byte the published file (its sha256 differs from "
                    f"{PUBLISHED_SHA256[:12]}…: edited, re-saved or re-encoded?): installed as it is, but fits on it "
                    "may differ from the shipped models and the documented figures")


def where(data: DataOpt = None, output: FormatOpt = Format.table, no_header: NoHeaderOpt = False):
    """Say which data file every command will read, and why: --data first, then $LIFEEXP_DATA, then the
    copy installed by `lifeexp data install` (shown with the sha256 recorded when it was installed, and
    whether the file still matches it).

    Example:

        lifeexp data where

        lifeexp data where --format json
    """
    from lifeexp_cli.usecases import data_source

    found = data_source.where(data)
    report = {"source": found.source, "from": found.how, "env": found.env, "source_present": present(found.source),
              "installed": {"path": found.installed_path, "present": found.installed_present,
                            "sha256": found.installed_sha256, "sha256_matches": found.sha256_matches}}
    if output.value == "json":
        render.emit_json(report)
        return
    if output.value == "csv":
        render.emit_csv([{"source": found.source, "from": found.how, "env": found.env,
                          "source_present": present(found.source),
                          "installed_path": found.installed_path, "installed_present": found.installed_present,
                          "installed_sha256": found.installed_sha256,
                          "installed_sha256_matches": found.sha256_matches}], not no_header)
        return
    for line in lines(found):
        render.line(line)


def present(source: str | None) -> bool | None:
    """Whether the data file named is there to read (None: no file named, or stdin)."""
    import os

    return None if source is None or source == "-" else os.path.isfile(source)


def lines(found) -> list[str]:
    """`data where` in words: the data used and why, the order, the installed copy's state."""
    from lifeexp_cli.data.location import DATA_ENV

    if found.source is None:
        used = ["Data: none, so commands that read data stop with an error",
                "Fix: pass --data FILE, set $" + DATA_ENV + ", or run `lifeexp data install FILE`"]
    else:
        why = {"--data": "given with --data",
               "$" + DATA_ENV: f"${DATA_ENV} is set (no --data given)",
               "installed copy": f"the installed copy (no --data given, ${DATA_ENV} not set)"}
        used = [f"Data: {found.source}", f"Why: {why[found.how]}"]
        if present(found.source) is False:
            fix = {"--data": "give an existing file with --data",
                   "$" + DATA_ENV: f"point ${DATA_ENV} at an existing file, or unset it to use the installed copy",
                   "installed copy": "install it again with `lifeexp data install FILE`"}
            used.append(f"Missing: no file at {found.source}, so commands that read data stop with an error; "
                        f"{fix[found.how]}")
    state = "absent (install it with `lifeexp data install FILE`)"
    if found.installed_present:
        if found.installed_sha256 is None:
            state = "present, no sha256 recorded (install it again to record one)"
        else:
            check = "the file still matches it" if found.sha256_matches else \
                "the file has CHANGED since it was installed: install it again"
            state = f"present, sha256 {found.installed_sha256} recorded at install; {check}"
    env = found.env or "not set"
    return [*used, f"Order: --data FILE, then ${DATA_ENV} ({env}), then the installed copy",
            f"Installed copy: {found.installed_path}", f"  {state}"]
