"""What the data options name, read for a command: the --data table and the arrays for --features and
--target, with what reading noticed shown on stderr.

pandas is imported inside the functions, through `lifeexp_cli.data.dataset`, never at start-up.
"""

from __future__ import annotations

from lifeexp_cli.cli import render


def read_table(data: str | None):
    """The CSV named by --data (or $LIFEEXP_DATA), after showing what reading it noticed."""
    from lifeexp_cli.data import dataset

    table = dataset.read_table(data, progress=render.reading_progress())
    for note in table.warnings:
        render.warn(note)
    return table


def load_design(data: str | None, features: str, target: str):
    """The --data table and the arrays for --features and --target, after showing what reading noticed."""
    from lifeexp_cli.data import dataset

    table, design = dataset.load_design(data, features, target, progress=render.reading_progress())
    for note in table.warnings:
        render.warn(note)
    return table, design
