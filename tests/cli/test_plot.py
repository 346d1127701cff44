"""`lifeexp plot`: valid PNG files of a sensible size for each kind, clear errors. Files are checked by
header and dimensions, never by pixels. (That matplotlib stays out of other commands: system/test_startup.)"""

from __future__ import annotations

import struct
from functools import partial

import pytest

from lifeexp_cli.cli.main import app
from support.cli import run_cli

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


cli = partial(run_cli, code=None)  # the tests check the exit code


def png_size(path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the PNG signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def sensible(size) -> bool:
    width, height = size
    return 400 <= width <= 2000 and 300 <= height <= 1200


@pytest.fixture(scope="module")
def sgd_model(tmp_path_factory, data_path):
    path = tmp_path_factory.mktemp("models") / "tim-sgd.joblib"
    result = cli("fit", "--data", data_path, "--features", "bmi", "--solver", "sgd", "--epochs", 40,
                 "--out", path, "--quiet")
    assert result.exit_code == 0, result.stderr
    return path


@pytest.mark.parametrize("kind, model", [("fit", "tim-bmi"), ("residuals", "tim"), ("loss", None), ("lr", "tim-bmi"),
                                         ("landscape", "tim-bmi"), ("fit", "tom-gdp"), ("landscape", None),
                                         ("fit", None), ("residuals", None)])
def test_each_kind_writes_a_png_of_sensible_size(kind, model, sgd_model, tmp_path, who_env):
    out = tmp_path / "picture.png"
    result = cli("plot", "--model", model or sgd_model, "--kind", kind, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert sensible(png_size(out))
    assert [p.name for p in tmp_path.iterdir()] == ["picture.png"]  # no temporary file left


def test_all_writes_one_file_per_kind_that_applies(sgd_model, tmp_path, who_env):
    result = cli("plot", "--model", sgd_model, "--out", tmp_path / "tim.png")
    assert result.exit_code == 0, result.stderr
    names = ["tim-fit.png", "tim-loss.png", "tim-residuals.png"]
    assert result.stdout.split() == [str(tmp_path / n) for n in names]
    for name in names:
        assert sensible(png_size(tmp_path / name))


def test_all_skips_kinds_that_do_not_apply(tmp_path, who_env):
    result = cli("plot", "--model", "tim", "--kind", "all", "--out", tmp_path / "tim.png")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tim-residuals.png"]
    assert "No fit plot" in result.stderr and "No loss plot" in result.stderr


def test_loss_needs_no_data(sgd_model, tmp_path, monkeypatch, who_env):
    monkeypatch.delenv("LIFEEXP_DATA")
    result = cli("plot", "--model", sgd_model, "--kind", "loss", "--out", tmp_path / "loss.png")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "model, kind, message",
    [
        ("tim", "fit", "--kind fit does not apply: "),
        ("tim-bmi", "loss", "--kind loss does not apply: "),
    ],
)
def test_a_kind_that_does_not_apply_is_a_usage_error(model, kind, message, tmp_path):
    result = cli("plot", "--model", model, "--kind", kind, "--out", tmp_path / "p.png")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_out_must_be_a_png(tmp_path):
    result = cli("plot", "--model", "tim-bmi", "--kind", "fit", "--out", tmp_path / "p.jpg")
    assert result.exit_code == 2 and "must name a .png file" in result.stderr


def test_missing_model_is_exit_1(tmp_path):
    result = cli("plot", "--model", tmp_path / "nope.joblib", "--out", tmp_path / "p.png")
    assert result.exit_code == 1 and "no model" in result.stderr


def test_every_command_help_has_an_example():
    for command in app.registered_commands:
        help_text = (command.callback.__doc__ or "")
        assert "Example:" in help_text, command.name
