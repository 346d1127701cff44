"""`compare` with one name given twice (issue 24 item 4, its command-line part)."""

from __future__ import annotations

from typer.testing import CliRunner

from lifeexp_cli.cli.main import app


def test_compare_refuses_a_person_named_twice():
    result = CliRunner().invoke(app, ["compare", "-m", "tim-bmi", "--person", "ann:bmi=20", "--person",
                                      "ann:bmi=30"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == "Error: --person names ann twice: give each person a different name"
