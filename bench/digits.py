"""Benchmark: significant digits on every NIST StRD linear least-squares dataset (../shared/reference/nist-strd).

For each dataset, the log relative error (LRE: digits that agree with NIST's certified coefficients, the
worst coefficient) of:
  - lifeexp's default fit (`lifeexp fit --data FILE ...`, in memory) and its streamed fit (`--stream`);
  - the exact least-squares solution of the file's numbers, computed in rational arithmetic: the ceiling
    for any solver that takes the file as given (Filip's powers x²..x¹⁰ were rounded to float64 when the
    file was written, which moves the exact answer away from NIST's);
  - peers on the same numbers, when installed: numpy.linalg.lstsq (SVD), statsmodels OLS (pinv and qr),
    scikit-learn LinearRegression (which centres the data).
Numbers only, no timing. Run: make bench   (or: python bench/digits.py [--nist DIR])
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from lifeexp_cli.cli.main import app

ROOT = Path(__file__).resolve().parents[1]


def lre(estimate: np.ndarray, certified: np.ndarray) -> float:
    err = np.abs(estimate - certified) / np.abs(certified)
    return float(np.min(-np.log10(np.maximum(err, 1e-16))))


def arrays(folder: Path, spec: dict) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(folder / spec["file"], delimiter=",", skiprows=1, ndmin=2)
    names = (folder / spec["file"]).read_text().splitlines()[0].split(",")
    X = table[:, [names.index(f) for f in spec["features"]]]
    return X, table[:, names.index(spec["target"])]


def exact(X: np.ndarray, y: np.ndarray, intercept: bool) -> np.ndarray:
    """The least-squares θ of these float64 numbers, exactly: (XᵀX)θ = Xᵀy in rationals, Gauss-Jordan."""
    design = np.column_stack([np.ones(len(y)), X]) if intercept else X
    rows = [[Fraction(v) for v in row] for row in design]
    ys = [Fraction(v) for v in y]
    p = design.shape[1]
    system = [[sum(r[i] * r[j] for r in rows) for j in range(p)] + [sum(r[i] * t for r, t in zip(rows, ys))]
              for i in range(p)]
    for i in range(p):
        pivot = next(k for k in range(i, p) if system[k][i] != 0)
        system[i], system[pivot] = system[pivot], system[i]
        for k in range(p):
            if k != i and system[k][i] != 0:
                f = system[k][i] / system[i][i]
                system[k] = [a - f * b for a, b in zip(system[k], system[i])]
    return np.array([float(system[i][p] / system[i][i]) for i in range(p)])


def lifeexp(folder: Path, spec: dict, stream: bool) -> np.ndarray:
    from typer.testing import CliRunner

    with tempfile.TemporaryDirectory() as tmp:
        args = ["fit", "--data", str(folder / spec["file"]), "--target", spec["target"], "--features",
                ",".join(spec["features"]), "--out", os.path.join(tmp, "m.joblib"), "--format", "json"]
        args += ([] if spec["intercept"] else ["--no-intercept"]) + (["--stream"] if stream else [])
        result = CliRunner().invoke(app, args)
        if result.exit_code != 0:
            raise SystemExit(f"lifeexp failed on {spec['file']}: {result.output}")
        coef = json.loads(result.stdout)["coefficients"]
    return np.array(([coef["intercept"]] if spec["intercept"] else []) + [coef[f] for f in spec["features"]])


def peers(X: np.ndarray, y: np.ndarray, intercept: bool) -> dict[str, np.ndarray]:
    design = np.column_stack([np.ones(len(y)), X]) if intercept else X
    found = {"numpy lstsq": np.linalg.lstsq(design, y, rcond=None)[0]}
    try:
        import statsmodels.api as sm

        found["statsmodels pinv"] = sm.OLS(y, design).fit().params
        found["statsmodels qr"] = sm.OLS(y, design).fit(method="qr").params
    except ImportError:
        pass
    try:
        from sklearn.linear_model import LinearRegression

        model = LinearRegression(fit_intercept=intercept).fit(X, y)
        found["scikit-learn"] = np.r_[model.intercept_, model.coef_] if intercept else model.coef_
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nist", type=Path, default=ROOT / "../shared/reference/nist-strd")
    folder = parser.parse_args().nist
    datasets = json.loads((folder / "certified.json").read_text())["datasets"]
    rows = []
    for name, spec in datasets.items():
        X, y = arrays(folder, spec)
        certified = np.array([float(v) for v in spec["certified_beta"]])
        others = {k: lre(v, certified) for k, v in peers(X, y, spec["intercept"]).items()}
        best = max(others, key=others.get)
        solution = exact(X, y, spec["intercept"])
        default, streamed = lifeexp(folder, spec, False), lifeexp(folder, spec, True)
        rows.append((name, lre(default, certified), lre(streamed, certified), lre(solution, certified),
                     others[best], best, lre(default, solution), lre(streamed, solution)))
    print(f"{'':10} {'against NIST certified values':^51} | {'against the exact LS':^20}")
    print(f"{'dataset':10} {'default':>8} {'--stream':>9} {'exact LS':>9} {'best peer':>10}  {'peer':17}"
          f"| {'default':>8} {'--stream':>9}")
    for name, default, streamed, ceiling, peer, who, d_exact, s_exact in rows:
        print(f"{name:10} {default:8.2f} {streamed:9.2f} {ceiling:9.2f} {peer:10.2f}  {who:17}"
              f"| {d_exact:8.2f} {s_exact:9.2f}")
    print("digits: the worst coefficient's log relative error (16 = all agree). exact LS: the file's numbers "
          "solved in rational arithmetic; a solver cannot be closer to NIST than that except by chance.")


if __name__ == "__main__":
    main()
