"""People files: CSV (any separator the reader sniffs) and JSON."""

from __future__ import annotations

import pytest

from lifeexp_cli.data import people
from lifeexp_cli.errors import UsageError


def test_csv_people_through_the_reader(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("name;bmi;hiv\nTim;24.1;0.1\n\n;22;\n", encoding="utf-8")
    assert people.read_people(str(path)) == [("Tim", {"bmi": 24.1, "hiv": 0.1}), ("person2", {"bmi": 22.0})]


def test_csv_people_errors(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("name,bmi\n", encoding="utf-8")
    with pytest.raises(UsageError, match="has no rows"):
        people.read_people(str(path))
    path.write_text("name,bmi\nTim,abc\n", encoding="utf-8")
    with pytest.raises(UsageError, match="bmi must be a number, got 'abc'"):
        people.read_people(str(path))


def test_json_people(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"Tim": {"bmi": 24.1}}', encoding="utf-8")
    assert people.read_people(str(path)) == [("Tim", {"bmi": 24.1})]
