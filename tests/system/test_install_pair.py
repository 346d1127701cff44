"""`data install` (issue 24 items 12 and 8): the copy and its sha256 change together or the pair is refused
by every reader; a big wrong file is refused from its first block and size, in bounded memory."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lifeexp_cli.cli.main import app
from lifeexp_cli.data import install, location
from lifeexp_cli.errors import UsageError


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("LIFEEXP_DATA", raising=False)


def installed_pair(source: Path) -> Path:
    install.install(str(source))
    return location.installed_path()


def test_a_crash_between_the_two_renames_leaves_a_pair_every_reader_refuses(data_path, tmp_path, monkeypatch,
                                                                                no_env):
    installed = installed_pair(data_path)
    other = tmp_path / "edited.csv"
    other.write_bytes(data_path.read_bytes().replace(b"\n", b"\r\n"))  # the dataset still, other bytes
    renames = []

    def crash_on_the_second(src, dst):
        renames.append(dst)
        if len(renames) == 2:
            raise KeyboardInterrupt  # the process dies between the copy's rename and the checksum's
        os.rename(src, dst)

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(os, "replace", crash_on_the_second)
        install.install(str(other))
    assert installed.read_bytes() == other.read_bytes()  # the new copy, beside the old checksum
    assert sorted(p.name for p in installed.parent.iterdir()) == [installed.name, installed.name + ".sha256"]
    assert location.find(None) is None
    with pytest.raises(UsageError, match="does not match the sha256 recorded beside it.*install it again"):
        location.locate(None)


def test_a_mismatched_pair_is_no_data_for_every_command(data_path, no_env):
    installed = installed_pair(data_path)
    installed.write_bytes(installed.read_bytes() + b"Extra,2016\n")
    result = CliRunner().invoke(app, ["fit", "-F", "bmi"])
    assert result.exit_code == 2 and result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith(f"Error: no data: the installed copy {installed} does not match") and "\n" not in line
    assert "lifeexp data install FILE" in line and "--data FILE" in line


def test_a_copy_without_its_checksum_is_not_used(data_path, no_env):
    installed = installed_pair(data_path)
    location.checksum_path(installed).unlink()
    assert location.find(None) is None
    with pytest.raises(UsageError, match="has no sha256 recorded beside it"):
        location.locate(None)
    install.install(str(data_path))  # installing again mends it
    assert location.locate(None) == str(installed)


def test_a_failed_install_leaves_no_temporary_file(data_path, monkeypatch):
    installed = installed_pair(data_path)
    before = installed.read_bytes()
    with monkeypatch.context() as patched, pytest.raises(OSError):
        patched.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
        install.install(str(data_path))
    assert installed.read_bytes() == before and location.installed_problem(installed) is None
    assert sorted(p.name for p in installed.parent.iterdir()) == [installed.name, installed.name + ".sha256"]


def big_wrong_file(data_path: Path, path: Path, size: int) -> Path:
    """The dataset's first 100 KB (its header, text), then zeros up to `size` bytes (sparse: no disk used)."""
    with open(path, "wb") as handle:
        handle.write(data_path.read_bytes()[:100_000])
        handle.truncate(size)
    return path


def test_a_100_mb_wrong_file_is_refused_in_bounded_memory(data_path, tmp_path):
    source = big_wrong_file(data_path, tmp_path / "big.csv", 100 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(Exception, match="larger than 4 MiB, so it is not the WHO Life Expectancy dataset"):
            install.install(str(source))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < install.MAX_DATASET_BYTES * 2, peak  # on main: the whole 100 MB read, then parsed
    assert not location.installed_path().exists()


def test_a_wrong_header_is_refused_before_the_rest_is_read(tmp_path, monkeypatch):
    source = tmp_path / "other.csv"
    source.write_text("a,b\n" + "1,2\n" * 1000)
    monkeypatch.setattr(install, "check_dataset", lambda raw, source: pytest.fail("the whole file was parsed"))
    with pytest.raises(Exception, match="lacks the columns country, life_expectancy"):
        install.install(str(source))


def test_the_dataset_still_installs(data_path, no_env):
    done = install.install(str(data_path))
    assert done.rows == 2938 and done.path.read_bytes() == data_path.read_bytes()
    assert location.installed_problem(done.path) is None and location.locate(None) is not None
