"""A uniform sample of streamed rows in bounded memory, mergeable: the rows with the smallest random keys.

Each row gets a key drawn uniformly from [0, 1); the sample is the `size` rows with the smallest keys
seen so far. That is a uniform sample without replacement of all rows seen (every set of `size` rows
is equally likely to hold the smallest keys), and two samples of disjoint parts merge exactly: the
smallest keys of the union are the smallest of the two samples' keys. Memory: size × (p + 1) numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Reservoir:
    """At most `size` rows, with their keys; `seen` counts every row offered."""

    size: int
    keys: np.ndarray  # (m,)
    rows: np.ndarray  # (m, p)
    seen: int


def start(size: int, p: int) -> Reservoir:
    return Reservoir(size, np.empty(0), np.empty((0, p)), 0)


def smallest(size: int, keys: np.ndarray, rows: np.ndarray, seen: int) -> Reservoir:
    if len(keys) > size:
        keep = np.argpartition(keys, size - 1)[:size]
        keys, rows = keys[keep], rows[keep]
    return Reservoir(size, keys, rows, seen)


def update(sample: Reservoir, X: np.ndarray, rng: np.random.Generator) -> Reservoir:
    """Offer the rows of X (n × p) to the sample. Once it is full, only rows with a key below its largest
    can enter: the others are never copied (most of them, late in a long stream)."""
    keys = rng.random(len(X))
    if len(sample.keys) == sample.size and len(keys):
        entering = keys < sample.keys.max()
        keys, X = keys[entering], X[entering]
        return smallest(sample.size, np.concatenate([sample.keys, keys]), np.vstack([sample.rows, X]),
                        sample.seen + len(entering))
    return smallest(sample.size, np.concatenate([sample.keys, keys]), np.vstack([sample.rows, X]),
                    sample.seen + len(X))


def merge(a: Reservoir, b: Reservoir) -> Reservoir:
    """The sample of the rows of a and b together (each drawn with independent keys)."""
    return smallest(min(a.size, b.size), np.concatenate([a.keys, b.keys]), np.vstack([a.rows, b.rows]),
                    a.seen + b.seen)


def rows(sample: Reservoir) -> np.ndarray:
    """The sampled rows, in key order (a fixed order for a fixed seed)."""
    return sample.rows[np.argsort(sample.keys, kind="stable")]
