"""Batch predictions: every input line comes back byte for byte with its prediction; single rows too."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import numpy as np
import pytest

from lifeexp_cli.data import byte_records
from lifeexp_cli.errors import DataError
from lifeexp_cli.model import store
from lifeexp_cli.model.predict import prediction
from lifeexp_cli.model.record import ModelRecord, Parameters, from_plain
from lifeexp_cli.model.predict import arrays


@pytest.fixture(scope="module")
def tim():
    return store.load("tim")


def predict_csv(record, source, sink, level: float = 0, strict: bool = False) -> dict:
    """CSV in, CSV out, as `lifeexp predict --input` writes it; returns the counts."""
    counts: dict = {}
    record = record if isinstance(record, ModelRecord) else from_plain(record)
    head, sep, blocks = prediction.predict_blocks(record, source, counts, level, strict)
    prediction.write_csv(head, sep, blocks, prediction.output_columns(record, level), sink)
    return counts


def run(record, text: bytes) -> tuple[bytes, dict]:
    sink = io.BytesIO()
    counts = predict_csv(record, io.BytesIO(text), sink)
    return sink.getvalue(), counts


def expected_predictions(record, rows: list[list[str]]) -> list[float]:
    X = np.array([[float(r[c]) if r[c].strip() else np.nan for c in (2, 3, 4)] for r in rows])
    return arrays.predict("linear", record["params"], X).tolist()


TEXT = ('note,"Country, name",bmi,Adult Mortality, HIV/AIDS,extra\r\n'
        'a,"Viet Nam, ""VN""",22.5,120,0.1,"two\r\nlines"\r\n'
        'b,Peru,,80,0.2,x\r\n'
        '\r\n'
        'c,"Chad",30.125,300,5,\r\n')


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
def test_lines_come_back_untouched_with_the_prediction(tim, monkeypatch, block):
    original = byte_records.line_blocks
    monkeypatch.setattr(byte_records, "line_blocks", lambda stream: original(stream, block))
    out, counts = run(tim, TEXT.encode())
    lines = out.split(b"\r\n")
    assert lines[0] == b'note,"Country, name",bmi,Adult Mortality, HIV/AIDS,extra,predicted_life_expectancy,in_domain'
    rows = list(csv.reader(io.StringIO(TEXT)))[1:]
    rows = [r for r in rows if r]
    predicted = [float(line.rsplit(b",", 2)[1]) for line in [lines[1] + b"\r\n" + lines[2], *lines[3:5]]]
    assert predicted == expected_predictions(tim, rows)
    assert lines[1] + b"\r\n" + lines[2] == b'a,"Viet Nam, ""VN""",22.5,120,0.1,"two\r\nlines",' + \
        repr(predicted[0]).encode() + b",true"
    assert lines[3].startswith(b"b,Peru,,80,0.2,x,") and lines[4].startswith(b'c,"Chad",30.125,300,5,,')
    assert counts == {"rows": 3, "filled": 1, "outside": counts["outside"], "unlike": 0,
                      "missing": []}


def test_semicolons_and_a_status_column(tmp_path):
    params = Parameters(fill=(0.5, 30.0), center=(0.0, 0.0), scale=(1.0, 1.0), weights=(5.0, 0.25), bias=60.0)
    record = replace(store.load_record("tim"), path="m", features=("status", "bmi"), params=params,
                     ranges={"status": (0, 1), "bmi": (10, 50)}, means={"status": 0.5, "bmi": 30.0}, domain=None,
                     calibration=None)
    out, _ = run(record, b"Status;BMI\nDeveloped;20\nDeveloping;\n")
    assert out == b"Status;BMI;predicted_life_expectancy\nDeveloped;20;70.0\nDeveloping;;67.5\n"


def test_bad_cells_name_the_row(tim):
    with pytest.raises(DataError, match=r"column bmi has a non-numeric value 'x' in row 3"):
        run(tim, b"bmi,adult_mortality,hiv\n20,100,0.1\nx,100,0.1\n")
    with pytest.raises(DataError, match="infinite value in row 2"):
        run(tim, b"bmi,adult_mortality,hiv\ninf,100,0.1\n")
    with pytest.raises(DataError, match=r"line 3 has 2 cells where the header has 3 columns"):
        run(tim, b"bmi,adult_mortality,hiv\n20,100,0.1\n20,100\n")
    with pytest.raises(DataError, match="lacks column.*--strict"):
        predict_csv(tim, io.BytesIO(b"bmi,hiv\n20,0.1\n"), io.BytesIO(), strict=True)


def test_a_lacking_column_takes_the_training_mean(tim):
    out, counts = run(tim, b"bmi,hiv\n20,0.1\n")
    assert counts["missing"] == ["adult_mortality"]
    row = [20.0, tim["means"]["adult_mortality"], 0.1]
    assert float(out.splitlines()[1].rsplit(b",", 2)[1]) == prediction.predict_one(from_plain(tim), row)


@pytest.mark.parametrize("text, value", [("12", 12), ("-3", -3), ("0", 0), ("2.5", 2.5), ("1e3", 1000.0),
                                         (" 7 ", 7), ("", None), ("NA", None), ("nan", None), ("007", "007"),
                                         ("inf", "inf"), ("Viet Nam", "Viet Nam"), ("0.5", 0.5)])
def test_json_cells_are_numbers_when_they_read_as_numbers(text, value):
    got = prediction.cell_value(text)
    assert got == value and type(got) is type(value)


def test_single_row_in_plain_python_equals_numpy(tim):
    for row in ([24.1, 53.0, 0.1], [float("nan"), 300.0, 12.0]):
        expected = arrays.predict("linear", tim["params"], np.array([row]))[0]
        assert prediction.predict_one(from_plain(tim), row) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_predictions_in_blocks_are_those_of_one_block_to_the_bit(seed, monkeypatch):
    """arrays.predict takes PREDICT_ROWS rows at a time (all rows, or the rows asked for), scaled in place:
    a row's prediction is the same numbers whatever the block, and X is left as it was."""
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.normal(50, 10, size=(301, 3)))
    X[rng.random(X.shape) < 0.1] = np.nan
    kept = X.copy()
    params = {"fill": [50.0, 49.0, 51.0], "center": [48.0, 50.0, 52.0], "scale": [9.0, 11.0, 10.0],
              "weights": [0.3, -0.2, 0.1], "bias": 70.0}
    filled = np.where(np.isnan(X), params["fill"], X)
    expected = (((filled - params["center"]) / params["scale"]) * params["weights"]).sum(axis=1) + params["bias"]
    one = arrays.predict("linear", params, X)
    rows = np.sort(rng.choice(len(X), 120, replace=False))
    monkeypatch.setattr(arrays, "PREDICT_ROWS", 7)
    assert one.tobytes() == expected.tobytes() == arrays.predict("linear", params, X).tobytes()
    assert arrays.predict("linear", params, X, rows=rows).tobytes() == expected[rows].tobytes()
    assert arrays.predict("linear", params, X, rows=rows[:0]).shape == (0,)
    np.testing.assert_array_equal(X, kept)
