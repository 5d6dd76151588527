"""Test-session settings shared by every test module.

BLAS is limited to one thread: the matrices here are small (dimension <= a few hundred), for which threaded
OpenBLAS is slower, and on a loaded 2-core CI machine it can be slower by orders of magnitude.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

try:
    from threadpoolctl import threadpool_limits

    _LIMITS = threadpool_limits(limits=1)
except ImportError:  # pragma: no cover - threadpoolctl is a runtime dependency
    _LIMITS = None
