"""Typed errors raised by the library; only the CLI boundary turns them into a message and an exit code."""

from __future__ import annotations

from typing import Callable


class LifeexpError(Exception):
    """A problem the user can fix; the message names the problem and the way out."""

    exit_code = 1


class DataError(LifeexpError):
    """The data given cannot be used (missing file, bad column, unusable values)."""


class ModelError(LifeexpError):
    """A model file is missing, corrupt, unsafe, or does not fit the data given."""


class TrainingError(LifeexpError):
    """An iterative fit failed, e.g. the loss diverged."""


class UsageError(LifeexpError):
    """The options given do not make sense together or are out of range."""

    exit_code = 2


class ParameterMessage(LifeexpError):
    """An error whose way out names a parameter of a library call.

    The message is a template in which every parameter is written `{name}` (its value, if shown, as
    `{value}`): `ParameterError("{lr} must be > 0, got {value}", "lr", 0.0)`. `str()` gives the library's
    words ("lr must be > 0, got 0.0"); the command line shows its flags instead (`--lr must be > 0, got
    0.0`) with `message(flag_of)`. The library never names a flag itself.
    """

    def __init__(self, template: str, param: str | None = None, value=None):
        self.template, self.param, self.value = template, param, value
        super().__init__(self.message(lambda name: name))

    def __reduce__(self):  # pickled whole (a Dask worker's error reaches the client with its parameter)
        return type(self), (self.template, self.param, self.value)

    def message(self, name_of: Callable[[str], str]) -> str:
        """The message with each parameter shown as `name_of(parameter)`."""
        return self.template.format_map(_Names(name_of, self.value))


class ParameterError(ParameterMessage, UsageError):
    """A parameter is out of range or does not apply (exit code 2)."""


class DesignError(ParameterMessage, DataError):
    """The data cannot be fitted as given (exit code 1); the way out names a parameter."""


class DivergenceError(ParameterMessage, TrainingError):
    """Training diverged (exit code 1); the way out names the parameters to change."""


class _Names(dict):
    def __init__(self, name_of: Callable[[str], str], value):
        super().__init__(value=value)
        self.name_of = name_of

    def __missing__(self, key: str) -> str:
        return self.name_of(key)
