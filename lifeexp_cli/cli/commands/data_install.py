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
    from lifeexp_cli.data.install import install as install_file

    done = install_file(file)  # at most 4 MiB (data/install.py MAX_DATASET_BYTES): read at once, no byte bar
    render.line(str(done.path))
    verb = "Replaced the installed copy with" if done.replaced else "Installed"
    render.info(f"{verb} the WHO dataset ({done.rows} rows, sha256 {done.sha256}); every command now "
                "reads it unless --data or $LIFEEXP_DATA says otherwise", quiet)


def where(data: DataOpt = None, output: FormatOpt = Format.table, no_header: NoHeaderOpt = False):
    """Say which data file every command will read, and why: --data first, then $LIFEEXP_DATA, then the
    copy installed by `lifeexp data install` (shown with the sha256 recorded when it was installed, and
    whether the file still matches it).

    Example:

        lifeexp data where

        lifeexp data where --format json
    """
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
    report = {"source": choice.source if choice else None, "from": choice.how if choice else None,
              "env": os.environ.get(location.DATA_ENV) or None,
              "installed": {"path": str(installed), "present": present, "sha256": recorded,
                            "sha256_matches": matches}}
    if output.value == "json":
        render.emit_json(report)
        return
    if output.value == "csv":
        render.emit_csv([{"source": report["source"], "from": report["from"], "env": report["env"],
                          "installed_path": str(installed), "installed_present": present,
                          "installed_sha256": recorded, "installed_sha256_matches": matches}], not no_header)
        return
    for line in lines(report, choice, location):
        render.line(line)


def lines(report: dict, choice, location) -> list[str]:
    installed = report["installed"]
    if choice is None:
        used = ["Data: none, so commands that read data stop with an error",
                "Fix: pass --data FILE, set $" + location.DATA_ENV + ", or run `lifeexp data install FILE`"]
    else:
        why = {"--data": "given with --data",
               "$" + location.DATA_ENV: f"${location.DATA_ENV} is set (no --data given)",
               "installed copy": f"the installed copy (no --data given, ${location.DATA_ENV} not set)"}
        used = [f"Data: {choice.source}", f"Why: {why[choice.how]}"]
    state = "absent (install it with `lifeexp data install FILE`)"
    if installed["present"]:
        if installed["sha256"] is None:
            state = "present, no sha256 recorded (install it again to record one)"
        else:
            check = "the file still matches it" if installed["sha256_matches"] else \
                "the file has CHANGED since it was installed: install it again"
            state = f"present, sha256 {installed['sha256']} recorded at install; {check}"
    env = report["env"] or "not set"
    return [*used, f"Order: --data FILE, then ${location.DATA_ENV} ({env}), then the installed copy",
            f"Installed copy: {installed['path']}", f"  {state}"]

