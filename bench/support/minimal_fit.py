"""Baseline: the least a pandas + numpy script does for the WHO fit (read, impute with means, solve, print)."""

import sys

import numpy as np
import pandas as pd

frame = pd.read_csv(sys.argv[1])
frame.columns = [c.strip().lower() for c in frame.columns]
frame = frame.dropna(subset=["life expectancy"])
X = frame[["bmi", "adult mortality", "hiv/aids"]].to_numpy(dtype=float)
X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
A = np.column_stack([np.ones(len(X)), X])
theta = np.linalg.lstsq(A, frame["life expectancy"].to_numpy(dtype=float), rcond=None)[0]
print(theta)
