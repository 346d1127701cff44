"""`lifeexp corr`: against pandas on the WHO file, constant and near-duplicate columns, any CSV, a PNG."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.data import dataset
from support.cli import run_cli


def who_numeric(data_path) -> tuple[np.ndarray, list[str]]:
    table = dataset.read_table(str(data_path))
    names = [c for c in table.frame.columns if c != "country"]
    return np.column_stack([dataset.numeric_column(table.frame, c) for c in names]), names


run = partial(run_cli, code=None)  # the tests check the exit code


def test_corr_json_matches_pandas_and_names_the_near_duplicates(data_path, who_env):
    result = run("corr", "--matrix", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    X, names = who_numeric(data_path)
    expected = pd.DataFrame(X, columns=names).corr()
    assert doc["columns"] == names
    assert_allclose(np.array(doc["matrix"]["r"], dtype=float), expected.to_numpy(), rtol=0, atol=1e-12)
    ranked = {row["feature"]: row["r"] for row in doc["ranking"]}
    for name in names:
        if name != "life_expectancy":
            assert ranked[name] == pytest.approx(expected.loc["life_expectancy", name], abs=1e-12)
    strengths = [abs(row["r"]) for row in doc["ranking"]]
    assert strengths == sorted(strengths, reverse=True)
    assert {"a": "infant_deaths", "b": "under_five_deaths"}.items() <= doc["collinear_pairs"][0].items()
    assert "nearly collinear" in result.stderr


def test_corr_spearman_top(data_path, who_env):
    doc = json.loads(run("corr", "--method", "spearman", "--top", "3", "--format", "json").stdout)
    X, names = who_numeric(data_path)
    expected = pd.DataFrame(X, columns=names).corr(method="spearman")["life_expectancy"].drop("life_expectancy")
    top = expected.abs().sort_values(ascending=False).index[:3].tolist()
    assert [row["feature"] for row in doc["ranking"]] == top
    assert doc["matrix"] is None


def test_corr_reports_a_constant_column(tmp_path):
    csv = tmp_path / "flat.csv"
    csv.write_text("y,x,flat\n1,2,7\n2,4.5,7\n3,5,7\n4,9,7\n")
    result = run("corr", "--data", str(csv), "--target", "y", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["undefined"] == ["flat"]
    assert doc["ranking"][-1] == {"feature": "flat", "r": None, "rows": 4}
    assert "flat is constant" in result.stderr and "Traceback" not in result.stderr
    table = run("corr", "--data", str(csv), "--target", "y", "--matrix")
    assert table.exit_code == 0 and "undefined" in table.stdout


def test_a_feature_that_tracks_the_target_is_not_a_near_duplicate(tmp_path):
    csv = tmp_path / "close.csv"
    csv.write_text("life_expectancy,good,a,a_copy\n50,1,1,1.01\n60,2.1,5,5.02\n70,2.9,2,1.99\n80,4,4,4.01\n")
    doc = json.loads(run("corr", "--data", str(csv), "--format", "json").stdout)
    assert doc["ranking"][0]["feature"] == "good" and doc["ranking"][0]["r"] > 0.95
    assert [(p["a"], p["b"]) for p in doc["collinear_pairs"]] == [("a", "a_copy")]


def test_corr_on_any_csv_without_a_target_shows_the_matrix(tmp_path):
    csv = tmp_path / "other.csv"
    csv.write_text("a;b;label\n1;2;x\n2;3;y\n3;7;z\n")
    result = run("corr", "--data", str(csv))
    assert result.exit_code == 0, result.stderr
    assert "matrix" in result.stdout
    csv_out = run("corr", "--data", str(csv), "--matrix", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "column,a,b"


def test_corr_png_writes_an_image(tmp_path, who_env):
    png = tmp_path / "corr.png"
    result = run("corr", "--png", str(png), "--features", "bmi,gdp,hiv,schooling", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_corr_png_cuts_no_label_at_its_edges(tmp_path):
    """Every edge of the picture is background: no name runs off it (income_composition_of_resources ran
    off the left edge when the layout kept the cells square)."""
    import numpy as np
    from matplotlib import image

    from lifeexp_cli.cli import plots

    from lifeexp_cli.data import catalog

    names = list(catalog.WHO_FEATURES)
    png = tmp_path / "corr.png"
    plots.write_heatmap(np.eye(len(names)), names, str(png), "Pearson correlation (a file with long names)")
    pixels = image.imread(png)[..., :3]
    for edge in (pixels[:, 0], pixels[:, -1], pixels[0], pixels[-1]):
        assert np.all(edge > 0.95), "a label touches the edge of the picture"


def test_corr_png_prints_only_where_it_wrote(tmp_path, who_env):
    png = tmp_path / "corr.png"
    result = run("corr", "--png", str(png), "--features", "infant_deaths,under_five_deaths,bmi")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == f"Wrote {png}\n"  # no table, no collinearity warning
    data = run("corr", "--png", str(png), "--features", "bmi,gdp", "--format", "json")
    assert data.exit_code == 0 and '"ranking"' in data.stdout  # asked for data: it is printed as well


def test_corr_bad_options_are_one_line_errors(who_env):
    result = run("corr", "--top", "0")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "--top" in result.stderr
    result = run("corr", "--target", "nonsense")
    assert result.exit_code == 2 and result.stderr.startswith("Error:")
