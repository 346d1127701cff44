"""The command line: Typer subcommands, and the one place where errors become messages and exit codes.

Commands live in `lifeexp_cli/cli/commands/`, one module each; they parse options, call the library and
render. Heavy modules (pandas, joblib, matplotlib) are imported inside the commands that need them.
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
import warnings
from typing import Annotated, Optional

import typer
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from lifeexp_cli import __version__
from lifeexp_cli.cli import completion
from lifeexp_cli.cli import interrupts
from lifeexp_cli.cli.interrupts import interruption
from lifeexp_cli.errors import LifeexpError, ParameterMessage

COMPLETE_VAR = "_LIFEEXP_COMPLETE"
GC_YOUNG = 10_000  # allocations between young-generation collections (main)


class LifeexpGroup(TyperGroup):
    """Usage errors as one line (`Error: ... (see lifeexp fit --help)`), exit 2, instead of a boxed panel."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        completion.accept_click_style(complete_var or COMPLETE_VAR)
        try:
            code = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # `lifeexp`, `lifeexp data`: a command is missing
            exc.show()  # Click's convention: the help on stderr, exit 2 (`--help` prints it on stdout, exit 0)
            code = exc.exit_code
        except click_errors.ClickException as exc:
            from lifeexp_cli.cli import render

            where = f" (see {exc.ctx.command_path} --help)" if getattr(exc, "ctx", None) else ""
            render.error(exc.format_message().replace("\n", " ") + where)
            code = 2 if isinstance(exc, click_errors.UsageError) else 1
        except typer.Abort as exc:  # Ctrl-C or SIGTERM outside a command (click turns it into Abort)
            from lifeexp_cli.cli import render

            text, code = interruption(exc.__cause__ or exc.__context__)
            render.error(text)
        if not standalone_mode:
            return code
        flush_stdout()
        sys.exit(code if isinstance(code, int) else 0)


def flush_stdout() -> None:
    """Flush now so a reader that went away (`| head -1`) or a full disk ends the run with one message (or
    none), not with another warning when Python flushes stdout at exit."""
    try:
        sys.stdout.flush()
    except OSError:  # BrokenPipeError, ENOSPC, EFBIG, ...: what is left cannot be written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def new_app() -> typer.Typer:
    return typer.Typer(
        name="lifeexp",
        cls=LifeexpGroup,
        help="Predict life expectancy with linear regression and small neural networks, and show why a model "
             "is better. Data: --data FILE, else $LIFEEXP_DATA, else the copy installed by `lifeexp data "
             "install FILE` (the WHO Life Expectancy CSV).",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


HELP_WIDTH = 80  # click wraps help at most this wide; the examples fit it too


def verbatim_examples(doc: str | None) -> str | None:
    """The docstring with each paragraph after "Example:" marked with click's \\b, so that `--help` prints
    every example command as written: never re-wrapped in the middle at 80 columns or in a pipe. An example
    wider than 80 columns is broken before an option into shell continuation lines (` \\`), and a comment
    after it goes on a line of its own above it."""
    if not doc or "Example:" not in doc:
        return doc
    head, mark, tail = doc.partition("Example:")
    prose = len(head) - len(head.rstrip(" "))  # the indentation of the docstring's own lines
    paragraphs = tail.split("\n\n")
    for i, paragraph in enumerate(paragraphs):
        lines = paragraph.split("\n")
        first = next((j for j, text in enumerate(lines) if text.strip()), None)
        if first is not None and lines[first].strip() != "\b":
            indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
            room = HELP_WIDTH - 2 - max(len(indent) - prose, 0)  # click indents help by 2, then the paragraph
            example = [" " * prose + piece for text in lines[first:] if text.strip()
                       for piece in continued(text.strip(), room)]
            paragraphs[i] = "\n".join(lines[:first] + [indent + "\b"] + example)
    return head + mark + "\n\n".join(paragraphs)


def continued(command: str, room: int) -> list[str]:
    """A command as lines of at most `room` columns: broken before an option (or between words when an
    option and its value do not fit), each line but the last ending in ` \\`, the later ones indented by 4.
    A comment (`  # ...`) that does not fit goes above the command."""
    code, hash_mark, comment = command.partition("  # ")
    if hash_mark and len(command) > room:
        return [f"# {comment.strip()}", *continued(code.rstrip(), room)]
    groups: list[str] = []
    for word in command.split(" "):
        if groups and not word.startswith("-") and word not in ("|", ">"):
            groups[-1] += " " + word  # a value stays with its option
        else:
            groups.append(word)
    lines, current = [], ""
    for group in groups:
        candidate = f"{current} {group}" if current else group
        if current and len(candidate) + 2 > room - (4 if lines else 0):
            lines.append(current)
            current = group
        else:
            current = candidate
    lines.append(current)
    return [("    " if i else "") + text + (" \\" if i < len(lines) - 1 else "") for i, text in enumerate(lines)]


def guarded(command):
    """Turn library errors into one red line on stderr and their exit code; Ctrl-C into exit 130."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from lifeexp_cli.cli import render

        watch_reading(kwargs.get("quiet", False))
        signals = len(interrupts.ARRIVED)
        try:
            with warnings.catch_warnings():
                # numpy's overflow/invalid-value chatter: results say what went wrong in our own words
                warnings.simplefilter("ignore", RuntimeWarning)
                return command(*args, **kwargs)
        except ParameterMessage as exc:
            render.error(exc.message(flag_of))
            raise typer.Exit(exc.exit_code) from None
        except LifeexpError as exc:
            interrupt = interrupts.arrived_since(signals)  # a library may turn Ctrl-C into an error of its own
            if interrupt is not None:
                stopped(interrupt)
            render.error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (interrupts.Terminated)
            stopped(exc)
        except BrokenPipeError:  # the reader went away (`| head -1`): what it read is all it wanted
            flush_stdout()
            raise typer.Exit(0) from None
        except OSError as exc:  # a full disk, the file size limit, a name too long, ...
            from lifeexp_cli.cli import os_errors

            flush_stdout()
            render.error(os_errors.message(exc))
            raise typer.Exit(1) from None
        except MemoryError as exc:  # anywhere: the arrays in flight are gone by now, so there is room to say it
            from lifeexp_cli.cli import os_errors

            flush_stdout()
            render.error(os_errors.memory(task_name(), exc))
            raise typer.Exit(1) from None

    run.__doc__ = verbatim_examples(command.__doc__)
    return run


def stopped(interrupt: BaseException):
    """End the run as the interrupt (Ctrl-C or SIGTERM) asked: one line, exit 130 or 143."""
    from lifeexp_cli.cli import render

    text, code = interruption(interrupt)
    render.error(text)
    raise typer.Exit(code) from None


def task_name() -> str:
    """The running command as typed (`fit`, `data info`), for a message."""
    from typer._click.globals import get_current_context

    context = get_current_context(silent=True)
    return context.command_path.partition(" ")[2] or context.command_path if context else "this command"


def watch_reading(quiet: bool) -> None:
    """A byte progress bar for large data files (data/opening.py), on a terminal only and never with --quiet."""
    from lifeexp_cli.cli import render

    try:
        watching = not quiet and sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError, OSError):  # a closed or odd stderr: no bar
        watching = False
    render.watch_reading(watching)


# Library parameters whose flag is not `--` + the name with dashes.
FLAGS = {"k": "--folds", "kind": "--kind", "no_intercept": "--no-intercept", "optimizer": "--solver"}


def flag_of(parameter: str) -> str:
    """The command-line flag of a library parameter (`batch_size` -> `--batch-size`)."""
    return FLAGS.get(parameter, "--" + parameter.replace("_", "-"))


def version_callback(value: bool):
    if value:
        typer.echo(f"lifeexp {__version__}")
        raise typer.Exit()


def root(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=version_callback, is_eager=True, help="Print the version and exit.")] = None,
):
    """Predict life expectancy with linear regression and small neural networks."""


EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}
# Every command, in the order --help lists them: (name, module of cli/commands/, function, short help).
# A command's module is imported only when the app holds the command (`app_for`).
COMMANDS = (
    ("fit", "fit", "fit", "Fit a model and save it."),
    ("eval", "eval_command", "eval_model", "Score a saved model on data."),
    ("predict", "predict", "predict", "Predict for a person or for CSV rows."),
    ("compare", "compare", "compare", "Tim's and Tom's models side by side."),
    ("features", "features", "features", "Feature names, aliases, meanings, units."),
    ("cv", "cv", "cv", "Cross-validate a model specification."),
    ("corr", "corr", "corr", "Correlations with the target, and the matrix."),
    ("select", "select", "select", "Greedy forward feature selection by CV."),
    ("plot", "plot", "plot", "Draw a model as PNG files."),
    ("backprop", "backprop", "backprop", "Backpropagation worked by hand."),
)
DATA_COMMANDS = (
    ("info", "data", "info", "Columns, types, missing values."),
    ("describe", "data", "describe", "Summary statistics per column."),
    ("install", "data_install", "install", "Install the WHO dataset for every command."),
    ("where", "data_install", "where", "Which data commands read, and why."),
)
NAMES = frozenset([name for name, *_ in COMMANDS] + ["data"])


def command_module(module: str):
    return importlib.import_module(f"lifeexp_cli.cli.commands.{module}")


def build_app(names: frozenset[str] = NAMES) -> typer.Typer:
    """The app holding the commands (and the `data` group) named."""
    built = new_app()
    built.callback()(root)
    for name, module, function, short_help in COMMANDS:
        if name in names:
            found = command_module(module)
            settings = {"cls": found.PredictCommand, "context_settings": EXTRA_ARGS} if name == "predict" else {}
            built.command(name, short_help=short_help, **settings)(guarded(getattr(found, function)))
    if "data" in names:
        data_app = typer.Typer(name="data", help="Look at a CSV before fitting (columns, missing values, "
                                                 "statistics); install the WHO dataset once; see which data "
                                                 "every command reads.",
                               no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})
        for name, module, function, short_help in DATA_COMMANDS:
            data_app.command(name, short_help=short_help)(guarded(getattr(command_module(module), function)))
        built.add_typer(data_app, name="data",
                        short_help="Look at a CSV; install the dataset; where data comes from.")
    return built


def whole_app() -> typer.Typer:
    """`app`: every command held, built once, on first use."""
    if "app" not in globals():
        globals()["app"] = build_app()
    return globals()["app"]


def __getattr__(name: str):
    """`from lifeexp_cli.cli.main import app` (tests, `make docs`) builds the whole app; `lifeexp NAME`
    does not (`app_for`)."""
    if name == "app":
        return whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    # What exists by now (the modules, their classes and functions) lives as long as the process: frozen out
    # of the cyclic collector's reach, its passes during the run, and the one at exit, walk only what the
    # command makes (a twentieth of predict's and compare's start-up: bench/startup_instructions.py).
    gc.freeze()
    # A young-generation pass after every GC_YOUNG container allocations, not Python's 700: a command makes
    # many short-lived containers (parsed options, tables, records), few cycles, and the passes over them
    # were 2-4% of a WHO fit's instructions. Collections still happen, only less often; the older
    # generations keep their thresholds, and arrays (the memory of a large fit) are freed by their
    # reference counts, not by these passes (bench/startup_instructions.py counts the fit).
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # started with it closed (`>&-`): nobody reads it, as after `| head -0`
            setattr(sys, name, open(os.devnull, "w"))
    from lifeexp_cli.cli import os_errors

    sys.stdout = os_errors.whole_writes(sys.stdout)  # unbuffered (PYTHONUNBUFFERED=1): no silent short write
    interrupts.handle_signals()
    readable_on_any_terminal()
    try:
        app_for(sys.argv[1:])()
    finally:
        # The end (the command exits by SystemExit): what the run made is frozen too, so that the shutdown's
        # full collections, which walk every object (pandas' and numpy's modules for a fit: 3.5% of the WHO
        # fit's instructions), skip it. They would only free cycles that the process's exit frees anyway:
        # what must happen at exit does not wait for them (files are closed where they are written, stdout
        # flushed by the group, temporary files anonymous or removed in `finally`, atexit handlers run).
        gc.freeze()


def app_for(args: list[str]):
    """The app that runs `lifeexp ARGS`: for `lifeexp NAME ...`, one holding only the command NAME, whose
    module alone is imported. Typer builds the options of every command it holds, and the other twelve
    (their modules and options) cost `predict` and `compare` about a tenth of their start-up. `lifeexp`
    alone, `--help`, an unknown name (its suggestions need every name) and shell completion get every
    command."""
    name = args[0] if args else None
    if name in NAMES and COMPLETE_VAR not in os.environ:
        return build_app(frozenset([name]))
    return whole_app()


def readable_on_any_terminal() -> None:
    """On a terminal whose encoding lacks a character (PYTHONIOENCODING=latin-1), tables and messages show
    it as ? instead of failing (JSON escapes it instead: render.ascii_only)."""
    from lifeexp_cli.cli import render

    if sys.stdout is not None and not render.utf(sys.stdout):
        sys.stdout.reconfigure(errors="replace")
