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


def update(sample: Reservoir, X: np.ndarray, rng: np.random.Generator, labels=None) -> Reservoir:
    """Offer the rows of X (n × p), with their labels ((n,), a function of positions, or None: `offer`),
    to the sample. Once it is full, only rows with a key below its largest can enter: the others are never
    copied (most of them, late in a long stream)."""
    return offer(sample, rng.random(len(X)), X.__getitem__, labels)


def offer(sample: Reservoir, keys: np.ndarray, rows_at, labels=None) -> Reservoir:
    """Offer n rows with these keys (drawn for them, in order) and their labels: (n,), a function giving
    the labels at positions (as rows_at, for labels that cost something to make), or None. rows_at(positions)
    gives the offered rows at these positions (increasing): only the rows that stay in the sample are
    asked for, so rows that cost something to make (a model's residuals) are made for a few thousand rows of
    a long stream, not all. The same sample as offering every row made (the keys alone choose)."""
    held = len(sample.keys)
    offered = np.flatnonzero(keys < sample.keys.max()) if held == sample.size and len(keys) else \
        np.arange(len(keys))
    joined_keys = np.concatenate([sample.keys, keys[offered]])
    keep = np.argpartition(joined_keys, sample.size - 1)[:sample.size] if len(joined_keys) > sample.size \
        else np.arange(len(joined_keys))
    new = keep >= held
    positions = offered[keep[new] - held]
    order = np.argsort(positions, kind="stable")
    made = np.empty((len(positions), sample.rows.shape[1]))
    made[order] = rows_at(positions[order])
    rows = np.empty((len(keep), sample.rows.shape[1]))
    rows[~new], rows[new] = sample.rows[keep[~new]], made
    kept_labels = None
    if labels is not None:
        made_labels = labels(positions) if callable(labels) else labels[positions]
        kept_labels = np.empty(len(keep), dtype=made_labels.dtype)
        kept_labels[new] = made_labels
        if held:
            kept_labels[~new] = sample.labels[keep[~new]]
    return Reservoir(sample.size, joined_keys[keep], rows, sample.seen + len(keys), kept_labels)


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
