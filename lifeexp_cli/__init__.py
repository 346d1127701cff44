"""lifeexp: predict life expectancy with linear regression and small neural networks."""

import os

__version__ = "0.1.0"

# lifeexp's matrices are tall and thin (thousands of rows, tens of columns): BLAS threads cannot speed
# them up, and on a busy machine OpenBLAS's spinning threads make a 2938×20 QR or SVD 100× slower
# (measured: 0.25 s instead of 1 ms), and network training 2-2.5× slower (bench/network.py).
# Set before numpy loads; an explicit setting in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

# The Python API (docs/api.md), imported on first use: `import lifeexp_cli` and the command line's
# start-up load nothing heavy.
API = ("load_data", "fit", "predict", "predict_interval", "cross_validate", "select", "correlations", "compare",
       "load_model", "save_model", "features", "backprop", "install_data", "data_where")
__all__ = ["__version__", *API]


def __getattr__(name: str):
    if name in API:
        from lifeexp_cli import api

        return getattr(api, name)
    raise AttributeError(f"module 'lifeexp_cli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *API})
