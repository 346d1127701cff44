"""The command line: Typer subcommands, and the one place where errors become messages and exit codes.

Commands live in `lifeexp_cli/commands/`, one module each; they parse options, call the library and
render. Heavy modules (pandas, joblib, matplotlib) are imported inside the commands that need them.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Annotated, Optional

import typer

from lifeexp_cli import __version__
from lifeexp_cli.commands.compare import compare
from lifeexp_cli.commands.evaluate import evaluate
from lifeexp_cli.commands.features import features
from lifeexp_cli.commands.fit import fit
from lifeexp_cli.commands.predict import predict
from lifeexp_cli.errors import LifeexpError

app = typer.Typer(
    name="lifeexp",
    help="Predict life expectancy with linear regression and small neural networks, and show why a model "
         "is better. Data: --data FILE or $LIFEEXP_DATA (the WHO Life Expectancy CSV).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def guarded(command):
    """Turn library errors into one red line on stderr and their exit code; Ctrl-C into exit 130."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from lifeexp_cli import render

        try:
            return command(*args, **kwargs)
        except LifeexpError as exc:
            render.error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            render.error("interrupted; nothing was written")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None

    return run


def version_callback(value: bool):
    if value:
        typer.echo(f"lifeexp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=version_callback, is_eager=True, help="Print the version and exit.")] = None,
):
    """Predict life expectancy with linear regression and small neural networks."""


EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}
app.command("fit")(guarded(fit))
app.command("eval")(guarded(evaluate))
app.command("predict", context_settings=EXTRA_ARGS)(guarded(predict))
app.command("compare")(guarded(compare))
app.command("features")(guarded(features))


def main() -> None:
    app()
