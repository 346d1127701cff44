"""Reading CSV data: canonical names, a WHO-like file's shape, feature names, and awkward small files.
(Facts about the real WHO file are in tests/system/test_who_data.py.)"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from conftest import WHO_LIKE_COUNTRIES, WHO_LIKE_TRUTH, WHO_LIKE_YEARS, who_like_rows

from lifeexp_cli.data import catalog, dataset
from lifeexp_cli.errors import DataError, UsageError

WHO_LIKE_ROWS = WHO_LIKE_COUNTRIES * WHO_LIKE_YEARS


@pytest.fixture(scope="module")
def table(who_like_table) -> dataset.Table:
    return who_like_table


@pytest.fixture(scope="module")
def raw_rows() -> list[dict]:
    """The WHO-like rows as written, headers as the WHO file publishes them (stray spaces and all)."""
    header, rows = who_like_rows()
    return [dict(zip(header, cells)) for cells in rows]


def write(path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


# --- a WHO-like file --------------------------------------------------------------------------

def test_published_headers_become_canonical(table, raw_rows):
    assert " BMI " in raw_rows[0] and "Life expectancy " in raw_rows[0] and " HIV/AIDS" in raw_rows[0]
    expected = ["country", "year", "status", "life_expectancy", *map(catalog.canonical, WHO_LIKE_TRUTH)]
    assert list(table.frame.columns) == expected
    for name in ("life_expectancy", "bmi", "hiv_aids", "thinness_1_19_years", "income_composition_of_resources"):
        assert name in table.frame.columns


def test_shape_and_fingerprint(table, who_like_csv):
    assert len(table.frame) == WHO_LIKE_ROWS
    assert table.frame["country"].nunique() == WHO_LIKE_COUNTRIES
    assert table.sha256 == hashlib.sha256(who_like_csv.read_bytes()).hexdigest()
    assert table.warnings == []


def test_status_becomes_0_or_1(table, raw_rows):
    status = dataset.numeric_column(table.frame, "status")
    assert set(np.unique(status)) == {0.0, 1.0}
    assert int(status.sum()) == sum(r["Status"] == "Developed" for r in raw_rows)


def test_all_features(table):
    names = dataset.resolve_features(table.frame, "all", "life_expectancy")
    assert len(names) == len(WHO_LIKE_TRUTH) + 2  # and year, status
    assert "status" in names and "bmi" in names
    assert "country" not in names and "life_expectancy" not in names


def test_rows_without_a_target_are_dropped_and_counted(table, raw_rows):
    blank = [i for i, r in enumerate(raw_rows) if not r["Life expectancy "].strip()]
    assert len(blank) == 3
    design = dataset.design(table, ["bmi", "status"], "life_expectancy")
    assert design.dropped_target == len(blank)
    assert len(design.y) == len(design.rows) == design.X.shape[0] == WHO_LIKE_ROWS - len(blank)
    assert np.isfinite(design.y).all()
    assert not set(blank) & set(design.rows.tolist())
    assert design.group_texts()[0] == "Country 00" and design.features == ["bmi", "status"]


@pytest.mark.parametrize("spec, expected", [
    ("hiv", ["hiv_aids"]), ("income", ["income_composition_of_resources"]), ("BMI", ["bmi"]),
    (" HIV/AIDS ", ["hiv_aids"]), ("hiv, income ,schooling", ["hiv_aids", "income_composition_of_resources",
                                                              "schooling"]),
    (["mortality", "thinness_10_19"], ["adult_mortality", "thinness_1_19_years"]),
])
def test_aliases_resolve(table, spec, expected):
    assert dataset.resolve_features(table.frame, spec, "life_expectancy") == expected


def test_target_alias(table):
    assert dataset.resolve_target(table.frame, "life") == "life_expectancy"


@pytest.mark.parametrize("typed, suggestion", [("bmii", "bmi"), ("schoolng", "schooling"), ("alcohl", "alcohol")])
def test_unknown_name_suggests_close_names(table, typed, suggestion):
    with pytest.raises(UsageError, match=f"unknown feature '{typed}'.*did you mean.*{suggestion}"):
        dataset.resolve_features(table.frame, typed, "life_expectancy")


@pytest.mark.parametrize("spec", ["bmi,bmi", "hiv,hiv_aids", "BMI, bmi"])
def test_a_feature_named_twice_is_an_error(table, spec):
    with pytest.raises(UsageError, match="named twice"):
        dataset.resolve_features(table.frame, spec, "life_expectancy")


def test_country_is_never_a_feature(table):
    with pytest.raises(UsageError, match="country"):
        dataset.resolve_features(table.frame, "bmi,country", "life_expectancy")


# --- small generated files ------------------------------------------------------------------

def test_semicolon_separated(tmp_path):
    source = write(tmp_path / "semi.csv", "Country;Life expectancy ; BMI ;Status\nA;70;20.5;Developed\nB;60;18;Developing\n")
    design = dataset.design(dataset.read_table(source), ["bmi", "status"], "life_expectancy")
    np.testing.assert_array_equal(design.X, [[20.5, 1.0], [18.0, 0.0]])
    np.testing.assert_array_equal(design.y, [70.0, 60.0])


def test_latin_1_is_read_with_a_warning(tmp_path):
    source = write(tmp_path / "latin.csv", "Country,Life expectancy,BMI\nCôte d'Ivoire,55,22\nRéunion,78,25\n",
                   encoding="latin-1")
    table = dataset.read_table(source)
    assert list(table.frame["country"]) == ["Côte d'Ivoire", "Réunion"]
    assert len(table.warnings) == 1 and "Latin-1" in table.warnings[0]
    np.testing.assert_array_equal(dataset.design(table, ["bmi"], "life_expectancy").y, [55.0, 78.0])


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    source = write(tmp_path / "bom.csv", "\ufeffCountry,Life expectancy,BMI\nA,55,22\n")
    table = dataset.read_table(source)
    assert list(table.frame.columns) == ["country", "life_expectancy", "bmi"]
    assert table.warnings == []


def test_crlf_and_blank_cells(tmp_path):
    source = write(tmp_path / "crlf.csv", "Country,Life expectancy ,BMI\r\nA,55,22\r\nB,,23\r\nC,60,\r\n")
    design = dataset.design(dataset.read_table(source), ["bmi"], "life_expectancy")
    assert design.dropped_target == 1 and design.rows.tolist() == [0, 2]
    np.testing.assert_array_equal(design.y, [55.0, 60.0])
    assert design.X[0, 0] == 22.0 and np.isnan(design.X[1, 0])


@pytest.mark.parametrize("text", [
    'Country,Life expectancy,BMI\nA,55,"12,5"\n',
    "Country;Life expectancy;BMI\nA;55;12,5\n",
], ids=["quoted-comma", "semicolon-file"])
def test_decimal_comma_names_the_column(tmp_path, text):
    table = dataset.read_table(write(tmp_path / "comma.csv", text))
    with pytest.raises(DataError, match=r"column bmi has a non-numeric value '12,5'.*decimal comma"):
        dataset.design(table, ["bmi"], "life_expectancy")


def test_a_column_written_with_decimal_commas_throughout_names_its_first_cell(tmp_path):
    """A semicolon CSV from a spreadsheet that writes 1,5 for 1.5: every cell of column a is text, so it was
    "not numeric: pick numeric features", which hides the cause; as a feature, a column looked at or the
    target, the error now names the first cell and the decimal comma."""
    table = dataset.read_table(write(tmp_path / "semi.csv", "a;b;y\n1,5;2;3\n2,5;3;5\n3,5;4;6,5\n-0,5;5;8\n"))
    frame = table.frame
    cell = r"column {} has a non-numeric value '{}' in row 2 \(decimal comma\? use a dot\)"
    with pytest.raises(DataError, match=cell.format("a", "1,5")):
        dataset.resolve_features(frame, "a,b", "y")
    with pytest.raises(DataError, match=cell.format("a", "1,5")):
        dataset.chosen_columns(frame, "a")
    with pytest.raises(DataError, match=r"column y has a non-numeric value '6,5' in row 4 \(decimal comma"):
        dataset.ranking_target(frame, "y")
    assert dataset.resolve_features(frame, "b", "a") == ["b"]
    words = dataset.read_table(write(tmp_path / "words.csv", "a;y\nred;1\nblue;2\n")).frame
    with pytest.raises(DataError, match="column a is not numeric: pick numeric features"):
        dataset.resolve_features(words, "a", "y")


def test_unknown_status_value(tmp_path):
    table = dataset.read_table(write(tmp_path / "status.csv", "Country,Life expectancy,Status\nA,55,Developed\n"
                                                              "B,50,Sometimes\n"))
    with pytest.raises(DataError, match="status.*'Sometimes'"):
        dataset.design(table, ["status"], "life_expectancy")


@pytest.mark.parametrize("text, message", [
    ("", "is empty"), ("Country,Life expectancy,BMI\n", "no data rows"),
    ("Country,BMI, bmi ,Life expectancy\nA,1,2,3\n", "which both mean bmi"),
], ids=["empty", "header-only", "duplicate-columns"])
def test_unusable_files(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        dataset.read_table(write(tmp_path / "bad.csv", text))


def test_missing_file_and_no_data(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="does not exist"):
        dataset.read_table(str(tmp_path / "nowhere.csv"))
    monkeypatch.delenv("LIFEEXP_DATA", raising=False)
    with pytest.raises(UsageError, match="--data.*LIFEEXP_DATA"):
        dataset.read_table(None)


def test_columns_to_look_at_the_target_to_rank_against_and_their_matrix():
    import pandas as pd

    frame = pd.DataFrame({"country": ["a", "b", "c"], "life_expectancy": [60.0, 70.0, None],
                          "bmi": [20.0, None, 25.0], "status": ["Developed", "Developing", "Developed"],
                          "note": ["x", "y", "z"]})
    assert dataset.chosen_columns(frame, None) == ["life_expectancy", "bmi", "status"]
    assert dataset.chosen_columns(frame, "bmi") == ["bmi"]
    with pytest.raises(DataError, match="note is not numeric"):
        dataset.chosen_columns(frame, "note")
    assert dataset.ranking_target(frame, None) == "life_expectancy"
    assert dataset.ranking_target(frame.drop(columns="life_expectancy"), None) is None
    X = dataset.numeric_matrix(frame, ["bmi", "status"])
    np.testing.assert_array_equal(X, [[20.0, 1.0], [np.nan, 0.0], [25.0, 1.0]])


@pytest.mark.parametrize("countries", [["A", "B", None, "A", "C"], [1.0, 2.0, np.nan, 1.0, 3.0], [7, 8, 9, 7, 8]])
def test_group_keys_of_a_chunk_are_those_of_the_texts_frame_groups_gives(countries):
    import pandas as pd

    frame = pd.DataFrame({"country": countries, "life_expectancy": [60.0, 61.0, 70.0, np.nan, 72.0]})
    texts = dataset.frame_groups(frame, "life_expectancy")
    np.testing.assert_array_equal(dataset.frame_group_keys(frame, "life_expectancy"), dataset.group_keys(texts))
    assert "nan" in texts or None not in countries  # a missing country is one group named "nan"
    assert dataset.frame_group_keys(frame[["life_expectancy"]], "life_expectancy") is None
    some = np.array([3, 0, 2, 2])  # positions among the rows with a target, in any order, repeated
    np.testing.assert_array_equal(dataset.frame_group_keys_at(frame, "life_expectancy", some),
                                  dataset.frame_group_keys(frame, "life_expectancy")[some])
    assert dataset.frame_group_keys_at(frame, "life_expectancy", some[:0]).dtype == np.uint64
