"""Baselines for the large files: `chunks FILE` parses a CSV in chunks; `copy FILE OUT` reads and writes it;
`pyarrow FILE` and `polars FILE` read it whole with those libraries (polars: `pip install -e '.[bench]'`);
each imports only its own library, so no baseline pays for another's import."""

import sys

if sys.argv[1] == "chunks":
    import pandas as pd

    rows = 0
    for chunk in pd.read_csv(sys.argv[2], chunksize=65_536):
        rows += len(chunk)
    print(rows)
elif sys.argv[1] == "copy":
    import pandas as pd

    pd.read_csv(sys.argv[2]).to_csv(sys.argv[3], index=False)
elif sys.argv[1] == "pyarrow":
    import pyarrow.csv

    print(pyarrow.csv.read_csv(sys.argv[2]).num_rows)
elif sys.argv[1] == "polars":
    import polars

    print(polars.read_csv(sys.argv[2]).height)
