"""Linear regression against the NIST StRD certified coefficients (../shared/reference/nist-strd), through
the command line and through the streamed fit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import nist_certified, nist_names
from typer.testing import CliRunner

from lifeexp_cli.cli.main import app
from lifeexp_cli.model.fit import stream as streamed_fit
from lifeexp_cli.model.spec import Spec


# Digits each fit must reach on each dataset: at least 9, and at least the best peer measured in issue 14
# (statsmodels, scikit-learn, numpy on the same files). Filip is the exception: its file holds x²..x¹⁰
# rounded to float64, and the exact least-squares answer of those numbers agrees with NIST to only 7.61
# digits (test_filip_file_caps_every_solver_below_eight_digits); lifeexp reaches that answer.
REQUIRED = {"filip": 7.6, "longley": 13.6, "norris": 13.0, "pontius": 12.8, "wampler1": 9.6}


def required(name: str) -> float:
    return REQUIRED.get(name, 9.0)


def lre(estimate: np.ndarray, certified: np.ndarray) -> float:
    """Log relative error: the number of agreeing significant digits (min over coefficients)."""
    err = np.abs(estimate - certified) / np.abs(certified)
    return float(np.min(-np.log10(np.maximum(err, 1e-16))))


@pytest.mark.parametrize("name", nist_names())
def test_nist_certified_through_cli(name, tmp_path, nist_dir):
    spec = nist_certified()[name]
    args = ["fit", "--data", str(nist_dir / spec["file"]), "--target", spec["target"],
            "--features", ",".join(spec["features"]), "--out", str(tmp_path / "m.joblib"), "--format", "json"]
    if not spec["intercept"]:
        args.append("--no-intercept")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    coef = json.loads(result.stdout)["coefficients"]
    estimate = ([coef["intercept"]] if spec["intercept"] else []) + [coef[f] for f in spec["features"]]
    certified = np.array([float(v) for v in spec["certified_beta"]])
    digits = lre(np.array(estimate), certified)
    assert digits >= required(name), f"{name}: {digits:.2f} digits"


@pytest.mark.parametrize("name", nist_names())
def test_streamed_fit_keeps_the_accuracy_on_nist_data(name, nist_dir):
    """QR alone loses digits on the hard problems (and on a small intercept beside large features, as in
    Norris); the streamed fit refines with more passes over the file."""
    spec = nist_certified()[name]
    record = streamed_fit.fit_source(str(nist_dir / spec["file"]), spec["features"], spec["target"],
                                  Spec(intercept=spec["intercept"]), 7)
    coef = record["coefficients"]
    estimate = np.array(([coef["intercept"]] if spec["intercept"] else []) + [coef[f] for f in spec["features"]])
    certified = np.array([float(v) for v in spec["certified_beta"]])
    digits = lre(estimate, certified)
    assert digits >= required(name), f"{name}: {digits:.2f} digits"


def test_filip_file_caps_every_solver_below_eight_digits(nist_dir):
    """The exact least-squares θ of Filip's file (rational arithmetic) agrees with NIST to 7.6 digits, and
    lifeexp's fit agrees with that exact θ to 10: the missing digits were lost when the file was written."""
    from fractions import Fraction

    spec = nist_certified()["filip"]
    table = np.loadtxt(nist_dir / spec["file"], delimiter=",", skiprows=1)
    names = (nist_dir / spec["file"]).read_text().splitlines()[0].split(",")
    design = np.column_stack([np.ones(len(table)), table[:, [names.index(f) for f in spec["features"]]]])
    rows = [[Fraction(v) for v in row] for row in design]
    y = [Fraction(v) for v in table[:, names.index(spec["target"])]]
    p = design.shape[1]
    system = [[sum(r[i] * r[j] for r in rows) for j in range(p)] + [sum(r[i] * t for r, t in zip(rows, y))]
              for i in range(p)]
    for i in range(p):  # Gauss-Jordan, exact
        for k in range(p):
            if k != i:
                f = system[k][i] / system[i][i]
                system[k] = [a - f * b for a, b in zip(system[k], system[i])]
    exact = np.array([float(system[i][p] / system[i][i]) for i in range(p)])
    certified = np.array([float(v) for v in spec["certified_beta"]])
    assert 7.5 < lre(exact, certified) < 7.7
    record = streamed_fit.fit_source(str(nist_dir / spec["file"]), spec["features"], spec["target"], Spec(), 7)
    coef = record["coefficients"]
    assert lre(np.array([coef["intercept"]] + [coef[f] for f in spec["features"]]), exact) >= 10
