"""Every line fits an 80-column terminal: each command runs in a real pseudo-terminal of 80 columns
(python's pty module; COLUMNS unset, TERM=xterm; stdout and stderr both on the terminal, as a user sees
them) and no line it prints, progress bars included, is wider than 80 columns. A lone word that cannot be
broken (a long path) may be wider. Prose is wrapped between words: joined again, it is the line a pipe gets.
In a pipe, prose keeps whole lines unless $COLUMNS sets a width."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

import pytest
from rich.cells import cell_len

from lifeexp_cli.cli import render
from support.cli import run_cli

WIDTH = 80
LIFEEXP = [sys.executable, "-m", "lifeexp_cli"]
# Colours and cursor movements (Rich's progress bar redraws itself in place) are not columns.
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]")
TIM = ["--bmi", "24.1", "--adult-mortality", "53", "--hiv", "0.1"]


def in_terminal(args: list[str], cwd, columns: int = WIDTH) -> tuple[int, list[str]]:
    """`lifeexp ARGS` with stdout and stderr on a pseudo-terminal `columns` wide: its exit code and every
    line written (split at \\n and at \\r, where a progress bar starts a redraw), escapes removed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
    env["TERM"] = "xterm"
    process = subprocess.Popen([*LIFEEXP, *args], stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
                               cwd=cwd, env=env)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    code = process.wait(timeout=120)
    os.close(leader)
    text = ESCAPES.sub("", b"".join(chunks).decode("utf-8", errors="replace")).replace("\r\n", "\n")
    assert "Traceback" not in text, text
    return code, [piece for line in text.split("\n") for piece in line.split("\r")]


def too_wide(lines: list[str], columns: int = WIDTH) -> list[str]:
    """Lines wider than `columns`, a lone unbreakable word (a path) aside."""
    return [line for line in lines if cell_len(line.rstrip()) > columns and len(line.split()) > 1]


CASES = {  # name: (arguments, needs the WHO file)
    "compare": (["compare"], False),
    "fit linear": (["fit", "--features", "bmi,adult_mortality,hiv", "--out", "lin.joblib"], True),
    "fit mlp": (["fit", "--model", "mlp", "--features", "bmi,hiv,gdp", "--epochs", "3", "--out", "net.joblib"],
                True),
    "predict": (["predict", "--model", "tim", *TIM, "--level", "0.9"], False),
    "eval": (["eval", "--model", "tim"], True),
    "cv": (["cv", "--features", "bmi,adult_mortality,hiv", "--folds", "3"], True),
    "select": (["select", "--candidates", "bmi,hiv,gdp", "--max-features", "2", "--folds", "3"], True),
    "data info": (["data", "info"], True),
    "data describe": (["data", "describe"], True),
    "features": (["features"], False),
    "corr": (["corr"], True),
    "backprop": (["backprop"], False),
    "--help": (["--help"], False),
    "fit --help": (["fit", "--help"], False),
    "predict --help": (["predict", "--help"], False),
}


def case(name: str):
    args, needs_data = CASES[name]
    return pytest.param(args, needs_data, id=name)


@pytest.mark.parametrize("args, needs_data", [case(name) for name in CASES])
def test_every_line_fits_80_columns(args, needs_data, request, tmp_path):
    if needs_data:
        request.getfixturevalue("who_env")  # the WHO file, through $LIFEEXP_DATA
    code, lines = in_terminal(args, tmp_path)
    assert code == 0, "\n".join(lines)
    assert too_wide(lines) == [], "\n".join(lines)


@pytest.mark.parametrize("args", [[], ["data"]], ids=["lifeexp", "lifeexp data"])
def test_a_missing_command_prints_its_usage_within_80_columns(args, tmp_path):
    code, lines = in_terminal(args, tmp_path)
    assert code == 2 and lines[0].startswith("Usage: ")
    assert too_wide(lines) == []


def test_prose_is_wrapped_between_words_on_a_terminal_and_whole_in_a_pipe(who_env, tmp_path):
    """The standard-errors sentence of `fit`: one line in a pipe; on the terminal, lines of at most 80
    columns that give back exactly that line when joined with single spaces (no word cut in two)."""
    args = ["fit", "--features", "bmi,adult_mortality,hiv", "--out", "m.joblib"]
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    piped = subprocess.run([*LIFEEXP, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    whole = next(line for line in piped.stdout.splitlines() if line.startswith("Standard errors:"))
    assert len(whole) > WIDTH  # else this test would prove nothing
    _, lines = in_terminal(args, tmp_path)
    start = next(i for i, line in enumerate(lines) if line.startswith("Standard errors:"))
    joined, i = lines[start].rstrip(), start
    while len(joined) < len(whole):
        i += 1
        assert cell_len(lines[i].rstrip()) <= WIDTH
        joined += " " + lines[i].strip()
    assert joined == whole


def test_a_pipe_keeps_whole_lines_unless_columns_sets_a_width(tmp_path, monkeypatch):
    """No data: the error names three places to find it in one long line; COLUMNS=60 wraps it at 60."""
    monkeypatch.delenv("LIFEEXP_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", "/xdg")  # the message names the folder: no word wider than 60
    before = dict(render._consoles)
    try:
        render._consoles.clear()  # a console takes its width from $COLUMNS when it is made
        whole = run_cli("fit", "--features", "bmi", code=2).stderr.splitlines()
        render._consoles.clear()
        narrow = run_cli("fit", "--features", "bmi", env={"COLUMNS": "60"}, code=2).stderr.splitlines()
    finally:
        render._consoles.clear()
        render._consoles.update(before)
    assert len(whole) == 1 and len(whole[0]) > 100 and whole[0].startswith("Error: no data")
    assert len(narrow) > 1 and max(cell_len(line.rstrip()) for line in narrow) <= 60
    assert " ".join(line.strip() for line in narrow) == whole[0]


@pytest.mark.parametrize("args, code", [(["predict", "--model", "nosuchmodel", "--bmi", "3"], 1),
                                        (["predict", "--model", "tim", "--bmi", "300", "--hiv", "0.1"], 0)],
                         ids=["error", "warnings"])
def test_wrapped_messages_end_their_lines_without_spaces(args, code, tmp_path, monkeypatch):
    """Errors and warnings wrapped at $COLUMNS (or a terminal's width) leave no space where a line was
    broken: each line ends in a word, and the lines joined with single spaces are the messages a pipe gets."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLUMNS", raising=False)
    before = dict(render._consoles)
    try:
        render._consoles.clear()  # a console takes its width from $COLUMNS when it is made
        whole = run_cli(*args, code=code).stderr.splitlines()
        render._consoles.clear()
        narrow = run_cli(*args, env={"COLUMNS": "60"}, code=code).stderr.splitlines()
    finally:
        render._consoles.clear()
        render._consoles.update(before)
    assert len(narrow) > len(whole) and max(cell_len(line) for line in narrow) <= 60
    assert [line for line in narrow if line != line.rstrip()] == []
    assert " ".join(narrow).replace(" Warning: ", "\nWarning: ").splitlines() == whole
    _, lines = in_terminal(args, tmp_path, columns=60)  # stdout's table there too
    assert [line for line in lines if line != line.rstrip()] == []


@pytest.mark.parametrize("args", [["fit", "--features", "bmi,adult_mortality,hiv", "--out", "m.joblib"], ["corr"],
                                  ["compare"], ["compare", "--explain"]], ids=["fit", "corr", "compare", "explain"])
@pytest.mark.parametrize("columns", ["40", "60"])
def test_results_wrapped_at_columns_end_their_lines_without_spaces(args, columns, who_env, tmp_path, monkeypatch):
    """stdout in a pipe with $COLUMNS: a wrapped table title, the fit's equation, a note under a table ended
    in the space Rich broke the line at (`COLUMNS=60 lifeexp fit ... | cat -A`)."""
    monkeypatch.chdir(tmp_path)
    before = dict(render._consoles)
    try:
        render._consoles.clear()  # a console takes its width from $COLUMNS when it is made
        out = run_cli(*args, env={"COLUMNS": columns}).stdout.splitlines()
    finally:
        render._consoles.clear()
        render._consoles.update(before)
    assert len(out) > 5 and max(cell_len(line) for line in out) <= int(columns)
    assert [line for line in out if line != line.rstrip()] == []
