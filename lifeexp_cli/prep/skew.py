"""log(1 + x) of skewed non-negative features, before a network standardizes its inputs.

Several WHO columns span orders of magnitude (gdp, population, measles, infant and under-five deaths,
percentage_expenditure, hiv_aids): standardized, most rows sit near one value and a few countries far
out, and a network spends its units on the few. A feature is taken as skewed when its present training
values are all ≥ 0 and the largest is more than SKEW_RATIO times the median (and the median is > 0);
the rule looks at the training rows only, and the chosen columns are stored with the model (params
"log") so new rows are transformed the same way. Values below 0 at prediction time count as 0.
Measured with bench/ensemble.py (docs/performance.md#the-network).
"""

from __future__ import annotations

import numpy as np

SKEW_RATIO = 20.0


def skewed_columns(X: np.ndarray) -> np.ndarray:
    """Per column: whether its present values are non-negative and skewed (max > SKEW_RATIO · median > 0)."""
    flags = []
    for column in X.T:
        present = column[~np.isnan(column)]
        median = float(np.median(present)) if present.size else 0.0
        flags.append(bool(present.size and present.min() >= 0 and median > 0
                          and present.max() > SKEW_RATIO * median))
    return np.array(flags, dtype=bool)


def apply_log(X: np.ndarray, flags) -> np.ndarray:
    """X with log(1 + max(x, 0)) in the flagged columns (NaN stays NaN)."""
    flags = np.asarray(flags, dtype=bool)
    if not flags.any():
        return X
    out = np.array(X, dtype=float, copy=True)
    out[:, flags] = np.log1p(np.maximum(out[:, flags], 0.0))
    return out
