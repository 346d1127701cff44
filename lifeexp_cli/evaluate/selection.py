"""Greedy forward feature selection by cross-validated RMSE.

Start from no feature. At each step, score every remaining candidate added to the chosen set by its
CV RMSE over the same folds, and add the best. Stop at `max_features`, or when no candidate lowers the
CV RMSE.

A gain is a drop in the mean CV RMSE larger than rounding (`NOISE`, relative): a constant column, or one
that repeats a chosen column exactly, leaves every fold's fit the same up to the last bits, and a drop of
2e-14 in an RMSE of 8.37 once added such a column to the chosen set.

Near-duplicates: a candidate that nearly repeats a chosen feature (|r| > 0.95 between them, e.g. infant
deaths and under-five deaths) adds little information but makes the fit unstable. It is taken only when
its gain — the mean over folds of the drop in RMSE, paired fold by fold — is larger than the spread of
that drop over the folds; otherwise the next-best candidate is considered.

The scorer is passed in (`score(features) -> per-fold RMSE`), so this module knows nothing of fitting.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from lifeexp_cli.errors import ParameterError
from lifeexp_cli.evaluate import comparison
from lifeexp_cli.limits import MAX_CANDIDATES

Scorer = Callable[[list[str]], np.ndarray]

# The smallest drop in mean CV RMSE, relative to it, that counts as a gain: well above the 1e-15 of
# rounding, far below any drop the table shows (4 significant digits).
NOISE = 1e-9


def check_candidates(candidates: list[str]) -> None:
    if len(candidates) > MAX_CANDIDATES:
        raise ParameterError(f"{len(candidates)} candidates is too many for forward selection (at most "
                             f"{MAX_CANDIDATES}: each step fits every remaining one): name fewer with {{candidates}}, "
                             "e.g. the strongest correlations with the target", "candidates", len(candidates))


def beats_spread(gain: dict) -> bool:
    """Selection's rule: the mean gain over the folds is larger than its spread (compare's `clear`, the
    t-interval for the mean excluding 0, is another rule; selection keeps this one)."""
    return bool(gain["difference"] > gain["spread"])


def twins_of(pairs: list[tuple[str, str, float]]) -> dict[str, dict[str, float]]:
    """{feature: {near-duplicate: r}} from (a, b, r) pairs."""
    twins: dict[str, dict[str, float]] = {}
    for a, b, r in pairs:
        twins.setdefault(a, {})[b] = r
        twins.setdefault(b, {})[a] = r
    return twins


# Why a search ended (forward_select's `stopped`).
LIMIT, EXHAUSTED, NO_GAIN, NO_CLEAR_GAIN = "limit", "exhausted", "no_gain", "no_clear_gain"
STOP_TEMPLATES = {
    LIMIT: "reached {max_features} {value}",
    EXHAUSTED: "every candidate is in the set",
    NO_GAIN: "no remaining candidate lowers the CV RMSE",
    NO_CLEAR_GAIN: "no remaining candidate lowers the CV RMSE by more than the spread (near-duplicates)",
}


def stop_text(stopped: str, max_features: int | None, name_of: Callable[[str], str] = str) -> str:
    """Why the search ended, in words; the limit named by `name_of("max_features")` (the command line
    passes its flag)."""
    return STOP_TEMPLATES[stopped].format(max_features=name_of("max_features"), value=max_features)


def forward_select(score: Scorer, candidates: list[str], max_features: int | None = None,
                   twins: dict[str, dict[str, float]] | None = None,
                   on_step: Callable[[dict], None] | None = None) -> dict:
    """Returns `features` (in the order added), `fold_rmse` of that set, `path` (one entry per step:
    `feature`, `cv_rmse`, `cv_rmse_std`, `gain`, `gain_spread`, `clear` — gain larger than its spread),
    `skipped` near-duplicates (`step`, `feature`, `twin`, `r`, `gain`, `gain_spread`) and `stopped` (why
    the search ended: LIMIT, EXHAUSTED, NO_GAIN or NO_CLEAR_GAIN; `stop_text` words it). `on_step(entry)` is
    called after each step (progress)."""
    check_candidates(candidates)
    twins = twins or {}
    limit = len(candidates) if max_features is None else min(max_features, len(candidates))
    chosen: list[str] = []
    remaining = list(candidates)
    current: np.ndarray | None = None
    path, skipped = [], []
    stopped = LIMIT if max_features is not None else EXHAUSTED
    while len(chosen) < limit:
        tried = {c: np.asarray(score(chosen + [c]), dtype=float) for c in remaining}
        pick = None
        for c in sorted(remaining, key=lambda name: (tried[name].mean(), remaining.index(name))):
            if current is not None and not tried[c].mean() < current.mean() * (1 - NOISE):
                break
            twin = next((s for s in chosen if s in twins.get(c, {})), None)
            if current is not None and twin is not None:
                gain = comparison.difference(tried[c], current)
                if not beats_spread(gain):
                    skipped.append({"step": len(chosen) + 1, "feature": c, "twin": twin, "r": twins[c][twin],
                                    "gain": gain["difference"], "gain_spread": gain["spread"]})
                    continue
            pick = c
            break
        if pick is None:
            stopped = NO_CLEAR_GAIN if skipped and skipped[-1]["step"] == len(chosen) + 1 else NO_GAIN
            break
        gain = comparison.difference(tried[pick], current) if current is not None else None
        path.append({"feature": pick, "cv_rmse": float(tried[pick].mean()),
                     "cv_rmse_std": comparison.spread(tried[pick]),
                     "gain": gain["difference"] if gain else None, "gain_spread": gain["spread"] if gain else None,
                     "clear": beats_spread(gain) if gain else None})
        if on_step is not None:
            on_step(path[-1])
        chosen.append(pick)
        remaining.remove(pick)
        current = tried[pick]
    return {"features": chosen, "fold_rmse": [] if current is None else current.tolist(), "path": path,
            "skipped": skipped, "stopped": stopped}
