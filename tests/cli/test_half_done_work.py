"""Half-done work: `plot` writes all its pictures or none, and batch predict keeps its rule — its output
whole or not at all, in every format (docs/commands.md, batch mode)."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from lifeexp_cli.cli import plots
from lifeexp_cli.cli.main import app
from lifeexp_cli.errors import DataError


def test_plot_writes_nothing_when_a_later_picture_fails(who_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p-fit.png").write_bytes(b"an older picture")

    def broken(*args, **kwargs):
        raise DataError("cannot draw the residuals")

    monkeypatch.setattr(plots, "residuals_figure", broken)
    result = CliRunner().invoke(app, ["plot", "-m", "tim-bmi", "--out", "p.png", "-q"])
    assert result.exit_code == 1 and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p-fit.png"]
    assert (tmp_path / "p-fit.png").read_bytes() == b"an older picture"


def test_plot_writes_nothing_when_a_later_write_fails(who_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real_fsync, calls = os.fsync, []

    def full_on_the_second(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_on_the_second)
    result = CliRunner().invoke(app, ["plot", "-m", "tim-bmi", "--out", "p.png", "-q"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: cannot write ") and "disk is full" in result.stderr
    assert list(tmp_path.iterdir()) == []  # neither picture, nor a temporary file


def test_plot_writes_every_picture_when_all_succeed(who_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["plot", "-m", "tim-bmi", "--out", "p.png", "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["p-fit.png", "p-residuals.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p-fit.png", "p-residuals.png"]


def rows_then_a_bad_one(good: int) -> str:
    return "name,bmi\n" + "".join(f"p{i},{20 + i % 9}\n" for i in range(good)) + "bad,abc\n"


@pytest.mark.parametrize("output", ["csv", "json", "table"])
def test_batch_document_is_whole_or_nothing(tmp_path, output):
    """A bad row after 100 000 good ones (several blocks of output): nothing on stdout."""
    (tmp_path / "rows.csv").write_text(rows_then_a_bad_one(100_000))
    result = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", str(tmp_path / "rows.csv"),
                                      "--format", output])
    assert result.exit_code == 1 and result.stdout == ""
    assert "row 100002" in result.stderr and result.stderr.count("\n") == 1


def test_batch_csv_past_the_memory_bound_is_whole_or_nothing(tmp_path):
    """A bad row after 300 000 good ones (about 20 MB of output, past SPOOL_SIZE: spooled on disk): nothing on
    stdout (the blocks before it went out before issue 24 item 11)."""
    from lifeexp_cli.cli.commands.predict import SPOOL_SIZE

    (tmp_path / "rows.csv").write_text(rows_then_a_bad_one(300_000))
    good = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", "-", "-q"],
                              input=rows_then_a_bad_one(300_000).removesuffix("bad,abc\n"))
    assert good.exit_code == 0 and len(good.stdout_bytes) > SPOOL_SIZE
    result = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", str(tmp_path / "rows.csv")])
    assert result.exit_code == 1 and "row 300002" in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_batch_json_of_good_rows_is_one_document(tmp_path):
    (tmp_path / "rows.csv").write_text("name,bmi\na,20\nb,25\n")
    result = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", str(tmp_path / "rows.csv"),
                                      "--format", "json"])
    assert result.exit_code == 0
    assert [row["name"] for row in json.loads(result.stdout)] == ["a", "b"]
