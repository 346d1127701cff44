"""Is one model more accurate than another? A paired comparison over the same cross-validation folds.

Every model is scored on the same K test folds, so what makes a fold easy or hard for all models (which
countries landed in it) cancels in the per-fold difference dₖ = RMSE(other)ₖ − RMSE(best)ₖ. The best
model (lowest mean CV RMSE) is named the winner over another only when the mean difference d̄ is larger
than the spread of the differences over the folds (their sample standard deviation); otherwise the two
are within the noise of the folds and no winner is named.

When the folds are not the same (models cross-validated on different data or splits), the differences
cannot be paired; the spread is then the larger of the two models' own fold-to-fold standard deviations.
"""

from __future__ import annotations

import statistics
from typing import Sequence

# Plain Python (a handful of numbers per model), so `compare` starts without importing numpy.


def spread(values: Sequence[float]) -> float:
    """Sample standard deviation (n − 1); 0 for a single value."""
    return statistics.stdev(values) if len(values) > 1 else 0.0


def difference(best: Sequence[float], other: Sequence[float], paired: bool = True) -> dict:
    """How much worse `other` is than `best`: mean difference of RMSE, its spread, and whether it is clear."""
    best, other = [float(v) for v in best], [float(v) for v in other]
    if paired:
        if len(best) != len(other):
            raise ValueError("a paired comparison needs the same folds for both models")
        d = [o - b for b, o in zip(best, other)]
        mean, noise = statistics.fmean(d), spread(d)
    else:
        mean, noise = statistics.fmean(other) - statistics.fmean(best), max(spread(best), spread(other))
    return {"difference": mean, "spread": noise, "clear": bool(mean > noise)}


def rank(fold_rmse: dict[str, Sequence[float]], paired: bool = True) -> dict:
    """Order models by mean CV RMSE and compare each with the best.

    Returns `best`, `order` (names, best first), `versus` (per other model: `model`, `difference`,
    `spread`, `clear`), `ties` (models not clearly worse than the best) and `clear` (no ties).
    """
    if not fold_rmse:
        raise ValueError("nothing to compare")
    means = {name: statistics.fmean(values) for name, values in fold_rmse.items()}
    order = sorted(fold_rmse, key=lambda name: means[name])
    best = order[0]
    versus = [{"model": name, **difference(fold_rmse[best], fold_rmse[name], paired)} for name in order[1:]]
    ties = [v["model"] for v in versus if not v["clear"]]
    return {"best": best, "order": order, "paired": paired, "versus": versus, "ties": ties, "clear": not ties}
