"""Typed errors: the library words its messages with parameter names, the command line with flags."""

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import ParameterError, UsageError


def test_parameter_error_names_the_parameter_in_the_library_and_the_flag_on_the_command_line():
    error = ParameterError("{batch_size} must be >= 1, got {value}; or use {solver} gd", "batch_size", 0)
    assert isinstance(error, UsageError) and error.exit_code == 2
    assert str(error) == "batch_size must be >= 1, got 0; or use solver gd"
    assert error.message(flag_of) == "--batch-size must be >= 1, got 0; or use --solver gd"
    assert (error.param, error.value) == ("batch_size", 0)


def test_values_keep_their_braces_and_conversions():
    error = ParameterError("{init} must be one of random, zeros, got {value!r}", "init", "{x}")
    assert str(error) == "init must be one of random, zeros, got '{x}'"
