"""`predict --input --format json` renders a block of rows a column at a time (cli/json_rows.py): the
same bytes as json.dumps of each row's dict, whatever the cells hold."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from lifeexp_cli.cli import json_rows
from lifeexp_cli.cli.main import app
from lifeexp_cli.data.byte_records import MISSING
from lifeexp_cli.model.predict.prediction import cell_value

ODD = ["", "NA", "nan", "N/A", "null", "inf", "-inf", "1e5", "007", "-0", "+5", " 5 ", "1_000", "0.00001",
       "0.0001", "1.10", "48.00", "48.0", "-0.0", "0.0000", "12345678901234567.5", "1234567890123456.5",
       "é", "x%sy", "  ", "0x10", "Infinity", "1.5e-7", "2000", "-12", "3.14159265358979", "9" * 400 + ".5"]


def random_cell(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(ODD)
    whole = rng.choice(["0", str(rng.randrange(1, 10)), str(rng.randrange(1, 10 ** rng.randrange(1, 17)))])
    fraction = "".join(rng.choice("0123456789") for _ in range(rng.randrange(0, 16)))
    if rng.random() < 0.3:
        fraction = "0" * rng.randrange(1, 7) + fraction
    if rng.random() < 0.3:
        fraction += "0" * rng.randrange(1, 7)
    return rng.choice(["", "", "-"]) + whole + ("." + fraction if fraction or rng.random() < 0.5 else "")


@pytest.mark.parametrize("seed", range(5))
def test_a_column_of_cells_is_what_json_dumps_makes_of_each_cell(seed):
    """Columns of plain decimals, integers, blanks and odd cells, alone and mixed: each text is
    json.dumps(cell_value(cell)), whichever shortcut the column takes."""
    rng = random.Random(seed)
    encode = json.JSONEncoder(allow_nan=False).encode
    kinds = [lambda: random_cell(rng), lambda: rng.choice(["", f"{rng.randrange(10 ** 6)}"]),
             lambda: rng.choice(["", f"{rng.uniform(-1e4, 1e4):.{rng.randrange(1, 6)}f}"]),
             lambda: f"{rng.uniform(0, 100):.2f}", lambda: rng.choice(ODD)]
    for kind in kinds:
        for size in (1, 2, 7, 300):
            cells = tuple(kind() for _ in range(size))
            assert json_rows.column_texts(cells, encode) == [json.dumps(cell_value(c, MISSING)) for c in cells]


def tricky_csv(quoted: bool, rows: int = 300) -> str:
    rng = random.Random(4)
    lines = ["Country,Year,Status,bmi,Adult Mortality,hiv,Year,note%s"]  # a repeated name, a % in a name
    for i in range(rows):
        bmi = rng.choice([f"{rng.uniform(15, 35):.1f}", "", "4000.0", f"{rng.uniform(15, 35):.4f}"])
        country = ('"Côte d\'Ivoire, the"' if quoted else "Côte d'Ivoire") if i % 17 == 0 else f"C{i // 16}"
        lines.append(f"{country},{2000 + i % 16},{rng.choice(['Developing', 'Developed', ''])},{bmi},"
                     f"{rng.randrange(1, 700)},{rng.choice(['0.1', '1.5', '30.0', ''])},{random_cell(rng)},"
                     f"{random_cell(rng)}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("quoted", [True, False])
@pytest.mark.parametrize("level", ["0.9", "0"])
@pytest.mark.parametrize("model", ["tim", "tim-bmi"])
def test_the_columns_give_the_bytes_of_a_dict_per_row(monkeypatch, model, level, quoted):
    """The whole document as rendered a column at a time (in slices of 7 rows), and as json.dumps of
    each row's dict (the shortcut turned off): byte for byte, with quoted cells (the csv module reads
    the block) or none (the block split at once), a repeated column, odd cells, rows out of domain, with
    and without intervals."""
    text = tricky_csv(quoted)
    args = ["predict", "--model", model, "--input", "-", "--format", "json", "--level", level, "--quiet"]
    monkeypatch.setattr(json_rows, "SLICE", 7)
    rendered, columns_text = [], json_rows.columns_text
    monkeypatch.setattr(json_rows, "columns_text", lambda *a: rendered.append(columns_text(*a)) or rendered[-1])
    fast = CliRunner().invoke(app, args, input=text)
    assert fast.exit_code == 0, fast.output
    assert len(rendered) == 43 and None not in rendered  # every slice of 7 rows by its columns
    monkeypatch.setattr(json_rows, "columns_text", lambda *a: None)
    slow = CliRunner().invoke(app, args, input=text)
    assert slow.exit_code == 0, slow.output
    assert fast.stdout == slow.stdout
    document = json.loads(fast.stdout)
    assert len(document) == 300 and any(row["domain"]["features"] for row in document)
    assert document[0]["Country"] == ("Côte d'Ivoire, the" if quoted else "Côte d'Ivoire") and "note%s" in document[0]
