"""Everything that reaches the terminal: tables and documents on stdout, messages on stderr.

Rich is imported on first use (`render.out`, `render.err`, a table), so commands that only write JSON
or CSV, such as `predict` in a pipeline, never pay for it.
"""

from __future__ import annotations

import contextlib
import math
import re
import sys


SPARKS = "▁▂▃▄▅▆▇█"
MIN_WIDTH = 20  # narrower than this, $COLUMNS is a mistake: tables need room for their borders

_consoles: dict = {}

# Characters that move the cursor, end a line, recolour the terminal or reverse the text around them, each
# with the way it is written out (`\n`, `\x1b`, `\u202e`): a table for str.translate, which costs start-up
# less than compiling a regular expression of them.
_CONTROLS = {code: repr(chr(code))[1:-1] for low, high in ((0x00, 0x1f), (0x7f, 0x9f), (0x200e, 0x200f),
                                                          (0x2028, 0x202e), (0x2066, 0x2069))
             for code in range(low, high + 1)}
# What Rich reads as a markup tag, with the backslashes in front of it: `[bold]`, `[/x]`, `[#fff]`, `[@click]`.
_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?\])")


class Styled(str):
    """Markup written by lifeexp itself (`[dim]—[/dim]`): shown as markup, not escaped like outside text."""


def shown(text) -> str:
    """Outside text (names, paths, CSV cells, people, strings from model files) made safe for Rich: each
    control character written out (`\\n`, `\\x1b`), so none can end the line, fake an `Error:` line or
    recolour the terminal, and markup escaped, so `[bold]` or `[/x]` prints as typed. Styled text passes."""
    if isinstance(text, Styled):
        return text
    return _TAG.sub(lambda m: m.group(1) * 2 + "\\" + m.group(2), written_out(text))


def written_out(text) -> str:
    """Each control character written out (`\\n`, `\\x1b`): what `shown` does first, for text that is
    wrapped into lines before it is shown (a newline in a name must not become a break or a space)."""
    return str(text).translate(_CONTROLS)


def _console(name: str):
    if name not in _consoles:
        from rich.console import Console

        class Quiet(Console):
            def on_broken_pipe(self) -> None:  # Rich's own ends the run with exit 1: the boundary says 0
                self.quiet = True
                raise BrokenPipeError

            @property
            def soft_wrap(self) -> bool:
                """Prose keeps whole lines in a pipe or a log; on a terminal, or with $COLUMNS, it is
                wrapped between words at the width (as Rich and Click do). Asked each time: a test, or
                a redirected stream, changes what the console writes to."""
                return not (self.is_terminal or _columns_set())

            @soft_wrap.setter
            def soft_wrap(self, value: bool) -> None:  # Console.__init__ sets it: the property decides
                pass

            @property
            def size(self):
                """Rich's (the terminal's, $COLUMNS, else 80), read each time; 80 when $COLUMNS is set
                but unusable (COLUMNS=0 made Rich print nothing at all)."""
                dimensions = Console.size.fget(self)
                return dimensions._replace(width=80) if _usable_width() == 80 else dimensions

            @size.setter
            def size(self, value) -> None:
                Console.size.fset(self, value)

            def _render_buffer(self, buffer) -> str:
                """What a print writes; in a pipe or a file, without the spaces Rich leaves at the end of
                a line it wrapped (a title, the fit's equation, a note) or padded (a table without borders):
                `COLUMNS=60 lifeexp fit ... | cat -A` showed them. A terminal's output is Rich's."""
                text = Console._render_buffer(self, buffer)
                return text if self.is_terminal or " \n" not in text else _TRAILING.sub("", text)

        console = Quiet(stderr=name == "err", emoji=False)  # emoji=False: ":x:" stays as typed
        console._width = None  # Rich keeps $COLUMNS as it was at this moment: let `size` read it each time
        _consoles[name] = console
    return _consoles[name]


_TRAILING = re.compile(r" +(?=\n)")  # spaces at the end of a line


def _columns_set() -> bool:
    """Whether $COLUMNS gives a usable width (a pipe then wraps prose at it, as on a terminal)."""
    import os

    columns = os.environ.get("COLUMNS", "").strip()
    return columns.isdigit() and int(columns) >= MIN_WIDTH


def _usable_width() -> int | None:
    """COLUMNS when it is a usable width; 80 when it is not (COLUMNS=0 made Rich print nothing at all)."""
    import os

    columns = os.environ.get("COLUMNS", "")
    return 80 if columns.strip() and not (columns.isdigit() and int(columns) >= MIN_WIDTH) else None


def __getattr__(name: str):
    """`render.out` (stdout) and `render.err` (stderr): Rich consoles, created when first used."""
    if name in ("out", "err"):
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fmt(value, digits: int = 4) -> str:
    """Numbers with `digits` significant digits, and never fewer than a value's whole part: from 1 to a
    million, a number the digits would round to a whole one (2007.5 as 2008) or write with an exponent
    (11467.3 as 1.147e+04) keeps one decimal, so that only a whole number looks whole (`data describe`'s
    mean year is 2007.5, not 2008). None and NaN as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN: no value (R² of a fold of one row), as JSON's null and CSV's empty cell
            return "—"
        if not math.isfinite(value):
            return str(value)
        if abs(value) >= 1e6:
            return f"{value:.{digits}e}"
        text = f"{value:.{digits}g}"
        if abs(value) >= 1 and ("e" in text or "." not in text):
            return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
        return text
    return str(value)


def count(n: int, noun: str) -> str:
    """A number with its noun in the right number: `1 row`, `2 rows`, `1 country`, `3 countries`."""
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else f"{n} {noun}s"


def model_label(model: str) -> str:
    """A model in a table by the name --model gave it (`tim`, not the file models/tim.joblib it found),
    a file by its stem (`six` for models/six.joblib): how `compare` and `eval` name a model."""
    from pathlib import PurePath

    return PurePath(model).stem if "/" in model or model.endswith(".joblib") else model


def in_unit(value: str, column: str) -> str:
    """`value` followed by the unit of the column it measures, when lifeexp knows it (`5.895 years` for
    life_expectancy): a target of the user's own CSV has none, and `price` was shown in years."""
    from lifeexp_cli.data import catalog

    unit = catalog.describe(column)[1]
    return f"{value} {unit}" if unit else value


def folds_text(document: dict) -> str:
    """What the folds of a `cv` or `select` document hold, for a title: `countries`, `rows`, or `rows (the
    data has no country column)` when --split country found none (both said "by countries" of such a file)."""
    if document["folds_by"] == "country":
        return "countries"
    return "rows (the data has no country column)" if document["split"] == "country" else "rows"


def with_interval(value: float, interval: dict | None) -> str:
    """A prediction with its interval, for tables: `71.5 [61.6, 81.3]` (the value alone without one)."""
    if interval is None:
        return fmt(value)
    return f"{value:.1f} [{interval['lower']:.1f}, {interval['upper']:.1f}]"


def warn(message: str) -> None:
    said(f"[yellow]Warning:[/yellow] {shown(message)}")


def info(message: str, quiet: bool = False) -> None:
    if not quiet:
        said(shown(message))


def error(message: str) -> None:
    said(f"[bold red]Error:[/bold red] {shown(message)}")


def said(markup: str) -> None:
    """A message on stderr (`error`, `warn`, `info`): one line in a pipe or a log; on a terminal, or with
    $COLUMNS, wrapped between words at the width, each line without the space Rich leaves where it broke
    it (`COLUMNS=60 lifeexp ... 2>&1 | cat -A` showed one at the end of every line but the last)."""
    console = _console("err")
    if console.soft_wrap:
        console.print(markup, highlight=False)
        return
    from rich.text import Text

    lines = console.render_str(markup, highlight=False).wrap(console, console.width)
    for piece in lines:
        piece.rstrip()
    console.print(Text("\n").join(lines), highlight=False, soft_wrap=True)


def line(text: str) -> None:
    """One line of results on stdout, shown as typed (outside text in it is escaped)."""
    _console("out").print(shown(text), highlight=False)


def lines(texts: list[str]) -> None:
    """Lines of results on stdout, as `line` prints each, in one print (Rich's work for a print is the same
    for one line or ten: compare's verdict is eight)."""
    if texts:
        _console("out").print("\n".join(map(shown, texts)), highlight=False)


def emit_json(document) -> None:
    import json  # not at import, nor csv below: a table's start-up does not need them

    from lifeexp_cli.model.store import plain  # not at import: `--help` should not load pickle and pathlib

    sys.stdout.write(json.dumps(plain(document), indent=2, allow_nan=False, ensure_ascii=ascii_only()) + "\n")


def ascii_only() -> bool:
    """Whether JSON must escape non-ASCII text: stdout's encoding is not UTF (PYTHONIOENCODING=latin-1)."""
    return not utf(sys.stdout)


def utf(stream) -> bool:
    return (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "").startswith("utf")


def csv_cell(value):
    """A raw value for a CSV cell: numbers in full precision, booleans as true/false (as in JSON), none as
    an empty cell. Display strings (rounding, ±, —) belong in tables only."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return value


def emit_csv(rows: list[dict], header: bool = True) -> None:
    """CSV on stdout: one header line (unless `header` is false), then one line per row of raw values."""
    if not rows:
        return
    import csv

    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)


def table(title: str | None, columns: list[str], rows: list[list]) -> None:
    """A Rich table that never cuts a word (a name the user has to type, a number): each column is at
    least as wide as its longest word. When that is wider than the terminal (80 columns, or a pipe), the
    columns are split into narrower tables, each repeating the first column (as pandas prints a wide
    frame); when even that cannot fit, each row is printed as a block of aligned `column  value` lines."""
    headers = [shown(name) for name in columns]
    cells = [[fmt(v) if not isinstance(v, str) else shown(v) for v in row] for row in rows]
    console = _console("out")
    widths = column_widths(headers, cells, room_for(len(headers)))
    if widths is not None:
        draw(title, headers, cells, widths)
        return
    groups = column_groups(headers, cells)
    if groups is None:
        records(title, headers, cells)
        return
    for number, group in enumerate(groups, 1):
        part = [0, *group]
        caption = title if number == 1 or not title else f"{title} (continued)"
        sub_headers, sub_cells = [headers[i] for i in part], [[row[i] for i in part] for row in cells]
        draw(caption, sub_headers, sub_cells, column_widths(sub_headers, sub_cells, room_for(len(part))))
        if number < len(groups):
            console.print()


def room_for(columns: int) -> int:
    """The width a table's cells can share on stdout: the console's less the borders and padding."""
    return _console("out").width - 3 * columns - 1


def draw(title: str | None, headers: list[str], cells: list[list[str]], widths: list[int]) -> None:
    """A table with its columns `widths` wide, under its title (printed as a line of its own, as wide as
    the terminal: a table's own title would be wrapped at the table's width)."""
    from rich.table import Table

    if title:
        _console("out").print(shown(title), style="italic", highlight=False)
    grid = Table(header_style="bold")
    for header, width in zip(headers, widths):
        grid.add_column(header, width=width)
    for row in cells:
        grid.add_row(*row)
    _console("out").print(grid)


def column_groups(headers: list[str], cells: list[list[str]]) -> list[list[int]] | None:
    """The columns after the first, in order, as groups that fit beside the first column (each group's
    longest words within the terminal's width); None when the first column and any one other do not."""
    least = least_widths(headers, cells)
    groups: list[list[int]] = []
    for i in range(1, len(headers)):
        if groups and least[0] + sum(least[j] for j in groups[-1]) + least[i] <= room_for(len(groups[-1]) + 2):
            groups[-1].append(i)
        elif least[0] + least[i] <= room_for(2):
            groups.append([i])
        else:
            return None
    return groups


def column_widths(headers: list[str], cells: list[list[str]], room: int) -> list[int] | None:
    """Each column's width within `room`: at least its longest word, and as much of its longest line as
    fits, the space shared out in proportion to what each still lacks; None when the words alone do not fit."""
    from rich.cells import cell_len
    from rich.text import Text

    plain = [[Text.from_markup(c, emoji=False).plain for c in column] for column in zip(headers, *cells)]
    least = least_widths(headers, cells, plain)
    most = [max(max((cell_len(line) for text in column for line in text.splitlines() or [""]), default=1), low)
            for column, low in zip(plain, least)]
    if sum(least) > room:
        return None
    if sum(most) <= room:
        return most
    spare, lacking = room - sum(least), [high - low for low, high in zip(least, most)]
    return [low + spare * lack // sum(lacking) for low, lack in zip(least, lacking)]


def least_widths(headers: list[str], cells: list[list[str]], plain: list[list[str]] | None = None) -> list[int]:
    """Each column's longest word (in terminal cells): the narrowest it can be without cutting one. `plain`:
    the columns' text without markup, when the caller has it already."""
    from rich.cells import cell_len
    from rich.text import Text

    if plain is None:
        plain = [[Text.from_markup(c, emoji=False).plain for c in column] for column in zip(headers, *cells)]
    return [max((cell_len(w) for text in column for w in text.split()), default=1) for column in plain]


def records(title: str | None, headers: list[str], cells: list[list[str]]) -> None:
    """Rows too wide for the terminal even split into tables, one block each: the first cell in bold, then
    the other columns as aligned `column  value` lines, each value wrapped between words."""
    from rich.cells import cell_len
    from rich.text import Text

    console = _console("out")
    if title:
        console.print(shown(title), highlight=False, style="italic")
    names = [Text.from_markup(header, emoji=False).plain for header in headers[1:]]
    label = max((cell_len(name) for name in names), default=0)
    for row in cells:
        console.print(f"[bold]{row[0]}[/bold]" if row[0] else headers[0], highlight=False)
        for name, value in zip(names, row[1:]):
            if value:
                wrapped(value, indent=4 + label, first=f"  {name}{' ' * (label - cell_len(name))}  ")


def aligned(lines: list[tuple[str, str]]) -> None:
    """Labelled lines on stdout with their values aligned (`rows       2938`), each value outside text
    (escaped) and, on a terminal or with $COLUMNS, wrapped under itself."""
    width = max((len(label) for label, _ in lines), default=0)
    for label, value in lines:
        if _console("out").soft_wrap:  # a pipe: whole lines
            line(f"{label:<{width}}  {value}")
        else:
            wrapped(shown(value), indent=width + 2, first=f"{label:<{width}}  ")


def wrapped(markup: str, indent: int = 0, first: str | None = None) -> None:
    """Text on stdout wrapped between words at the terminal's width (never inside a name), indented; the
    first line starts with `first` instead of the indent when given (a label as wide as the indent)."""
    from rich.text import Text

    console = _console("out")
    pieces = Text.from_markup(markup, emoji=False).wrap(console, max(console.width - indent, 20))
    for number, piece in enumerate(pieces):
        piece.rstrip()
        lead = Text(first) if number == 0 and first is not None else Text(" " * indent)
        console.print(lead + piece, highlight=False, soft_wrap=True)


def rows_output(rows: list[dict], output: str, title: str | None = None, header: bool = True) -> None:
    """One function for every command that emits rows: a Rich table, a JSON list, or CSV.

    The one rule of lifeexp's output: rows hold raw values (numbers unrounded, booleans, None), which
    JSON and CSV carry as they are; only the table turns them into display strings (`fmt`: rounding,
    "—" for none). A command whose table shows more than its rows (± spreads, words) draws it itself
    and still hands raw rows here for JSON and CSV. `header=False` (--no-header) leaves out CSV's header.
    """
    if output == "json":
        emit_json(rows)
    elif output == "csv":
        emit_csv(rows, header)
    else:
        columns = list(rows[0]) if rows else []
        table(title, columns, [[row[c] for c in columns] for row in rows])


def rows_with_unit_notes(rows: list[dict], output: str, title: str | None = None, header: bool = True) -> None:
    """Rows with a `unit_note` (None, or how the data contradicts the unit): JSON and CSV keep it as a
    field; a table marks the unit with "!" and prints the notes under it."""
    if output != "table":
        rows_output(rows, output, title, header)
        return
    notes = {row[next(iter(row))]: row["unit_note"] for row in rows if row.get("unit_note")}
    rows_output([{**{k: v for k, v in row.items() if k != "unit_note"},
                  "unit": row["unit"] + (" !" if row.get("unit_note") else "")} for row in rows], "table", title)
    for name, note in notes.items():
        wrapped(shown(f"! {name}: {note}"))


def sparkline(values: list[float]) -> str:
    """A one-line picture of a curve (log-scaled, since losses fall by orders of magnitude); a loss of exactly
    0 (backprop's example reaches it) is the lowest mark, not left out."""
    finite = [v for v in values if v is not None and math.isfinite(v) and v >= 0]
    if not finite:
        return ""
    if len(finite) > 60:
        step = len(finite) / 60
        finite = [finite[int(i * step)] for i in range(60)] + [finite[-1]]
    logs = [math.log10(v) for v in finite if v > 0]
    low, high = min(logs, default=0.0), max(logs, default=0.0)
    span = (high - low) or 1.0
    return "".join(SPARKS[int((math.log10(v) - low) / span * (len(SPARKS) - 1))] if v > 0 else SPARKS[0]
                   for v in finite)


# The byte progress bar for the data files this run reads (`byte_progress`), or None: set once per command
# by main.watch_reading (a terminal, no --quiet), handed to the readers as their `progress` parameter.
_reading = {"progress": None}


def watch_reading(watching: bool) -> None:
    _reading["progress"] = byte_progress if watching else None


def reading_progress():
    """What to pass the data readers as `progress`: the byte bar when this run shows one, else None."""
    return _reading["progress"]


@contextlib.contextmanager
def byte_progress(label: str, total: int):
    """A transient byte progress bar on stderr (reading a large file); yields advance(bytes)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    columns = [TextColumn("{task.description}"), BarColumn(bar_width=30), DownloadColumn(binary_units=True),
               TransferSpeedColumn(), TimeRemainingColumn(), TextColumn("left")]
    with Progress(*columns, console=_console("err"), transient=True) as bar:
        task = bar.add_task(shown(label), total=total)
        yield lambda n: bar.advance(task, n)


@contextlib.contextmanager
def training_progress(epochs: int, quiet: bool = False, validation: bool = False):
    """One Rich progress bar on stderr for iterative training, reused by every fit of a run.

    Yields progress(label) -> on_epoch(epoch, train_loss, val_loss), or None when quiet or when stderr is
    not a terminal (`fit --solver adam 2>log` began its log with an empty line): each call to
    progress restarts the bar under a new label ("fit", "fold 2/5"), so cross-validation draws one bar
    with a fold counter rather than one bar per fold.

    No time left is shown: early stopping (patience) ends most runs long before --epochs, so an estimate
    from the epoch count would be wrong by that much. The bar says "of at most" and shows time elapsed.
    """
    if quiet or not _console("err").is_terminal:  # in a pipe or a log Rich draws no bar, only a blank line
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn("{task.description:>9}"), BarColumn(bar_width=30),
               TextColumn("epoch {task.completed:>5.0f} of at most {task.total:.0f}"),
               TextColumn("loss {task.fields[loss]}")]
    if validation:
        columns.append(TextColumn("val {task.fields[val]}"))
    columns += [TimeElapsedColumn()]
    with Progress(*columns, console=_console("err"), transient=True) as bar:
        task = bar.add_task("fit", total=epochs, loss="—", val="—")

        def progress(label: str):
            bar.reset(task, total=epochs, description=label, loss="—", val="—")

            def on_epoch(epoch: int, train_loss: float, val_loss: float | None) -> None:
                bar.update(task, completed=epoch, loss=fmt(train_loss),
                           val=fmt(val_loss) if val_loss is not None else "—")

            return on_epoch

        yield progress


def training_bar(spec, quiet: bool):
    """The progress bar for fitting `spec` iteratively (see training_progress); nothing for an exact solver."""
    from lifeexp_cli.optim import loop

    if not loop.is_iterative(spec.solver):
        return contextlib.nullcontext(None)
    return training_progress(spec.options["epochs"], quiet, bool(spec.options.get("val_size")))


def spec_text(spec) -> str:
    """A model specification in one line, for table titles: `linear, adam, standard scaling, ...`."""
    scale = "unscaled" if spec.scale == "none" else f"{spec.scale} scaling"
    intercept = "" if spec.intercept else ", no intercept"
    extra = "".join(f", {k}={v}" for k, v in spec.options.items())
    return f"{spec.kind}, {spec.solver}, {scale}, {spec.impute} imputation{intercept}{extra}"


def equation(record) -> str:
    """A linear model's typed record (model/record.py ModelRecord) as its equation:
    `life_expectancy = 0.2·bmi + 59.4` (a negative term with −)."""
    coef = record.coefficients  # term -> θ in original units
    terms = [f"{fmt(coef[f])}·{f}" for f in record.features]
    if coef["intercept"] is not None:
        terms.append(fmt(coef["intercept"]))
    return f"{record.target} = " + " + ".join(terms).replace("+ -", "− ")
