"""Every command documents itself with an example, and the commands that fit share one set of model options."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from lifeexp_cli.cli import options
from lifeexp_cli.cli.main import app


def command_paths(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix + (c.name,) for c in group.registered_commands]
    for sub in group.registered_groups:
        paths += command_paths(sub.typer_instance, prefix + (sub.name,))
    return paths


@pytest.mark.parametrize("path", command_paths(app), ids=" ".join)
def test_every_command_has_an_example(path):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.stderr
    assert "Example:" in result.stdout
    assert "lifeexp " + " ".join(path) in result.stdout


def test_data_and_new_commands_are_registered():
    paths = command_paths(app)
    for path in [("data", "info"), ("data", "describe"), ("corr",), ("cv",), ("select",)]:
        assert path in paths


@pytest.mark.parametrize("command", ["fit", "cv", "select"])
def test_commands_that_fit_take_the_model_options(command):
    text = CliRunner().invoke(app, [command, "--help"]).stdout
    for flag in ("--solver", "--scale", "--impute", "--no-intercept"):
        assert flag in text, (command, flag)


def test_build_spec_maps_options_onto_a_spec():
    spec = options.build_spec(solver="normal", scale=None, impute="median", no_intercept=True, epochs=None)
    assert (spec.kind, spec.solver, spec.scale, spec.impute, spec.intercept) == ("linear", "normal", "none",
                                                                                  "median", False)
    assert spec.options == {}
    spec = options.build_spec(solver="sgd", lr=0.1, epochs=None, seed=3)
    assert spec.scale == "standard"  # iterative solvers scale by default
    assert spec.options["lr"] == 0.1 and spec.options["seed"] == 3 and spec.options["epochs"] == 1000


def test_training_options_reach_cv_and_select():
    for command in ("cv", "select"):
        text = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}).stdout
        assert "--lr" in text and "--epochs" in text, command


def test_fit_cv_and_select_list_the_same_model_options_in_the_same_order():
    """The model options are written out in each of the three commands: they must not drift apart."""
    import inspect

    from lifeexp_cli.cli.commands.cv import cv
    from lifeexp_cli.cli.commands.fit import fit
    from lifeexp_cli.cli.commands.select import select

    model_options = [name for name in inspect.signature(options.build_spec).parameters if name != "seed"]
    for command in (fit, cv, select):
        params = list(inspect.signature(command).parameters)
        start = params.index(model_options[0])
        assert params[start:start + len(model_options)] == model_options, command.__name__


@pytest.mark.parametrize("path", command_paths(app), ids=" ".join)
def test_examples_are_never_rewrapped_at_80_columns(path):
    """Each example is printed as written, however narrow the terminal or pipe: on one line, or when wider
    than 80 columns, broken before an option into shell continuation lines that fit 80 columns."""
    text = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"}).stdout
    examples = text.split("Example:", 1)[1].splitlines()[1:]
    section = next((i for i, line in enumerate(examples) if line and not line.startswith(" ")), len(examples))
    lines = examples[:section]
    assert max(len(line) for line in lines) <= 80, lines
    commands = [line.strip() for line in "\n".join(lines).replace(" \\\n", " ").splitlines()
                if line.strip() and not line.strip().startswith("#")]
    assert commands and all("lifeexp" in line for line in commands), commands
    assert all("\b" not in line and "\\" not in line for line in commands), commands


def test_a_long_example_is_continued_before_an_option_and_its_comment_goes_above():
    from lifeexp_cli.cli.main import continued

    command = "lifeexp fit --features gdp,income,schooling --scale standard --test-size 0.2 --format json"
    assert continued(command, 74) == ["lifeexp fit --features gdp,income,schooling --scale standard \\",
                                      "    --test-size 0.2 --format json"]
    assert continued("lifeexp predict --bmi 24.1   # the shipped tim-bmi", 30) == [
        "# the shipped tim-bmi", "lifeexp predict --bmi 24.1"]
    assert continued("lifeexp eval", 78) == ["lifeexp eval"]


@pytest.mark.parametrize("args", [[], ["data"]], ids=["lifeexp", "lifeexp data"])
def test_a_missing_command_prints_the_help_on_stderr_and_exits_2(args):
    """Click's convention: a group without its command is a usage error (help on stderr, exit 2); --help
    asks for the help (stdout, exit 0)."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Usage: {' '.join(['lifeexp', *args])} [OPTIONS] COMMAND")
    assert "Commands:" in result.stderr
    asked = CliRunner().invoke(app, [*args, "--help"])
    assert asked.exit_code == 0 and asked.stdout == result.stderr
