"""The lecture's example: bad inputs name the parameter (the CLI shows the flag)."""

import pytest

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.nn.backprop_example import explain


@pytest.mark.parametrize("given, param, command_line", [
    ({"steps": 0}, "steps", "--steps must be an integer from 1 to 100000, got 0"),
    ({"lr": 0.0}, "lr", "--lr must be > 0, got 0.0"),
    ({"theta1": float("inf")}, "theta1", "--theta1 must be a finite number, got inf"),
    ({"x": 1e200, "y": -1e200}, "x", "the loss overflows float64 at these values: use smaller --x, --y, --theta0, "
                                     "--theta1"),
    ({"activation": "swish"}, "activation", "unknown --activation 'swish'"),
])
def test_bad_inputs_name_the_parameter(given, param, command_line):
    with pytest.raises(ParameterError) as caught:
        explain(**given)
    assert caught.value.param == param
    assert caught.value.message(flag_of).startswith(command_line)
    assert "--" not in str(caught.value)
