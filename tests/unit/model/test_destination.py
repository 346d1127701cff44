"""Where a model may be written (model/destination.py, store.output_path and store.save) and how files
are read (data/regular_files.py): only nothing or a lifeexp model is replaced, only regular files are read,
and never more bytes than a cap."""

from __future__ import annotations

import io
import os
import pickle

import pytest

from lifeexp_cli.data import regular_files
from lifeexp_cli.errors import ModelError, ParameterError, UsageError
from lifeexp_cli.model import destination, store

RECORD = store.loads((store.shipped_dir() / "tim-bmi.joblib").read_bytes())


@pytest.mark.parametrize("name", ["../x", "/abs", "a/b", "a\\b", "..", ".", "", "  ", "a\nb", "x" * 201])
def test_a_name_is_one_plain_file_name(name):
    with pytest.raises(UsageError, match="--name"):
        store.output_path(name, None)


@pytest.mark.parametrize("out", ["", "newdir/", ".", "..", "a/.."])
def test_an_out_spelled_as_a_directory_is_refused(out):
    with pytest.raises(UsageError, match="--out"):
        store.output_path(None, out)


def test_out_may_replace_a_model_or_nothing(tmp_path):
    assert store.output_path(None, str(tmp_path / "new.joblib")) == tmp_path / "new.joblib"
    store.save(RECORD, tmp_path / "m.joblib")
    assert store.output_path(None, str(tmp_path / "m.joblib")) == tmp_path / "m.joblib"


def test_out_never_replaces_a_file_that_is_not_a_model(tmp_path):
    for name, content in [("d.csv", b"bmi,life_expectancy\n1,2\n"), ("p.pkl", pickle.dumps({"format": "other"})),
                          ("e.joblib", b"")]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ModelError, match="not a lifeexp model"):
            store.output_path(None, str(tmp_path / name))
        with pytest.raises(ModelError, match="not a lifeexp model"):  # and again just before writing
            store.save(RECORD, tmp_path / name)
        assert (tmp_path / name).read_bytes() == content


def test_out_is_never_an_input_even_through_a_link(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("bmi,life_expectancy\n1,2\n")
    os.link(data, tmp_path / "hard.joblib")
    for out in (str(data), str(tmp_path / "hard.joblib"), str(tmp_path / "." / "d.csv")):
        with pytest.raises(UsageError, match="is the data file"):
            store.output_path(None, out, inputs=[str(data)])


def test_links_devices_and_fifos_are_never_replaced(tmp_path):
    store.save(RECORD, tmp_path / "m.joblib")
    (tmp_path / "link.joblib").symlink_to(tmp_path / "m.joblib")
    os.mkfifo(tmp_path / "fifo")
    for out, says in [(tmp_path / "link.joblib", "symbolic link"), (tmp_path / "fifo", "FIFO"),
                      ("/dev/null", "character device"), (tmp_path, "directory")]:
        with pytest.raises(ModelError, match=says):
            store.output_path(None, str(out))
    assert (tmp_path / "link.joblib").is_symlink()


def test_a_file_the_loader_would_refuse_is_never_written(tmp_path, monkeypatch):
    path = store.save(RECORD, tmp_path / "m.joblib")
    before = path.read_bytes()
    monkeypatch.setattr(store, "MAX_MODEL_BYTES", 1000)
    with pytest.raises(ModelError, match="over the 0 MiB"):
        store.save(RECORD, path)
    monkeypatch.undo()
    with pytest.raises(ModelError, match="field params.bias"):
        store.save({**RECORD, "params": {**RECORD["params"], "bias": "x"}}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]  # no temporary file was even made


def test_a_network_too_big_for_its_file_is_refused_before_training():
    with pytest.raises(ParameterError, match="over the 64 MiB"):
        store.check_network_size([4096, 4096], 20)
    store.check_network_size([64, 32], 20)


def test_regular_files_only_and_fifos_do_not_block(tmp_path):
    os.mkfifo(tmp_path / "fifo")  # no writer: an ordinary open would wait forever
    for path, kind in [(tmp_path / "fifo", "FIFO"), ("/dev/zero", "character device"), (tmp_path, "directory")]:
        with pytest.raises(regular_files.NotRegular, match=kind):
            regular_files.open_regular(path)


def test_an_interrupt_inside_fdopen_stays_an_interrupt(tmp_path, monkeypatch):
    """SIGTERM (raised as an interrupt) arriving inside os.fdopen once its file object holds the descriptor:
    the object closes it as the interrupt unwinds; the interrupt must come out as itself, not as the EBADF of
    a second close (which the CLI reported as "cannot read ...: Bad file descriptor", exit 1)."""
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n")
    real_fdopen = os.fdopen

    def interrupted_fdopen(fd, *args, **kwargs):
        real_fdopen(fd, *args, **kwargs).close()  # the file object took the descriptor, and is gone
        raise KeyboardInterrupt

    monkeypatch.setattr(regular_files.os, "fdopen", interrupted_fdopen)
    with pytest.raises(KeyboardInterrupt):
        regular_files.open_regular(path)


def test_reads_stop_at_the_cap():
    assert regular_files.read_at_most(io.BytesIO(b"x" * 10), 10) == b"x" * 10
    stream = io.BytesIO(b"x" * 100)
    assert regular_files.read_at_most(stream, 10) is None and stream.tell() == 11


def test_the_model_mark_is_where_every_model_file_has_it():
    for path in store.shipped_dir().glob("*.joblib"):
        assert destination.is_model_file(path)
    assert destination.MODEL_MARK in store.dumps(RECORD)[:destination.HEAD_BYTES]
