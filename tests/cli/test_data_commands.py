"""`lifeexp data info` and `lifeexp data describe` against pandas."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import pytest

from lifeexp_cli.data import dataset, summary
from support.cli import run_cli


run = partial(run_cli, code=None)  # the tests check the exit code


def test_describe_matches_pandas():
    column = np.array([3.0, np.nan, 1.0, 4.0, 1.0, 5.0, 9.0, np.nan, 2.0, 6.0])
    expected = pd.Series(column).describe()
    got = summary.describe(column)
    for key in summary.STATISTICS:
        assert got[key] == pytest.approx(expected[key], rel=1e-12), key
    assert summary.describe(np.array([np.nan]))["count"] == 0
    assert summary.describe(np.array([2.0]))["std"] is None


def test_data_info_on_the_who_file(who_env):
    result = run("data", "info", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["rows"] == 2938 and len(doc["columns"]) == 22
    assert doc["countries"] == 193
    assert doc["years"] == {"first": 2000, "last": 2015, "count": 16}
    assert doc["rows_per_country"] == {"1": 10, "16": 183}
    by_name = {c["column"]: c for c in doc["columns"]}
    assert by_name["population"]["missing"] == 652 and by_name["population"]["non_null"] == 2286
    assert by_name["population"]["missing_share"] == pytest.approx(652 / 2938)
    assert by_name["bmi"]["unit"] == "kg/m²"
    table = run("data", "info")
    assert "countries  193 (183 with 16 rows, 10 with 1 row)" in table.stdout
    assert "years      2000–2015" in table.stdout
    assert "┃ column " in table.stdout and "(18.8%)" in table.stdout  # hepatitis_b's missing share


def test_data_describe_matches_pandas(data_path, who_env):
    result = run("data", "describe", "--features", "bmi,gdp,hiv,status", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {row["feature"]: row for row in json.loads(result.stdout)}
    assert list(rows) == ["bmi", "gdp", "hiv_aids", "status"]
    table = dataset.read_table(str(data_path))
    for name in ("bmi", "gdp", "hiv_aids"):
        expected = table.frame[name].describe()
        for key in summary.STATISTICS:
            assert rows[name][key] == pytest.approx(expected[key], rel=1e-12), (name, key)
    assert rows["status"]["mean"] == pytest.approx((table.frame["status"] == "Developed").mean())
    assert rows["gdp"]["unit"] == "USD"


def table_cells(stdout: str) -> dict[tuple[str, str], str]:
    """{(row's first cell, column): cell} of the bordered tables in `stdout` (a wide one split in parts,
    each repeating the first column)."""
    cells, headers = {}, []
    for line in stdout.splitlines():
        if line.startswith("┃"):
            headers = [cell.strip() for cell in line.split("┃")[1:-1]]
        elif line.startswith("│"):
            row = [cell.strip() for cell in line.split("│")[1:-1]]
            cells.update({(row[0], header): cell for header, cell in zip(headers[1:], row[1:])})
    return cells


def test_describe_shows_the_fraction_of_large_numbers(tmp_path):
    """Four significant digits showed the mean year 2007.5 as 2008: a number that is not whole keeps a
    decimal (and 11500.1 no longer turns into 1.15e+04); JSON and CSV keep the raw numbers."""
    csv = tmp_path / "years.csv"
    csv.write_text("year,spend,cases\n2007,737.5,11000.25\n2008,739,12000\n")
    cells = table_cells(run("data", "describe", "--data", str(csv), env={"COLUMNS": "200"}).stdout)
    assert [cells["year", key] for key in ("mean", "min", "25%", "50%", "75%", "max")] == \
        ["2007.5", "2007", "2007.2", "2007.5", "2007.8", "2008"]
    assert cells["spend", "mean"] == "738.2" and cells["spend", "std"] == "1.061"
    assert [cells["cases", key] for key in ("mean", "std", "min", "max")] == ["11500.1", "706.9", "11000.2", "12000"]
    rows = {row["feature"]: row for row in json.loads(run("data", "describe", "--data", str(csv), "-f", "json").stdout)}
    assert rows["year"]["mean"] == 2007.5 and rows["spend"]["mean"] == 738.25 and rows["cases"]["mean"] == 11500.125
    assert run("data", "describe", "--data", str(csv), "-f", "csv").stdout.splitlines()[1].startswith("year,year,2,2007.5,")


def test_data_commands_work_on_any_csv(tmp_path):
    csv = tmp_path / "any.csv"
    csv.write_text("name,height,weight\nann,1.6,55\nbob,1.8,\n")
    info = json.loads(run("data", "info", "--data", str(csv), "--format", "json").stdout)
    assert info["countries"] is None and info["years"] is None
    described = run("data", "describe", "--data", str(csv), "--format", "csv")
    assert described.exit_code == 0
    assert described.stdout.splitlines()[0] == "feature,unit,count,mean,std,min,25%,50%,75%,max,unit_note"
    assert described.stdout.splitlines()[2].startswith("weight,,1,55.0,,55.0")
    bad = run("data", "describe", "--data", str(csv), "--features", "name")
    assert bad.exit_code == 1 and "not numeric" in bad.stderr


def test_features_and_describe_say_which_units_the_data_contradicts(who_env):
    from lifeexp_cli.data import units

    listed = {row["name"]: row["unit_note"] for row in json.loads(run("features", "--format", "json").stdout)}
    assert {k: v for k, v in listed.items() if v} == units.WHO_NOTES
    described = json.loads(run("data", "describe", "-F", "bmi,measles,hiv", "--format", "json").stdout)
    assert [row["unit_note"] is not None for row in described] == [True, True, False]
    table = run("data", "describe", "-F", "bmi,hiv").stdout
    assert "! bmi: documented as a population's average in kg/m², yet the median is 43.5" in table
    assert "hiv_aids:" not in table


def test_a_unit_note_is_computed_from_any_file(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("life_expectancy,polio,x\n70,150,1\n71,90,2\n")
    rows = json.loads(run("features", "--data", str(path), "--format", "json").stdout)
    notes = {row["name"]: row["unit_note"] for row in rows}
    assert notes["polio"] == "documented as %, yet values reach 150: not a % value" and notes["x"] is None
