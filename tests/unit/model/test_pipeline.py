"""model/fit/pipeline.py `pipelined`: every item worked in order, and the error of the earliest item
raised whichever thread meets it, however the two threads happen to interleave."""

from __future__ import annotations

import threading

import pytest

from lifeexp_cli.model.fit.pipeline import QUEUED, pipelined


def test_every_item_is_worked_in_order():
    seen = []
    pipelined(iter(range(50)), seen.append)
    assert seen == list(range(50))


def test_the_work_on_an_earlier_item_fails_first_though_producing_a_later_one_failed_before():
    produced_failed = threading.Event()

    def items():
        yield 1
        yield 2
        produced_failed.set()
        raise ValueError("item 3 could not be produced")

    def work(item):
        if item == 2:
            assert produced_failed.wait(30)  # the producer has failed by now: the worst order
            raise KeyError("item 2 could not be worked")

    with pytest.raises(KeyError, match="item 2"):
        pipelined(items(), work)


def test_a_failure_to_produce_is_raised_when_the_earlier_items_were_worked():
    seen = []

    def items():
        yield 1
        yield 2
        raise ValueError("item 3 could not be produced")

    with pytest.raises(ValueError, match="item 3"):
        pipelined(items(), seen.append)
    assert seen == [1, 2]


def test_the_work_failing_stops_the_producing():
    produced = []

    def items():
        for i in range(1000):
            produced.append(i)
            yield i

    def work(item):
        raise KeyError(f"item {item}")

    with pytest.raises(KeyError, match="item 0"):
        pipelined(items(), work)
    # item 0 taken, QUEUED waiting, one more blocked in put; the next is made before `failed` is seen
    assert len(produced) <= 3 + QUEUED
