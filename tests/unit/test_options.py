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
