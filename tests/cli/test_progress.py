"""Progress on stderr: a byte bar for large data files only on a terminal and never with --quiet; the
training bar shows no time left (early stopping would make it wrong), only epochs "of at most" and time
elapsed."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from lifeexp_cli.cli import main, render


@pytest.fixture
def terminal(monkeypatch):
    """stderr as a terminal of 100 columns, its output kept."""
    buffer = io.StringIO()
    monkeypatch.setitem(render._consoles, "err", Console(file=buffer, force_terminal=True, width=100))
    yield buffer
    render.watch_reading(False)


@pytest.mark.parametrize("tty, quiet, watched", [(True, False, True), (True, True, False), (False, False, False)])
def test_reading_is_watched_on_a_terminal_without_quiet(tty, quiet, watched, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty, raising=False)
    main.watch_reading(quiet)
    assert (render.reading_progress() is not None) == watched
    render.watch_reading(False)


def test_the_byte_bar_counts_bytes(terminal):
    with render.byte_progress("reading big.csv", 80 << 20) as advance:
        advance(40 << 20)
    text = terminal.getvalue()
    assert "reading big.csv" in text and "MiB" in text


def test_the_training_bar_shows_no_time_left(terminal):
    with render.training_progress(1000) as progress:
        on_epoch = progress("fit")
        for epoch in range(1, 4):
            on_epoch(epoch, 10.0 / epoch, None)
    text = terminal.getvalue()
    assert "of at most 1000" in text and "left" not in text


def test_an_iterative_fit_in_a_pipe_draws_no_bar_and_no_blank_line(tmp_path):
    """Rich draws no bar where stderr is not a terminal, but stopping it still wrote a newline:
    `lifeexp fit --solver adam ... 2>log` began the log with an empty line, `cv --solver gd` too."""
    from support.cli import run_cli

    data = tmp_path / "line.csv"
    data.write_text("x,y\n" + "".join(f"{i},{2 * i + 1 + (i % 3) * 0.1}\n" for i in range(40)))
    fitted = run_cli("fit", "--data", data, "--target", "y", "--features", "x", "--solver", "gd", "--epochs", "20",
                     "--out", tmp_path / "m.joblib")
    scored = run_cli("cv", "--data", data, "--target", "y", "--features", "x", "--solver", "gd", "--epochs", "20")
    for stderr in (fitted.stderr, scored.stderr):
        assert not stderr.startswith("\n") and "\n\n" not in stderr and "━" not in stderr
