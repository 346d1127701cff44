"""A uniform sample of streamed rows in bounded memory, mergeable: the rows with the smallest random keys.

Each row gets a key drawn uniformly from [0, 1); the sample is the `size` rows with the smallest keys
seen so far. That is a uniform sample without replacement of all rows seen (every set of `size` rows
is equally likely to hold the smallest keys), and two samples of disjoint parts merge exactly: the
smallest keys of the union are the smallest of the two samples' keys. Memory: size × (p + 1) numbers.
A row may carry a label (its country's key, say) that travels with it, kept apart from the numbers.
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
    labels: np.ndarray | None = None  # (m,): one label per row, or None: unlabelled rows


def start(size: int, p: int) -> Reservoir:
    return Reservoir(size, np.empty(0), np.empty((0, p)), 0)


def smallest(size: int, keys: np.ndarray, rows: np.ndarray, seen: int, labels: np.ndarray | None = None) -> Reservoir:
    if len(keys) > size:
        keep = np.argpartition(keys, size - 1)[:size]
        keys, rows = keys[keep], rows[keep]
        labels = None if labels is None else labels[keep]
    return Reservoir(size, keys, rows, seen, labels)


def joined(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    return None if b is None else b if a is None or not len(a) else np.concatenate([a, b])


def update(sample: Reservoir, X: np.ndarray, rng: np.random.Generator, labels: np.ndarray | None = None) -> Reservoir:
    """Offer the rows of X (n × p), with their labels (n,) or None, to the sample. Once it is full, only rows
    with a key below its largest can enter: the others are never copied (most of them, late in a long
    stream)."""
    keys = rng.random(len(X))
    if len(sample.keys) == sample.size and len(keys):
        entering = keys < sample.keys.max()
        keys, X = keys[entering], X[entering]
        labels = None if labels is None else labels[entering]
        return smallest(sample.size, np.concatenate([sample.keys, keys]), np.vstack([sample.rows, X]),
                        sample.seen + len(entering), joined(sample.labels, labels))
    return smallest(sample.size, np.concatenate([sample.keys, keys]), np.vstack([sample.rows, X]),
                    sample.seen + len(X), joined(sample.labels, labels))


def merge(a: Reservoir, b: Reservoir) -> Reservoir:
    """The sample of the rows of a and b together (each drawn with independent keys)."""
    return smallest(min(a.size, b.size), np.concatenate([a.keys, b.keys]), np.vstack([a.rows, b.rows]),
                    a.seen + b.seen, joined(a.labels, b.labels))


def rows(sample: Reservoir) -> np.ndarray:
    """The sampled rows, in key order (a fixed order for a fixed seed)."""
    return sample.rows[np.argsort(sample.keys, kind="stable")]


def labels(sample: Reservoir) -> np.ndarray | None:
    """The sampled rows' labels, in key order (as `rows`), or None."""
    return None if sample.labels is None else sample.labels[np.argsort(sample.keys, kind="stable")]
