"""Prediction intervals that hold under shift: for new countries unlike the training ones, not only for
countries drawn like them.

evaluate/conformal.py's intervals cover 90% of new countries drawn at random, because its calibration
residuals come from random country folds. A country unlike the training ones (another world region, the
developed countries when the training rows are developing ones, later years) errs more than such a
residual says, and its interval is too narrow (bench/shift.py measures it). Three changes, each aimed at
one way the shift shows:

1. Distance in the error-size model. The out-of-fold residuals rᵢ get a log-linear model

       log|rᵢ| ≈ a + bᵀzᵢ + c·hᵢ,   hᵢ = log max(1, dᵢ/d₀),

   z as in evaluate/conformal.py (standardized signed logs of the features), dᵢ the domain check's
   distance of the row (evaluate/domain.py: the mean distance to the k nearest training rows of *other*
   countries, in standardized features) and d₀ the HINGE_QUANTILE-th quantile of those distances. The
   term is a hinge: rows as near the training data as most calibration rows keep the width the features
   give them, and only a row farther than d₀ is widened, by the factor (d/d₀)^c. c is fitted (c < 0 is
   set to 0: distance never narrows an interval). d₀ is at least domain.MIN_THRESHOLD (0.1 SD: nearer
   than that a row lies within the data's own spread, evaluate/domain.py), and c is fitted only when at
   least FAR_SHARE of the rows lie beyond d₀; with fewer, there is no distance term (c = 0). (Beyond the
   HINGE_QUANTILE-th quantile lie about 15% of the rows: the rule bites where the floor lifts d₀ above it.)
   In one feature whose values repeat (WHO's BMI, GDP), 85% of the rows lie within 0.005 SD of other
   countries' rows: a d₀ that small made a gap of 0.04 SD between two BMI values "ten times farther"
   and widened its interval twofold, and a d₀ floored at 0.1 left 5 rows beyond it, from which c came out
   at 4.9 (intervals from −114 to 279 years at the edge of the data). σ(x, d) = exp(a + bᵀz + c·h), the feature part kept
   within its range over the calibration rows ± FEATURE_CLIP (as conformal.py does), the distance part
   at most DISTANCE_CLIP above its largest value over them: a far row is widened more than any
   calibration row was, but boundedly. The largest calibration distance is kept ("farthest"): beyond it
   the interval rests on no calibration row, and predict and compare say so (`beyond`).

2. Mondrian calibration by status. The scores sᵢ = |rᵢ|/σᵢ are ranked separately within each status
   group (Developed, Developing): each group's quantile holds for that group (Vovk's Mondrian conformal
   prediction), where a pooled quantile is set by the larger group. A row of unknown status (a person
   given by a few features), a group with fewer than MIN_GROUP_ROWS rows, or a status the calibration
   never saw gets the pooled scores' quantile: coverage over the mix of countries, as before (the larger
   of the groups' quantiles would hold for either group, at 3.5 more years of width on Tim's model).

3. A high fold's quantile. Within a group, the quantile is taken in each calibration fold (each fold a set
   of whole countries its model never saw), and the WORST_RANK-th largest of them is kept (the second
   largest of 5): how far the errors of an untypical set of countries reach, rather than of the average
   one. Under region shift the error is partly bias, not only spread, and the folds' differences are the
   calibration's stand-in for it; the second largest rather than the largest, because one fold's
   quantile can rest on a few countries (the largest widened random countries' intervals past 20 years
   on Tim's model, bench/shift.py).

Each quantile is the finite-sample one, the ⌈(n+1)L⌉-th smallest of the n scores of the cell (fold ×
group); a cell with too few scores for the level is left out, and with no cell left the group's pooled
scores answer; with too few of those, there is no interval at that level (None).

numpy in, numpy out: `calibrate` returns a plain dict (JSON-able; at most about MAX_SCORES stored scores
in all, each cell's thinned as evaluate/conformal.py thins them), `interval` reads it for many rows, and
`interval_one` for one row in pure Python (a single prediction never imports numpy).
"""

from __future__ import annotations

import math

from lifeexp_cli.evaluate import conformal
from lifeexp_cli.limits import MAX_LOG_SCALE

METHOD = "shift-conformal"
NORMALIZER = "log-abs-residual-linear-on-signed-log-features-and-distance-hinge"
HINGE_QUANTILE = 0.85  # d₀: distances up to this quantile of the calibration rows' widen nothing
FAR_SHARE = 0.05  # the distance term is fitted only when this share of the rows lies beyond d₀ (else c = 0)
FEATURE_CLIP = conformal.SPREAD_CLIP  # the feature part of log σ: within ±1 of its range over the rows
DISTANCE_CLIP = 1.0  # the distance part of log σ: at most 1 above its largest value over the rows
WORST_RANK = 2  # the quantile of a group: the second largest of its folds' quantiles
MIN_GROUP_ROWS = 30  # a status group with fewer calibration rows answers with the pooled scores
MAX_SCORES = 4096  # stored scores in all cells together, about (at least MIN_CELL_SCORES per cell)
MIN_CELL_SCORES = 64
BLOCK_ROWS = 16_384  # rows standardized and scored at a time: extra memory O(block × p), not O(n × p)
# Up to this many rows the error-size model's design is solved as it is; more go through its triangular factor,
# BLOCK_ROWS rows at a time (a multiple of linear/stream/tsqr.py's BLOCK_ROWS: the factor is the same whatever
# the multiple).
SOLVE_ROWS = 65_536
DISTANCE_ROWS = 4096  # rows standardized at a time for their distances (neighbours.py takes fewer at a time)
PAIRWISE_ROWS = 1 << 14  # `pairwise_total`'s pieces made at a time
POOLED = "all"  # the key of the pooled scores (always stored)
STATUSES = {"developed": 1.0, "developing": 0.0}  # data/catalog.py's status codes


class Selected:
    """The rows `index` of X, read a block of rows (or a column) at a time as their copy X[index] reads
    (row-major), without that copy: the calibration's rows when some of X's are left out (impute drop)."""

    def __init__(self, X, index):
        self.X, self.index = X, index
        self.shape = (len(index), *X.shape[1:])

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, key):
        if isinstance(key, tuple):  # [rows, column]
            return self.X[self.index[key[0]], key[1]]
        return self.X[self.index[key]]

    def column(self, j: int) -> Selected:
        """The rows' values of column j, read the same way."""
        return Selected(self.X[:, j], self.index)


def remade(residuals) -> bool:
    """Whether the residuals are remade a block of rows at a time (`residuals[start:stop]` gives those rows'; an
    object with `remade` true, as model/fit/in_memory.py's `OutOfFold`) rather than held in an array."""
    return getattr(residuals, "remade", False) is True


def residual_values(residuals):
    """The residuals as float values: an array of them, or remade ones as they are (`remade`) (numpy)."""
    import numpy as np

    return residuals if remade(residuals) else np.asarray(residuals, dtype=float)


def as_rows(X):
    """X as float rows: an array, or the rows of one a `Selected` reads (numpy)."""
    import numpy as np

    return X if isinstance(X, Selected) else np.asarray(X, dtype=float)


def status_key(status) -> str:
    """The group key of a status code (1 developed, 0 developing; None or NaN: unknown, POOLED)."""
    if status is None or status != status:
        return POOLED
    return "developed" if float(status) >= 0.5 else "developing"


def status_keys(statuses):
    """`status_key` of each status code of an array, as an array of keys (numpy)."""
    import numpy as np

    statuses = np.asarray(statuses, dtype=float)
    return np.where(np.isnan(statuses), POOLED, np.where(statuses >= 0.5, "developed", "developing")).astype(object)


def status_codes(statuses, n: int):
    """Each row's STATUSES code as `status_key` groups it (1 developed, 0 developing, −1 unknown), as
    int8: (n,) statuses (1, 0 or NaN), or None (all unknown) (numpy)."""
    import numpy as np

    if statuses is None:
        return np.full(n, -1, dtype=np.int8)
    statuses = np.asarray(statuses)
    codes = np.empty(len(statuses), dtype=np.int8)
    for start in range(0, len(codes), BLOCK_ROWS):  # as float a block at a time: no float copy of them all
        values = np.asarray(statuses[start:start + BLOCK_ROWS], dtype=float)
        part = codes[start:start + BLOCK_ROWS]
        np.greater_equal(values, 0.5, out=part, casting="unsafe")
        part[np.isnan(values)] = -1
    return codes


def hinge(distances, reference: float):
    """h = log max(1, d/d₀) for each distance (numpy)."""
    import numpy as np

    return np.log(np.maximum(np.asarray(distances, dtype=float) / reference, 1.0))


def fit_error_size(X, residuals, distances, fill=None) -> dict:
    """The error-size model log|r| ≈ a + bᵀz + c·h by least squares (c ≥ 0), with the ranges that clip
    its two parts. X: (n, p) filled features (or filled here with `fill`, a column at a time); residuals
    (an array, or `remade` a block at a time), distances: (n,).

    The design [1, z, h] and the target log|r| are built BLOCK_ROWS rows at a time. Up to SOLVE_ROWS rows
    are solved as they are (np.linalg.lstsq of the design); more rows keep only the triangular
    factor R of [1, z, h, log|r|] (linear/stream/tsqr.py): [1, z, h]·x − log|r| = Q(R₁x − r), so the
    least squares of the (p+3)-row R₁ against r is the design's (its singular values the design's, to
    rounding), with the cut-off lstsq takes for the design's n rows (`least_squares`). Without the
    distance term ([1, z]) it is the same less h's column. Memory: one block, not n × (p+2), nor a copy of
    the distances for their quantile (`quantile_of`)."""
    import numpy as np

    from lifeexp_cli.linear.stream import tsqr

    X = as_rows(X)
    n, p = X.shape
    m, s = column_moments(X, fill)
    distances = np.asarray(distances, dtype=float)
    reference = hinge_reference(distances)
    residuals = residual_values(residuals)  # read a block at a time
    R, h_top, far = tsqr.empty(p + 3), 0.0, 0
    step = n if n <= SOLVE_ROWS else BLOCK_ROWS
    for start in range(0, n, step):
        rows = slice(start, start + step)
        block = design_block(X[rows], fill, m, s, p + 3)
        block[:, p + 1] = hinge(distances[rows], reference)
        block[:, p + 2] = np.log(np.maximum(np.abs(residuals[rows]), conformal.LOG_FLOOR))
        h_top = max(h_top, float(block[:, p + 1].max(initial=0.0)))
        far += int(np.count_nonzero(block[:, p + 1]))
        R = block if n <= SOLVE_ROWS else tsqr.update(R, block)  # one block: solved as it is, not its R
    coef = least_squares(R[:, :p + 2], R[:, p + 2], n) if enough_far(far, n) else np.zeros(p + 2)
    c = float(coef[-1])
    if c > 0:
        coef = coef[:-1]
    else:  # farther never narrower, nor learnt from a few rows: without the term (h's column left out)
        c, coef = 0.0, least_squares(R[:, :p + 1], R[:, p + 2], n)
    low, high = np.inf, -np.inf  # the range of [1, z]·[a, b] over the rows, a block at a time
    for start in range(0, n, BLOCK_ROWS):
        part = design_block(X[start:start + BLOCK_ROWS], fill, m, s, p + 1) @ coef
        low, high = min(low, float(part.min(initial=np.inf))), max(high, float(part.max(initial=-np.inf)))
    distance_top = c * h_top  # c ≥ 0: the largest c·h is c times the largest h
    return {"center": m.tolist(), "scale": s.tolist(), "coef": coef.tolist(),
            "clip": [bounded_log(low - FEATURE_CLIP), bounded_log(high + FEATURE_CLIP)],
            "distance": {"reference": reference, "coef": c, "most": bounded_log(distance_top + DISTANCE_CLIP),
                         "farthest": finite_most(distances)}}


def hinge_reference(distances) -> float:
    """d₀: the HINGE_QUANTILE-th quantile of the calibration rows' distances, at least domain.MIN_THRESHOLD
    (1.0 without distances, or NaN among them) (numpy)."""
    from lifeexp_cli.evaluate import domain

    reference = quantile_of(distances, HINGE_QUANTILE) if len(distances) else 1.0
    return max(reference, domain.MIN_THRESHOLD) if reference == reference else 1.0


def enough_far(far: int, n: int) -> bool:
    """Whether `far` of n calibration rows beyond d₀ are enough to fit the distance term's slope from."""
    return far > 0 and far >= FAR_SHARE * n


def finite_most(values) -> float:
    """The largest finite value (0.0 when there is none), BLOCK_ROWS values at a time: no copy of them."""
    import numpy as np

    return max([0.0] + [float(part[np.isfinite(part)].max(initial=0.0))
                        for part in (values[start:start + BLOCK_ROWS] for start in range(0, len(values), BLOCK_ROWS))])


def design_block(X, fill, center, scale, width: int):
    """[1, z] of the rows X (filled with `fill`, standardized with center, scale) in the first p + 1
    columns of a (rows, width) array in X's layout; the columns after them are left for the caller."""
    import numpy as np

    block = np.empty((len(X), width), order="F" if column_major(X) else "C")
    block[:, 0] = 1.0
    standardized_logs(X, fill, center, scale, block[:, 1:X.shape[1] + 1])
    return block


def column_major(X) -> bool:
    """Whether X's columns are its contiguous runs (as a copy of X, or np.column_stack of its columns,
    lays them out): one column or one row counts as row-major."""
    return min(X.shape) > 1 and not isinstance(X, Selected) and abs(X.strides[0]) < abs(X.strides[1])


def column_moments(X, fill=None):
    """evaluate/conformal.py `standardized` of signed_log(X filled with `fill`), without an array of X's
    size, and with the sums that signed logs in X's layout give: a column-major X a column at a time
    (each column's own sums), a row-major one a block of rows at a time, each block's rows added on to
    the running sums in order (numpy sums a row-major array's columns row after row)."""
    import numpy as np

    n, p = X.shape
    if column_major(X) or p == 1:
        m, s = np.array([signed_log_moments(X.column(j) if isinstance(X, Selected) else X[:, j],
                                            None if fill is None else float(fill[j])) for j in range(p)]).T
        return m, np.where(s > 1e-9, s, 1.0)
    buffer = np.empty((min(n, BLOCK_ROWS) + 1, p))  # [the running sums; a block's rows]
    total = np.zeros(p)
    for start in range(0, n, BLOCK_ROWS):
        rows = buffer[:min(BLOCK_ROWS, n - start) + 1]
        rows[0] = total
        signed_logs(X[start:start + BLOCK_ROWS], fill, rows[1:])
        total = np.add.reduce(rows, axis=0)
    m = total / n
    squares = np.zeros(p)
    for start in range(0, n, BLOCK_ROWS):
        rows = buffer[:min(BLOCK_ROWS, n - start) + 1]
        signed_logs(X[start:start + BLOCK_ROWS], fill, rows[1:])
        rows[1:] -= m
        np.square(rows[1:], out=rows[1:])
        rows[0] = squares
        squares = np.add.reduce(rows, axis=0)
    s = np.sqrt(squares / n)
    return m, np.where(s > 1e-9, s, 1.0)


def signed_log_moments(column, fill: float | None) -> tuple[float, float]:
    """(mean, std) of conformal.signed_log(column filled with `fill`), bit for bit as numpy's mean and std
    compute them on the filled column, without it: its pairwise sums (`pairwise_total`) PAIRWISE_ROWS
    values at a time. column: a column of X (X[:, j]) or anything whose [rows] gives those rows."""
    import numpy as np

    n = len(column)
    mean = pairwise_total(lambda rows: filled_signed_log(column[rows], fill), n) / n

    def squares(rows):
        values = filled_signed_log(column[rows], fill)
        values -= mean  # what column.std() computes, a piece at a time
        return np.square(values, out=values)

    return float(mean), float(np.sqrt(pairwise_total(squares, n) / n))


def filled_signed_log(values, fill: float | None):
    """conformal.signed_log of values with NaN filled with `fill` (None: as they are), in a new array."""
    import numpy as np

    if fill is None:
        return conformal.signed_log(values)
    values = np.where(np.isnan(values), fill, values)  # our copy: its signed logs in its own memory
    negative = np.signbit(values)
    np.log1p(np.abs(values, out=values), out=values)
    np.negative(values, out=values, where=negative)  # copysign of a value ≥ 0
    values += 0.0  # −0.0 becomes 0.0
    return values


def pairwise_total(piece, n: int, start: int = 0) -> float:
    """The sum of n values that np.add.reduce of their contiguous array gives (numpy's pairwise summation:
    above 128 values, the sum of the first half, rounded down to a multiple of 8, and of the rest),
    without that array: piece(slice) gives the values of a run of at most PAIRWISE_ROWS of them, which
    numpy sums as its own (tests/unit/evaluate/test_shift.py checks it against numpy)."""
    import numpy as np

    if n <= max(PAIRWISE_ROWS, 128):
        return float(np.add.reduce(piece(slice(start, start + n))))
    half = n // 2
    half -= half % 8
    return pairwise_total(piece, half, start) + pairwise_total(piece, n - half, start + half)


def quantile_of(values, level: float) -> float:
    """np.quantile(values, level) (its default, linear method) of a 1-d float array, without its copy of
    the values: the two order statistics it interpolates are found by bisection over the values' order
    keys (`order_keys`), counting BLOCK_ROWS values at a time, and interpolated as numpy does."""
    import numpy as np

    n = len(values)
    blocks = [slice(start, start + BLOCK_ROWS) for start in range(0, n, BLOCK_ROWS)]
    if any(np.isnan(values[rows]).any() for rows in blocks):
        return float("nan")
    virtual = (n - 1) * float(level)
    below = min(int(math.floor(virtual)), n - 1)
    low = order_statistic(values, below, blocks)
    high = low if below + 1 >= n else order_statistic(values, below + 1, blocks)
    gamma = virtual - below if virtual < n - 1 else virtual + 1.0  # numpy's index −1 (the last) then
    diff = high - low
    return high - diff * (1.0 - gamma) if gamma >= 0.5 else low + diff * gamma


def order_keys(values):
    """int64 keys ordered as the float values (−0.0 just below 0.0; no NaN)."""
    import numpy as np

    keys = values.view(np.int64) if values.flags.c_contiguous else np.ascontiguousarray(values).view(np.int64)
    return np.where(keys < 0, keys ^ np.int64(0x7FFF_FFFF_FFFF_FFFF), keys)


def order_statistic(values, rank: int, blocks) -> float:
    """The rank-th smallest (from 0) of the values: the smallest key with more than `rank` keys at or below it."""
    import numpy as np

    low = min(int(order_keys(values[rows]).min()) for rows in blocks)
    high = max(int(order_keys(values[rows]).max()) for rows in blocks)
    while low < high:
        middle = (low + high) // 2
        if sum(int(np.count_nonzero(order_keys(values[rows]) <= middle)) for rows in blocks) > rank:
            high = middle
        else:
            low = middle + 1
    key = np.array([low], dtype=np.int64)
    return float(np.where(key < 0, key ^ np.int64(0x7FFF_FFFF_FFFF_FFFF), key).view(np.float64)[0])


def least_squares(A, b, rows: int):
    """The least-squares solution of A·x ≈ b (np.linalg.lstsq: LAPACK's gelsd, minimum norm when A is
    short or rank-deficient) with the cut-off lstsq gives a design of `rows` rows (rcond = eps·max(rows,
    p)): A is the design itself (rows of it) or its triangular factor, which has as few rows as columns."""
    import numpy as np

    return np.linalg.lstsq(A, b, rcond=float(np.finfo(float).eps * max(rows, A.shape[1])))[0]


def standardized_logs(X, fill, center, scale, out=None):
    """(signed_log(X filled with `fill`) − center) / scale, in X's layout (into `out` when given)."""
    import numpy as np

    Z = signed_logs(X, fill, np.empty_like(X) if out is None else out)
    Z -= center
    Z /= scale
    return Z


def signed_logs(X, fill, out=None):
    """conformal.signed_log of X with its missing values filled with `fill` (or X as it is when fill is
    None), into `out` (or a new array in X's layout), a column at a time: no filled copy of X."""
    import numpy as np

    out = np.empty_like(X) if out is None else out
    for j in range(X.shape[1]):
        column = X[:, j] if fill is None else np.where(np.isnan(X[:, j]), float(fill[j]), X[:, j])
        conformal.signed_log(column, out=out[:, j])
    return out


def scale_of(calibration: dict, X, distances, fill=None):
    """σ(x, d) for each row of X (n, p; filled, or filled here with `fill`) at its distance (n,) (numpy).
    The rows are scored BLOCK_ROWS at a time: memory holds one block's standardized features and terms,
    not X's size."""
    import numpy as np

    size = calibration["error_size"]
    X = as_rows(X)
    distances = np.broadcast_to(np.asarray(distances, dtype=float), (len(X),))
    center, scale, coef = (np.asarray(size[key]) for key in ("center", "scale", "coef"))
    terms = size["distance"]
    out = np.empty(len(X))
    for start in range(0, len(X), BLOCK_ROWS):
        rows = slice(start, start + BLOCK_ROWS)
        part = coef[0] + standardized_logs(X[rows], fill, center, scale) @ coef[1:]  # in X's layout
        np.clip(part, *size["clip"], out=part)
        part += np.minimum(terms["coef"] * hinge(distances[rows], terms["reference"]), terms["most"])
        out[rows] = np.exp(part)
    return out


def row_scale(calibration: dict, row: list[float], distance: float) -> float:
    """σ(x, d) for one row (filled, in feature order), in pure Python (the same as `scale_of`)."""
    size = calibration["error_size"]
    coef = size["coef"]
    total = coef[0] + sum(b * (math.copysign(math.log1p(abs(x)), x) - c) / s
                          for b, x, c, s in zip(coef[1:], row, size["center"], size["scale"]))
    low, high = size["clip"]
    terms = size["distance"]
    part = terms["coef"] * math.log(max(float(distance) / terms["reference"], 1.0))
    return math.exp(min(max(total, low), high) + min(part, terms["most"]))


def beyond(calibration: dict, distance: float) -> bool:
    """Whether a row lies farther from the training data than every calibration row did."""
    farthest = calibration["error_size"]["distance"].get("farthest")
    return farthest is not None and distance > farthest


def cell(sorted_scores, most: int) -> dict:
    """{"rows", "scores"}: a cell's sorted scores, thinned to at most `most` (evaluate/conformal.py's rule)."""
    n = len(sorted_scores)
    kept = sorted_scores if n <= most else sorted_scores[[conformal.stored_rank(j, n, most) - 1 for j in range(most)]]
    return {"rows": int(n), "scores": [float(v) for v in kept]}


def bounded_log(value) -> float:
    """A log σ bound kept within ±MAX_LOG_SCALE (what a model file may hold): data at the readers' limits
    (values of 1e15) can fit an error size beyond any model's errors."""
    return float(min(max(float(value), -MAX_LOG_SCALE), MAX_LOG_SCALE))


def cell_quantile(stored: dict, level: float) -> float | None:
    """The ⌈(n+1)L⌉-th smallest of a cell's n scores, or None when n is too small for the level
    (evaluate/conformal.py `quantile`, pure Python)."""
    return conformal.quantile(stored, level) if stored["rows"] else None


def calibrate(residuals, X, groups, folds, statuses=None, distances=None, *, fill=None,
              split: str = "country", overwrite: bool = False) -> dict:
    """The calibration a model record keeps, from the training rows' out-of-fold residuals.

    residuals: (n,) y − out-of-fold prediction; X: (n, p) the rows' features (missing values filled, or
    filled here with `fill`, per feature); groups: (n,) country keys; folds: (n,) int, the calibration fold
    that predicted each row; statuses: (n,) 1 developed / 0 developing (NaN unknown), or None (no status:
    one group); distances: (n,) each row's domain distance to training rows of other countries
    (`left_out_distances`), or a function giving them (called here: then nothing else holds them, and
    the scores |r|/σ are written over them, a block at a time, once read), or None (no distance term).
    overwrite: the residuals (a float array of the caller's, not needed after) receive the scores when the
    distances are the caller's, instead of an array of their own. The residuals may also be `remade` a
    block of rows at a time (model/fit/in_memory.py `OutOfFold`): no array of them."""
    import numpy as np

    from lifeexp_cli.prep import splits  # numpy's paths only: one person's interval is pure Python

    residuals = residual_values(residuals)
    X = as_rows(X)  # filled where it is read (`fill`): never a filled copy of the whole
    folds = np.asarray(folds)
    ours = distances is None or callable(distances)  # made here: the scores go over them
    distances = distances() if callable(distances) else distances
    distances = np.ones(len(residuals)) if distances is None else np.asarray(distances, dtype=float)
    fold_ids = splits.distinct(folds)  # np.unique's, without a sorted copy of integer codes
    calibration = {"method": METHOD, "normalizer": NORMALIZER, "folds": len(fold_ids),
                   "split": split, "groups": splits.distinct_count(groups),
                   "rows": int(len(residuals)), "error_size": fit_error_size(X, residuals, distances, fill)}
    # The scores in an array that is ours: the distances made here (a block's are read before its scores are
    # written), else the caller's residuals (overwrite), else a new one.
    scores = distances if ours else residuals if overwrite and not remade(residuals) else np.empty(len(residuals))
    for start in range(0, len(scores), BLOCK_ROWS):  # |r| / σ, a block at a time
        rows = slice(start, start + BLOCK_ROWS)
        np.divide(np.abs(residuals[rows]), scale_of(calibration, X[rows], distances[rows], fill), out=scores[rows])
    del residuals, distances  # not needed now: the distances go (when the caller keeps none of them)
    keys = status_codes(statuses, len(scores))
    counts = {key: int(np.count_nonzero(keys == STATUSES[key])) for key in STATUSES}
    named = [key for key in STATUSES if counts[key] >= MIN_GROUP_ROWS]
    most = max(MIN_CELL_SCORES, MAX_SCORES // ((len(named) + 1) * (len(fold_ids) + 1)))
    by_status = {}
    for key in [POOLED, *named]:  # each fold's scores a selection of rows (a copy), sorted in place
        rows = None if key == POOLED else keys == STATUSES[key]
        by_status[key] = {"pooled": None,  # below
                          "folds": [cell(sorted_in_place(scores[folds == k if rows is None else rows & (folds == k)]),
                                         most) for k in fold_ids]}
    # A status's pooled scores a copy too, but the largest status's (most of the rows): its sorted scores are
    # all the rows' sorted scores less the other rows' (`cell_without`), read at the ranks its cell keeps.
    largest = max(named, key=lambda key: counts[key], default=None)
    for key in named:
        if key != largest:
            by_status[key]["pooled"] = cell(sorted_in_place(scores[keys == STATUSES[key]]), most)
    others = None if largest is None else sorted_in_place(scores[keys != STATUSES[largest]])
    del keys
    by_status[POOLED]["pooled"] = cell(sorted_in_place(scores), most)  # last: no cell needs the rows' order now
    if largest is not None:
        by_status[largest]["pooled"] = cell_without(scores, others, most)
    return {**calibration, "statuses": by_status}


def sorted_in_place(values):
    values.sort()
    return values


def cell_without(sorted_all, sorted_others, most: int) -> dict:
    """`cell` of the sorted scores of all the rows but some (sorted_all: every row's scores, sorted;
    sorted_others: those rows' scores, sorted), without a copy of the rest: the same numbers as the cell of
    the rest's sorted copy (equal values are the same number, whichever row gave them). The others' scores are
    taken out of sorted_all at positions of their own (the first position of their value, plus their rank among
    the others of that value), and the rest's i-th smallest is read where i rows are kept before it (numpy)."""
    import numpy as np

    m = len(sorted_others)
    kept_before = np.empty(m, dtype=np.int64)  # rows of the rest before each taken position, BLOCK_ROWS at a time
    for start in range(0, m, BLOCK_ROWS):
        values = sorted_others[start:start + BLOCK_ROWS]
        part = kept_before[start:start + BLOCK_ROWS]
        part[:] = np.searchsorted(sorted_all, values, side="left")  # the value's first position, less the
        part -= np.searchsorted(sorted_others, values, side="left")  # others of that value taken before it
    n = len(sorted_all) - m
    if n <= most:  # every score is kept: the rest itself (at most `most` of them)
        return cell(np.delete(sorted_all, kept_before + np.arange(m)), most)
    ranks = np.array([conformal.stored_rank(j, n, most) - 1 for j in range(most)])
    positions = ranks + np.searchsorted(kept_before, ranks, side="right")
    return {"rows": int(n), "scores": [float(v) for v in sorted_all[positions]]}


def group_quantile(group: dict, level: float) -> float | None:
    """A status group's quantile: the WORST_RANK-th largest over its folds' quantiles (the pooled quantile
    when no fold has scores); None when the pooled scores are too few for the level.

    A fold with too few scores for the level counts with its largest score (its quantile at the highest
    level it can give) rather than dropping out, and from the level where one fold runs short the pooled
    quantile is a floor: each part rises with the level, so a higher level never gives a narrower
    interval (it did, above 0.97, when folds dropped out)."""
    pooled = cell_quantile(group["pooled"], level)
    if pooled is None:
        return None
    cells = [c for c in group["folds"] if c["scores"]]
    if not cells:
        return pooled
    found = sorted((cell_quantile(c, level) for c in cells), key=lambda q: math.inf if q is None else q)
    short = found[-1] is None  # a fold has too few scores for the level
    capped = sorted((capped_quantile(c, level) for c in cells), reverse=True)
    worst = capped[min(WORST_RANK, len(capped)) - 1]
    return max(worst, pooled) if short else worst


def capped_quantile(stored: dict, level: float) -> float:
    """A cell's quantile at the level, or its largest score when it has too few scores for the level."""
    found = cell_quantile(stored, level)
    return found if found is not None else stored["scores"][-1]


def quantile(calibration: dict, level: float, status=None) -> float | None:
    """q_L for a row of this status (1, 0, or None/NaN: unknown, the pooled scores'); None when the
    calibration has too few scores for the level."""
    groups = calibration["statuses"]
    return group_quantile(groups.get(status_key(status), groups[POOLED]), level)


def group_rows(calibration: dict, status=None) -> int:
    """How many calibration rows the quantile for a row of this status rests on (`quantile`'s group)."""
    groups = calibration["statuses"]
    return groups.get(status_key(status), groups[POOLED])["pooled"]["rows"]


def interval(calibration: dict, X, predictions, distances, statuses, level: float):
    """(lower, upper) arrays around the predictions (n,) of the rows X (n, p; filled), at their domain
    distances (n,) and statuses (n,: 1, 0 or NaN unknown; or None: all unknown); None when the calibration
    has too few scores for the level (numpy)."""
    import numpy as np

    predictions = np.asarray(predictions, dtype=float)
    statuses = np.full(len(predictions), np.nan) if statuses is None else np.asarray(statuses, dtype=float)
    keys = status_keys(statuses)
    q = np.empty(len(predictions))
    for key in set(keys):
        found = quantile(calibration, level, STATUSES.get(key))
        if found is None:
            return None
        q[keys == key] = found
    half = q * scale_of(calibration, X, distances)
    return predictions - half, predictions + half


def interval_one(calibration: dict, row: list[float], prediction: float, distance: float, status,
                 level: float) -> tuple[float, float] | None:
    """(lower, upper) around one prediction (row: filled, in feature order; distance: the domain check's,
    evaluate/domain.py `judge`; status 1, 0 or None), or None when the calibration has too few scores for
    the level. Pure Python."""
    q = quantile(calibration, level, status)
    if q is None:
        return None
    half = q * row_scale(calibration, row, distance)
    return prediction - half, prediction + half


def left_out_distances(domain: dict, X, groups, reference_groups, fill=None, known=None):
    """Each row's domain distance (evaluate/domain.py) to the reference rows of *other* groups: what the
    distance of a country the reference has not seen looks like, for calibration rows that are in it.

    domain: a model record's domain reference; X: (n, p) the rows' features, filled as the model fills
    them; groups: (n,) their country keys; reference_groups: (len(domain["rows"]),) the country of each
    reference row (the fit knows it: the rows `domain.pick` chose). A row whose country holds every
    reference row gets inf (never in practice). known: (rows of X, their distances) measured already
    (the reference rows' own, evaluate/domain.py `reference_and_distances`): only the others are."""
    import numpy as np

    from lifeexp_cli.evaluate import neighbours

    X = as_rows(X)
    out = np.empty(len(X))
    unmeasured = None  # every row measured here, or only those `known` does not give
    if known is not None:
        out[known[0]] = known[1]
        unmeasured = np.ones(len(X), dtype=bool)
        unmeasured[known[0]] = False
    own, theirs = np.asarray(groups), np.asarray(reference_groups)  # integer codes compare as they are
    if own.dtype.kind not in "iu" or theirs.dtype.kind not in "iu":  # texts: compared as codes of them
        codes = np.unique(np.concatenate([own.astype(str), theirs.astype(str)]), return_inverse=True)[1]
        own, theirs = codes[:len(X)], codes[len(X):]
    reference = neighbours.prepare(np.asarray(domain["rows"], dtype=float))
    center, scale = np.asarray(domain["center"]), np.asarray(domain["scale"])
    for first in range(0, len(X), DISTANCE_ROWS):  # standardized a block at a time: no array of X's size
        rows = slice(first, first + DISTANCE_ROWS)
        if unmeasured is not None:  # this block's rows still to measure, read where they are
            rows = first + np.flatnonzero(unmeasured[rows])
            if not len(rows):
                continue
        block, block_groups = X[rows], own[rows]
        Z = block - center if fill is None else np.where(np.isnan(block), np.asarray(fill, dtype=float), block)
        if fill is not None:
            Z -= center
        Z /= scale

        def exclude(start, stop, block_groups=block_groups):
            return block_groups[start:stop, None] == theirs[None, :]

        out[rows] = neighbours.nearest(Z, reference, domain["k"], exclude)
    return out
