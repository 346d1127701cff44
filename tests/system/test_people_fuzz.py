"""Fuzz target for `compare --people` CSV files (issue 24 item 4): rows with cells too many or too few,
trailing separators, names repeated or blank, headers naming a feature twice, odd numbers, separators,
line ends and byte-order marks. Every file is read as written or refused in one line; a file that is
read loses no person: one per non-blank row, under the name it was given."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lifeexp_cli.cli.main import app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NAMES = st.sampled_from(["ann", "bob", "ann ", "", "person1", "person2", "Zoë", "[/x]"])
COLUMNS = st.lists(st.sampled_from(["bmi", "BMI", "hiv", "hiv_aids", "gdp", "schooling"]), min_size=0, max_size=3)
CELLS = st.sampled_from(["22", "0.1", "", "1e400", "NaN", "-inf", "1" + "0" * 500, "abc", "2e-300", " 7 "])


@st.composite
def people_csv(draw):
    columns = ["name", *draw(COLUMNS)]
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        cells = [draw(NAMES)] + [draw(CELLS) for _ in columns[1:]]
        cells += [draw(CELLS) for _ in range(draw(st.sampled_from([0, 0, 0, 1])))]  # a cell too many, at times
        if len(cells) > 1 and draw(st.integers(0, 5)) == 0:
            cells.pop()  # a cell too few
        rows.append(cells + ([""] if draw(st.booleans()) and draw(st.booleans()) else []))  # a trailing separator
    return columns, rows


@FUZZ
@given(table=people_csv(), sep=st.sampled_from([",", ";", "\t"]), end=st.sampled_from(["\n", "\r\n"]),
       bom=st.booleans())
def test_people_csv_is_read_as_written_or_refused(tmp_path_factory, table, sep, end, bom):
    columns, rows = table
    sep = sep if len(columns) > 1 else ","  # a header of one column shows no separator to sniff
    text = end.join(sep.join(cells) for cells in [columns, *rows]) + end
    folder = tmp_path_factory.mktemp("people")
    (folder / "p.csv").write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    result = CliRunner().invoke(app, ["compare", "-m", "tim-bmi", "--people", str(folder / "p.csv"), "-f", "json"],
                                env={"COLUMNS": "2000"})  # no line wraps: one Error line
    assert result.exit_code in (0, 1, 2), (text, result.exit_code, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (text, repr(result.exception))
    if result.exit_code:
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
        assert result.stdout == ""
        return
    rows = [cells for cells in rows if sep.join(cells)]  # a blank line is no row
    named = [cells[0].strip() or f"person{i + 1}" for i, cells in enumerate(rows)]
    assert json.loads(result.stdout)["people"] == named, (text, result.stdout)
    assert len(set(named)) == len(named)
    assert all(len(cells) in (len(columns), len(columns) + 1) for cells in rows)
