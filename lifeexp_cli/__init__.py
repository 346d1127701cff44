"""lifeexp: predict life expectancy with linear regression and small neural networks."""

import os

__version__ = "0.1.0"

# lifeexp's matrices are small (thousands of rows, at most a few hundred columns), where BLAS threads
# cost more than they give: network training runs 2-2.5x faster on one thread on the 2-core development
# machine (bench/network.py). Takes effect when lifeexp is imported before numpy (the `lifeexp`
# command); an explicit setting in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
