"""Typed errors raised by the library; only the CLI boundary turns them into a message and an exit code."""


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
