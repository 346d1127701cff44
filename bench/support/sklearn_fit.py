"""Baseline: the WHO fit with scikit-learn (read with pandas, SimpleImputer, LinearRegression, print)."""

import sys

import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline

frame = pd.read_csv(sys.argv[1])
frame.columns = [c.strip().lower() for c in frame.columns]
frame = frame.dropna(subset=["life expectancy"])
model = make_pipeline(SimpleImputer(strategy="mean"), LinearRegression())
model.fit(frame[["bmi", "adult mortality", "hiv/aids"]], frame["life expectancy"])
print(model[-1].intercept_, model[-1].coef_)
