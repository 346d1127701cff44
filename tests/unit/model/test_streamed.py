"""The streamed fit gives the in-memory fit's answer, whatever the chunking; its pieces against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.data import dataset
from lifeexp_cli.errors import DataError, UsageError
from lifeexp_cli.model.fit.design import fit_design
from lifeexp_cli.model.fit import stream as streamed_fit
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.usecases import fit as fit_usecase

FEATURES = ["bmi", "gdp", "schooling", "status"]


def generated_csv(path, rows: int = 120, seed: int = 3):
    """WHO-like columns (text status, blanks, rows without a target, CRLF) with a known linear truth."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(38, 20, rows), rng.lognormal(8, 1.2, rows), rng.normal(12, 3, rows),
                         rng.random(rows) < 0.2])
    y = 50 + X @ [0.05, 0.0003, 0.9, 4.0] + rng.normal(0, 2, rows)
    lines = ["Country,Year,Status,Life expectancy , BMI ,GDP,Schooling"]
    for i in range(rows):
        cells = [f"C{i // 16}", str(2000 + i % 16), "Developed" if X[i, 3] else "Developing", f"{y[i]:.3f}",
                 f"{X[i, 0]:.2f}", f"{X[i, 1]:.4f}", f"{X[i, 2]:.1f}"]
        for j in (3, 4, 5, 6):  # blanks in the target and in three features
            if rng.random() < 0.07:
                cells[j] = ""
        lines.append(",".join(cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def in_memory(path, spec: Spec) -> dict:
    table = dataset.read_table(str(path))
    return fit_design(dataset.design(table, FEATURES, "life_expectancy"), spec, data_sha256=table.sha256,
                             source=str(path))


def without_intervals(warnings: list[str]) -> list[str]:
    """The warnings but those about prediction intervals (a streamed fit stores no calibration; the
    in-memory fit of a few groups says it has too few to calibrate)."""
    return [w for w in warnings if "prediction interval" not in w and "prediction-interval" not in w]


def terms(record: dict) -> np.ndarray:
    return np.array([v for v in record["coefficients"].values() if v is not None])


@pytest.mark.parametrize("impute,scale,intercept,solver", [
    ("mean", "none", True, "lstsq"), ("mean", "none", False, "lstsq"), ("median", "standard", True, "lstsq"),
    ("drop", "minmax", True, "lstsq"), ("median", "none", False, "lstsq"), ("mean", "standard", True, "normal")])
@pytest.mark.parametrize("chunk_rows", [1, 7, 10_000])
def test_streamed_equals_in_memory(tmp_path, impute, scale, intercept, solver, chunk_rows):
    path = generated_csv(tmp_path / "gen.csv", rows=40 if chunk_rows == 1 else 120)  # a pandas call per chunk
    spec = Spec(solver=solver, impute=impute, scale=scale, intercept=intercept)
    expected = in_memory(path, spec)
    streamed = streamed_fit.fit_source(str(path), FEATURES, "life", spec, chunk_rows)
    assert_allclose(terms(streamed), terms(expected), rtol=1e-10)
    for key in ("fill", "center", "scale"):
        assert_allclose(streamed["params"][key], expected["params"][key], rtol=1e-13)
    assert streamed["rows"] == expected["rows"]
    assert streamed["data"] == expected["data"]  # the sha256 is computed while streaming
    assert streamed["condition_number"] == pytest.approx(expected["condition_number"], rel=1e-9)
    assert streamed["metrics"]["train"]["rmse"] == pytest.approx(expected["metrics"]["train"]["rmse"], rel=1e-10)
    assert streamed["metrics"]["train"]["r2"] == pytest.approx(expected["metrics"]["train"]["r2"], rel=1e-10)
    # from the residuals the clustered standard errors gather in the pass at the solution
    assert streamed["metrics"]["train"]["mae"] == pytest.approx(expected["metrics"]["train"]["mae"], rel=1e-10)
    assert without_intervals(streamed["warnings"]) == without_intervals(expected["warnings"])
    for name in FEATURES:
        assert_allclose(streamed["ranges"][name], expected["ranges"][name], rtol=0)
        assert streamed["means"][name] == pytest.approx(expected["means"][name], rel=1e-14)


@pytest.mark.parametrize("se", ["cluster", "hc3", "classical"])
@pytest.mark.parametrize("intervals", [True, False])
def test_the_training_mae_comes_from_the_pass_the_standard_errors_make(tmp_path, se, intervals):
    """The MAE is summed in the pass at the solution that clustered and HC3 standard errors make, and takes
    no pass of its own: with classical ones (whose pass, if any, is the calibration's, which computes a
    sample's residuals by other models) it is None, and the passes are as many either way."""
    path = generated_csv(tmp_path / "gen.csv")
    expected = in_memory(path, Spec())
    streamed = streamed_fit.fit_source(str(path), FEATURES, "life", Spec(), 7, se=se, intervals=intervals)
    assert streamed["streamed"]["passes"] == 1 + (intervals or se != "classical")
    mae = streamed["metrics"]["train"]["mae"]
    assert mae is None if se == "classical" else mae == pytest.approx(expected["metrics"]["train"]["mae"], rel=1e-10)


def test_a_stream_from_stdin_has_no_training_mae(tmp_path, monkeypatch):
    """stdin is read once: classical standard errors, no pass at the solution, no MAE."""
    import io
    import sys

    path = generated_csv(tmp_path / "gen.csv")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    streamed = streamed_fit.fit_source("-", FEATURES, "life", Spec())
    assert streamed["streamed"]["passes"] == 1 and streamed["metrics"]["train"]["mae"] is None


def test_stream_errors_name_the_problem(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="is empty"):
        streamed_fit.fit_source(str(empty), ["bmi"], "life", Spec())
    header = tmp_path / "header.csv"
    header.write_text("life,bmi\n")
    with pytest.raises(DataError, match="no data rows"):
        streamed_fit.fit_source(str(header), ["bmi"], "life", Spec())
    text = tmp_path / "text.csv"
    text.write_text("life,bmi\n" + "70,20\n" * 10 + "71,abc\n")
    with pytest.raises(DataError, match=r"non-numeric value 'abc' in row 12"):
        streamed_fit.fit_source(str(text), ["bmi"], "life", Spec(), chunk_rows=4)
    with pytest.raises(UsageError, match="more than once"):
        streamed_fit.fit_source("-", ["bmi"], "life", Spec(impute="median"))
    with pytest.raises(UsageError, match="impute must be one of"):
        streamed_fit.fit_source(str(text), ["bmi"], "life", Spec(impute="mode"))
    with pytest.raises(UsageError, match="scale must be one of"):
        streamed_fit.fit_source(str(text), ["bmi"], "life", Spec(scale="log"))


def test_large_files_stream_on_their_own(tmp_path, monkeypatch):
    path = generated_csv(tmp_path / "gen.csv")
    monkeypatch.setattr(fit_usecase, "AUTO_STREAM_BYTES", 100)
    assert fit_usecase.should_stream(str(path), None)
    assert not fit_usecase.should_stream(str(path), False)
    assert not fit_usecase.should_stream("-", None)


@pytest.mark.parametrize("impute,se", [("mean", "cluster"), ("drop", "cluster"), ("median", "hc3"), ("drop", "hc3")])
def test_later_passes_read_the_first_pass_arrays(tmp_path, monkeypatch, impute, se):
    """The passes after the first (standard errors, calibration, medians) read the first pass's arrays back
    from its temporary file, not the text, and give exactly the record of parsing the file again (which
    is what happens when the disk refuses the copy)."""
    from lifeexp_cli.data import sources
    from lifeexp_cli.model import record
    from lifeexp_cli.model.fit import stream_passes

    path = generated_csv(tmp_path / "gen.csv", rows=400)
    lines = path.read_bytes().split(b"\r\n")  # country C1 without bmi: no row of it is complete
    lines = [b",".join(cells[:4] + [b""] + cells[5:]) if (cells := line.split(b","))[0] == b"C1" else line
             for line in lines]
    path.write_bytes(b"\r\n".join(lines))
    spec = Spec(impute=impute)

    def parsed_again(*args, **kwargs):
        raise AssertionError("a later pass parsed the CSV again")

    with monkeypatch.context() as patched:
        patched.setattr(stream_passes, "frames_of", parsed_again)
        patched.setattr(sources, "frames_of", parsed_again)
        cached = streamed_fit.fit_source(str(path), FEATURES, "life", spec, 7, se=se)
    with monkeypatch.context() as patched:
        patched.setattr(sources.ChunkCache, "add", lambda self, *arrays: self.close())  # e.g. a full disk
        parsed = streamed_fit.fit_source(str(path), FEATURES, "life", spec, 7, se=se)
    assert cached["calibration"] is not None and cached["inference"] is not None
    for field in ("params", "coefficients", "inference", "coefficient_covariance", "calibration", "domain", "metrics"):
        assert repr(record.plain(cached[field])) == repr(record.plain(parsed[field])), field
