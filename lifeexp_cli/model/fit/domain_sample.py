"""The domain check's reference rows (evaluate/domain.py), one implementation for the in-memory and the
streamed fit: a sample of the rows the fit used (complete rows only for impute drop), each with its
country, offered a chunk at a time (`update`), merged across parts (`merge`) and finished, filled as the
model fills them, into the record's reference (`finish`).

What differs is how the rows are chosen, and it is a parameter of `update`: a generator draws each row a
random key and the sample keeps the smallest (linear/stream/reservoir.py: a uniform sample of a stream of
any length, merging exactly across chunks and parts); without one, the rows come as one chunk (an
in-memory fit) and the sample is `domain.pick`'s exact uniform choice of them. The two are different
uniform samples, so their thresholds differ (1.537 streamed against 1.625 in memory on the WHO data);
each is what the model files of that fit have always held.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli.evaluate import domain
from lifeexp_cli.linear.stream import reservoir
from lifeexp_cli.prep import impute


def start(p: int) -> reservoir.Reservoir:
    """No row yet (p features): room for `domain.sample_size(p)` rows."""
    return reservoir.start(domain.sample_size(p), p)


def update(sample: reservoir.Reservoir, X: np.ndarray, groups: np.ndarray | None, drop: bool,
           rng: np.random.Generator | None = None) -> reservoir.Reservoir:
    """A chunk's rows (raw X, NaN where missing; groups: their countries' keys, a function giving the keys
    of rows at positions (only the rows that enter the sample are asked for), or None: each row its own)
    offered to the sample. drop: only complete rows count (impute drop: the fit never saw the others).
    rng None: these are all the rows (one chunk), chosen exactly by `domain.pick` without a copy of X."""
    if rng is None:
        if sample.seen:
            raise ValueError("an exact domain sample takes its rows as one chunk")
        chosen, seen = exact_rows(X, sample.size, drop)
        return reservoir.Reservoir(sample.size, np.arange(len(chosen), dtype=float), X[chosen], seen,
                                   None if groups is None else np.asarray(groups)[chosen])
    if drop:
        complete = ~np.isnan(X).any(axis=1)
        X = X[complete]
        if callable(groups):  # the keys at positions among the complete rows
            groups = (lambda rows, at=np.flatnonzero(complete), keys_at=groups: keys_at(at[rows]))
        elif groups is not None:
            groups = groups[complete]
    return reservoir.update(sample, X, rng, groups)


def exact_rows(X: np.ndarray, size: int, drop: bool) -> tuple[np.ndarray, int]:
    """(the rows of X an exact sample of `size` takes, in the sample's order; how many rows it chose
    from): `domain.pick`'s choice of every row, or of the complete ones with `drop`."""
    usable = np.flatnonzero(impute.complete_rows(X)) if drop else None  # None: every row
    seen = len(X) if usable is None else len(usable)
    chosen = domain.pick(seen, size)
    return (chosen if usable is None else usable[chosen]), seen


merge = reservoir.merge


def finish(sample: reservoir.Reservoir | None, fill) -> tuple[dict | None, np.ndarray | None]:
    """(the record's domain reference, the country of each of its rows) from the sample, its rows filled
    with the model's values; a sampled row leaves out its whole country (or only itself without
    countries). (None, None) without a sample."""
    return finish_with_distances(sample, fill)[:2]


def finish_with_distances(sample: reservoir.Reservoir | None, fill) -> tuple:
    """`finish`, and each reference row's own distance (`domain.reference_and_distances`; None without
    a reference)."""
    if sample is None:
        return None, None, None
    rows, groups = reservoir.rows(sample), reservoir.labels(sample)
    filled = np.where(np.isnan(rows), np.asarray(fill, dtype=float), rows)
    found, own = domain.reference_and_distances(filled, groups, sampled_from=sample.seen)
    return found, groups, own
