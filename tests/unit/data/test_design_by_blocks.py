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
    assert list(a.group_texts()) == list(b.group_texts())
    np.testing.assert_array_equal(a.groups, b.groups)
    assert (a.statuses is None) == (b.statuses is None)
    if a.statuses is not None:
        np.testing.assert_array_equal(a.statuses, b.statuses)


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
    assert list(design.group_texts()) == ["0", "2", "3"] and design.dropped_target == 1


def test_latin1_bad_cells_and_header_only_files_keep_their_messages(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("country,x,life_expectancy\nC\xf4te,1,60\nC\xf4te,2,61\n".encode("latin-1"))
    table, design = dataset.load_design(str(latin), "x", "life_expectancy")
    assert table.warnings == [f"{latin} is not UTF-8; read it as Latin-1"] and list(design.group_texts()) == ["Côte"] * 2
    bad = tmp_path / "bad.csv"
    bad.write_text("x,life_expectancy\n" + "1,60\n" * 100 + "abc,61\n", encoding="utf-8")
    with pytest.raises(DataError, match="column x has a non-numeric value 'abc' in row 102"):
        by_blocks(bad, "x", 16)
    empty = tmp_path / "empty.csv"
    empty.write_text("x,life_expectancy\n", encoding="utf-8")
    with pytest.raises(DataError, match="has a header but no data rows"):
        dataset.load_design(str(empty), "x", "life_expectancy")


def test_position_codes_sort_as_the_positions_written_out():
    rng = np.random.default_rng(3)
    for positions in (np.arange(130), np.sort(rng.choice(2_000_000, 5000, replace=False)), np.array([7]),
                      np.array([0, 1, 10, 100, 1000, 2, 20, 9, 99, 1001])):
        texts = positions.astype(str)
        expected = np.unique(texts, return_inverse=True)[1]
        np.testing.assert_array_equal(dataset.position_codes(positions), expected)
        np.testing.assert_array_equal(dataset.position_codes(positions, block_rows=7), expected)  # by blocks


def test_position_codes_of_wide_positions():
    """Positions of 17 digits go through the one int64 key at its limit; of 18 and more, their texts sorted."""
    rng = np.random.default_rng(4)
    for width in (16, 17, 18, 19):
        low = 10 ** (width - 1)
        positions = np.concatenate([rng.choice(low, 300, replace=False), low + rng.choice(10 ** 15, 300, replace=False),
                                    [0, 1, 10, low, low + 1, 9 * low + 9]])
        positions = np.unique(positions)
        rng.shuffle(positions)
        expected = np.unique(positions.astype(str), return_inverse=True)[1]
        np.testing.assert_array_equal(dataset.position_codes(positions), expected)


def test_group_codes_keep_the_texts_order_and_give_the_same_fit(tmp_path, who_like_csv):
    """Codes instead of texts: the same folds, clusters and record, with and without a country column."""
    from lifeexp_cli.model.fit.design import fit_design
    from lifeexp_cli.model.spec import Spec
    from lifeexp_cli.prep import splits

    plain = tmp_path / "plain.csv"
    lines = who_like_csv.read_text(encoding="utf-8").splitlines()
    plain.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n", encoding="utf-8")
    for path in (who_like_csv, plain):
        design = dataset.load_design(str(path), FEATURES, "life_expectancy")[1]
        texts = design.group_texts()
        assert design.groups.dtype == np.int32 and texts.dtype == object
        np.testing.assert_array_equal(np.unique(texts, return_inverse=True)[1], design.groups)
        as_texts = dataset.Design(design.X, design.y, texts, design.rows, design.features, design.target,
                                  design.dropped_target, design.statuses)
        for split in ("country", "random"):
            for a, b in zip(splits.kfold(design.groups, 5, split, 1), splits.kfold(texts, 5, split, 1)):
                np.testing.assert_array_equal(a, b)
        coded, named = (fit_design(d, Spec(), cv=5, seed=2) for d in (design, as_texts))
        for record in (coded, named):
            record.pop("created_at", None)
        assert coded == named


def test_all_features_by_blocks_leave_out_a_column_that_turns_to_text(tmp_path):
    path = tmp_path / "late.csv"
    rows = [f"C{i % 7},{i},{i * 0.5},{50 + i % 13}" for i in range(300)] + ["C1,301,n/a?,60"]
    path.write_text("country,x,z,life_expectancy\n" + "\n".join(rows) + "\n", encoding="utf-8")
    design = by_blocks(path, "all", 16)
    assert design.features == ["x"]
    same(design, whole_table_design(path, "all"))
    text = tmp_path / "text.csv"
    text.write_text("country,name,life_expectancy\nA,a,60\nB,b,61\n", encoding="utf-8")
    with pytest.raises(DataError, match="no numeric column besides the target"):
        dataset.load_design(str(text), "all", "life_expectancy")


def test_statuses_are_half_floats_and_positions_int32_with_the_float64_values(tmp_path, who_like_csv):
    """The Status codes (1, 0, NaN) and row positions in smaller types: the same values as float64 codes
    and int64 positions, whole table or blocks."""
    table = dataset.read_table(str(who_like_csv))
    wide = dataset.status_codes(table.frame).astype(float)
    for design in (whole_table_design(who_like_csv, FEATURES), by_blocks(who_like_csv, FEATURES, 7)):
        assert design.statuses.dtype == np.float16 and design.rows.dtype == np.int32
        np.testing.assert_array_equal(design.statuses, wide[design.rows])  # NaN where the status is blank
        assert set(np.unique(design.statuses[~np.isnan(design.statuses)]).tolist()) <= {0.0, 1.0}
    path = tmp_path / "odd.csv"
    path.write_text("status,x,life_expectancy\nDeveloped,1,60\n,2,61\nMartian,3,62\ndeveloping ,4,63\n",
                    encoding="utf-8")
    design = dataset.load_design(str(path), "x", "life_expectancy")[1]
    np.testing.assert_array_equal(design.statuses, [1.0, np.nan, np.nan, 0.0])
    assert dataset.position_dtype(2 ** 31 - 1) == np.int32 and dataset.position_dtype(2 ** 31) == np.int64
