"""Train/test splits and K folds, by country (groups) or by row, reproducible for a seed.

Grouped splits keep every row of a group (a country's 16 yearly rows) on one side, because a random
row split lets a model see a country's other years during training and flatters it.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.errors import ParameterError

METHODS = ("country", "random")


def _units(groups: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The things that get shuffled (unique groups, or rows) and each row's unit index."""
    if method == "country":
        units, index = np.unique(groups, return_inverse=True)
        return units, index
    if method == "random":
        return np.arange(len(groups)), np.arange(len(groups))
    raise ParameterError(f"{{split}} must be one of {', '.join(METHODS)}, got {{value!r}}", "split", method)


def code_table(values: np.ndarray) -> np.ndarray | None:
    """Which codes occur (a boolean table indexed by code), when the values are non-negative integer codes
    of a range not much larger than their count (data/dataset.py's groups, folds); else None. np.unique
    would sort a copy of them, or (numpy ≥ 2.3) hash every one into a set the allocator keeps."""
    if values.dtype.kind in "iu" and len(values) and values.min() >= 0 and values.max() < 4 * len(values) + 1024:
        present = np.zeros(int(values.max()) + 1, dtype=bool)
        present[values] = True
        return present
    return None


def distinct(values: np.ndarray) -> np.ndarray:
    """np.unique(values): the sorted distinct values, through `code_table` when they are codes."""
    values = np.asarray(values)
    present = code_table(values)
    return np.unique(values) if present is None else np.flatnonzero(present).astype(values.dtype)


def distinct_count(values: np.ndarray) -> int:
    """len(np.unique(values)), through `code_table` when they are codes (no array of the distinct values)."""
    values = np.asarray(values)
    present = code_table(values)
    return len(np.unique(values)) if present is None else int(np.count_nonzero(present))


def shuffled(n: int, seed: int) -> np.ndarray:
    """0..n-1 in the order the seed draws (numpy takes only seeds ≥ 0)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError("{seed} must be a whole number ≥ 0, got {value}", "seed", seed)
    return np.random.default_rng(seed).permutation(n)


def kfold(groups: np.ndarray, k: int, method: str = "country", seed: int = 0, *, by_row: bool = False) \
        -> list[np.ndarray]:
    """Test-row indices of each of k folds; every row is in exactly one test fold. by_row: the groups are
    the rows themselves (data without a country column), as messages then say."""
    fold_of_row = fold_codes(groups, k, method, seed, by_row=by_row)
    return [np.flatnonzero(fold_of_row == f) for f in range(k)]


def fold_codes(groups: np.ndarray, k: int, method: str = "country", seed: int = 0, *, by_row: bool = False) \
        -> np.ndarray:
    """The fold of each row in `kfold`'s k folds, in the smallest unsigned type that holds k − 1 (a byte
    for up to 256 folds): the folds without their lists of row indices (8 bytes a row). by_row: as `kfold`."""
    count, per_row = _unit_values(groups, method)
    if k < 2:
        raise ParameterError("{k} must be at least 2, got {value}", "k", k)
    if k > count:
        what = "countries" if method == "country" and not by_row else "rows"
        raise ParameterError(f"{k} folds need at least {k} {what}, the data has {count}: use fewer folds", "k", k)
    order = shuffled(count, seed)
    fold_of_unit = np.empty(count, dtype=np.min_scalar_type(k - 1))
    for fold, chunk in enumerate(np.array_split(order, k)):
        fold_of_unit[chunk] = fold
    return per_row(fold_of_unit)


def _unit_values(groups: np.ndarray, method: str):
    """(the number of units, a function from one value per unit, in `_units`' order, to each row's): what
    `_units` gives, without its index of a whole number per row when it can — rows are their own units
    (random), and integer group codes (data/dataset.py's) go through a table over their range."""
    groups = np.asarray(groups)
    if method == "random":
        return len(groups), lambda values: values
    present = code_table(groups) if method == "country" else None
    if present is not None:
        codes = np.flatnonzero(present)  # the sorted distinct codes: np.unique's units

        def per_row(values):
            table = np.empty(len(present), dtype=values.dtype)
            table[codes] = values
            return table[groups]

        return len(codes), per_row
    units, index = _units(groups, method)
    return len(units), lambda values: values[index]


def holdout(groups: np.ndarray, test_size: float, method: str = "country", seed: int = 0,
            parameter: str = "test_size") -> np.ndarray:
    """Boolean mask of held-out rows: about `test_size` of the groups (or rows). `parameter` is the name the
    caller knows the size by, for messages (a validation split's is val_size)."""
    if not 0 < test_size < 1:
        raise ParameterError(f"{{{parameter}}} must be between 0 and 1 (exclusive), got {{value}}", parameter,
                             test_size)
    units, index = _units(groups, method)
    n_test = int(round(test_size * len(units)))
    if n_test < 1 or n_test >= len(units):
        what = "countries" if method == "country" else "rows"
        side = "held out" if n_test < 1 else "to train on"
        n = len(units)  # sizes from 1/n to (n - 1)/n hold out from 1 to n - 1 of them
        hint = f"give a size between {1 / n:.4g} and {(n - 1) / n:.4g}" if n >= 2 else f"use data with more {what}"
        raise ParameterError(f"{{{parameter}}} {{value}} leaves no {what} {side} (of {len(units)}): {hint}",
                             parameter, test_size)
    chosen = shuffled(len(units), seed)[:n_test]
    held = np.zeros(len(units), dtype=bool)
    held[chosen] = True
    return held[index]


# Folds of data seen a chunk at a time ---------------------------------------------------------------
# A streamed fit cannot list the countries before it reads them, so a row's fold is a hash of a key: its
# country's name's, or its position's in its source when the data has no country column. Every chunk,
# pass and part of the data then agrees on it.

KEY_BITS = 52  # keys fit a float64 exactly (as data/dataset.py's group_keys of country names)


def position_keys(source: str, start: int, count: int) -> np.ndarray:
    """Keys of rows start..start+count−1 of a source without groups (each row its own group); a country's
    key is data/dataset.py's `group_keys` of its name."""
    import zlib

    base = np.uint64(zlib.crc32(source.encode("utf-8", "surrogatepass")) << 32)
    return mixed(base + np.arange(start, start + count, dtype=np.uint64)) >> np.uint64(64 - KEY_BITS)


def mixed(keys: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer: every input bit moves every output bit (uint64 in, uint64 out)."""
    with np.errstate(over="ignore"):  # arithmetic modulo 2⁶⁴ is the point
        z = np.asarray(keys, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def hashed_folds(keys: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """The fold (0..k−1) of each key for a seed: the folds a streamed fit calibrates on."""
    shuffled(1, seed)  # checks the seed as the other splits do
    return (mixed(np.asarray(keys, dtype=np.uint64) ^ mixed(np.uint64(seed))) % np.uint64(k)).astype(np.intp)
