"""`lifeexp predict --input`: rows from stdin come back with their prediction."""

from __future__ import annotations

from typer.testing import CliRunner

from lifeexp_cli.cli.main import app


def test_cli_batch_from_stdin(tmp_path):
    result = CliRunner().invoke(app, ["predict", "--model", "tim-bmi", "--input", "-", "--quiet"],
                                input="bmi,x\n22,keep me\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("bmi,x,predicted_life_expectancy,lower_life_expectancy,upper_life_expectancy\n"
                                    "22,keep me,")
