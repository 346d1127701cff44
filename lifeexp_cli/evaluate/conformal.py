"""Prediction intervals by conformal calibration on out-of-fold residuals, normalized by the error size.

Out-of-fold residuals rᵢ = yᵢ − ŷ₋ₖ(xᵢ) come from K group-wise folds (a country's rows all in one fold),
so each residual is the error of a model that never saw that row's country: what a new country's error
looks like. A small linear model of the error size,

    log|rᵢ| ≈ a + bᵀzᵢ,   zᵢ = (g(xᵢ) − m)/s,   g(x) = sign(x)·log(1 + |x|),   σ(x) = exp(a + bᵀz),

lets the width follow where errors are large (high HIV/AIDS rows err more than others). The signed log g
tames skewed features (HIV/AIDS spans 0.1 to 50): on Tim's features it gave narrower intervals at the
same held-out coverage than the raw features did.

If the rows (countries) are exchangeable, the interval covers a new row with probability ≥ L for split
conformal; with the K fold models' residuals around the model refitted on all rows ("CV conformal", as
here) the guarantee is approximate, and bench/coverage.py measures it on held-out countries.

For a network ensemble (`--ensemble K`, K ≥ 2) the members' spread u(x) (the standard deviation of
their predictions) is one more regressor: log|rᵢ| ≈ a + bᵀzᵢ + c·(log uᵢ − mᵤ)/sᵤ, the out-of-fold
spreads coming from the fold ensembles. Where the members disagree the model is less sure, and when that
tells about the error size c > 0 widens the interval there. The calibration keeps (mᵤ, sᵤ, c) under
"spread"; without it (a linear model, one network, an older file) σ is as above.

Out-of-fold residuals come from folds of countries when the data has them, of rows otherwise (or of
random rows with `--split random`), and for a streamed fit from a uniform sample of its out-of-fold
residuals (model/fit/stream_calibration.py); `calibrate` records which (`split`) and how many rows.

numpy in, plain values out: the calibration is a dict of plain values (the model record keeps it).
`quantile` and `scale_of` (arrays) or `row_scale` (one row, pure Python: a single prediction never
imports numpy) read it back; the interval is the prediction ± q_L·σ(x) (model/predict/intervals.py).
"""

from __future__ import annotations

import math

from lifeexp_cli.limits import MAX_CALIBRATION_SCORES

METHOD = "cv-conformal"
NORMALIZER = "log-abs-residual-linear-on-signed-log-features"
SPREAD_NORMALIZER = "log-abs-residual-linear-on-signed-log-features-and-log-member-spread"
SPREAD_FLOOR = 1e-6  # a member spread below this counts as this much in log u (identical members give 0)
MAX_SCORES = MAX_CALIBRATION_SCORES  # stored scores at most: order statistics thinned evenly beyond this
LOG_FLOOR = 1e-6  # |r| below this counts as this much in log|r| (an exact fit would give log 0)
SPREAD_CLIP = 1.0  # log σ kept within ±1 of its range over the calibration rows: bounded for far-off inputs
# The error-size model (1 + p coefficients) is fitted on at most this many rows, evenly spread: plenty for
# a dozen coefficients, and memory stays bounded; every row's score is still computed (by blocks).
NORMALIZER_ROWS = 100_000
SCORE_ROWS = 1 << 16


def signed_log(X, out=None):
    """g(x) = sign(x)·log(1 + |x|), elementwise (numpy); into `out` (an array of X's shape) when given."""
    import numpy as np

    X = np.asarray(X, dtype=float)
    out = np.abs(X, out=out)  # the one array of X's size: log1p and the sign applied in place
    np.log1p(out, out=out)
    np.copysign(out, X, out=out)
    return np.add(out, 0.0, out=out)  # −0.0 becomes 0.0, as sign(x)·log1p|x| gives


def log_spread(spread):
    """log u, u floored at SPREAD_FLOOR (numpy)."""
    import numpy as np

    return np.log(np.maximum(np.asarray(spread, dtype=float), SPREAD_FLOOR))


def standardized(X):
    """(mean, std): a (nearly) constant column gets std 1 (its coefficient is ~0 anyway)."""
    import numpy as np

    m = X.mean(axis=0)
    s = X.std(axis=0)
    return m, np.where(s > 1e-9, s, 1.0)


def fit_normalizer(X, residuals, spread=None):
    """(m, s, coef, (lo, hi), spread_terms): standardization of g(X), coef = [a, b…] of log|r| on z, the
    range of a + bᵀz (+ the spread term) over the rows (widened by SPREAD_CLIP) that keeps σ bounded for
    inputs far outside them, and, when `spread` is given, {"center", "scale", "coef"} of log u (else None).

    X: (n, p) without missing values; residuals: (n,) out-of-fold residuals; spread: (n,) or None."""
    import numpy as np

    X = signed_log(X)
    m, s = standardized(X)
    columns = [np.ones(len(X)), (X - m) / s]
    if spread is not None:
        u = log_spread(spread)
        mu, su = standardized(u)
        columns.append((u - mu) / su)
    Z = np.column_stack(columns)
    target = np.log(np.maximum(np.abs(residuals), LOG_FLOOR))
    coef = np.linalg.lstsq(Z, target, rcond=None)[0]
    fitted = Z @ coef
    clip = (float(fitted.min() - SPREAD_CLIP), float(fitted.max() + SPREAD_CLIP))
    if spread is None:
        return m, s, coef, clip, None
    return m, s, coef[:-1], clip, {"center": float(mu), "scale": float(su), "coef": float(coef[-1])}


def scale_of(calibration: dict, X, spread=None):
    """σ(x) for each row of X (n, p) (numpy); spread: the members' spread per row, used when the
    calibration has a spread term (required then)."""
    import numpy as np

    Z = (signed_log(X) - np.asarray(calibration["center"])) / np.asarray(calibration["scale"])
    coef = np.asarray(calibration["coef"])
    low, high = calibration["clip"]
    total = coef[0] + Z @ coef[1:]
    terms = calibration.get("spread")
    if terms:
        total = total + terms["coef"] * (log_spread(spread) - terms["center"]) / terms["scale"]
    return np.exp(np.clip(total, low, high))


def calibrate(X, residuals, *, folds: int, split: str, groups: int, fill=None, spread=None) -> dict:
    """The calibration a model record keeps: the normalizer and the sorted scores (at most MAX_SCORES).

    X: (n, p) the rows' features; with `fill` (per feature, the model's fill values) a missing value is
    filled as the model fills it, block by block. residuals: the rows' out-of-fold residuals.
    folds/split/groups: how those were made, kept in the record (groups: the number of countries, or of
    rows, the folds split);
    spread: an ensemble's out-of-fold member spreads (n,), or None (no spread term: the calibration is
    exactly what it was before spreads existed)."""
    import numpy as np

    residuals = np.asarray(residuals, dtype=float)

    def rows(which):  # X's rows, missing values filled with `fill` when given (never a whole copy)
        block = X[which]
        return block if fill is None else np.where(np.isnan(block), np.asarray(fill), block)

    spread = None if spread is None else np.asarray(spread, dtype=float)
    sample = evenly_spaced(len(residuals), NORMALIZER_ROWS)
    m, s, coef, clip, terms = fit_normalizer(rows(sample), residuals[sample],
                                             None if spread is None else spread[sample])
    calibration = {"method": METHOD, "normalizer": NORMALIZER if terms is None else SPREAD_NORMALIZER,
                   "folds": int(folds), "split": split,
                   "groups": int(groups), "rows": int(len(residuals)), "center": m.tolist(),
                   "scale": s.tolist(), "coef": coef.tolist(), "clip": list(clip)}
    if terms is not None:
        calibration["spread"] = terms
    scores = np.sort(np.concatenate([
        np.abs(residuals[start:start + SCORE_ROWS])
        / scale_of(calibration, rows(slice(start, start + SCORE_ROWS)),
                   None if spread is None else spread[start:start + SCORE_ROWS])
        for start in range(0, len(residuals), SCORE_ROWS)]))
    return {**calibration, "scores": thinned(scores).tolist()}


def evenly_spaced(n: int, most: int):
    """All n rows (a slice) when n ≤ most, else `most` row indices evenly spread over them."""
    import numpy as np

    return slice(None) if n <= most else np.linspace(0, n - 1, most).round().astype(int)


def thinned(sorted_scores):
    """At most MAX_SCORES order statistics: entry j stands for rank stored_rank(j) (conservatively high)."""
    n = len(sorted_scores)
    if n <= MAX_SCORES:
        return sorted_scores
    return sorted_scores[[stored_rank(j, n, MAX_SCORES) - 1 for j in range(MAX_SCORES)]]


def stored_rank(j: int, n: int, m: int) -> int:
    """The 1-based rank of the j-th of m stored scores out of n (m = n: rank j + 1)."""
    return -(-(j + 1) * n // m)


def rank_needed(level: float, n: int) -> int:
    """⌈(n+1)L⌉: the rank of the score quantile with the finite-sample correction."""
    return math.ceil((n + 1) * level - 1e-9)


def max_level(n: int) -> float:
    """The highest level n calibration scores can give a finite interval for: n/(n+1)."""
    return n / (n + 1)


def quantile(calibration: dict, level: float) -> float | None:
    """q_L, or None when n scores are too few for the level ((n+1)L > n)."""
    n, scores = calibration["rows"], calibration["scores"]
    k = rank_needed(level, n)
    if k > n:
        return None
    k = max(k, 1)
    return float(scores[(k - 1) * len(scores) // n])  # the first stored score of rank ≥ k


def row_scale(calibration: dict, row: list[float], spread: float | None = None) -> float:
    """σ(x) for one row, in pure Python (the same as `scale_of`); spread: the members' spread for the row
    when the calibration has a spread term."""
    coef = calibration["coef"]
    total = coef[0] + sum(b * (math.copysign(math.log1p(abs(x)), x) - c) / s
                          for b, x, c, s in zip(coef[1:], row, calibration["center"], calibration["scale"]))
    terms = calibration.get("spread")
    if terms:
        total += terms["coef"] * (math.log(max(float(spread), SPREAD_FLOOR)) - terms["center"]) / terms["scale"]
    low, high = calibration["clip"]
    return math.exp(min(max(total, low), high))
