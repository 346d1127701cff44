"""Whole outputs compared with their numbers as numbers: the text between numbers must be identical, and
a full-precision number (10 or more significant digits, as JSON and CSV print floats) may differ from the
expected one by a relative 1e-9 (the last digits of a float depend on the machine's arithmetic); short
numbers, as tables show them, stay exact text."""

from __future__ import annotations

import math
import re

# A decimal number with a point or an exponent (integers are text: a count, a year, a fold).
NUMBER = re.compile(r"(-?\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+))")
FULL_PRECISION = 10  # significant digits from which a number is a float printed in full
RELATIVE, ABSOLUTE = 1e-9, 1e-12  # ABSOLUTE: a float that is rounding noise around zero (1.97e-31)


def significant_digits(token: str) -> int:
    mantissa = re.split(r"[eE]", token)[0]
    return len(mantissa.replace("-", "").replace(".", "").lstrip("0"))


def same_number(got: str, expected: str) -> bool:
    if max(significant_digits(got), significant_digits(expected)) < FULL_PRECISION:
        return got == expected
    return math.isclose(float(got), float(expected), rel_tol=RELATIVE, abs_tol=ABSOLUTE)


def assert_same_output(got: str, expected: str) -> None:
    got_parts, expected_parts = NUMBER.split(got), NUMBER.split(expected)
    if got_parts[0::2] != expected_parts[0::2]:  # the words, punctuation or layout differ
        assert got == expected
    line = 1
    for i in range(1, len(expected_parts), 2):
        line += expected_parts[i - 1].count("\n")
        assert same_number(got_parts[i], expected_parts[i]), \
            f"line {line}: {got_parts[i]} where {expected_parts[i]} was expected (relative tolerance {RELATIVE})"
