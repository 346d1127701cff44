"""How a streamed fit's passes run on one machine: one source after the other (`OneMachine`), each read
in a second thread while the next chunk is parsed (`pipelined`). The Dask engine
(model/fit/dask_engine.py) gives the same `map_reduce` on a cluster.
"""

from __future__ import annotations

import functools
import threading
from queue import Queue
from typing import Callable, Iterator

QUEUED = 2


def pipelined(items: Iterator, work: Callable) -> None:
    """work(item) for every item, in a second thread while the next items are produced (two cores:
    pandas parses the next chunk while numpy and LAPACK, which release the GIL, factor this one).
    At most QUEUED items wait, so memory stays bounded. The error of the earliest item is raised,
    whichever thread meets it: the work's on an item comes before producing the items after it fails."""
    queue: Queue = Queue(maxsize=QUEUED)
    failed: list[BaseException] = []

    def consume():
        while (item := queue.get()) is not None:
            if not failed:
                try:
                    work(item)
                except BaseException as exc:  # handed to the main thread below
                    failed.append(exc)

    worker = threading.Thread(target=consume, name="lifeexp-stream", daemon=True)
    worker.start()
    produced = None  # the error producing an item met
    try:
        for item in items:
            if failed:
                break
            queue.put(item)
    except Exception as exc:
        produced = exc
    finally:
        queue.put(None)
        worker.join()  # the items queued, all earlier than one that failed to be produced, are worked first
    if failed:
        raise failed[0]
    if produced is not None:
        raise produced


class OneMachine:
    """Passes over the sources in this process, one source after the other.

    `map_reduce(work, merge, *args)`: work(source, *args) for every source, results merged in order. The
    Dask engine (model/fit/dask_engine.py) gives the same method, run on a cluster and merged in a tree.
    progress: a large CSV's byte bar for every pass (data/opening.py), or None. caches: {source: its first
    pass's arrays (data/sources.py `ChunkCache`)}; a pass gets a source's cache in place of its name
    while the cache is usable.
    """

    def __init__(self, sources: list[str], progress=None, caches: dict | None = None):
        self.sources, self.progress, self.caches = sources, progress, caches or {}

    def map_reduce(self, work: Callable, merge: Callable, *args):
        return functools.reduce(merge, (work(self.source(source), *args, progress=self.progress)
                                        for source in self.sources))

    def source(self, source: str):
        cache = self.caches.get(source)
        return cache if cache is not None and cache.usable else source
