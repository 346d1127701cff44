"""Whole outputs, compared character for character (as sqlite-utils tests its CLI): a table, JSON
documents and CSV, from the shipped models and the lecture's worked example only, so nothing in them
depends on the clock, the machine or a random draw.

A change in any of these strings is a change users see: update the expected text on purpose only.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lifeexp_cli.cli.main import app
from lifeexp_cli.model import store


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """An empty folder, so the model names resolve to the shipped models, never to a ./models/ file."""
    monkeypatch.chdir(tmp_path)


def stdout_of(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=input)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout


PREDICT_TABLE = """\
┏━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ bmi   ┃ prediction        ┃
┡━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ 24.15 │ 65.4 [52.1, 78.8] │
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
    "prediction": 65.41038296997758,
    "interval": {
      "level": 0.9,
      "lower": 52.06921376833279,
      "upper": 78.75155217162236,
      "method": "cv-conformal"
    }
  }
]
"""


def test_predict_json_document():
    assert stdout_of("predict", "--model", "tim-bmi", "--bmi", "24.1", "--format", "json") == PREDICT_JSON


PREDICT_CSV = """\
country,bmi,predicted_life_expectancy,lower_life_expectancy,upper_life_expectancy
A,20,64.30396526703511,49.56260093956042,79.04532959450981
B,,69.22493169398906,58.834625099569365,79.61523828840876
C,25.5,65.78818413683598,52.846141467303134,78.73022680636882
"""


def test_predict_csv_rows_pass_through_with_the_prediction_appended():
    rows = "country,bmi\nA,20\nB,\nC,25.5\n"
    assert stdout_of("predict", "--model", "tim-bmi", "--input", "-", input=rows) == PREDICT_CSV


COMPARE_CSV = """\
model,person,prediction,features,train_rmse,cv_rmse,cv_rmse_std,cv_folds,best,worse_by,spread,clear,lower,upper
tim-bmi,Tim,65.42432720715551,bmi,7.873265635113552,7.963641169363567,0.2765075580602028,5,true,,,,52.09850289469292,78.7501515196181
tim-bmi,Tom,64.98693915774034,bmi,7.873265635113552,7.963641169363567,0.2765075580602028,5,true,,,,51.1550068254941,78.81887148998658
tom-gdp,Tim,68.44759425850688,gdp,8.594455133421901,8.701743008730071,0.40063830169798426,5,false,0.7381018393665031,0.44420333465089945,true,55.24425763619108,81.65093088082268
tom-gdp,Tom,69.53839264335808,gdp,8.594455133421901,8.701743008730071,0.40063830169798426,5,false,0.7381018393665031,0.44420333465089945,true,56.84600925688241,82.23077602983375
"""


def test_compare_csv():
    assert stdout_of("compare", "--model", "tim-bmi", "--model", "tom-gdp", "--format", "csv") == COMPARE_CSV


COMPARE_JSON = """\
{
  "people": [
    "Tim",
    "Tom"
  ],
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
      "cv_rmse": 7.963641169363567,
      "cv_rmse_std": 0.2765075580602028,
      "cv_folds": 5,
      "cv_fold_rmse": [
        7.474216059108157,
        8.122466538052324,
        8.073610165697126,
        8.025836175479217,
        8.122076908481008
      ]
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
      "cv_rmse": 8.701743008730071,
      "cv_rmse_std": 0.40063830169798426,
      "cv_folds": 5,
      "cv_fold_rmse": [
        8.526033355546032,
        8.400501690288785,
        8.334368884251566,
        9.24435845151633,
        9.003452662047634
      ]
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
        "difference": 0.7381018393665031,
        "spread": 0.44420333465089945,
        "clear": true
      }
    ],
    "ties": [],
    "clear": true
  },
  "verdict": "Most accurate: tim-bmi (bmi), CV RMSE 7.96 ± 0.28 years; 0.74 years better than the next, \
tom-gdp, more than the spread of that difference over the 5 folds, ± 0.44 (paired fold by fold); by it, Tim \
lives longer (65.4 years)."
}
"""


def test_compare_json_document():
    out = stdout_of("compare", "--model", "tim-bmi", "--model", "tom-gdp", "--format", "json")
    assert out == COMPARE_JSON
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
    assert stdout_of("backprop", "--format", "json") == BACKPROP_JSON
