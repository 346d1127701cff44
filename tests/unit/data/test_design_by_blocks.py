"""A fit's arrays read a block of rows at a time (only the needed columns) equal those built from the
whole table, whatever the block size: same rows, values, groups, row positions and dropped targets."""

from __future__ import annotations

import numpy as np
import pytest

from lifeexp_cli.data import csv_text, dataset, whole_file
from lifeexp_cli.errors import DataError

FEATURES = "bmi,hiv,gdp,status,adult_mortality"


def whole_table_design(path, features, target="life_expectancy"):
    table = dataset.read_table(str(path))
    name = dataset.resolve_target(table.frame, target)
    return dataset.design(table, dataset.resolve_features(table.frame, features, name), name)


def by_blocks(path, features, block_rows, target="life_expectancy"):
    found = whole_file.scan(str(path))
    header = csv_text.parse_header(found.head.split(b"\n", 1)[0])
    keep = dataset.needed_columns(header.names, features, target)
    with open(path, "rb") as handle:
        return dataset.design_by_blocks(handle, str(path), found.encoding, keep, features, target,
                                        found.lines + 1, found.head, block_rows)


def same(a, b):
    assert a.features == b.features and a.target == b.target and a.dropped_target == b.dropped_target
    np.testing.assert_array_equal(a.X, b.X)  # NaN where the same values are missing
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.rows, b.rows)
    assert list(a.groups) == list(b.groups)


@pytest.mark.parametrize("block_rows", [1, 7, 64, 1 << 16])
def test_blocks_give_the_whole_tables_design(who_like_csv, block_rows):
    same(by_blocks(who_like_csv, FEATURES, block_rows), whole_table_design(who_like_csv, FEATURES))


def test_load_design_reads_named_features_by_blocks_and_all_from_the_table(who_like_csv):
    table, design = dataset.load_design(str(who_like_csv), FEATURES, "life_expectancy")
    assert table.frame is None and len(table.sha256) == 64
    same(design, whole_table_design(who_like_csv, FEATURES))
    every = dataset.load_design(str(who_like_csv), "all", "life_expectancy")[1]
    same(every, whole_table_design(who_like_csv, "all"))
    same(dataset.with_features(every, design.features), design)


def test_without_a_country_column_every_row_is_its_own_group(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("x,life_expectancy\n1,60\n2,\n3,62\n4,63\n", encoding="utf-8")
    design = dataset.load_design(str(path), "x", "life_expectancy")[1]
    same(design, whole_table_design(path, "x"))
    assert list(design.groups) == ["0", "2", "3"] and design.dropped_target == 1


def test_latin1_bad_cells_and_header_only_files_keep_their_messages(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("country,x,life_expectancy\nC\xf4te,1,60\nC\xf4te,2,61\n".encode("latin-1"))
    table, design = dataset.load_design(str(latin), "x", "life_expectancy")
    assert table.warnings == [f"{latin} is not UTF-8; read it as Latin-1"] and list(design.groups) == ["Côte"] * 2
    bad = tmp_path / "bad.csv"
    bad.write_text("x,life_expectancy\n" + "1,60\n" * 100 + "abc,61\n", encoding="utf-8")
    with pytest.raises(DataError, match="column x has a non-numeric value 'abc' in row 102"):
        by_blocks(bad, "x", 16)
    empty = tmp_path / "empty.csv"
    empty.write_text("x,life_expectancy\n", encoding="utf-8")
    with pytest.raises(DataError, match="has a header but no data rows"):
        dataset.load_design(str(empty), "x", "life_expectancy")
