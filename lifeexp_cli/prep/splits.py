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


def shuffled(n: int, seed: int) -> np.ndarray:
    """0..n-1 in the order the seed draws (numpy takes only seeds ≥ 0)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError("{seed} must be a whole number ≥ 0, got {value}", "seed", seed)
    return np.random.default_rng(seed).permutation(n)


def kfold(groups: np.ndarray, k: int, method: str = "country", seed: int = 0) -> list[np.ndarray]:
    """Test-row indices of each of k folds; every row is in exactly one test fold."""
    units, index = _units(groups, method)
    if k < 2:
        raise ParameterError("{k} must be at least 2, got {value}", "k", k)
    if k > len(units):
        what = "countries" if method == "country" else "rows"
        raise ParameterError(f"{k} folds need at least {k} {what}, the data has {len(units)}: use fewer folds", "k", k)
    order = shuffled(len(units), seed)
    fold_of_unit = np.empty(len(units), dtype=int)
    for fold, chunk in enumerate(np.array_split(order, k)):
        fold_of_unit[chunk] = fold
    fold_of_row = fold_of_unit[index]
    return [np.flatnonzero(fold_of_row == f) for f in range(k)]


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
        raise ParameterError(f"{{{parameter}}} {{value}} leaves no rows on one side of the split: "
                             "choose a size between them or use more data", parameter, test_size)
    chosen = shuffled(len(units), seed)[:n_test]
    held = np.zeros(len(units), dtype=bool)
    held[chosen] = True
    return held[index]
