"""Baselines for the large files: `chunks FILE` parses a CSV in chunks; `copy FILE OUT` reads and writes it;
`pyarrow FILE` and `polars FILE` read it whole with those libraries (when installed; neither is a dependency)."""

import sys

import pandas as pd

if sys.argv[1] == "chunks":
    rows = 0
    for chunk in pd.read_csv(sys.argv[2], chunksize=65_536):
        rows += len(chunk)
    print(rows)
elif sys.argv[1] == "copy":
    pd.read_csv(sys.argv[2]).to_csv(sys.argv[3], index=False)
elif sys.argv[1] == "pyarrow":
    import pyarrow.csv

    print(pyarrow.csv.read_csv(sys.argv[2]).num_rows)
elif sys.argv[1] == "polars":
    import polars

    print(polars.read_csv(sys.argv[2]).height)
