"""What the data options name, read for a command: the --data table (its warnings shown on stderr), the
arrays for --features and --target, and for the commands that look at columns (data describe, corr) the
numeric columns that --features picks and the column --target ranks them against.

pandas is imported inside the functions, through `lifeexp_cli.data.dataset`, never at start-up.
"""

from __future__ import annotations

from lifeexp_cli.cli import render
from lifeexp_cli.errors import DataError


def read_table(data: str | None):
    """The CSV named by --data (or $LIFEEXP_DATA), after showing what reading it noticed."""
    from lifeexp_cli.data import dataset

    table = dataset.read_table(data)
    for note in table.warnings:
        render.warn(note)
    return table


def load_design(data: str | None, features: str, target: str):
    """The --data table and the arrays for --features and --target, after showing what reading noticed."""
    from lifeexp_cli.data import dataset

    table, design = dataset.load_design(data, features, target)
    for note in table.warnings:
        render.warn(note)
    return table, design


def numeric_columns(frame) -> list[str]:
    """Every column that can be read as numbers (status as 0/1), target included; never the group key."""
    from lifeexp_cli.data import catalog, dataset

    return [c for c in frame.columns if c not in catalog.NON_FEATURES and dataset.is_numeric_column(frame, c)]


def chosen_columns(frame, features: str | None) -> list[str]:
    """The numeric columns named by --features (all of them when not given)."""
    from lifeexp_cli.data import catalog

    usable = numeric_columns(frame)
    if not usable:
        raise DataError("the data has no numeric column: nothing to describe")
    if features is None or features.strip().lower() == "all":
        return usable
    names = catalog.resolve_many(features, list(frame.columns), what="column")
    for name in names:
        if name not in usable:
            raise DataError(f"column {name} is not numeric: pick numeric columns (see `lifeexp data info`)")
    return names


def target_for(frame, target: str | None) -> str | None:
    """The column to rank against: --target, else life_expectancy when the file has it, else none."""
    from lifeexp_cli.data import catalog, dataset

    if target is None:
        known = catalog.DEFAULT_TARGET in frame.columns and dataset.is_numeric_column(frame, catalog.DEFAULT_TARGET)
        return catalog.DEFAULT_TARGET if known else None
    name = dataset.resolve_target(frame, target)
    if not dataset.is_numeric_column(frame, name):
        raise DataError(f"target column {name} is not numeric: pick a numeric --target")
    return name


def numeric_matrix(frame, columns: list[str]):
    """The columns as one float array (n, p), NaN where a value is missing; an infinite value is refused."""
    import numpy as np

    from lifeexp_cli.data import dataset

    X = np.column_stack([dataset.numeric_column(frame, c) for c in columns])
    if np.isinf(X).any():
        bad = columns[int(np.argwhere(np.isinf(X))[0][1])]
        raise DataError(f"column {bad} holds an infinite value: remove it or leave the cell empty")
    return X
