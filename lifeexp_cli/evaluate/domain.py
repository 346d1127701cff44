"""Is an input like the rows a model was fitted on? A joint check, not feature by feature.

Each value of an input can lie inside its training range while the combination lies far from every
training row (high HIV/AIDS with the lowest adult mortality): a model then extrapolates, and neither
per-feature ranges nor leverage alone say so. The check works in standardized units zⱼ = (xⱼ − mⱼ)/sⱼ
(the training rows' mean and standard deviation):

    d(x) = mean distance from z(x) to its k nearest reference rows (Euclidean, k = K).

The reference rows are the training rows, or a uniform sample of them (at most MAX_ROWS rows and
MAX_CELLS numbers, so the model file stays a few hundred KB whatever the data size; the sample's mean
and standard deviation then standardize). How far training
rows lie from their own neighbours sets the scale: each reference row's d is computed leaving out
itself and, when the rows carry groups (countries), every row of its own group, so that the distance
of a training row is that of a country the reference has not seen, like a new input's. The threshold
is the QUANTILE-th quantile of those distances, and at least MIN_THRESHOLD; an input is out of domain
when d(x) > threshold.

The least threshold is there for a model of one or two features whose values repeat: WHO's BMI takes 608
values over 2904 rows, most 0.1 apart, so 99% of its rows lie within 0.02 standard deviations of other
countries' rows, and BMI 20.5, in the one-unit gap of the data between 19.9 and 21.0, would be "far from
any training row" and the prediction "an extrapolation". Nearer than a tenth of a standard deviation
(2 BMI units), an input is never far: it lies within the training data's own spread of each feature.

The features that drive the distance are those with the largest share of the squared differences to
the k nearest rows (the fewest features that make up DRIVING_SHARE of it, at most MAX_DRIVING).

`reference` builds what the model record keeps (numpy); `judge` checks one row in pure Python (a single
prediction never imports numpy); `judge_rows` checks many rows (numpy: evaluate/neighbours.py finds the
k nearest, with the same distances). model/fields.py checks a stored reference at load.
"""

from __future__ import annotations

import heapq
import itertools
import math

from lifeexp_cli import limits

METHOD = "nearest-rows"
K = limits.MAX_DOMAIN_K
QUANTILE = 0.99
MIN_THRESHOLD = 0.1  # standard deviations: an input nearer than this to its nearest rows is never out of domain
MAX_ROWS = limits.MAX_DOMAIN_ROWS  # reference rows at most ...
MAX_CELLS = limits.MAX_DOMAIN_CELLS  # ... and numbers at most (about 360 KB in the model file)
MIN_ROWS = 3  # fewer training rows: no check (the record keeps domain None)
DRIVING_SHARE = 0.8
MAX_DRIVING = 3


def sample_size(p: int) -> int:
    """How many reference rows a model with p features keeps at most."""
    return max(1, min(MAX_ROWS, MAX_CELLS // max(p, 1)))


def standardizer(X):
    """Mean and standard deviation per column (1 for a constant column)."""
    import numpy as np

    center = X.mean(axis=0)
    scale = X.std(axis=0)
    return center, np.where(scale >= limits.MIN_INPUT_SCALE, scale, 1.0)  # constant to any data: 1


def pick(n: int, size: int, seed: int = 0):
    """Indices of a uniform sample of `size` of n rows (all rows when n ≤ size), in row order."""
    import numpy as np

    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng([7, seed]).choice(n, size, replace=False))


def reference(X, groups=None, seed: int = 0, sampled_from: int | None = None) -> dict | None:
    """What the model record keeps for the check, from the training rows X (n × p, missing values already
    filled as the model fills them). groups: one key per row (rows of a group leave each other out), or
    None (each row leaves out only itself). sampled_from: the number of rows X was sampled from, when
    X is already a sample (a streamed fit's reservoir). None when there are too few rows."""
    return reference_and_distances(X, groups, seed, sampled_from)[0]


def reference_and_distances(X, groups=None, seed: int = 0, sampled_from: int | None = None):
    """(`reference`, each reference row's own distance, the one its threshold is the quantile of), or
    (None, None). The distances are those evaluate/shift.py `left_out_distances` gives the same rows
    when the reference leaves out groups ("leave_out": "group"): the in-memory fit's calibration takes
    them from here rather than measuring them twice."""
    import numpy as np

    from lifeexp_cli.evaluate import neighbours  # numpy's paths only: one person's check is pure Python

    X = np.asarray(X, dtype=float)
    n, p = X.shape
    if n < MIN_ROWS or p == 0:
        return None, None
    chosen = pick(n, sample_size(p), seed)
    center, scale = standardizer(X[chosen])  # of the sample: all rows, unless there are very many
    R = (X[chosen] - center) / scale
    keys = None if groups is None else np.unique(np.asarray(groups)[chosen], return_inverse=True)[1]
    grouped = keys is not None and len(np.unique(keys)) < len(R)
    if grouped:
        others = len(R) - np.bincount(keys).max()  # the fewest rows outside any one group
        grouped = others >= 1
    if grouped:
        k = min(K, others)

        def exclude(start, stop):
            return keys[start:stop, None] == keys[None, :]
    else:
        k = min(K, len(R) - 1)

        def exclude(start, stop):
            return np.arange(start, stop)[:, None] == np.arange(len(R))[None, :]
    own = neighbours.nearest(R, R, k, exclude)
    return {"method": METHOD, "k": int(k), "quantile": QUANTILE,
            "threshold": max(float(np.quantile(own, QUANTILE)), MIN_THRESHOLD),
            "center": center.tolist(), "scale": scale.tolist(),
            "training_rows": int(sampled_from if sampled_from is not None else n),
            "leave_out": "group" if grouped else "row", "rows": R.tolist()}, own


def standardized(domain: dict, row: list[float]) -> list[float]:
    return [(x - c) / s for x, c, s in zip(row, domain["center"], domain["scale"])]


def judge(domain: dict, row: list[float], features: list[str]) -> dict:
    """One input row (raw values in feature order, missing ones already filled), in pure Python:
    {"in_domain", "distance", "threshold", "features"} (features: what drives the distance, when out)."""
    z = standardized(domain, row)
    rows = domain["rows"]
    # In C, not in a Python loop over the rows (2000 of them in a shipped model, 8 checks in `compare`):
    # math.dist, then the k smallest distances and the rows that have them (`nearest`).
    distances = list(map(math.dist, itertools.repeat(z, len(rows)), rows))
    closest = nearest(distances, domain["k"])
    distance = sum(distances[i] for i in closest) / len(closest)
    inside = distance <= domain["threshold"]
    return {"in_domain": inside, "distance": distance, "threshold": domain["threshold"],
            "features": [] if inside else driving(z, [rows[i] for i in closest], features)}


def nearest(distances: list[float], k: int) -> list[int]:
    """The rows of the k smallest distances, nearest first and equal distances in row order: what
    heapq.nsmallest(k, rows, key=distances) gives, at half the cost (its loop over the values does not
    call a key, and list.index finds each row in C)."""
    closest, after = [], {}
    for value in heapq.nsmallest(k, distances):
        row = distances.index(value, after.get(value, 0))  # an equal distance: the next row that has it
        closest.append(row)
        after[value] = row + 1
    return closest


def driving(z: list[float], closest: list[list[float]], features: list[str]) -> list[str]:
    """The fewest features that make up DRIVING_SHARE of the squared differences to the nearest rows."""
    shares = [sum((z[j] - r[j]) ** 2 for r in closest) for j in range(len(z))]
    total = sum(shares) or 1.0
    chosen, covered = [], 0.0
    for j in sorted(range(len(z)), key=lambda j: -shares[j]):
        if covered >= DRIVING_SHARE * total or len(chosen) == MAX_DRIVING:
            break
        chosen.append(features[j])
        covered += shares[j]
    return chosen


def judge_rows(domain: dict, X, found=None):
    """Many rows at once (X n × p, missing values already filled): (distances, in_domain), the
    distances those of `judge`. found: `searcher(domain)`, to reuse it block after block."""
    import numpy as np

    from lifeexp_cli.evaluate import neighbours  # numpy's paths only: one person's check is pure Python

    Z = (np.asarray(X, dtype=float) - np.asarray(domain["center"])) / np.asarray(domain["scale"])
    distances = neighbours.mean_distance(Z, searcher(domain) if found is None else found, domain["k"])
    return distances, distances <= domain["threshold"]


def searcher(domain: dict, method: str | None = None):
    """What `judge_rows` searches the reference rows with (evaluate/neighbours.py: a k-d tree with few
    features, else the rows prepared for one matrix product per block; `method` "tree" or "product"
    forces one)."""
    from lifeexp_cli.evaluate import neighbours  # numpy's paths only: one person's check is pure Python

    return neighbours.searcher(domain["rows"], method)


def describe(domain: dict, judgement: dict, values: dict[str, float]) -> str:
    """The warning for an input out of domain: which features, how far, against what."""
    named = " and ".join(f"{name}={values[name]:.4g}" for name in judgement["features"])
    return (f"this combination of inputs is unlike the training data: {named} far from any training row "
            f"(distance {judgement['distance']:.3g} in standard deviations from its nearest training rows, "
            f"against {judgement['threshold']:.3g} for {domain['quantile']:.0%} of training rows): the prediction is an extrapolation")


MARGIN = 1e-9  # relative: far beyond the rounding of any Euclidean distance of at most 10⁴ features


def driving_rows(domain: dict, X, features: list[str], found=None) -> list[list[str]]:
    """`judge(domain, row, features)["features"]` for each row of X (raw, missing values filled), the same
    lists bit for bit, without comparing each row with every reference row in Python: the searcher
    (`searcher`) names each row's K + EXTRA nearest candidates; when the K-th of them lies clearly nearer
    (MARGIN) than the last, no other reference row can be among `judge`'s K nearest, so `judge`'s own
    distances (math.dist) to the candidates alone rank them, ties in row order as `nearest` has them; when
    the first K + 1 candidates also lie clearly apart and their mean distance clearly above the threshold,
    the searcher's order is `judge`'s and no distance is measured again. Otherwise (ties or near-ties at
    the edge, distances not finite) the row is judged as one."""
    import numpy as np

    from lifeexp_cli.evaluate import neighbours  # numpy's paths only: one person's check is pure Python

    rows, threshold = domain["rows"], domain["threshold"]
    k = min(domain["k"], len(rows))
    c = min(len(rows), k + neighbours.EXTRA)
    X = np.asarray(X, dtype=float)
    if not len(X) or not k:
        return [judge(domain, row, features)["features"] for row in X.tolist()]
    Z = (X - np.asarray(domain["center"])) / np.asarray(domain["scale"])
    near, chosen = neighbours.candidates(Z, searcher(domain) if found is None else found, c)
    apart = near[:, 1:] * (1 - MARGIN) > near[:, :-1] * (1 + MARGIN)  # each candidate clearly farther than the one before
    sure = np.isfinite(near).all(axis=1) & (True if c == len(rows) else apart[:, k - 1])
    # Clearly ordered and clearly out (`judge`'s mean distance too): its K nearest are the first K candidates.
    plain = sure & apart[:, :k - 1].all(axis=1) & (near[:, :k].mean(axis=1) > threshold * (1 + MARGIN))
    driven = []
    for z, row, candidates, certain, ordered in zip(Z.tolist(), X.tolist(), chosen.tolist(), sure.tolist(),
                                                    plain.tolist()):
        if ordered:
            driven.append(driving(z, [rows[i] for i in candidates[:k]], features))
            continue
        if not certain:
            driven.append(judge(domain, row, features)["features"])
            continue
        ranked = sorted(zip(map(math.dist, itertools.repeat(z, c), [rows[i] for i in candidates]), candidates))[:k]
        distance = sum(d for d, _ in ranked) / len(ranked)
        driven.append([] if distance <= threshold else driving(z, [rows[i] for _, i in ranked], features))
    return driven
