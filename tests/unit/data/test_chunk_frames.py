"""data/chunk_frames.py `frames`: the chunks of a file read in a thread of its own are those of a read in
the parsing thread (same rows, index, dtypes and values), whatever the file holds, its errors are worded
and raised as before, and the SHA-256 taken in that thread is the file's."""

from __future__ import annotations

import hashlib
import io

import pandas as pd
import pytest

from lifeexp_cli.data import chunk_frames, csv_text, sources
from lifeexp_cli.errors import DataError

def sequential(data: bytes, chunk_rows: int, text: bool = False) -> list | str:
    """What a read in this thread gives (the reader before its reading thread): the chunks, or the message
    of the error."""
    stream = io.BytesIO(data)
    names, sep, encoding = csv_text.header(stream, "f.csv")
    check = csv_text.RowCheck(stream, "f.csv", sep, len(names), line=2)
    try:
        return list(pd.read_csv(check, sep=sep, index_col=False, header=None, names=names, chunksize=chunk_rows,
                                encoding=encoding, encoding_errors="replace", dtype=str if text else None))
    except DataError as exc:
        return str(exc)
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        return f"the CSV is not readable ({first}): check the file, or its separator"


def read(data: bytes, chunk_rows: int, text: bool = False) -> list | str:
    """What `frames` gives: the chunks, or the message of the error."""
    stream = io.BytesIO(data)
    names, sep, encoding = csv_text.header(stream, "f.csv")
    try:
        return list(chunk_frames.frames(stream, names, sep, encoding, None, chunk_rows, text, "f.csv"))
    except DataError as exc:
        return str(exc)


def rows(n: int, start: int = 0, end: bytes = b"\n") -> bytes:
    return b"".join(b"C%d,%d,%d.5,%d%s" % (i % 7, 2000 + i, i, i % 3, end) for i in range(start, start + n))


HEADER = b"Country,Year,BMI,HIV\n"

CASES = {
    "plain": HEADER + rows(53),
    "a multiple of the chunk": HEADER + rows(49),
    "no final line break": HEADER + rows(53)[:-1],
    "crlf": HEADER.replace(b"\n", b"\r\n") + rows(53, end=b"\r\n"),
    "a quoted cell after the first pieces": HEADER + rows(30) + b'"C,1",2001,1.5,2\n' + rows(22, 31),
    "a quoted line break": HEADER + rows(30) + b'"C\n1",2001,1.5,2\n' + rows(22, 31),
    "a blank line": HEADER + rows(30) + b"\n" + rows(22, 31),
    "a trailing separator": HEADER + rows(30) + b"C,2001,1.5,2,\n" + rows(22, 31),
    "text in a numeric column of one chunk": HEADER + rows(30) + b"C,2001,n/a,x\n" + rows(22, 31),
    "empty cells": HEADER + rows(20) + b"C,,,\n,2001,,\n" + rows(20, 22),
    "bytes that are no UTF-8": HEADER + rows(20) + b"Cura\xe7ao,2001,1.5,2\n" + rows(20, 21),
    "a lone CR": HEADER + rows(30) + b"C,2001,1.5,2\r" + rows(22, 31),
    "a byte-order mark starting lines": HEADER + b"".join(b"\xef\xbb\xbf" + line for line in rows(30).splitlines(True)),
    "only the header": HEADER,
    "a blank body": HEADER + b"\n\n",
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("chunk_rows", [1, 7, 10**6])
@pytest.mark.parametrize("text", [False, True])
@pytest.mark.parametrize("read_bytes", [16, 1 << 18])
def test_the_chunks_are_those_of_a_read_in_the_parsing_thread(case, chunk_rows, text, read_bytes, monkeypatch):
    monkeypatch.setattr(chunk_frames, "READ_BYTES", read_bytes)  # many reads a chunk, or pandas' own reads
    expected, found = sequential(CASES[case], chunk_rows, text), read(CASES[case], chunk_rows, text)
    if isinstance(expected, str):
        assert found == expected
        return
    assert len(found) == len(expected)
    for a, b in zip(found, expected):
        assert type(a.index) is type(b.index) and a.index.equals(b.index)
        assert list(a.dtypes) == list(b.dtypes)
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("bad, line", [(b"C,2001,1.5\n", 33), (b"C,2001,1.5,2,3\n", 33), (b'C,20"01,1.5,2\n', 33)])
def test_a_bad_row_after_the_first_chunks_is_named_as_before(bad, line):
    data = HEADER + rows(31) + bad + rows(22, 32)
    message = read(data, 7)
    assert message == sequential(data, 7) and f"f.csv line {line} " in message


def test_the_chunks_before_a_bad_row_are_handed_on_as_before():
    """The reading thread meets the bad row reads ahead of pandas: pandas still gets every read before it,
    and the error where it got it before (the first pass's second thread works those chunks first)."""
    data = HEADER + rows(40_000) + b"C,2001,1.5\n" + rows(100, 40_001)  # 1.1 MB: the bad row in the 5th read
    for found in (sequential, read):
        frames = []
        stream = io.BytesIO(data)
        names, sep, encoding = csv_text.header(stream, "f.csv")
        if found is sequential:
            check = csv_text.RowCheck(stream, "f.csv", sep, len(names), line=2)
            chunks = pd.read_csv(check, sep=sep, index_col=False, header=None, names=names, chunksize=1000)
        else:
            chunks = chunk_frames.frames(stream, names, sep, encoding, None, 1000, False, "f.csv")
        with pytest.raises(DataError, match="f.csv line 40002 has 3 cells"):
            for frame in chunks:
                frames.append(len(frame))
        if found is sequential:
            expected = frames
    assert frames == expected and len(frames) > 20


def test_pandas_own_complaint_is_worded_as_before():
    data = HEADER + rows(31) + b'C,2001,1.5,"2\n' + rows(3, 32)  # a quote never closed
    message = read(data, 7)
    assert message == sequential(data, 7) and "not readable" in message


@pytest.mark.parametrize("body", [rows(100), rows(30) + b'"C,1",2001,1.5,2\n' + rows(60, 31)])
def test_the_sha256_is_the_files(tmp_path, monkeypatch, body):
    monkeypatch.setattr(chunk_frames, "READ_BYTES", 100)
    path = tmp_path / "f.csv"
    path.write_bytes(HEADER + body)
    with sources.opened(str(path), ["bmi"], "hiv", 7) as (_, _, _, frames, hasher):
        for blocks, _ in frames:
            hasher.hash(blocks)
        assert hasher.finish() == hashlib.sha256(path.read_bytes()).hexdigest()


def test_leaving_early_stops_the_reading_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(chunk_frames, "READ_BYTES", 100)
    path = tmp_path / "f.csv"
    path.write_bytes(HEADER + rows(1000))
    with sources.opened(str(path), ["bmi"], "hiv", 10) as (_, _, _, frames, _):
        assert len(next(frames)[1]) == 10
    # (the threads were stopped when the source closed: nothing is left running)
    import threading
    assert not [t for t in threading.enumerate() if t.name == "lifeexp-read"]


@pytest.mark.parametrize("body, encoding, says", [
    ("country,y\nAfghanistan,1\nCôte d'Ivoire,2\n".encode(), "utf-8", None),
    ("country,y\nAfghanistán,1\n".encode("latin-1"), "utf-8", "is not UTF-8 after its header"),
    ("countrý,y\nA,1\n".encode("latin-1"), "latin-1", "is not UTF-8; read it as Latin-1"),
    # a UTF-8 character cut between two reads is UTF-8, and so is a file ending mid-way through none
    (("country,y\n" + "é" * 200_000 + ",1\n").encode(), "utf-8", None),
    (b"country,y\nA,1\n\xc3", "utf-8", "is not UTF-8 after its header"),  # cut off at the end
])
def test_what_reading_says_of_the_text_of_a_streamed_csv(body, encoding, says):
    stream = chunk_frames.HashingReader(io.BytesIO(body))
    stream.encoding = csv_text.header(stream, "x.csv").encoding
    assert stream.encoding == encoding
    stream.hash_as_read()
    while stream.read(100_001):  # reads that cut characters in two
        pass
    assert stream.finish() == hashlib.sha256(body).hexdigest()
    notes = stream.notes("x.csv")
    assert notes == [] if says is None else len(notes) == 1 and notes[0].startswith("x.csv " + says)
