"""Model files: round trip, refusal of crafted pickles, corrupt files, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import joblib
import numpy as np
import pytest

from lifeexp_cli.errors import ModelError
from lifeexp_cli.model import store

RECORD = {"format": store.FORMAT, "format_version": store.FORMAT_VERSION, "kind": "linear",
          "target": "life_expectancy", "features": ["bmi"], "intercept": True,
          "params": {"weights": np.array([0.27]), "bias": 58.9, "fill": [38.0], "center": [0.0], "scale": [1.0]},
          "metrics": {"train": {"rmse": 7.9}}, "means": {"bmi": 38.0}, "ranges": {"bmi": [1.0, 77.6]},
          "spec": {"kind": "linear", "solver": "lstsq", "scale": "none", "impute": "mean", "intercept": True,
                   "options": {}},
          "data": {"sha256": "0" * 64, "source": "d.csv", "rows": 3}}


def test_files_are_what_joblib_writes(tmp_path):
    path = store.save(RECORD, tmp_path / "m.joblib")
    joblib.dump(store.loads(path.read_bytes()), tmp_path / "j.joblib")
    assert path.read_bytes() == (tmp_path / "j.joblib").read_bytes()


def test_round_trip_and_joblib_can_read_it(tmp_path):
    path = store.save(RECORD, tmp_path / "m.joblib")
    loaded = store.load(str(path))
    assert loaded["params"]["weights"] == [0.27] and loaded["features"] == ["bmi"]
    assert joblib.load(path)["params"]["bias"] == 58.9


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_crafted_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.joblib"
    plain = {**RECORD, "params": {"weights": [0.27], "bias": 58.9}}
    joblib.dump({**plain, "payload": Exploit(marker)}, path)
    with pytest.raises(ModelError, match="refusing"):
        store.load(str(path))
    assert not marker.exists()
    joblib.load(path)  # the control: an ordinary loader does run it
    assert marker.exists()


@pytest.mark.parametrize("cut", [0, 1, 5, 20, 60, -1])
def test_truncated_files_are_refused(tmp_path, cut):
    good = store.save(RECORD, tmp_path / "m.joblib").read_bytes()
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(good[:cut] if cut >= 0 else good[:-1])
    with pytest.raises(ModelError):
        store.load(str(bad))


@pytest.mark.parametrize("content", [b"\x00\x01garbage" * 10, b'{"format": "lifeexp-model"}'])
def test_garbage_is_refused(tmp_path, content):
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(content)
    with pytest.raises(ModelError, match="not a lifeexp model"):
        store.load(str(bad))


@pytest.mark.parametrize("damage", [{"features": "bmi"}, {"features": []}, {"kind": "forest"},
                                    {"params": {"weights": [1.0, 2.0], "bias": 1.0, "fill": [1.0], "center": [0.0],
                                                "scale": [1.0]}},
                                    {"params": {"weights": ["x"], "bias": 1.0, "fill": [1.0], "center": [0.0],
                                                "scale": [1.0]}},
                                    {"means": {}}, {"ranges": {"bmi": [1.0]}}, {"metrics": None}])
def test_structurally_damaged_records_are_refused(tmp_path, damage):
    with pytest.raises(ModelError, match="field"):  # never written...
        store.save({**RECORD, **damage}, tmp_path / "m.joblib")
    path = write_raw(tmp_path / "m.joblib", {**RECORD, **damage})
    with pytest.raises(ModelError, match="field"):  # ...nor read
        store.load(str(path))


def write_raw(path, record: dict):
    """A file as another program could write it, bypassing save's checks."""
    import pickle

    path.write_bytes(pickle.dumps(store.plain(record), protocol=store.PICKLE_PROTOCOL))
    return path


def test_newer_format_version_is_refused(tmp_path):
    path = write_raw(tmp_path / "m.joblib", {**RECORD, "format_version": 99})
    with pytest.raises(ModelError, match="version 99"):
        store.load(str(path))


def test_missing_model_names_it(tmp_path):
    with pytest.raises(ModelError, match="no model"):
        store.load(str(tmp_path / "nope.joblib"))


def test_failed_write_leaves_previous_model_intact(tmp_path, monkeypatch):
    path = store.save(RECORD, tmp_path / "m.joblib")
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        store.save({**RECORD, "target": "other"}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.joblib"]  # no temporary file left behind


def test_names_resolve_to_shipped_models(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("tim-bmi", "tom-gdp", "tim", "tom"):
        assert store.load(name)["kind"] == "linear"


@pytest.mark.parametrize("forge", ["memo index", "bytes8 length"])
def test_forged_sizes_are_refused_before_anything_is_allocated(tmp_path, forge):
    """Found by the long fuzz run: a mutated LONG_BINPUT index (or a BINBYTES8 length) made the C
    unpickler allocate gigabytes. The opcode walk refuses such files first."""
    import struct

    good = store.save(RECORD, tmp_path / "m.joblib").read_bytes()
    if forge == "memo index":
        bad = good[:-1] + b"r" + struct.pack("<I", 2_000_000_000) + b"."  # LONG_BINPUT 2e9, then STOP
    else:
        bad = good[:2] + b"\x8e" + struct.pack("<Q", 7 * 10**18) + good[2:]  # BINBYTES8 of 7e18 bytes
    with pytest.raises(ModelError):
        store.loads(bad)


# --- random bytes are corrupt, only a complete pickle with an import is code -------------------------

def random_blobs(seed: int, count: int, prefix: bytes = b"") -> list[bytes]:
    rng = np.random.default_rng(seed)
    return [prefix + rng.bytes(int(rng.integers(1, 600))) for _ in range(count)]


@pytest.mark.parametrize("prefix", [b"", b"\x80\x04", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00"],
                         ids=["raw", "proto-4", "proto-4-frame"])
def test_random_bytes_are_never_called_code(prefix):
    for raw in random_blobs(seed=len(prefix), count=2000, prefix=prefix):
        with pytest.raises(ModelError) as caught:
            store.loads(raw, "r.joblib")
        assert "can run code" not in str(caught.value), raw


def test_random_bytes_that_spell_global_are_corrupt():
    # GLOBAL `os system` followed by junk: the walk meets GLOBAL, but the pickle never completes.
    raw = b"\x80\x04cos\nsystem\n" + bytes(range(40, 90))
    with pytest.raises(ModelError, match="corrupt or truncated"):
        store.loads(raw, "r.joblib")


# `pickle.dumps(Exploit("/tmp/x"), protocol=4)` as bytes, written out here so the test never pickles
# or unpickles a callable: PROTO 4, FRAME, SHORT_BINUNICODE 'posix', 'system', STACK_GLOBAL, the
# argument tuple, REDUCE, STOP.
SYSTEM_CALL = (b"\x80\x04\x95'\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94"
               b"\x8c\x0ctouch /tmp/x\x94\x85\x94R\x94.")


def test_a_complete_pickle_with_an_import_is_refused_as_code():
    with pytest.raises(ModelError, match="refusing to load r.joblib: .*STACK_GLOBAL.*can run code"):
        store.loads(SYSTEM_CALL, "r.joblib")
    with pytest.raises(ModelError, match="corrupt or truncated"):  # one byte after STOP: not one pickle
        store.loads(SYSTEM_CALL + b".", "r.joblib")
    with pytest.raises(ModelError, match="corrupt or truncated"):
        store.loads(SYSTEM_CALL[:-1], "r.joblib")


def test_global_opcode_in_a_complete_pickle_is_refused():
    raw = b"\x80\x02cposix\nsystem\nq\x00X\x0c\x00\x00\x00touch /tmp/xq\x01\x85q\x02Rq\x03."  # protocol 2
    with pytest.raises(ModelError, match="instruction GLOBAL"):
        store.loads(raw, "r.joblib")


VERSION_1 = sorted((Path(__file__).parents[2] / "support" / "models-v1").glob("*.joblib"))


@pytest.mark.parametrize("path", VERSION_1, ids=lambda p: p.stem)
def test_format_version_1_files_still_load(path, tmp_path):
    """Shipped models as version 1 wrote them (lists of floats): they load, predict, and are written again
    as version 2 (calibration scores and domain rows packed), which loads to the same record."""
    old = store.load(path)
    assert old["format_version"] == 1 and type(old["calibration"]["scores"]) is list
    copy = store.save(old, tmp_path / "copy.joblib")
    assert copy.stat().st_size < 0.9 * path.stat().st_size
    assert joblib.load(copy)["format_version"] == store.FORMAT_VERSION == 2
    assert type(joblib.load(copy)["domain"]["rows"]) is bytes
    new = store.load(copy)
    assert {**new, "format_version": 1, "path": None} == {**old, "path": None}
    assert store.load_record(copy).domain.rows == store.load_record(path).domain.rows
    assert len(VERSION_1) == 2


def walk_outcome(walk, raw: bytes):
    try:
        return walk(raw)
    except Exception as exc:  # the walks raise ValueError (pickletools: others on nonsense)
        return type(exc).__name__


@pytest.mark.parametrize("name", ["tim", "tom-gdp"])
def test_the_plain_walk_is_pickletools_walk_on_model_files_whole_and_damaged(name):
    """plain_opcode_names reads the opcodes lifeexp writes without pickletools; on anything else it
    answers None and pickletools judges. Whatever it accepts, pickletools accepts with the same names:
    the shipped models, every truncation, every byte of a header and of a sample of positions changed."""
    import pickle
    import random

    raw = store.resolve(name).read_bytes()
    assert store.plain_opcode_names(raw) == store.walked_opcode_names(raw) == store.opcode_names(raw)
    assert set(store.PLAIN_CODES[code][0] for code in store.PLAIN_CODES) <= store.PLAIN_OPCODES
    odd = pickle.dumps({"a": [1, 2**70, -5, 3.5, None, True, False, "é" * 300, b"x" * 300, (1, 2)],
                        "b": [[0.5]] * 3, "c": 70000, "d": -1}, protocol=5)
    rng = random.Random(name)
    damaged = [raw[:cut] for cut in range(0, len(raw), 1009)] + [raw + b".", odd, pickle.dumps(odd, protocol=2)]
    for at in [*range(30), *rng.sample(range(len(raw)), 90)]:
        for value in (0x00, 0x2e, 0xff, raw[at] ^ 0x01, rng.randrange(256)):
            damaged.append(raw[:at] + bytes([value]) + raw[at + 1:])
    accepted = 0
    for data in damaged:
        walked = walk_outcome(store.walked_opcode_names, data)
        plain = store.plain_opcode_names(data)
        assert plain is None or plain == walked
        assert walk_outcome(store.opcode_names, data) == walked
        accepted += plain is not None
    assert accepted > 100  # damage inside a number or a name leaves a well-formed pickle, read by the fast walk
