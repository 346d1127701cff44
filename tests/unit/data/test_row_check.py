"""csv_text.RowCheck against the check it replaced (kept here as `ReferenceCheck`): on random CSV-ish
bytes (quotes, CR, CRLF, blank lines, trailing separators, long records) fed at random read boundaries,
both accept the same reads, refuse at the same read with the same message, and keep the same unfinished
record and line number after every read.
"""

from __future__ import annotations

import os
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifeexp_cli.data import csv_text
from lifeexp_cli.errors import DataError

EXAMPLES = int(os.environ.get("ROWCHECK_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class ReferenceCheck:
    """RowCheck.check as it was before its one-pass case (`_lined_up`): numpy over every read."""

    def __init__(self, source: str, sep: str, width: int | None = None, line: int = 1, trailing: bool = True):
        self.source, self.sep, self.width, self.line, self.trailing = source, ord(sep), width, line, trailing
        self.rest = b""

    def check(self, data: bytes, final: bool = False) -> None:
        buf = self.rest + data if self.rest else data
        if not buf:
            return
        a = np.frombuffer(buf, np.uint8)
        outside = (np.cumsum(a == 34, dtype=np.uint8) & 1) == 0 if b'"' in buf else None
        ends = a == 10
        if b"\r" in buf:
            cr = a == 13
            cr[:-1] &= a[1:] != 10
            if not final and a[-1] == 13:
                cr[-1] = False
            ends |= cr
        ends = np.flatnonzero(ends if outside is None else ends & outside)
        cut = int(ends[-1]) + 1 if len(ends) else 0
        if final and cut < len(buf):
            ends, cut = np.append(ends, len(buf)), len(buf)
        self.rest = buf[cut:]
        if len(self.rest) > csv_text.MAX_RECORD_BYTES:
            where = self.line + buf.count(b"\n", 0, cut)
            raise DataError(f"{self.source} line {where} is longer than "
                            f"{csv_text.MAX_RECORD_BYTES >> 20} MiB (no line break, or an unbalanced \" ?): give "
                            "one row per line, and fix its quotes")
        if len(ends):
            if outside is not None:
                self._check_quotes(buf, a, cut)
            self._check_records(buf, a, outside, ends)
        self.line += buf.count(b"\n", 0, cut)

    def _check_quotes(self, buf: bytes, a, cut: int) -> None:
        quotes = np.flatnonzero(a[:cut] == 34)
        borders = np.zeros(256, dtype=bool)
        borders[[self.sep, 10, 13, 34]] = True
        opening, closing = quotes[0::2], quotes[1::2]
        bad_open = (opening > 0) & ~borders[a[np.maximum(opening - 1, 0)]]
        bad_close = (closing + 1 < len(a)) & ~borders[a[np.minimum(closing + 1, len(a) - 1)]]
        wrong = np.concatenate([opening[bad_open], closing[bad_close]])
        if len(wrong):
            raise csv_text.quote_inside(self.source, self.line + buf.count(b"\n", 0, int(wrong.min())))

    def _check_records(self, buf: bytes, a, outside, ends) -> None:
        starts = np.concatenate([[0], ends[:-1] + 1])
        last = np.maximum(ends - 1, 0)
        stops = ends - ((a[last] == 13) & (ends > starts))
        separators = a == self.sep
        separators = np.flatnonzero(separators if outside is None else separators & outside)
        cells = np.searchsorted(separators, stops) - np.searchsorted(separators, starts) + 1
        blank = stops == starts
        if self.width is None:
            first = int(np.argmax(~blank)) if (~blank).any() else len(blank)
            if first == len(blank):
                return
            self.width, blank = int(cells[first]), blank.copy()
            blank[:first + 1] = True
        trailing = (cells == self.width + 1) & (a[np.maximum(stops - 1, 0)] == self.sep)
        bad = ~blank & (cells != self.width) & ~(trailing & self.trailing)
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            found, where = int(cells[at]), self.line + buf.count(b"\n", 0, int(starts[at]))
            hint = "a trailing separator: remove it" if trailing[at] else \
                "a stray separator, or text that needs quotes?" if found > self.width else \
                "a missing cell, or a line break inside the row?"
            raise DataError(f"{self.source} line {where} has {found} cells where the header has {self.width} "
                            f"columns ({hint}): give every row one cell per column")


CELL = st.sampled_from([b"", b"1", b"2.5", b"abc", b" x ", b'"q"', b'"a,b"', b'"a;b"', b'"a\tb"', b'"l1\nl2"',
                        b'"c\rr"', b'"d""q"', b'""', b'x"y', b'"', b'"open', b"close\"", b"\r", b"9" * 40])
PLAIN = st.sampled_from([b"", b"1", b"2.5", b"abc", b" x ", b"9" * 40])
ENDING = st.sampled_from([b"\n", b"\n", b"\n", b"\r\n", b"\r\n", b"\r"])


@st.composite
def csv_bytes(draw):
    """(separator, width, the bytes, where the reads end): rows of `width` plain cells, each oddity (a
    cell too many or too few, a trailing separator, a blank line, another line end, quotes and CRs in
    cells) at a rate of its own, often none, so that whole files of well-formed rows come up too."""
    sep = draw(st.sampled_from([",", ";", "\t"])).encode()
    width = draw(st.integers(1, 5))
    rate = st.sampled_from([0, 0, 0, 2, 10, 40])  # in percent of the rows (or cells)
    odd_width, odd_cell, trailing, blank, odd_line = (draw(rate) for _ in range(5))

    def happens(percent: int) -> bool:
        return percent > 0 and draw(st.integers(0, 99)) < percent

    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    text = b""
    for _ in range(draw(st.integers(0, 60))):
        if happens(blank):
            row = b""
        else:
            n = max(1, width + draw(st.sampled_from([-1, 1]))) if happens(odd_width) else width
            row = sep.join(draw(CELL if happens(odd_cell) else PLAIN) for _ in range(n))
            row += sep if happens(trailing) else b""
        text += row + (draw(ENDING) if happens(odd_line) else ending)
    if text and draw(st.booleans()):
        text = text.removesuffix(ending)  # no line break after the last row
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    return sep.decode(), width, text, cuts


def outcome(check, text: bytes, cuts: list[int], whole: bool = False) -> list:
    """What a check does with `text` read in pieces ending at `cuts`, then the end of the file: after each
    read, its unfinished record and line, or the message it refused with (and nothing after that).
    whole: every piece is checked as ending the records in it (predict --input's blocks of records)."""
    seen = []
    for start, stop in zip([0, *cuts], [*cuts, len(text), None]):
        data = b"" if stop is None else text[start:stop]
        try:
            check.check(data, final=whole or not data)
        except DataError as exc:
            return [*seen, str(exc)]
        seen.append((check.rest, check.line, check.width))
    return seen


@SETTINGS
@given(case=csv_bytes(), known=st.booleans(), trailing=st.booleans(), limit=st.sampled_from([None, 40, 200]),
       whole=st.booleans())
def test_row_check_decides_as_the_reference_does(case, known, trailing, limit, whole):
    sep, width, text, cuts = case
    # width None: the first record is the header (the in-memory reader); else it is given (a stream).
    given_width = width if known else None
    bound = csv_text.MAX_RECORD_BYTES if limit is None else limit
    with mock.patch.object(csv_text, "MAX_RECORD_BYTES", bound):
        new = outcome(csv_text.RowCheck(None, "f.csv", sep, given_width, 2, trailing), text, cuts, whole)
        old = outcome(ReferenceCheck("f.csv", sep, given_width, 2, trailing), text, cuts, whole)
    assert new == old


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_well_formed_reads_take_the_one_pass_path(ending, sep, monkeypatch):
    """The case the streamed fit meets on every read: no quote, one line end throughout. It must not
    fall through to the general check (which would be correct, only slower), even when a read ends
    inside a record or between a CR and its LF."""
    rows = (sep.join(["Country 1", "2001", "", "65.3", "0.1"]).encode() + ending) * 1000
    check = csv_text.RowCheck(None, "f.csv", sep, 5, line=2)
    monkeypatch.setattr(check, "_check_records", lambda *args: pytest.fail("the general check ran"))
    for start in range(0, len(rows), 4099):
        check.check(rows[start:start + 4099])
    assert check.rest == b"" and check.line == 1002
    with pytest.raises(DataError, match="line 1002 has 1 cells where the header has 5 columns"):
        csv_text.RowCheck(None, "f.csv", sep, 5, line=2).check(rows + b"x" + ending)
