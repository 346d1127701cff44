"""80 columns and pipes: a table never cuts a name the user has to type (or a number); when a table
cannot fit, its rows become blocks, and a matrix too wide becomes its pairs, pointing to --format csv."""

from __future__ import annotations

import re

import pytest

from lifeexp_cli.cli import render
from lifeexp_cli.data import catalog
from support.cli import run_cli

NAMES = [name for name in catalog.WHO_FEATURES if name != catalog.GROUP_COLUMN]


def invoke(columns: int, *args: str, code: int | None = None):
    before = dict(render._consoles)
    render._consoles.clear()  # a console takes its width from $COLUMNS when it is made
    try:
        return run_cli(*args, env={"COLUMNS": str(columns)}, code=code)
    finally:
        render._consoles.clear()
        render._consoles.update(before)


def run(columns: int, *args: str) -> str:
    return invoke(columns, *args, code=0).stdout


def words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_]+", text))


@pytest.mark.parametrize("columns", [80, 100, 120, 200])
@pytest.mark.parametrize("args", [["features"], ["data", "describe"], ["corr"], ["corr", "--matrix"],
                                  ["corr", "--fill", "mean"]], ids=" ".join)
def test_no_name_is_cut_at_any_width(who_env, columns, args):
    out = run(columns, *args)
    assert "…" not in out
    shown = words(out)
    expected = NAMES if args[0] != "corr" or "--matrix" in args else [n for n in NAMES if n != "life_expectancy"]
    if args == ["corr", "--matrix"] and columns < 110:
        expected = []  # the pairs view: only the 30 strongest pairs, checked below
    assert [name for name in expected if name not in shown] == []
    assert max(len(line) for line in out.splitlines()) <= columns


def test_features_without_data_at_80_columns_names_every_alias():
    out = run(80, "features")
    for name in catalog.WHO_FEATURES:
        for alias in catalog.aliases_of(name):
            assert alias in words(out), alias


def test_a_matrix_too_wide_shows_pairs_and_points_to_csv(who_env):
    result = invoke(80, "corr", "--matrix")
    assert "pairs by |r|" in result.stdout and "--format csv" in result.stdout
    assert "--png" in result.stderr
    wide = run(120, "corr", "--matrix")
    assert "20 income_composition_of_resources" in " ".join(wide.split())  # the legend, whole


def test_tables_that_fit_stay_tables(who_env):
    out = run(80, "data", "describe", "-F", "bmi")
    assert "┃ feature" in out and "│ bmi" in out


def test_a_table_too_wide_is_split_into_tables_that_repeat_its_first_column():
    """`features` at 80 columns: two tables, each starting with the name, not `key=value` blocks."""
    out = run(80, "features")
    assert out.count("┃ name ") == 2 and "(continued)" in out
    assert "role=" not in out and "meaning=" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_rows_that_cannot_be_split_are_blocks_of_aligned_columns():
    """At 45 columns not even the name and one other column fit side by side: each feature is a block of
    `column  value` lines, the values aligned and wrapped under themselves."""
    out = run(45, "features")
    lines = out.splitlines()
    start = lines.index("status")
    assert lines[start + 1:start + 4] == ["  aliases  developed", "  role     feature",
                                          "  meaning  development status: Developed = 1,"]
    assert lines[start + 4] == "           Developing = 0"
    assert max(len(line) for line in lines) <= 45


def test_compare_at_60_columns_ends_on_the_whole_pointer_to_explain():
    """`COLUMNS=60 lifeexp compare` ended its verdict on "...every caveat: lifeexp" (cut at 8 lines)."""
    out = run(60, "compare")
    below = out[out.rindex("┘") + 1:].strip().splitlines()
    assert below[0].startswith("Cannot tell who lives longer")
    assert " ".join(below).endswith("Each model's view, the folds and every caveat: lifeexp compare --explain.")
    assert len(below) <= 8 and max(len(line) for line in below) <= 60
