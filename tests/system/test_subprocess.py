"""The installed console script in real processes: pipes, exit codes, and nothing but data on stdout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lifeexp_cli import __version__
from support.cli import run_process


def console_script() -> str:
    beside_python = Path(sys.executable).parent / "lifeexp"
    found = str(beside_python) if beside_python.exists() else shutil.which("lifeexp")
    assert found, "the lifeexp console script is not installed: pip install -e . into this environment"
    return found


@pytest.fixture
def env(data_path) -> dict:
    """The user's environment with the data set, and nothing that would force colour into a pipe."""
    environment = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    environment["LIFEEXP_DATA"] = str(data_path)
    return environment


def lifeexp(*args, env: dict, cwd=None) -> subprocess.CompletedProcess:
    return run_process([console_script(), *args], env=env, cwd=cwd, timeout=60)


def test_help(env):
    done = lifeexp("--help", env=env)
    assert done.returncode == 0 and "fit" in done.stdout and "compare" in done.stdout


def test_fit_json_in_a_pipe_is_only_json(env, tmp_path):
    done = lifeexp("fit", "--features", "bmi,hiv", "--out", tmp_path / "m.joblib", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{") and done.stdout.endswith("}\n")
    document = json.loads(done.stdout)
    assert document["features"] == ["bmi", "hiv_aids"] and (tmp_path / "m.joblib").is_file()
    assert "\x1b[" not in done.stderr


def test_compare_json(env, tmp_path):
    done = lifeexp("compare", "--format", "json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["people"] == ["Tim", "Tom"] and document["comparison"]["best"] == "tim"


def test_error_is_one_plain_line_and_an_exit_code(env, tmp_path):
    done = lifeexp("fit", "--features", "bmii", "--out", tmp_path / "m.joblib", env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1 and "bmi?" in done.stderr
    assert "\x1b[" not in done.stderr


def test_missing_model_exit_1(env, tmp_path):
    done = lifeexp("predict", "--model", "no-such-model", "--bmi", "24", env=env, cwd=tmp_path)
    assert done.returncode == 1 and "no-such-model" in done.stderr


def test_batch_predict_into_a_closed_pipe_stops_quietly(env, data_path):
    """`lifeexp predict --input big.csv | head -n 2`: the reader leaves early; no traceback, no noise."""
    with subprocess.Popen([console_script(), "predict", "--model", "tim", "--input", str(data_path), "--quiet"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True) as process:
        header = process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        code = process.wait(timeout=60)
    assert header.rstrip("\n").endswith(",predicted_life_expectancy,lower_life_expectancy,upper_life_expectancy,in_domain")
    assert code == 0 and "Traceback" not in stderr and "Error" not in stderr


def test_python_dash_m_version(env):
    done = subprocess.run([sys.executable, "-m", "lifeexp_cli", "--version"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"lifeexp {__version__}"
