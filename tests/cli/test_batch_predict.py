"""`lifeexp predict --input`: rows from stdin come back with their prediction."""

from __future__ import annotations

from typer.testing import CliRunner

from lifeexp_cli.cli.main import app


def test_cli_batch_from_stdin(tmp_path):
    result = CliRunner().invoke(app, ["predict", "--model", "tim-bmi", "--input", "-", "--quiet"],
                                input="bmi,x\n22,keep me\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("bmi,x,predicted_life_expectancy,lower_life_expectancy,upper_life_expectancy,"
                                    "in_domain\n22,keep me,")


def test_a_table_past_its_row_limit_is_refused_before_any_output(monkeypatch):
    from lifeexp_cli.cli.commands import predict

    monkeypatch.setattr(predict, "TABLE_ROWS", 3)
    rows = "country,year,bmi\n" + "".join(f"C{i},2015,{20 + i}\n" for i in range(4))
    result = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", "-", "-f", "table"], input=rows)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "at most 3 rows" in result.stderr and "--format csv" in result.stderr
    shown = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", "-", "-f", "table"],
                               input="".join(rows.splitlines(keepends=True)[:4]))
    assert shown.exit_code == 0, shown.output
    assert "C2" in shown.stdout and "prediction" in shown.stdout


def test_no_header_and_a_strict_missing_column():
    result = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", "-", "--no-header", "-q"],
                                input="bmi\n22\n")
    assert result.exit_code == 0 and result.stdout.count("\n") == 1 and result.stdout.startswith("22,")
    missing = CliRunner().invoke(app, ["predict", "-m", "tim-bmi", "--input", "-", "--strict"], input="x\n1\n")
    assert missing.exit_code == 1 and "lacks column(s) bmi" in missing.stderr
