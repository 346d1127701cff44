"""What a table holds: per-column types and missing values, and per-feature descriptive statistics.

`describe` matches pandas' `DataFrame.describe`: count of present values, mean, sample standard
deviation (n − 1), min, quartiles by linear interpolation between order statistics, max.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.data import catalog

STATISTICS = ("count", "mean", "std", "min", "25%", "50%", "75%", "max")


def describe(column: np.ndarray) -> dict[str, float | int | None]:
    """Statistics of one numeric column, ignoring NaN; None where undefined (no values, or std of one)."""
    present = column[~np.isnan(column)]
    n = int(present.size)
    if n == 0:
        return {"count": 0, **{key: None for key in STATISTICS[1:]}}
    q1, median, q3 = np.percentile(present, [25, 50, 75])
    return {"count": n, "mean": float(present.mean()), "std": float(present.std(ddof=1)) if n > 1 else None,
            "min": float(present.min()), "25%": float(q1), "50%": float(median), "75%": float(q3),
            "max": float(present.max())}


def column_info(frame) -> list[dict]:
    """Per column of a pandas DataFrame: name, dtype, present values, missing values and their share."""
    rows = len(frame)
    out = []
    for name in frame.columns:
        present = int(frame[name].notna().sum())
        out.append({"column": name, "dtype": str(frame[name].dtype), "non_null": present,
                    "missing": rows - present, "missing_share": (rows - present) / rows if rows else 0.0,
                    "unit": catalog.describe(name)[1]})
    return out


def coverage(frame) -> dict:
    """How many countries and which years the table covers (None when it has no such column)."""
    countries = years = rows_per_country = None
    if catalog.GROUP_COLUMN in frame.columns:
        sizes = frame[catalog.GROUP_COLUMN].dropna().astype(str).value_counts()
        countries = int(sizes.size)
        rows_per_country = {str(size): int(count) for size, count in sizes.value_counts().sort_index().items()}
    if "year" in frame.columns:
        present = frame["year"].dropna()
        numeric = present.astype(float) if len(present) and present.map(_is_number).all() else None
        if numeric is not None and len(numeric):
            years = {"first": _plain(numeric.min()), "last": _plain(numeric.max()), "count": int(numeric.nunique())}
    return {"countries": countries, "rows_per_country": rows_per_country, "years": years}


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)
