"""The passes of a streamed fit over one source, each reduced to something that merges across sources:
the first pass's least-squares state (with the calibration folds, the countries seen and the domain
check's sample), a median pass's histograms, a refinement step's correction, and the pass at the
solution (robust standard errors' meat and scores, out-of-fold residuals for the calibration).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, replace

import numpy as np

from lifeexp_cli.data import catalog, dataset, opening
from lifeexp_cli.data.sources import ChunkCache, feature_rows, frames_of, opened
from lifeexp_cli.linear.stream import median, reservoir, state
from lifeexp_cli.linear.stream.state import State
from lifeexp_cli.linear import covariance
from lifeexp_cli.model.fit import domain_sample, interval_calibration, standard_errors, stream_calibration
from lifeexp_cli.model.fit.pipeline import pipelined
from lifeexp_cli.model.fit.stream_solve import StreamSolution, correction_of
from lifeexp_cli.model.spec import Spec


@dataclass
class Reduced:
    """What the first pass over one source (or several, merged) leaves: the state and the counts."""

    state: State | None  # None: no data row yet
    skipped: int  # rows without a target
    chunks: int
    hashes: list[str]  # SHA-256 of each source, in order
    features: list[str] | None  # None until decided from the first chunk (--features all)
    target: str
    columns: list[str]  # the source's columns (canonical names)
    sample: reservoir.Reservoir | None = None  # the domain check's sample (model/fit/domain_sample.py)
    folds: list[State | None] | None = None  # one state per calibration fold (their merge is `state`)
    # The distinct country keys seen (uint64), or None: no country column. Only the calibration's folds
    # count them (its units): without folds (seed None) they are not gathered, and this is empty.
    groups: np.ndarray | None = None
    notes: tuple[str, ...] = ()  # what reading the sources' text noticed (data/chunk_frames.py `notes`)

    def merge(self, other: Reduced) -> Reduced:
        """Both sources' rows together (this one's first): the states merged exactly, the counts added,
        the samples merged (the smallest keys of both)."""
        sample = (domain_sample.merge(self.sample, other.sample) if self.sample and other.sample
                  else self.sample or other.sample)
        folds = None if self.folds is None or other.folds is None else \
            [stream_calibration.merged(pair) for pair in zip(self.folds, other.folds)]
        groups = None if self.groups is None or other.groups is None else np.union1d(self.groups, other.groups)
        return Reduced(stream_calibration.merged([self.state, other.state]), self.skipped + other.skipped,
                       self.chunks + other.chunks, self.hashes + other.hashes, self.features or other.features,
                       self.target, self.columns, sample, folds, groups, self.notes + other.notes)


def reduce_source(source: str, features: str | list[str], target: str, spec: Spec, chunk_rows: int,
                  seed: int | None = 0, progress=None, cache: ChunkCache | None = None) -> Reduced:
    """The first pass over one source: its state, rows without a target, chunks and SHA-256; the rows
    split in calibration folds by `seed` (model/fit/stream_calibration.py), or None: no folds (stdin).
    progress: a large CSV's byte bar (data/opening.py), or None (every pass takes it). cache: where to
    keep each chunk's arrays for the passes after this one (data/sources.py), or None."""
    from threadpoolctl import threadpool_limits

    with opened(source, features, target, chunk_rows, (catalog.GROUP_COLUMN,), progress) as \
            (target_name, chosen, names, frames, hasher):
        grouped = catalog.GROUP_COLUMN in names
        counting = grouped and seed is not None  # the countries are the calibration's units
        totals = {"state": None, "skipped": 0, "chunks": 0, "sample": None,
                  "folds": [None] * stream_calibration.FOLDS, "groups": (np.empty(0, np.uint64), [])}
        # The rows the domain check keeps: keys from a generator of this source's own (partitions differ),
        # seeded by the file's name, not its folder: the same file gives the same model wherever it lives.
        sampling = np.random.default_rng([7, zlib.crc32(os.path.basename(str(source)).encode())])

        def chunks():
            nonlocal chosen
            start = 0
            for blocks, frame in frames:
                if chosen is None:
                    chosen = dataset.resolve_features(frame, "all", target_name)
                yield blocks, frame, start
                start += len(frame)

        def add(item):
            # The chunk's arrays and keys are taken here, in the second thread, while the next chunk is
            # parsed; `pipelined` still raises the error of the earliest chunk.
            blocks, frame, start = item
            # Every row's key for the folds and the cache; without them only the domain sample's rows need
            # their country's (hashed when they enter it, `dataset.frame_group_keys_at`).
            keys = None if seed is None and cache is None else \
                stream_calibration.chunk_keys(frame, target_name, source, start,
                                              None if cache is None else cache.names)
            X, y, skipped = dataset.frame_arrays(frame, chosen, target_name)
            hasher.hash(blocks)
            if cache is not None:
                cache.add(X, y, keys)
            if seed is None:
                totals["state"] = state.update(totals["state"] or state.start(X.shape[1], spec.impute), X, y)
            else:
                totals["folds"] = stream_calibration.update_folds(totals["folds"], X, y, keys, spec.impute, seed)
            if counting:
                totals["groups"] = stream_calibration.add_keys(totals["groups"], keys)
            # The country's key rides along, for the domain check's leave-one-country-out.
            labels = None if not grouped else keys if keys is not None else \
                (lambda rows: dataset.frame_group_keys_at(frame, target_name, rows))
            totals["sample"] = domain_sample.update(totals["sample"] or domain_sample.start(X.shape[1]), X,
                                                    labels, spec.impute == "drop", sampling)
            totals["skipped"] += skipped
            totals["chunks"] += 1

        # Tall-skinny QR is fastest on one BLAS thread; the second core parses meanwhile.
        with threadpool_limits(limits=1, user_api="blas"):
            pipelined(chunks(), add)
        sha256 = hasher.finish()
        notes = tuple(hasher.notes(opening.shown(source)))
    folds = None if seed is None else totals["folds"]
    whole = totals["state"] if folds is None else stream_calibration.merged(folds)
    countries = stream_calibration.distinct_keys(totals["groups"]) if grouped else None
    return Reduced(whole, totals["skipped"], totals["chunks"], [sha256], chosen, target_name, names,
                   totals["sample"], folds, countries, notes)


def residual_part(source: str | ChunkCache, sol: StreamSolution, spec: Spec, features: list[str], target: str,
                  chunk_rows: int, se_type: str | None, models: list | None, seed: int, progress=None) -> tuple:
    """One source's share of the pass at the solution: (what the standard errors gather, for se_type hc3
    or cluster (model/fit/standard_errors.py), else None; the calibration's sample of out-of-fold
    residuals by the fold `models` (model/fit/interval_calibration.py `collect`), or None without them)."""
    from threadpoolctl import threadpool_limits

    # Its products are of a chunk by a vector: a second BLAS thread only waits for work (spinning, on
    # a busy machine, on the core another process needs), so one thread, as in the first pass.
    with threadpool_limits(limits=1, user_api="blas"):
        return residuals_of(source, sol, spec, features, target, chunk_rows, se_type, models, seed, progress)


def residuals_of(source: str | ChunkCache, sol: StreamSolution, spec: Spec, features: list[str], target: str,
                 chunk_rows: int, se_type: str | None, models: list | None, seed: int, progress=None) -> tuple:
    gathered = standard_errors.start(se_type) if se_type else None
    model = (sol.fill, sol.center, sol.scale, sol.solution.theta)
    sample = stream_calibration.sample_start(len(features)) if models else None
    sampling = stream_calibration.sampling(source.source if isinstance(source, ChunkCache) else source)
    countries = country_codes(source) if se_type == "cluster" and isinstance(source, ChunkCache) else None
    if countries is not None:  # every country known from the first pass: its sums in one array
        gathered = replace(gathered, scores=covariance.CodedScores(len(countries[0]), len(sol.solution.theta),
                                                                   countries[0]))

    def gathering():  # read and gathered in this thread...
        nonlocal gathered
        for X, y, keys, groups in keyed_rows(source, features, target, chunk_rows, se_type == "cluster", progress,
                                             countries):
            if gathered is not None:
                gathered = standard_errors.gather_rows(gathered, X, y, groups, model, spec.intercept,
                                                       spec.impute == "drop", sol.factor.R)
            yield X, y, keys

    def sampling_rows(item):  # ...while the second samples the chunk before (its draws stay in order)
        nonlocal sample
        if sample is not None:
            sample = stream_calibration.sample_update(sample, *item, models, spec, seed, sampling)

    pipelined(gathering(), sampling_rows)
    return gathered, sample


def country_codes(cache: ChunkCache) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(every country of the source, sorted as text; their keys, sorted; each sorted key's country's index
    in the first): the codes of every chunk's rows from one table (`keyed_rows`), the order
    `ChunkCache.countries` gives a chunk's."""
    keys, texts = np.fromiter(cache.names, dtype=np.uint64, count=len(cache.names)), list(cache.names.values())
    order = sorted(range(len(texts)), key=texts.__getitem__)
    rank = np.empty(len(texts), dtype=np.intp)
    rank[order] = np.arange(len(texts))
    by_key = np.argsort(keys)
    return [texts[i] for i in order], keys[by_key], rank[by_key]


def keyed_rows(source: str | ChunkCache, features: list[str], target: str, chunk_rows: int, countries: bool,
               progress=None, codes: tuple | None = None):
    """(X, y, a key per row: its country's, or its position's without a country column, and with
    `countries` each row's country as `dataset.frame_groups` gives it (as the code `country_codes` gives
    with its table `codes`), else None) of each chunk, from the first pass's cache or parsed again."""
    if isinstance(source, ChunkCache):
        for X, y, keys in source.arrays():
            yield X, y, keys, None if not countries else source.countries(keys) if codes is None else \
                coded(keys, codes)
        return
    start = 0
    for _, frame in frames_of(source, features, target, chunk_rows, (catalog.GROUP_COLUMN,), progress):
        X, y, _ = dataset.frame_arrays(frame, features, target)
        yield X, y, stream_calibration.chunk_keys(frame, target, source, start), \
            dataset.frame_groups(frame, target) if countries else None
        start += len(frame)


def coded(keys: np.ndarray, codes: tuple) -> np.ndarray:
    """Each row's country code from `country_codes`'s table, looked up once per run of rows of one country
    (a country's rows usually come together)."""
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else np.empty(0, np.intp)
    if 2 * len(starts) > len(keys):
        return codes[2][np.searchsorted(codes[1], keys)]
    return np.repeat(codes[2][np.searchsorted(codes[1], keys[starts])], np.diff(np.append(starts, len(keys))))


def merge_residual_parts(a: tuple, b: tuple) -> tuple:
    return (None if a[0] is None else covariance.merge_gathered(a[0], b[0]),
            None if a[1] is None else interval_calibration.merge(a[1], b[1]))


def median_part(source: str, searches: list, features: list[str], target: str, chunk_rows: int,
                progress=None) -> list:
    """One source's share of a median pass: its histograms (or collected keys) per open search."""
    found = median.accumulators(searches)
    for X, _ in feature_rows(source, features, target, chunk_rows, progress):
        median.update(searches, found, X)
    return found


def median_passes(over, seen: State, features: list[str], target: str, chunk_rows: int) -> tuple[np.ndarray, int]:
    """Exact medians of the present feature values (rows with a target), by radix select over the data:
    each pass's histograms are counted per source and added up."""
    state.fill_values(seen, features)  # fails clearly on a feature without values
    searches = median.start(seen.present.n)
    passes = 0
    while True:
        found = over.map_reduce(median_part, median.merge, searches, features, target, chunk_rows)
        passes += 1
        if median.narrow(searches, found):
            return median.values(searches, len(features)), passes


def correction_part(source: str, sol: StreamSolution, spec: Spec, features: list[str], target: str,
                    chunk_rows: int, progress=None) -> np.ndarray:
    """One source's share of a refinement step (they add up)."""
    return correction_of(feature_rows(source, features, target, chunk_rows, progress), sol, spec)
