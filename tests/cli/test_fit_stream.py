"""`lifeexp fit --stream` on the WHO file gives the in-memory answer; it refuses cross-validation."""

from __future__ import annotations

import hashlib
import json

import pytest

from lifeexp_cli.model import store
from support.cli import run_cli


def test_streamed_fit_on_the_who_file_through_the_cli(data_path, tmp_path, who_env):
    def run(*extra):
        return json.loads(run_cli("fit", "--features", "all", "--out", tmp_path / "m.joblib", "--format", "json",
                                  *extra).stdout)

    memory, streamed = run("--no-stream"), run("--stream", "--chunk-rows", "1000")
    for term, value in memory["coefficients"].items():
        assert streamed["coefficients"][term] == pytest.approx(value, rel=1e-10), term
    # the collinearity diagnostics, from R (a streamed fit also says it stores no interval calibration)
    assert [w for w in streamed["warnings"] if "prediction-interval" not in w] == memory["warnings"]
    assert streamed["condition_number"] == pytest.approx(memory["condition_number"], rel=1e-8)
    digest = hashlib.sha256(data_path.read_bytes()).hexdigest()
    assert store.load(str(tmp_path / "m.joblib"))["data"]["sha256"] == digest


def test_stream_conflicts_with_cross_validation(tmp_path):
    result = run_cli("fit", "--features", "bmi", "--stream", "--folds", "5", "--out", tmp_path / "m.joblib", code=None)
    assert result.exit_code == 2 and "--folds" in result.output


def metrics_cells(stdout: str) -> list[str]:
    """The training row of the Metrics table: on, RMSE, MAE, R²."""
    row = next(line for line in stdout.splitlines() if line.startswith("│ training rows"))
    return [cell.strip() for cell in row.split("│")[1:-1]]


def test_a_streamed_fit_shows_its_mae_or_says_why_it_has_none(data_path, tmp_path, who_env):
    """Clustered (the default here) or HC3 standard errors' pass at the solution gives the training MAE,
    the in-memory one; with classical ones, or from stdin (read once), the cell is a dash with one line
    under the table saying why, and JSON has null."""
    out = ["fit", "--features", "bmi", "--out", tmp_path / "m.joblib"]
    memory = json.loads(run_cli(*out, "--no-stream", "--format", "json").stdout)["metrics"]["train"]
    for se in ([], ["--se", "hc3"]):
        table = run_cli(*out, "--stream", *se).stdout
        assert metrics_cells(table)[2] == f"{memory['mae']:.4g}" and "MAE not computed" not in table
        saved = store.load(str(tmp_path / "m.joblib"))["metrics"]["train"]
        assert saved["mae"] == pytest.approx(memory["mae"], rel=1e-12)
    classical = run_cli(*out, "--stream", "--se", "classical").stdout
    assert metrics_cells(classical)[2] == "—"
    assert ("MAE not computed: with --se classical a streamed fit computes no residuals at the solution "
            "(--se cluster or hc3 does)") in \
        classical.splitlines()
    assert json.loads(run_cli(*out, "--stream", "--se", "classical", "-f", "json").stdout)["metrics"]["train"]["mae"] \
        is None
    piped = run_cli("fit", "--features", "bmi", "--data", "-", "--stream", "--out", tmp_path / "m.joblib",
                    input=data_path.read_bytes()).stdout
    assert metrics_cells(piped)[2] == "—"
    assert ("MAE not computed: data from stdin is read once, and the MAE needs a second pass over it "
                "(--data FILE computes it)") in piped.splitlines()
