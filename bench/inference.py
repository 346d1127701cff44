"""Clustered versus classical standard errors of the coefficients (`lifeexp fit --se`), on the WHO data.

The WHO rows are 193 countries × 16 years: a country's residuals move together, so standard errors that
assume independent rows are too small. For Tim's model (bmi, adult_mortality, hiv_aids) and Tom's (gdp,
income_composition_of_resources, schooling), fitted by `lifeexp fit` with its defaults (lstsq, mean
imputation), this prints each coefficient's classical, HC3 and clustered (by country, CR1) standard
error, the cluster/classical ratio, and the Durbin–Watson statistic of the residuals in the file's row
order (countries one after the other, years within them). docs/math.md quotes its output.

    .venv/bin/python bench/inference.py
"""

from __future__ import annotations

import os
import warnings
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import lifeexp_cli  # noqa: E402,F401  (first: it sets BLAS to one thread, as for the `lifeexp` command)
from lifeexp_cli.data import dataset  # noqa: E402
from lifeexp_cli import api  # noqa: E402
from lifeexp_cli.model.predict import arrays  # noqa: E402

MODELS = {"Tim": ["bmi", "adult_mortality", "hiv_aids"],
          "Tom": ["gdp", "income_composition_of_resources", "schooling"]}


def durbin_watson(residuals: np.ndarray) -> float:
    return float(np.sum(np.diff(residuals) ** 2) / np.sum(residuals**2))


def main() -> None:
    warnings.simplefilter("ignore", UserWarning)  # the fit's conditioning notes: not what is measured here
    data = os.environ.get("LIFEEXP_DATA") or str(ROOT / "../shared/data/life_expectancy_who.csv")
    for who, features in MODELS.items():
        _, design = dataset.load_design(data, features, "life_expectancy")
        fits = {se: api.fit(design, features, se=se) for se in ("classical", "hc3", "cluster")}
        cluster = fits["cluster"]["inference"]
        residuals = design.y - arrays.predict("linear", fits["cluster"]["params"], design.X)
        print(f"{who}'s model: life_expectancy ~ {', '.join(features)}; {len(design.y)} rows, "
              f"{cluster['clusters']} countries; Durbin–Watson {durbin_watson(residuals):.2f}")
        print(f"  {'term':<34}{'estimate':>11}{'classical':>11}{'HC3':>11}{'cluster':>11}{'ratio':>8}")
        for term, stats in cluster["coefficients"].items():
            se = {kind: fits[kind]["inference"]["coefficients"][term]["se"] for kind in fits}
            print(f"  {term:<34}{stats['estimate']:>11.4g}{se['classical']:>11.4g}{se['hc3']:>11.4g}"
                  f"{se['cluster']:>11.4g}{se['cluster'] / se['classical']:>8.2f}")
        print(f"  adjusted R² {cluster['r2_adj']:.4f}; F of all slopes: classical "
              f"{fits['classical']['inference']['f_stat']:.1f}, clustered {cluster['f_stat']:.1f} "
              f"(p {cluster['f_p']:.2g}); AIC {cluster['aic']:.1f}, BIC {cluster['bic']:.1f}")


if __name__ == "__main__":
    main()
