"""`lifeexp corr`: which columns move with the target, which move with each other, and which pairs are
near-duplicates that break the normal equation."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

import math
from enum import Enum
from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import png_path, render
from lifeexp_cli.cli.inputs import read_table
from lifeexp_cli.cli.options import ColumnsOpt, CorrTargetOpt, DataOpt, Format, FormatOpt, NoHeaderOpt, QuietOpt

BAR_WIDTH = 12
CELL = 4  # characters of one r in the matrix: +.83, -.07, +1.0
PAIRS = 30  # pairs shown when the matrix is too wide for the terminal


class Method(str, Enum):
    pearson = "pearson"
    spearman = "spearman"


class Fill(str, Enum):
    none = "none"
    mean = "mean"


def strength(r: float) -> str:
    """Words for |r| (the usual rule of thumb)."""
    a = abs(r)
    return ("very strong" if a >= 0.8 else "strong" if a >= 0.6 else "moderate" if a >= 0.4
            else "weak" if a >= 0.2 else "very weak")


def colored(r: float) -> str:
    """r with its sign, blue when positive, red when negative, bold when strong; — when undefined."""
    if not math.isfinite(r):
        return render.Styled("[dim]—[/dim]")
    color = "blue" if r > 0 else "red" if r < 0 else "white"
    weight = "bold " if abs(r) >= 0.6 else ""
    return render.Styled(f"[{weight}{color}]{r:+.3f}[/{weight}{color}]")


def bar(r: float) -> str:
    if not math.isfinite(r):
        return render.Styled("")
    filled = round(abs(r) * BAR_WIDTH)
    return render.Styled(f"[{'blue' if r > 0 else 'red'}]{'█' * filled}[/]{'·' * (BAR_WIDTH - filled)}")


def cell_style(r: float) -> str:
    """A background from red (−1) through white (0) to blue (+1)."""
    if not math.isfinite(r):
        return "dim"
    a = min(1.0, abs(r))
    fade = round(255 * (1 - a))
    background = f"rgb({fade},{fade},255)" if r > 0 else f"rgb(255,{fade},{fade})"
    return f"{'white' if a > 0.6 else 'black'} on {background}"


def corr(
    data: DataOpt = None,
    target: CorrTargetOpt = None,
    features: ColumnsOpt = None,
    method: Annotated[Method, typer.Option(
        help="pearson (linear association) or spearman (monotonic: Pearson on ranks).",
        case_sensitive=False)] = Method.pearson,
    fill: Annotated[Fill, typer.Option(
        help="Missing values: none (each pair uses the rows where both are present) or mean (every missing "
             "value becomes its column's mean over all rows first, as the lecture's heatmap was made).",
        case_sensitive=False)] = Fill.none,
    top: Annotated[Optional[int], typer.Option(
        help="Show only the N columns most correlated with the target.", show_default=False)] = None,
    matrix: Annotated[bool, typer.Option("--matrix", help="Show the full correlation matrix as a heatmap.")]
    = False,
    png: Annotated[Optional[str], typer.Option(
        help="Also write the heatmap to this PNG file (matplotlib).", show_default=False)] = None,
    output: FormatOpt = Format.table,
    no_header: NoHeaderOpt = False,
    quiet: QuietOpt = False,
):
    """Correlations: columns ranked by their r with the target, the matrix, near-duplicate pairs.

    Sign and strength of each column's correlation with the target; the full matrix as a heatmap with
    --matrix (and --png, which then prints only where it wrote the picture); a warning for nearly collinear pairs (|r| > 0.95), which break the normal
    equation. Each pair uses the rows where both values are present; a constant column has no
    correlation (—).

    Example:

        lifeexp corr --top 5

        lifeexp corr --matrix --method spearman --png corr.png

        lifeexp corr --fill mean --top 5

        lifeexp corr --data my.csv --target price --format json
    """
    from lifeexp_cli.usecases import explore

    png_path.check(png, "--png", "corr")
    found = explore.correlations(data, target=target, features=features, method=method.value, fill=fill.value,
                                 top=top, read_table=read_table)
    columns, r, n, target_name, ranking, pairs = found.columns, found.r, found.n, found.target, found.ranking, \
        found.pairs
    undefined = found.undefined
    picture_only = png is not None and output.value == "table"  # the PNG is the answer: print where it went
    for name in [] if picture_only else undefined:
        render.warn(f"column {name} is constant (or has fewer than two values): its correlation is undefined, "
                    "shown as —; leave it out with --features")
    for a, b, value in [] if picture_only else pairs:
        render.warn(f"{a} and {b} are nearly collinear (r = {value:+.3f}): they carry the same information and "
                    "make XᵀX nearly singular; fit with one of them")
    if target_name is None and not matrix and output.value == "table" and not picture_only:
        render.info("no target column (life_expectancy) in this file: showing the matrix; "
                    "give --target NAME to rank the columns", quiet)
        matrix = True
    title = f"{method.value.capitalize()} correlation"
    if png:
        from lifeexp_cli.cli import plots  # matplotlib: paid for only when a picture is asked for

        plots.write_heatmap(r, columns, png, f"{title} ({found.source.rsplit('/', 1)[-1]})")
        render.info(f"Wrote {png}", quiet)
        if picture_only:
            return
    document = {
        "method": method.value, "fill": fill.value, "target": target_name, "columns": columns,
        "ranking": [{"feature": f, "r": finite(v), "rows": k} for f, v, k in ranking],
        "matrix": {"r": [[finite(v) for v in row] for row in r], "rows": n.tolist()} if matrix else None,
        "collinear_pairs": [{"a": a, "b": b, "r": v} for a, b, v in pairs],
        "undefined": undefined,
    }
    show(document, output.value, title, not no_header)


def finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def show(document: dict, output: str, title: str, header: bool = True) -> None:
    if output == "json":
        render.emit_json(document)
        return
    columns, heat = document["columns"], document["matrix"]
    if output == "csv":
        if heat is not None:
            render.emit_csv([{"column": name, **dict(zip(columns, row))} for name, row in zip(columns, heat["r"])],
                            header)
        else:
            render.emit_csv(document["ranking"], header)
        return
    if document["ranking"]:
        rows = "pairwise complete rows" if document["fill"] == "none" else "missing values = column means"
        render.table(f"{title} with {document['target']} ({rows})",
                     ["feature", "r", "", "strength", "rows"],
                     [[row["feature"], colored(nan(row["r"])), bar(nan(row["r"])),
                       strength(row["r"]) if row["r"] is not None else "undefined", row["rows"]]
                      for row in document["ranking"]])
    if heat is not None:
        show_matrix(columns, heat["r"], title)
    if document["collinear_pairs"]:
        render.table("Nearly collinear pairs (|r| > 0.95): keep one of each", ["a", "b", "r"],
                     [[p["a"], p["b"], f"{p['r']:+.4f}"] for p in document["collinear_pairs"]])


def nan(value: float | None) -> float:
    return float("nan") if value is None else value


def short(r: float | None) -> str:
    """r in four characters: +.83, -.07, +1.0; — when undefined."""
    if r is None:
        return "  — "
    if abs(r) >= 0.995:
        return f"{r:+.1f}"
    return f"{r:+.2f}".replace("0.", ".", 1)


def show_matrix(columns: list[str], r: list[list[float | None]], title: str) -> None:
    """A Rich heatmap with numbered rows and columns and a legend of the numbers' names under it, so no
    name is ever cut; when even that is wider than the terminal, the pairs strongest first instead."""
    from rich.box import SIMPLE_HEAD
    from rich.table import Table

    label = len(str(len(columns)))
    if label + 1 + len(columns) * (CELL + 1) > render.out.width:
        show_pairs(columns, r, title)
        return
    grid = Table(title=render.shown(f"{title} matrix"), title_justify="left", header_style="bold",
                 box=SIMPLE_HEAD, padding=0, show_edge=False)
    grid.add_column("", no_wrap=True, justify="right")
    for i in range(len(columns)):
        grid.add_column(str(i + 1), justify="right", no_wrap=True, min_width=CELL)
    for i, row in enumerate(r):
        grid.add_row(str(i + 1), *[render.Styled(f"[{cell_style(nan(v))}]{short(v)}[/]") for v in row])
    render.out.print(grid)
    render.wrapped("  ".join(f"{i + 1} {render.shown(name)}" for i, name in enumerate(columns)))


def show_pairs(columns: list[str], r: list[list[float | None]], title: str) -> None:
    """Every pair of columns, strongest |r| first (the first PAIRS shown), when the matrix cannot fit."""
    pairs = sorted(((columns[i], columns[j], r[i][j]) for i in range(len(columns)) for j in range(i)),
                   key=lambda p: -abs(p[2]) if p[2] is not None else 0)
    width = render.out.width
    render.info(f"the {len(columns)} × {len(columns)} matrix needs {len(str(len(columns))) + 1 + len(columns) * (CELL + 1)} "
                f"columns and the terminal has {width}: showing the pairs, strongest first; the whole matrix "
                "with --format csv, or as a picture with --png FILE")
    render.table(f"{title}: pairs by |r|", ["a", "b", "r"],
                 [[a, b, render.Styled(f"[{cell_style(nan(v))}]{v:+.3f}[/]") if v is not None else "—"]
                  for a, b, v in pairs[:PAIRS]])
    if len(pairs) > PAIRS:
        render.out.print(f"{len(pairs) - PAIRS} weaker pairs not shown: --format csv gives the whole matrix",
                         highlight=False)
