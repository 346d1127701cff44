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
