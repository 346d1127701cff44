"""The model specification: every (kind, solver) it accepts has a fitter, and its refusals name parameters."""

import pytest

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.model.fit import solvers
from lifeexp_cli.model.spec import KINDS, SOLVERS, Spec, check_solver, make_spec, solvers_for


def test_every_kind_and_solver_of_the_spec_has_a_fitter_and_no_other():
    assert list(solvers.FITTERS) == [(kind, solver) for kind in KINDS for solver in SOLVERS[kind]]
    assert solvers_for("linear")[:2] == ["lstsq", "normal"] and solvers_for("unknown") == []


@pytest.mark.parametrize("call,library,command_line", [
    (lambda: check_solver("tree", "lstsq"), "kind must be one of linear, mlp, got 'tree'",
     "--kind must be one of linear, mlp, got 'tree'"),
    (lambda: check_solver("mlp", "lstsq"), "solver lstsq does not apply to mlp models: use one of gd, sgd, "
     "momentum, adam", "--solver lstsq does not apply to mlp models: use one of gd, sgd, momentum, adam"),
    (lambda: make_spec("mlp", intercept=False), "no_intercept does not apply to kind mlp: every unit of a "
     "network has a bias", "--no-intercept does not apply to --kind mlp: every unit of a network has a bias"),
    (lambda: make_spec("linear", network_options={"hidden": "4", "weight_decay": 0.1}),
     "hidden, weight_decay only apply to kind mlp (a neural network), not a linear model",
     "--hidden, --weight-decay only apply to --kind mlp (a neural network), not a linear model"),
])
def test_refusals_name_parameters_and_the_command_line_shows_flags(call, library, command_line):
    with pytest.raises(ParameterError) as caught:
        call()
    assert str(caught.value) == library
    assert caught.value.message(flag_of) == command_line
    assert caught.value.exit_code == 2


def test_make_spec_fills_defaults_per_solver():
    assert make_spec() == Spec("linear", "lstsq", "none", "mean", True, {})
    iterative = make_spec("linear", "gd")
    assert iterative.scale == "standard" and iterative.options["epochs"] == 1000
    assert make_spec("mlp").solver == "adam"


def test_from_options_sorts_network_from_training_options_and_ignores_what_was_not_given():
    from lifeexp_cli.model.spec import from_options

    net = from_options("mlp", options={"lr": 0.01, "hidden": "4", "epochs": None, "activation": "tanh"})
    assert net.options["lr"] == 0.01 and net.options["hidden"] == [4] and net.options["activation"] == "tanh"
    assert net.options["epochs"] == make_spec("mlp").options["epochs"]
    assert from_options("linear", options={"lr": None, "hidden": None}) == make_spec("linear")
