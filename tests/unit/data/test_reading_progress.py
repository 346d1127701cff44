"""Reading progress (data/opening.py): a data file of PROGRESS_BYTES or more is read through a counter that
reports every byte to the watcher passed in as `progress` (the command line passes one); smaller files, stdin, predict's --input and
a read without `progress` read as before. The threshold is lowered here so that the files stay small."""

from __future__ import annotations

import contextlib

import pytest

from lifeexp_cli.data import chunk_frames, csv_text, opening, whole_file


@pytest.fixture
def watcher(monkeypatch):
    seen = {"bars": [], "bytes": 0}

    @contextlib.contextmanager
    def factory(label, total):
        seen["bars"].append((label, total))

        def advance(n):
            seen["bytes"] += n

        yield advance

    monkeypatch.setattr(opening, "PROGRESS_BYTES", 1000)
    monkeypatch.setattr(whole_file, "PROGRESS_BLOCK", 256)
    seen["progress"] = factory
    yield seen


def csv_of(path, rows):
    path.write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(rows)))
    return path


def test_a_large_file_is_counted_to_its_last_byte(watcher, tmp_path):
    path = csv_of(tmp_path / "big.csv", 400)
    data = whole_file.read_all(str(path), watcher["progress"])
    assert data == path.read_bytes()
    assert watcher["bars"] == [("reading big.csv", len(data))] and watcher["bytes"] == len(data)


def test_streamed_frames_are_counted(watcher, tmp_path):
    path = csv_of(tmp_path / "big.csv", 400)
    with opening.open_source(str(path), progress=watcher["progress"]) as raw:
        names, sep, encoding = csv_text.header(raw, str(path))
        rows = sum(len(frame) for frame in chunk_frames.frames(raw, names, sep, encoding, None, 50))
    assert rows == 400 and watcher["bytes"] == path.stat().st_size


def test_small_files_input_files_and_unwatched_runs_show_nothing(watcher, tmp_path):
    whole_file.read_all(str(csv_of(tmp_path / "small.csv", 3)), watcher["progress"])
    with opening.open_source(str(csv_of(tmp_path / "big.csv", 400)), "input", watcher["progress"]) as raw:
        raw.read()
    assert watcher["bars"] == []
    whole_file.read_all(str(tmp_path / "big.csv"))  # no progress passed in
    assert watcher["bars"] == []
