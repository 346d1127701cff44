"""Whole outputs, compared character for character (as sqlite-utils tests its CLI): a table, JSON
documents and CSV, from the shipped models and the lecture's worked example only, so nothing in them
depends on the clock or a random draw. The full-precision numbers of JSON and CSV are compared as numbers
(1e-9 relative: their last digits depend on the machine's arithmetic), everything else as text
(tests/support/numbers_in_text.py).

A change in any of these strings is a change users see: update the expected text on purpose only.
"""

from __future__ import annotations

import json

import pytest

from lifeexp_cli.model import store
from support.cli import run_cli
from support.numbers_in_text import assert_same_output


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """An empty folder, so the model names resolve to the shipped models, never to a ./models/ file."""
    monkeypatch.chdir(tmp_path)


def stdout_of(*args: str, input: str | None = None) -> str:
    return run_cli(*args, input=input).stdout


PREDICT_TABLE = """\
┏━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ bmi   ┃ prediction        ┃
┡━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ 24.15 │ 65.4 [51.7, 79.2] │
└───────┴───────────────────┘
"""


def test_predict_table_for_height_and_weight():
    lines = stdout_of("predict", "--model", "tim-bmi", "--height", "1.82", "--weight", "80").splitlines(True)
    assert "".join(lines[-5:]) == PREDICT_TABLE
    # The title names the model file, whose folder depends on where the package is installed (and a long
    # folder name may wrap the title on a narrow terminal).
    assert "".join(lines[:-5]).split() == [store.load("tim-bmi")["path"], "predicts", "life_expectancy"]


PREDICT_JSON = """\
[
  {
    "bmi": 24.1,
    "predicted_life_expectancy": 65.41038296997758,
    "interval": {
      "level": 0.9,
      "lower": 51.63113175426149,
      "upper": 79.18963418569366,
      "method": "shift-conformal"
    },
    "domain": {
      "in_domain": true,
      "distance": 0.0020192932834773637,
      "threshold": 0.1,
      "features": []
    }
  }
]
"""


def test_predict_json_document():
    assert_same_output(stdout_of("predict", "--model", "tim-bmi", "--bmi", "24.1", "--format", "json"), PREDICT_JSON)


PREDICT_CSV = """\
country,bmi,predicted_life_expectancy,lower_life_expectancy,upper_life_expectancy,in_domain
A,20,64.30396526703512,49.07854092374542,79.52938961032483,true
B,,69.22493169398908,58.493440127629995,79.95642326034816,true
C,25.5,65.78818413683598,52.421165512559476,79.15520276111249,true
"""


def test_predict_csv_rows_pass_through_with_the_prediction_appended():
    rows = "country,bmi\nA,20\nB,\nC,25.5\n"
    assert_same_output(stdout_of("predict", "--model", "tim-bmi", "--input", "-", input=rows), PREDICT_CSV)


COMPARE_CSV = """\
model,person,prediction,features,train_rmse,cv_rmse,cv_rmse_std,cv_folds,best,worse_by,worse_lower,worse_upper,spread,clear,level,lower,upper,in_domain,imputed,imputed_features
tim-bmi,Tim,65.42432720715551,bmi,7.873265635113552,7.963641169363565,0.27650755806020244,5,true,,,,,,0.9,51.660924758494474,79.18772965581655,true,0,
tim-bmi,Tom,64.98693915774034,bmi,7.873265635113552,7.963641169363565,0.27650755806020244,5,true,,,,,,0.9,50.700809694566374,79.2730686209143,true,0,
tom-gdp,Tim,68.44759425850688,gdp,8.594455133421901,8.70174300873007,0.4006383016979825,5,false,0.7381018393665026,0.1865505508484251,1.2896531278845802,0.44420333465089706,true,0.9,55.24425763619107,81.6509308808227,true,0,
tom-gdp,Tom,69.53839264335808,gdp,8.594455133421901,8.70174300873007,0.4006383016979825,5,false,0.7381018393665026,0.1865505508484251,1.2896531278845802,0.44420333465089706,true,0.9,56.8460092568824,82.23077602983376,true,0,
"""


def test_compare_csv():
    assert_same_output(stdout_of("compare", "--model", "tim-bmi", "--model", "tom-gdp", "--format", "csv"), COMPARE_CSV)


COMPARE_JSON = """\
{
  "people": [
    "Tim",
    "Tom"
  ],
  "answer": {
    "longer": null,
    "text": "Cannot tell who lives longer: the models disagree (it depends on the features)",
    "shorter": null,
    "reason": "disagree",
    "model": "tim-bmi",
    "pair": [
      "Tim",
      "Tom"
    ],
    "view": {
      "first": "Tim",
      "second": "Tom",
      "difference": 0.4373880494151763,
      "level": 0.9,
      "lower": 0.3786668602800036,
      "upper": 0.49610923855034894,
      "se": 0.035518229818129785,
      "method": "cluster covariance of the coefficients, t with 182 degrees of freedom",
      "side": 1,
      "same_inputs": false
    },
    "difference": null,
    "lower": null,
    "upper": null,
    "level": null,
    "views": [
      {
        "model": "tim-bmi",
        "first": "Tim",
        "second": "Tom",
        "difference": 0.4373880494151763,
        "level": 0.9,
        "lower": 0.3786668602800036,
        "upper": 0.49610923855034894,
        "se": 0.035518229818129785,
        "method": "cluster covariance of the coefficients, t with 182 degrees of freedom",
        "side": 1,
        "same_inputs": false
      },
      {
        "model": "tom-gdp",
        "first": "Tim",
        "second": "Tom",
        "difference": -1.0907983848511975,
        "level": 0.9,
        "lower": -1.2926005170820265,
        "upper": -0.8889962526203684,
        "se": 0.12206248912745435,
        "method": "cluster covariance of the coefficients, t with 182 degrees of freedom",
        "side": -1,
        "same_inputs": false
      }
    ],
    "models": [
      "tim-bmi",
      "tom-gdp"
    ],
    "amounts_differ": false,
    "ranked": true,
    "blind": []
  },
  "models": [
    {
      "model": "tim-bmi",
      "features": [
        "bmi"
      ],
      "predictions": {
        "Tim": 65.42432720715551,
        "Tom": 64.98693915774034
      },
      "train_rmse": 7.873265635113552,
      "cv_rmse": 7.963641169363565,
      "cv_rmse_std": 0.27650755806020244,
      "cv_folds": 5,
      "cv_fold_rmse": [
        7.474216059108157,
        8.122466538052324,
        8.073610165697122,
        8.025836175479217,
        8.122076908481008
      ],
      "intervals": {
        "Tim": {
          "level": 0.9,
          "lower": 51.660924758494474,
          "upper": 79.18772965581655
        },
        "Tom": {
          "level": 0.9,
          "lower": 50.700809694566374,
          "upper": 79.2730686209143
        }
      },
      "imputed": {
        "Tim": [],
        "Tom": []
      },
      "domain": {
        "Tim": {
          "in_domain": true,
          "distance": 0.002541002977958651,
          "threshold": 0.1,
          "features": []
        },
        "Tom": {
          "in_domain": true,
          "distance": 0.0019445046433486767,
          "threshold": 0.1,
          "features": []
        }
      },
      "difference": {
        "first": "Tim",
        "second": "Tom",
        "difference": 0.4373880494151763,
        "level": 0.9,
        "lower": 0.3786668602800036,
        "upper": 0.49610923855034894,
        "se": 0.035518229818129785,
        "method": "cluster covariance of the coefficients, t with 182 degrees of freedom"
      },
      "pair_difference": {
        "first": "Tim",
        "second": "Tom",
        "difference": 0.4373880494151763,
        "level": 0.9,
        "lower": 0.3786668602800036,
        "upper": 0.49610923855034894,
        "se": 0.035518229818129785,
        "method": "cluster covariance of the coefficients, t with 182 degrees of freedom",
        "side": 1,
        "same_inputs": false
      }
    },
    {
      "model": "tom-gdp",
      "features": [
        "gdp"
      ],
      "predictions": {
        "Tim": 68.44759425850688,
        "Tom": 69.53839264335808
      },
      "train_rmse": 8.594455133421901,
      "cv_rmse": 8.70174300873007,
      "cv_rmse_std": 0.4006383016979825,
      "cv_folds": 5,
      "cv_fold_rmse": [
        8.526033355546032,
        8.400501690288785,
        8.334368884251566,
        9.244358451516325,
        9.003452662047634
      ],
      "intervals": {
        "Tim": {
          "level": 0.9,
          "lower": 55.24425763619107,
          "upper": 81.6509308808227
        },
        "Tom": {
          "level": 0.9,
          "lower": 56.8460092568824,
          "upper": 82.23077602983376
        }
      },
      "imputed": {
        "Tim": [],
        "Tom": []
      },
      "domain": {
        "Tim": {
          "in_domain": true,
          "distance": 0.003454229200403597,
          "threshold": 0.1,
          "features": []
        },
        "Tom": {
          "in_domain": true,
          "distance": 0.0025847429813001003,
          "threshold": 0.1,
          "features": []
        }
      },
      "difference": {
        "first": "Tom",
        "second": "Tim",
        "difference": 1.0907983848511975,
        "level": 0.9,
        "lower": 0.8889962526203684,
        "upper": 1.2926005170820265,
        "se": 0.12206248912745435,
        "method": "cluster covariance of the coefficients, t with 182 degrees of freedom"
      },
      "pair_difference": {
        "first": "Tim",
        "second": "Tom",
        "difference": -1.0907983848511975,
        "level": 0.9,
        "lower": -1.2926005170820265,
        "upper": -0.8889962526203684,
        "se": 0.12206248912745435,
        "method": "cluster covariance of the coefficients, t with 182 degrees of freedom",
        "side": -1,
        "same_inputs": false
      }
    }
  ],
  "comparison": {
    "best": "tim-bmi",
    "order": [
      "tim-bmi",
      "tom-gdp"
    ],
    "paired": true,
    "versus": [
      {
        "model": "tom-gdp",
        "difference": 0.7381018393665026,
        "spread": 0.44420333465089706,
        "clear": true,
        "lower": 0.1865505508484251,
        "upper": 1.2896531278845802,
        "level": 0.95,
        "se": 0.19865377042229873,
        "df": 4,
        "method": "paired-t"
      }
    ],
    "ties": [],
    "clear": true
  },
  "verdict": "Cannot tell who lives longer: the models disagree (it depends on the features)\\nMost \
accurate model, tim-bmi: Tim +0.44 years (90% CI 0.38 to 0.50); tom-gdp: Tom +1.09.\\nMost accurate: \
tim-bmi (CV RMSE 7.96); next tom-gdp, 0.74 worse (95% CI 0.19 to 1.29).\\nRows are country-year averages:\
 a prediction is for someone living in a country with these averages.\\nEach model's view, the folds and \
every caveat: lifeexp compare --explain.",
  "caveats": []
}
"""


def test_compare_json_document():
    out = stdout_of("compare", "--model", "tim-bmi", "--model", "tom-gdp", "--format", "json")
    assert_same_output(out, COMPARE_JSON)
    assert json.loads(out)["comparison"]["best"] == "tim-bmi"


BACKPROP_JSON = """\
{
  "forward": {
    "h": -2.0,
    "g": 3.0,
    "yhat": 3.0,
    "f": 2.0,
    "J": 4.0
  },
  "local": {
    "dJ/df": 4.0,
    "df/dyhat": 1.0,
    "dyhat/dg": 1.0,
    "dg/dh": 1.0,
    "dg/dtheta0": 1.0,
    "dh/dtheta1": 2.0
  },
  "gradients": {
    "theta0": 4.0,
    "theta1": 8.0
  },
  "updated": {
    "theta0": 4.6,
    "theta1": -1.8
  },
  "loss_before": 4.0,
  "loss_after": 1.9721522630525295e-31
}
"""


def test_backprop_json_of_the_lecture_example():
    assert_same_output(stdout_of("backprop", "--format", "json"), BACKPROP_JSON)
