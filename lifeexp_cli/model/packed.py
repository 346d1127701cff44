"""The packed format of a model file's long vectors (PACKED: calibration scores, a shift calibration's
cell scores, the domain check's reference rows): from format version 2 they are little-endian float64
bytes (`pack_floats`), a list of numbers in version 1 files.

Their checks (`packed_numbers`) take either form; on bytes they run in C (min, max, isfinite over an
`array`), so a check costs little whatever their length, and store.loads decodes them to lists after the
checks passed (`unpack`); store.dumps packs them (`pack_floats`, `status_cells`).

Standard library only: `predict` loads a model on its fast start-up path.
"""

from __future__ import annotations

import math
import sys
from array import array
from functools import cache

from lifeexp_cli.limits import MAX_ELEMENTS
from lifeexp_cli.model.value_checks import Check, listing, number

# Stored as float64 bytes from format version 2 (and a shift calibration's cells' scores: `status_cells`).
PACKED = (("calibration", "scores"), ("domain", "rows"))


def pack_floats(values) -> bytes:
    """Numbers as little-endian float64 bytes (what format version 2 stores for PACKED fields)."""
    packed = array("d", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_floats(raw: bytes) -> array:
    """The float64 numbers of `pack_floats`' bytes (their length a multiple of 8, checked before)."""
    packed = array("d")
    packed.frombytes(raw)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed


def numbers_of(value):
    """A PACKED field's numbers, whichever form it is stored in (a list, or bytes)."""
    return unpack_floats(value) if type(value) is bytes else value


def rows_of(value, p: int, tuples: bool = False) -> list | tuple:
    """Domain rows as lists of p numbers, from either form (bytes: p numbers per row, row after row);
    `tuples`: bytes as a tuple of tuples."""
    if type(value) is not bytes:
        return value
    if tuples:  # tolist, then tuples: a third quicker than iterating the array
        return tuple(zip(*[iter(unpack_floats(value).tolist())] * p))
    return list(map(list, zip(*[iter(unpack_floats(value).tolist())] * p)))  # p numbers at a time, in C


def status_cells(calibration: dict) -> list[dict]:
    """A shift calibration's score cells (each status group's pooled cell and fold cells): their scores
    are PACKED too."""
    groups = calibration.get("statuses")
    if type(groups) is not dict:
        return []
    return [cell for group in groups.values() if type(group) is dict
            for cell in [group.get("pooled"), *(group.get("folds") or [])] if type(cell) is dict]


def unpack(record: dict, tuples: bool = False) -> dict:
    """The record with its PACKED fields as lists of numbers (and lists of rows), as version 1 holds them;
    `tuples`: as tuples, which the typed record holds (store.load_record: no lists made to be copied)."""
    numbers = (lambda packed: tuple(packed.tolist())) if tuples else array.tolist  # tolist: quicker than tuple(array)
    calibration, reference = record.get("calibration"), record.get("domain")
    if type(calibration) is dict and type(calibration.get("scores")) is bytes:
        calibration["scores"] = numbers(unpack_floats(calibration["scores"]))
    for cell in status_cells(calibration) if type(calibration) is dict else []:
        if type(cell.get("scores")) is bytes:
            cell["scores"] = numbers(unpack_floats(cell["scores"]))
    if type(reference) is dict and type(reference.get("rows")) is bytes:
        reference["rows"] = rows_of(reference["rows"], len(record["features"]), tuples)
    return record


def packed_numbers(low: float, high: float, *, count_low: int = 0, count_high: int = MAX_ELEMENTS,
                   listed: Check | None = None) -> Check:
    """A list of count_low..count_high numbers in [low, high] (or what `listed` accepts: version 1's form),
    or the same numbers as float64 bytes; `count_high` bounds the bytes before they are decoded."""
    listed = listed or listing(number(low, high), low=count_low, high=count_high)

    def check(value):
        if type(value) is not bytes:
            return listed(value)
        if len(value) % 8:
            return f"must hold whole float64 numbers (8 bytes each), got {len(value)} bytes"
        if not count_low <= len(value) // 8 <= count_high:
            return f"must hold {count_low} to {count_high} numbers, got {len(value) // 8}"
        if not value[7::8].translate(None, surely_within(low, high)):  # each number's top byte, in C
            return None
        numbers = unpack_floats(value)
        if not all(map(math.isfinite, numbers)):
            return "must hold finite numbers only"
        if numbers and not (low <= min(numbers) and max(numbers) <= high):
            return f"must hold numbers from {low:g} to {high:g}"
        return None
    return check


@cache
def surely_within(low: float, high: float) -> bytes:
    """The top bytes (sign bit, then the exponent's high 7 bits) of a float64 that only finite numbers
    within [low, high] have: with top byte t, |x| < 2^k where k = 16·((t & 0x7f) + 1) − 1023. A vector
    whose top bytes are all among them passes its check at C speed (`bytes.translate`), where a Python
    pass over thousands of numbers costs a millisecond per model on `predict`'s and `compare`'s start-up;
    any other top byte (NaN, infinity, a number near or past a bound, −0.0 when low is 0) sends the
    vector to the check number by number, which also words the problem."""
    found = []
    for top in range(256):
        k = 16 * ((top & 0x7F) + 1) - 1023
        if k > 1023:  # 2^k past float64: NaN, infinity, the largest numbers
            continue
        size = 2.0 ** k
        if (low <= 0 and size <= high) if top < 0x80 else (high >= 0 and size <= -low):
            found.append(top)
    return bytes(found)
