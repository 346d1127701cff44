"""The streamed fit over a file in parts (each reduced on its own, states merged) is the fit of the file."""

from __future__ import annotations

import pytest

from lifeexp_cli.model.fit import pipeline
from lifeexp_cli.model.fit import stream as streamed_fit
from lifeexp_cli.model.fit import stream_passes
from lifeexp_cli.model.spec import make_spec

FEATURES = ["bmi", "adult_mortality", "hiv_aids", "gdp", "status"]


@pytest.mark.parametrize("impute,se", [("mean", "cluster"), ("median", "hc3"), ("drop", "cluster")])
def test_parts_reduced_apart_and_merged_give_the_whole_files_fit(who_like_csv, tmp_path, impute, se):
    """Countries span the parts' boundaries: their cluster scores must add up across parts."""
    lines = who_like_csv.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    cuts = [0, 70, 71, 260, len(rows)]  # uneven parts, one of a single row
    parts = []
    for i, (start, end) in enumerate(zip(cuts, cuts[1:])):
        path = tmp_path / f"part{i}.csv"
        path.write_text("\n".join([header, *rows[start:end]]) + "\n")
        parts.append(str(path))
    spec = make_spec("linear", "lstsq", impute=impute)
    whole = streamed_fit.fit_source(str(who_like_csv), FEATURES, "life_expectancy", spec, chunk_rows=50, se=se)
    over = pipeline.OneMachine(parts)
    first = over.map_reduce(stream_passes.reduce_source, stream_passes.Reduced.merge, FEATURES, "life_expectancy", spec, 50)
    assert len(first.hashes) == 4
    record = streamed_fit.finish(first, over, spec, {"sha256": "x", "source": "parts"}, {"chunk_rows": 50}, se)
    for term, value in whole["coefficients"].items():
        assert record["coefficients"][term] == pytest.approx(value, rel=1e-10), term
    assert record["rows"] == whole["rows"]
    assert record["streamed"]["passes"] == whole["streamed"]["passes"]
    assert record["inference"]["se_type"] == whole["inference"]["se_type"] == se
    for term, value in whole["inference"]["coefficients"].items():
        assert record["inference"]["coefficients"][term]["se"] == pytest.approx(value["se"], rel=1e-9), term


@pytest.mark.parametrize("runs", [True, False])
def test_a_chunks_country_codes_are_looked_up_per_run_or_per_row_alike(runs):
    """stream_passes.coded: each row's code from the first pass's table of countries, whether the rows of a
    country come together (looked up once per run) or not (once per row)."""
    import numpy as np

    rng = np.random.default_rng(2)
    table = np.sort(rng.choice(1 << 52, 300, replace=False).astype(np.uint64))
    codes = ([f"c{i}" for i in range(300)], table, rng.permutation(300))
    keys = np.repeat(table[rng.integers(0, 300, 400)], rng.integers(1, 30, 400)) if runs else \
        table[rng.integers(0, 300, 5000)]
    expected = codes[2][np.searchsorted(table, keys)]
    np.testing.assert_array_equal(stream_passes.coded(keys, codes), expected)
    assert stream_passes.coded(keys[:0], codes).size == 0
