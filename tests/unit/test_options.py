"""Every model option declared once (lifeexp_cli/options.py): the defaults the math uses are the ones
--help shows, and the commands that fit take exactly the declared options."""

import inspect

from lifeexp_cli import options
from lifeexp_cli.nn import ensemble, regressor
from lifeexp_cli.optim import loop, optimizers


def test_the_math_takes_its_defaults_from_the_declaration():
    assert loop.SOLVER_DEFAULTS is options.SOLVER_DEFAULTS and loop.COMMON_DEFAULTS is options.TRAINING_DEFAULTS
    assert optimizers.DEFAULT_HP is options.OPTIMIZER_DEFAULTS
    assert regressor.DEFAULTS is options.NETWORK_DEFAULTS
    assert regressor.TRAINING_DEFAULTS is options.NETWORK_TRAINING_DEFAULTS
    assert ensemble.MAX_MEMBERS == options.MAX_ENSEMBLE
    assert set(loop.OPTION_KEYS) == {"lr", "batch_size", *options.TRAINING_DEFAULTS, *options.OPTIMIZER_DEFAULTS,
                                     "momentum_form"}
    assert set(regressor.OPTION_KEYS) == set(options.NETWORK_DEFAULTS)


def test_help_shows_the_defaults_in_use():
    by_name = options.BY_NAME
    assert "Default: 0.1 (gd), 0.003 (sgd), 0.003 (momentum), 0.005 (adam); for mlp 0.01 (gd)" in by_name["lr"].help
    assert by_name["tol"].help.endswith("Default: 1e-7 (linear), 1e-4 (mlp).")
    assert by_name["eps"].help.endswith("Default: 1e-8.") and by_name["hidden"].help.endswith("Default: 64,32.")
    assert options.number(0.003) == "0.003" and options.number(1e-4) == "1e-4" and options.number(1000) == "1000"


def test_every_declared_option_reaches_the_commands_that_fit():
    from lifeexp_cli.cli.commands.cv import cv
    from lifeexp_cli.cli.commands.fit import fit
    from lifeexp_cli.cli.commands.select import select
    from lifeexp_cli.cli.options import build_spec

    names = [option.name for option in options.MODEL]
    for command in (fit, cv, select):
        assert set(names) <= set(inspect.signature(command).parameters), command.__name__
    spec = build_spec(kind="mlp", hidden="8", epochs=3, seed=2)
    assert spec.options["hidden"] == [8] and spec.options["epochs"] == 3 and spec.options["seed"] == 2


def every_command(group=None, path=()):
    """(command path, click command) of every command of the app."""
    import typer

    from lifeexp_cli.cli.main import app

    group = group or typer.main.get_command(app)
    for name, command in getattr(group, "commands", {}).items():
        if getattr(command, "commands", None):
            yield from every_command(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def test_every_shared_option_is_declared_once_with_its_default():
    """A parameter that takes a shared option's flag is that option: its flags, help and default as declared,
    or as declared for that command (VARIANTS). Hidden parameters (old spellings) aside."""
    seen = set()
    for path, command in every_command():
        for param in command.params:
            if getattr(param, "hidden", False):
                continue
            # --features is two options: the features to fit, and the columns to look at (data describe, corr)
            named = [o for o in options.SHARED if o.flags[0] in param.opts]
            if not named:
                continue
            option = next((o for o in named if o.help == param.help), named[0])
            option = options.VARIANTS.get((path, option.name), option)
            seen.add((path, option.name))
            assert sorted(param.opts + param.secondary_opts) == sorted(option.flags), (path, option.name)
            assert param.help == option.help, (path, option.name)
            default = param.default.value if hasattr(param.default, "value") else param.default
            if param.required:
                assert option.name == "features", (path, option.name)
            else:
                assert default == option.default, (path, option.name)
    assert {name for _, name in seen} == {option.name for option in options.SHARED}
    assert set(options.VARIANTS) <= seen


def test_a_flag_means_one_thing_across_commands():
    """The flags several commands take with different help are declared once (SHARED, VARIANTS), or are a
    different option of the one command that takes them, listed here."""
    own = {"--activation": {"backprop"}, "--lr": {"backprop"}, "--kind": {"plot"}, "--ensemble": {"compare"},
           "--out": {"fit", "plot"}, "--png": {"compare", "corr"}}
    declared = {o.help for o in (*options.SHARED, *options.MODEL, *options.VARIANTS.values())}
    helps: dict = {}
    for path, command in every_command():
        for param in command.params:
            if getattr(param, "hidden", False) or not getattr(param, "opts", None):
                continue
            helps.setdefault(param.opts[0], {}).setdefault(param.help, set()).add(path)
    for flag, by_help in helps.items():
        if len(by_help) > 1:
            for text, commands in by_help.items():
                assert text in declared or commands <= own.get(flag, set()), (flag, sorted(commands))
