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
