"""`lifeexp data info` and `lifeexp data describe`: what a CSV holds, before fitting anything."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import DataOpt, Format, FormatOpt

FeaturesOpt = Annotated[Optional[str], typer.Option(
    "--features", "-F", help="Comma-separated columns (names or aliases). Default: every numeric column.",
    show_default=False)]


def numeric_columns(frame) -> list[str]:
    """Every column that can be read as numbers (status as 0/1), target included; never the group key."""
    from lifeexp_cli.data import catalog
    from lifeexp_cli.data import dataset

    return [c for c in frame.columns if c not in catalog.NON_FEATURES and dataset.is_numeric_column(frame, c)]


def chosen_columns(frame, features: str | None) -> list[str]:
    """The numeric columns named by --features (all of them when not given)."""
    from lifeexp_cli.data import catalog
    from lifeexp_cli.errors import DataError

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


def read(data: str | None):
    from lifeexp_cli.data import dataset

    table = dataset.read_table(data)
    for note in table.warnings:
        render.warn(note)
    return table


def info(data: DataOpt = None, output: FormatOpt = Format.table):
    """Rows, columns, types and missing values of a CSV, and the countries and years it covers.

    What pandas' info() shows: each column's type, how many values are present and the share missing.

    Example:

        lifeexp data info

        lifeexp data info --data my.csv --format json
    """
    from lifeexp_cli.data import summary

    table = read(data)
    columns = summary.column_info(table.frame)
    span = summary.coverage(table.frame)
    if output.value == "json":
        render.emit_json({"source": table.source, "rows": len(table.frame), "columns": columns, **span})
        return
    if output.value == "csv":
        render.emit_csv(columns)
        return
    render.out.print(overview(table, span), highlight=False)
    render.rows_output([{"#": i, "column": c["column"], "dtype": c["dtype"], "non-null": c["non_null"],
                         "missing": c["missing"], "missing %": f"{100 * c['missing_share']:.1f}",
                         "unit": c["unit"]} for i, c in enumerate(columns)], "table")


def overview(table, span: dict) -> str:
    text = f"{table.source}: {len(table.frame)} rows, {len(table.frame.columns)} columns"
    if span["countries"] is not None:
        sizes = sorted(span["rows_per_country"].items(), key=lambda kv: -kv[1])
        spread = ", ".join(f"{count} with {size} row{'s' if size != '1' else ''}" for size, count in sizes)
        text += f"; {span['countries']} countries ({spread})"
    if span["years"] is not None:
        years = span["years"]
        text += f"; years {years['first']}–{years['last']} ({years['count']} distinct)"
    return text


def describe(data: DataOpt = None, features: FeaturesOpt = None, output: FormatOpt = Format.table):
    """Count, mean, std, min, quartiles and max of each numeric column, with its unit.

    Status counts as Developed = 1, Developing = 0. Missing values are left out of each statistic.

    Example:

        lifeexp data describe

        lifeexp data describe --features bmi,gdp,hiv --format json
    """
    from lifeexp_cli.data import catalog
    from lifeexp_cli.data import summary
    from lifeexp_cli.data import dataset

    table = read(data)
    rows = [{"feature": name, "unit": catalog.describe(name)[1],
             **summary.describe(dataset.numeric_column(table.frame, name))}
            for name in chosen_columns(table.frame, features)]
    render.rows_output(rows, output.value, title="Descriptive statistics (missing values left out)")
