"""Baselines for the large files: `chunks FILE` parses a CSV in chunks; `copy FILE OUT` reads and writes it;
`pyarrow FILE` and `polars FILE` read it whole with those libraries (polars: `pip install -e '.[bench]'`);
`polars-stream FILE COLUMNS` is the floor of a streamed fit built on polars: the used columns (comma-separated
header names) parsed in batches straight to float64 and XᵀX summed over the complete rows, nothing else;
`polars-fit-floor FILE COLUMNS OUT` is that, plus what any lifeexp fit does whatever its reader: its command line's
start-up (typer, the command tree), the file's SHA-256 in a thread of its own, and the record written with joblib;
`import-pandas` only imports pandas; `sha256 FILE` hashes the file (SHA-256, what every fit records of its data) in
blocks of 256 KiB, as lifeexp's reading thread does. Each imports only its own library, so no baseline pays for another's
import."""

import sys


def polars_gram(path: str, wanted: list[str]):
    """(XᵀX, rows) of the complete rows of the `wanted` columns, read by polars in batches as float64."""
    import numpy as np
    import polars

    frames = polars.scan_csv(path).select(polars.col(wanted).cast(polars.Float64))
    gram, rows = np.zeros((len(wanted), len(wanted))), 0
    for frame in frames.collect_batches(chunk_size=65_536):
        X = frame.to_numpy(order="fortran")
        X = X[~np.isnan(X).any(axis=1)]
        gram += X.T @ X
        rows += len(X)
    return gram, rows


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
elif sys.argv[1] == "polars-stream":
    print(polars_gram(sys.argv[2], sys.argv[3].split(","))[1])
elif sys.argv[1] == "polars-fit-floor":
    import hashlib
    import threading

    import joblib

    import lifeexp_cli.cli.main  # noqa: F401  (lifeexp's start-up: what `lifeexp fit` imports before it reads)

    digest = hashlib.sha256()

    def hashing():
        with open(sys.argv[2], "rb") as f:
            while block := f.read(1 << 18):
                digest.update(block)

    hasher = threading.Thread(target=hashing)
    hasher.start()
    gram, rows = polars_gram(sys.argv[2], sys.argv[3].split(","))
    hasher.join()
    joblib.dump({"gram": gram, "rows": rows, "sha256": digest.hexdigest()}, sys.argv[4])
    print(rows)
elif sys.argv[1] == "sha256":
    import hashlib

    digest = hashlib.sha256()
    with open(sys.argv[2], "rb") as f:
        while block := f.read(1 << 18):
            digest.update(block)
    print(digest.hexdigest())
elif sys.argv[1] == "import-pandas":
    import pandas  # noqa: F401
