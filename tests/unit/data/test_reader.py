"""The one CSV reader: opening a source, the separator, the header, whole files and small texts."""

from __future__ import annotations

import io

import numpy as np
import pytest

from lifeexp_cli.data import byte_records, csv_text, opening, whole_file
from lifeexp_cli.errors import DataError


@pytest.mark.parametrize("role, missing, directory", [
    ("data", "data file .*nowhere.csv does not exist: check the path given to --data or \\$LIFEEXP_DATA",
     "is a directory: pass the CSV file inside it with --data"),
    ("input", "--input file .*nowhere.csv does not exist: check the path", "--input .* is a directory"),
])
def test_open_source_names_the_option(tmp_path, role, missing, directory):
    with pytest.raises(DataError, match=missing):
        with opening.open_source(str(tmp_path / "nowhere.csv"), role):
            pass
    with pytest.raises(DataError, match=directory):
        with opening.open_source(str(tmp_path), role):
            pass


def test_open_source_reads_bytes_and_dash_is_stdin(tmp_path, monkeypatch):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with opening.open_source(str(path)) as stream:
        assert stream.read() == b"a,b\n1,2\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"x\n")))
    with opening.open_source("-") as stream:
        assert stream.read() == b"x\n"
    assert opening.shown("-") == "stdin" and opening.shown("f.csv") == "f.csv"


@pytest.mark.parametrize("line, separator", [
    ("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a;b,c", ","), ("abc", ","), ("a;b;c,d", ";"),
])
def test_sniff_separator(line, separator):
    assert csv_text.sniff_separator(line) == separator


def test_parse_header_is_canonical_and_knows_its_encoding():
    header = csv_text.parse_header(b"\xef\xbb\xbfCountry;Life expectancy ; BMI \r\n")
    assert header == (["country", "life_expectancy", "bmi"], ";", "utf-8")
    assert header.names == ["country", "life_expectancy", "bmi"] and header.separator == ";"
    assert csv_text.parse_header("Pa\u00eds,BMI\n".encode("latin-1")).encoding == "latin-1"
    assert csv_text.parse_header(b"\r\n") is None


def test_header_refuses_empty_files_and_twin_columns():
    stream = io.BytesIO(b"BMI,bmi \n1,2\n")
    with pytest.raises(DataError, match="f.csv has columns .* which both mean bmi"):
        csv_text.header(stream, "f.csv")
    with pytest.raises(DataError, match="f.csv is empty"):
        csv_text.header(io.BytesIO(b""), "f.csv")
    stream = io.BytesIO(b"a,b\n1,2\n")
    assert csv_text.header(stream, "f.csv").names == ["a", "b"] and stream.read() == b"1,2\n"


def test_read_all_refuses_binary_data(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(b"a,b\n\x00\x01\x02")
    with pytest.raises(DataError, match="binary data"):
        whole_file.read_all(str(path))
    path.write_bytes(b"a,b\n1,2\n")
    assert whole_file.read_all(str(path)) == b"a,b\n1,2\n"


def test_decode_falls_back_to_latin_1():
    assert csv_text.decode("\ufeffé".encode("utf-8")) == ("é", "utf-8")
    assert csv_text.decode("é".encode("latin-1")) == ("é", "latin-1")


def test_parse_rows_keeps_header_as_written_and_skips_blank_lines():
    names, rows = csv_text.parse_rows("name; BMI\nTim;24,1\n\nTom;22.5\n")
    assert names == ["name", " BMI"] and rows == [["Tim", "24,1"], ["Tom", "22.5"]]
    assert csv_text.parse_rows("") == ([], [])


def test_status_text_is_a_number_in_streamed_cells():
    values = byte_records.parse_numbers([b"Developed", b" developing ", b"", b"1"], "status", 2)
    np.testing.assert_array_equal(values[[0, 1, 3]], [1.0, 0.0, 1.0])
    assert np.isnan(values[2])
    with pytest.raises(DataError, match="column bmi has a non-numeric value 'Developed' in row 2"):
        byte_records.parse_numbers([b"Developed"], "bmi", 2)
