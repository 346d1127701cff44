"""Look at the data before fitting: which columns move with the target and with each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Correlations:
    """The correlation matrix `r` of `columns` (numpy, columns × columns) with the rows behind each pair
    (`n`); the ranking by correlation with `target` [(feature, r, rows)] (empty without a target); the
    near-duplicate pairs of features [(a, b, r)] (the target left out); the columns whose correlation is
    undefined (constant, or fewer than two values); the source's name."""

    columns: list
    r: object
    n: object
    target: str | None
    ranking: list
    pairs: list
    undefined: list
    method: str
    fill: str
    source: str


def correlations(data: str | None = None, *, target: str | None = None, features: str | None = None,
                 method: str = "pearson", fill: str = "none", top: int | None = None,
                 read_table: Callable | None = None) -> Correlations:
    """Pearson or Spearman correlations of the numeric columns (or `features`); ranked by correlation with
    `target` (default life_expectancy when the file has it), the `top` N of them. fill "mean" sets every
    missing value to its column's mean first; "none" uses, per pair, the rows where both are present.
    read_table(data) -> Table reads the data (default dataset.read_table)."""
    from lifeexp_cli.data import dataset
    from lifeexp_cli.errors import UsageError
    from lifeexp_cli.evaluate import correlation

    if top is not None and top < 1:
        raise UsageError(f"--top must be at least 1, got {top}")
    table = (read_table or dataset.read_table)(data)
    columns = dataset.chosen_columns(table.frame, features)
    target_name = dataset.ranking_target(table.frame, target)
    if target_name is not None and target_name not in columns:
        columns = [target_name, *columns]
    if len(columns) < 2:
        raise UsageError("correlation needs at least two numeric columns: name more with --features")
    X = dataset.numeric_matrix(table.frame, columns)
    if fill == "mean":
        X = correlation.fill_means(X)
    r, n = correlation.matrix(X, method)
    undefined = correlation.constant_columns(X, columns)
    # Near-duplicate features break the fit; a feature that tracks the target closely is the good news.
    pairs = [p for p in correlation.collinear_pairs(r, columns) if target_name not in p[:2]]
    ranking = correlation.with_target(r, n, columns, target_name) if target_name else []
    if top is not None:
        ranking = ranking[:top]
    return Correlations(columns, r, n, target_name, ranking, pairs, undefined, method, fill, table.source)


@dataclass(frozen=True)
class DataInfo:
    """What `data info` shows: the source, its rows and column names, each column's type, presence and
    unit (`columns`), and the countries and years it covers (`span`, data/summary.py: coverage)."""

    source: str
    rows: int
    names: list
    columns: list
    span: dict


def data_info(data: str | None = None, *, read_table: Callable | None = None) -> DataInfo:
    """Rows, columns, types and missing values of a CSV, and the countries and years it covers."""
    from lifeexp_cli.data import dataset, summary

    table = (read_table or dataset.read_table)(data)
    return DataInfo(table.source, len(table.frame), list(table.frame.columns), summary.column_info(table.frame),
                    summary.coverage(table.frame))


def describe(data: str | None = None, features: str | None = None, *,
             read_table: Callable | None = None) -> list[dict]:
    """Per numeric column (or `features`): its unit, count, mean, std, min, quartiles and max (missing values
    left out), and `unit_note`, how the values contradict the documented unit (None when they do not)."""
    from lifeexp_cli.data import catalog, dataset, summary, units

    table = (read_table or dataset.read_table)(data)
    rows = []
    for name in dataset.chosen_columns(table.frame, features):
        unit, stats = catalog.describe(name)[1], summary.describe(dataset.numeric_column(table.frame, name))
        rows.append({"feature": name, "unit": unit, **stats, "unit_note": units.contradiction(name, unit, stats)})
    return rows


def features(data: str | None = None, *, read_table: Callable | None = None) -> list[dict]:
    """Every feature lifeexp knows (the WHO dataset's columns), or with `data` that file's columns: per
    column its `name`, `aliases` (comma-separated), `role` (target, group key, feature or not numeric),
    `meaning` and `unit` from the catalog, and `unit_note`, how the values contradict the unit (None when
    they do not). Without data nothing is read, and pandas is not imported."""
    from lifeexp_cli.data import catalog

    if data:
        from lifeexp_cli.data import dataset

        table = (read_table or dataset.read_table)(data)
        usable = set(dataset.candidate_features(table.frame, catalog.DEFAULT_TARGET))
        names = list(table.frame.columns)
        notes = dataset.unit_notes(table.frame, usable)
    else:
        from lifeexp_cli.data import units

        usable = set(catalog.WHO_FEATURES) - {catalog.DEFAULT_TARGET}
        names = list(catalog.WHO_FEATURES)
        notes = units.WHO_NOTES
    rows = []
    for name in names:
        meaning, unit = catalog.describe(name)
        role = ("target" if name == catalog.DEFAULT_TARGET else "group key" if name == catalog.GROUP_COLUMN
                else "feature" if name in usable else "not numeric")
        rows.append({"name": name, "aliases": ", ".join(catalog.aliases_of(name)), "role": role,
                     "meaning": meaning, "unit": unit, "unit_note": notes.get(name)})
    return rows
