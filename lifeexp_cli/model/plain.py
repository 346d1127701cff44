"""Plain Python values, for model files and JSON: numpy becomes lists and floats, NaN/inf become None."""

from __future__ import annotations

import math


def plain(value):
    """numpy scalars and arrays to Python values; NaN and infinity (which JSON lacks) to None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):
        return plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
