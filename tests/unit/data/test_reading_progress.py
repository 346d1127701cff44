"""Reading progress (data/reader.py): a data file of PROGRESS_BYTES or more is read through a counter that
reports every byte to the watcher the command line registers; smaller files, stdin, predict's --input and
an unwatched run read as before. The threshold is lowered here so that the files stay small."""

from __future__ import annotations

import contextlib

import pytest

from lifeexp_cli.data import reader


@pytest.fixture
def watcher(monkeypatch):
    seen = {"bars": [], "bytes": 0}

    @contextlib.contextmanager
    def factory(label, total):
        seen["bars"].append((label, total))

        def advance(n):
            seen["bytes"] += n

        yield advance

    monkeypatch.setattr(reader, "PROGRESS_BYTES", 1000)
    monkeypatch.setattr(reader, "PROGRESS_BLOCK", 256)
    reader.watch_progress(factory)
    yield seen
    reader.watch_progress(None)


def csv_of(path, rows):
    path.write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(rows)))
    return path


def test_a_large_file_is_counted_to_its_last_byte(watcher, tmp_path):
    path = csv_of(tmp_path / "big.csv", 400)
    data = reader.read_all(str(path))
    assert data == path.read_bytes()
    assert watcher["bars"] == [("reading big.csv", len(data))] and watcher["bytes"] == len(data)


def test_streamed_frames_are_counted(watcher, tmp_path):
    path = csv_of(tmp_path / "big.csv", 400)
    with reader.open_source(str(path)) as raw:
        names, sep, encoding = reader.header(raw, str(path))
        rows = sum(len(frame) for frame in reader.frames(raw, names, sep, encoding, None, 50))
    assert rows == 400 and watcher["bytes"] == path.stat().st_size


def test_small_files_input_files_and_unwatched_runs_show_nothing(watcher, tmp_path):
    reader.read_all(str(csv_of(tmp_path / "small.csv", 3)))
    with reader.open_source(str(csv_of(tmp_path / "big.csv", 400)), "input") as raw:
        raw.read()
    assert watcher["bars"] == []
    reader.watch_progress(None)
    reader.read_all(str(tmp_path / "big.csv"))
    assert watcher["bars"] == []
