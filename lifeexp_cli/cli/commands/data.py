"""`lifeexp data info` and `lifeexp data describe`: what a CSV holds, before fitting anything."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from lifeexp_cli.cli import render
from lifeexp_cli.cli.inputs import read_table
from lifeexp_cli.cli.options import ColumnsOpt, DataOpt, Format, FormatOpt, NoHeaderOpt


def info(data: DataOpt = None, output: FormatOpt = Format.table, no_header: NoHeaderOpt = False):
    """Rows, columns, types and missing values of a CSV, and the countries and years it covers.

    What pandas' info() shows: each column's type, how many values are present and the share missing.

    Example:

        lifeexp data info

        lifeexp data info --data my.csv --format json
    """
    from lifeexp_cli.usecases import explore

    found = explore.data_info(data, read_table=read_table)
    columns = found.columns
    if output.value == "json":
        render.emit_json({"source": found.source, "rows": found.rows, "columns": columns, **found.span})
        return
    if output.value == "csv":
        render.emit_csv(columns, not no_header)
        return
    render.line(overview(found))
    render.rows_output([{"#": i, "column": c["column"], "dtype": c["dtype"], "non-null": c["non_null"],
                         "missing": c["missing"], "missing %": f"{100 * c['missing_share']:.1f}",
                         "unit": c["unit"]} for i, c in enumerate(columns)], "table")


def overview(found) -> str:
    span = found.span
    text = f"{found.source}: {found.rows} rows, {len(found.names)} columns"
    if span["countries"] is not None:
        sizes = sorted(span["rows_per_country"].items(), key=lambda kv: -kv[1])
        spread = ", ".join(f"{count} with {size} row{'s' if size != '1' else ''}" for size, count in sizes)
        text += f"; {span['countries']} countries ({spread})"
    if span["years"] is not None:
        years = span["years"]
        text += f"; years {years['first']}–{years['last']} ({years['count']} distinct)"
    return text


def describe(data: DataOpt = None, features: ColumnsOpt = None, output: FormatOpt = Format.table,
             no_header: NoHeaderOpt = False):
    """Count, mean, std, min, quartiles and max of each numeric column, with its unit.

    Status counts as Developed = 1, Developing = 0. Missing values are left out of each statistic.
    A unit marked "!" is one the values contradict (a % above 100, a rate per 1000 above 1000, a median
    BMI no population has): the note under the table says how; JSON and CSV carry it as unit_note.

    Example:

        lifeexp data describe

        lifeexp data describe --features bmi,gdp,hiv --format json
    """
    from lifeexp_cli.usecases import explore

    rows = explore.describe(data, features, read_table=read_table)
    render.rows_with_unit_notes(rows, output.value, title="Descriptive statistics (missing values left out)",
                                header=not no_header)
