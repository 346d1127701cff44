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
    render.aligned(overview(found))
    render.rows_output([{"column": c["column"], "dtype": c["dtype"], "non-null": c["non_null"],
                         "missing": f"{c['missing']} ({100 * c['missing_share']:.1f}%)", "unit": c["unit"]}
                        for c in columns], "table")


def overview(found) -> list[tuple[str, str]]:
    """What the file holds, as (label, value) lines: the file, rows and columns, countries, years."""
    span = found.span
    lines = [("file", found.source), ("rows", f"{found.rows} ({render.count(len(found.names), 'column')})")]
    if span["countries"] is not None:
        sizes = sorted(span["rows_per_country"].items(), key=lambda kv: -kv[1])
        spread = ", ".join(f"{count} with {render.count(int(size), 'row')}" for size, count in sizes)
        lines.append(("countries", f"{span['countries']} ({spread})"))
    if span["years"] is not None:
        years = span["years"]
        lines.append(("years", f"{years['first']}–{years['last']} ({years['count']} distinct)"))
    return lines


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
