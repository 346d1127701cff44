"""Where the data comes from (`data/location.py`): the user data folder on each platform, and the order
--data, $LIFEEXP_DATA, installed copy. Every test runs with XDG_DATA_HOME in a temporary folder (conftest)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lifeexp_cli.data import location
from lifeexp_cli.errors import UsageError


def test_xdg_data_home_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert location.user_data_folder() == tmp_path / "lifeexp"
    assert location.installed_path() == tmp_path / "lifeexp" / "life_expectancy_who.csv"


@pytest.mark.parametrize("platform, expected", [
    ("linux", ".local/share/lifeexp"), ("darwin", "Library/Application Support/lifeexp"),
    ("freebsd13", ".local/share/lifeexp")])
def test_platform_defaults(platform, expected, tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", platform)
    assert location.user_data_folder() == tmp_path / expected


def test_windows_uses_localappdata(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "win32")
    assert location.user_data_folder() == tmp_path / "lifeexp"


def test_a_relative_xdg_data_home_is_ignored(tmp_path, monkeypatch):
    """The XDG spec: a relative path there is invalid and should be ignored."""
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")
    assert location.user_data_folder() == tmp_path / ".local/share/lifeexp"


def test_order_data_then_env_then_installed(tmp_path, monkeypatch):
    monkeypatch.delenv("LIFEEXP_DATA", raising=False)
    assert location.find(None) is None
    installed = location.installed_path()
    installed.parent.mkdir(parents=True)
    installed.write_text("x\n")
    location.checksum_path(installed).write_text(f"{location.file_sha256(installed)}  {installed.name}\n")
    assert location.find(None) == location.Choice(str(installed), "installed copy")
    monkeypatch.setenv("LIFEEXP_DATA", "env.csv")
    assert location.find(None) == location.Choice("env.csv", "$LIFEEXP_DATA")
    assert location.find("given.csv") == location.Choice("given.csv", "--data")
    assert location.locate("-") == "-"


def test_no_data_names_all_three_places_and_the_command(monkeypatch):
    monkeypatch.delenv("LIFEEXP_DATA", raising=False)
    with pytest.raises(UsageError) as caught:
        location.locate(None)
    message = str(caught.value)
    for part in ("--data FILE", "$LIFEEXP_DATA", "`lifeexp data install FILE`", str(location.installed_path()),
                 "kaggle.com"):
        assert part in message
    assert "\n" not in message


def test_recorded_sha256(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a\n")
    assert location.recorded_sha256(path) is None
    location.checksum_path(path).write_text("not a digest\n")
    assert location.recorded_sha256(path) is None
    digest = location.file_sha256(path)
    location.checksum_path(path).write_text(f"{digest.upper()}  d.csv\n")
    assert location.recorded_sha256(path) == digest
    assert Path(str(path) + ".sha256") == location.checksum_path(path)
