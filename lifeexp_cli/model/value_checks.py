"""The checks of one value of a model file, the primitives every field check is built from
(model/fields.py, model/record_checks.py): a check is a function value -> None (fine) or the problem in
words ("must be > 0"), written so that "field NAME " + problem reads as a sentence.

The values are those the shape walk passed (model/record_checks.py `shape_problem`): plain containers,
ints within 64 bits, finite floats. Standard library only: `predict` loads a model on its fast start-up
path.
"""

from __future__ import annotations

from typing import Callable, Optional

from lifeexp_cli.limits import MAX_ELEMENTS, MAX_INT, MAX_TEXT

Check = Callable[[object], Optional[str]]


def is_int(value) -> bool:
    return type(value) is int  # bool is not an int here


def is_number(value) -> bool:
    return type(value) in (int, float)  # the shape walk has bounded ints and refused non-finite floats


def integer(low: int = -MAX_INT, high: int = MAX_INT) -> Check:
    def check(value):
        if not is_int(value):
            return f"must be an integer, got {kind_of(value)}"
        if not low <= value <= high:
            return f"must be from {low} to {high}, got {value}"
        return None
    return check


def number(low: float | None = None, high: float | None = None, *, above: float | None = None,
           below: float | None = None) -> Check:
    """A finite int or float within [low, high] (inclusive) and (above, below) (exclusive)."""
    def check(value):  # bound by bound, without a closure per bound: a model file has thousands of numbers
        if type(value) is not int and type(value) is not float:
            return f"must be a number, got {kind_of(value)}"
        if low is not None and not value >= low:
            return f"must be >= {low:g}, got {value:g}"
        if high is not None and not value <= high:
            return f"must be <= {high:g}, got {value:g}"
        if above is not None and not value > above:
            return f"must be > {above:g}, got {value:g}"
        if below is not None and not value < below:
            return f"must be < {below:g}, got {value:g}"
        return None
    return check


def flag(value):
    return None if type(value) is bool else f"must be true or false, got {kind_of(value)}"


def text(max_chars: int = MAX_TEXT) -> Check:
    def check(value):
        if type(value) is not str:
            return f"must be a string, got {kind_of(value)}"
        return f"must be at most {max_chars} characters" if len(value) > max_chars else None
    return check


def one_of(*choices) -> Check:
    def check(value):
        return None if type(value) is str and value in choices else \
            f"must be one of {', '.join(map(str, choices))}"
    return check


def listing(item: Check | None = None, *, low: int = 0, high: int = MAX_ELEMENTS) -> Check:
    """A list of low..high items, each passing `item`."""
    def check(value):
        if type(value) is not list:
            return f"must be a list, got {kind_of(value)}"
        if not low <= len(value) <= high:
            count = f"{low}" if low == high else f"{low} to {high}"
            return f"must hold {count} items, got {len(value)}"
        for i, v in enumerate(value if item else ()):
            wrong = item(v)
            if wrong:
                return f"item {i} {wrong}"
        return None
    return check


def mapping(value):
    return None if type(value) is dict else f"must be a mapping, got {kind_of(value)}"


def nullable(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def either(*checks: Check) -> Check:
    """Passes when any check passes; otherwise the first check's problem."""
    def check(value):
        problems = [c(value) for c in checks]
        return None if None in problems else problems[0]
    return check


def kind_of(value) -> str:
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "null"}.get(type(value), type(value).__name__)
