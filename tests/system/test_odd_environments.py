"""OS errors and odd environments, in real processes: a full disk, the file size limit, a name too long,
closed stdin, a closed pipe, a Latin-1 terminal, COLUMNS=0, SIGTERM. Each ends with one `Error:` line and
the right exit code (or, for a reader that went away, quietly with 0), and leaves no file behind."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import signalled_slow_fit
from lifeexp_cli.cli.main import app
from support.cli import run_process

LIFEEXP = [sys.executable, "-m", "lifeexp_cli"]


@pytest.fixture
def env(data_path) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS")}
    environment["LIFEEXP_DATA"] = str(data_path)
    return environment


def run(*args, env: dict, cwd=None, **popen) -> subprocess.CompletedProcess:
    return run_process([*LIFEEXP, *args], env=env, cwd=cwd, **popen)


def one_error(done: subprocess.CompletedProcess, code: int, says: str) -> None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == code, (done.returncode, done.stderr)
    assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0], done.stderr


def test_file_size_limit_names_the_file_and_leaves_nothing(env, tmp_path):
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, resource.RLIM_INFINITY))

    done = run("fit", "-F", "bmi,hiv", "--out", "m.joblib", "-q", env=env, cwd=tmp_path, preexec_fn=small_files)
    one_error(done, 1, "cannot write m.joblib: the file size limit (ulimit -f)")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_on_stdout(env, tmp_path):
    with open("/dev/full", "w") as full:
        done = run("compare", env=env, cwd=tmp_path, stdout=full, stderr=subprocess.PIPE)
    one_error(done, 1, "the disk is full")


def test_a_full_disk_while_saving_a_model(who_env, tmp_path, monkeypatch):
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "fsync", no_space)
    result = CliRunner().invoke(app, ["fit", "-F", "bmi", "--out", "m.joblib", "-q"])
    assert result.exit_code == 1, (result.stderr, result.exception)
    assert result.stderr.startswith("Error: cannot write m.joblib: the disk is full") and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_name_too_long(env, tmp_path):
    done = run("fit", "-F", "bmi", "--out", "a" * 300 + ".joblib", "-q", env=env, cwd=tmp_path)
    one_error(done, 1, "too long")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["predict", "-m", "tim-bmi", "--input", "-"], ["data", "info", "--data", "-"]])
def test_closed_stdin(env, tmp_path, args):
    done = run(*args, env=env, cwd=tmp_path, stdin=None, preexec_fn=lambda: os.close(0))
    one_error(done, 1, "stdin is closed")


def test_closed_stdout_and_stderr(env, tmp_path):
    """`lifeexp compare >&- 2>&-`: nobody reads the results; the run ends as after `| head -0`, exit 0."""
    def close_both():
        os.close(1)
        os.close(2)

    done = subprocess.run([*LIFEEXP, "fit", "-F", "bmi", "--out", "m.joblib"], env=env, cwd=tmp_path, timeout=120,
                          preexec_fn=close_both)
    assert done.returncode == 0 and (tmp_path / "m.joblib").is_file()


@pytest.mark.parametrize("args", [["compare"], ["data", "info"], ["cv", "-F", "bmi"], ["select", "-F", "bmi,hiv", "-q"],
                                  ["corr"], ["corr", "--matrix"], ["features"],
                                  ["plot", "-m", "tim-bmi", "--out", "p.png", "-q"]])
def test_table_into_a_closed_pipe_exits_0(env, tmp_path, args):
    """`lifeexp compare | head -1`: the reader left; the run ends quietly with exit 0 (Rich's own exit is 1)."""
    with subprocess.Popen([*LIFEEXP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
                          text=True) as process:
        process.stdout.close()  # before anything is read: the first write meets a closed pipe
        stderr = process.stderr.read()
        code = process.wait(timeout=120)
    assert code == 0, stderr
    assert "Traceback" not in stderr and "Error" not in stderr and "Exception ignored" not in stderr


def test_latin1_terminal(env, tmp_path):
    def latin1(*args):
        done = subprocess.run([*LIFEEXP, *args], capture_output=True, encoding="latin-1", cwd=tmp_path,
                              env={**env, "PYTHONIOENCODING": "latin-1"}, timeout=120)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        return done.stdout

    assert "life_expectancy = " in latin1("fit", "-F", "bmi", "--out", "m.joblib")  # −, θ shown as ?
    assert "?" in latin1("backprop")
    document = latin1("compare", "--person", "zoë:bmi=22", "--format", "json")
    assert document.isascii() and "zoë" in json.loads(document)["people"]  # escaped, not lost
    assert "71.5 (60-83)" in latin1("compare", "-m", "tim")  # the interval's dash as the terminal can show it


@pytest.mark.parametrize("columns", ["0", "1", "-5", "abc", ""])
def test_unusable_columns_fall_back_to_80(env, tmp_path, columns):
    done = run("compare", env={**env, "COLUMNS": columns}, cwd=tmp_path)
    assert done.returncode == 0 and "Who will live longer?" in done.stdout and "tim-bmi" in done.stdout


def test_sigterm_exits_143_and_keeps_the_previous_model(env, tmp_path):
    out = tmp_path / "m.joblib"
    run("fit", "-F", "bmi", "--out", out, "-q", env=env)
    before = out.read_bytes()
    code, err = signalled_slow_fit(out, signal.SIGTERM, env)
    assert code == 143, err
    assert err.strip().splitlines() == ["Error: terminated (SIGTERM): a model file is only ever replaced whole, "
                                        "never half-written"]
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.joblib"]


def test_an_ignored_sigterm_stays_ignored():
    from lifeexp_cli.cli import interrupts

    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        interrupts.handle_signals()
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize("output", ["csv", "json"])
def test_unbuffered_output_cut_short_by_the_file_size_limit(env, tmp_path, output):
    """Issue 24 item 3: with PYTHONUNBUFFERED=1, stdout is a raw file whose writes may be short without an
    error; a batch cut short by `ulimit -f` is exit 1 and one error, never "Predicted 2000 rows"."""
    rows = tmp_path / "rows.csv"
    rows.write_text("bmi,hiv_aids,adult_mortality\n" + "".join(f"{20 + i % 10},{i % 3},150\n" for i in range(2000)))

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))

    with open(tmp_path / f"out.{output}", "wb") as sink:
        done = run("predict", "-m", "tim", "--input", rows, "--format", output, env={**env, "PYTHONUNBUFFERED": "1"},
                   cwd=tmp_path, stdout=sink, stderr=subprocess.PIPE, preexec_fn=small_files)
    one_error(done, 1, "cannot write the output: the file size limit (ulimit -f)")
    assert "Predicted" not in done.stderr
