"""Importable point functions for the sweep tests (worker processes import them by name).

Each has a closed form the tests can compare against without running the sweep machinery.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

__all__ = [
    "quadratic",
    "quadratic_expected",
    "fails_at",
    "bad_return",
    "model_levels",
    "model_trace_expected",
    "awkward",
    "ragged",
    "warns",
]

_SIGN = {"left": 1.0, "right": -1.0}


def quadratic(
    point: dict[str, Any], *, offset: float = 0.0, sleep: float = 0.0, log: str | None = None, params: Any = None
) -> dict[str, Any]:
    """f = x^2 + s*offset, vec = (x, 2x, s), c = x + i s, with s = +1 (left) / -1 (right).

    ``log``: a file to which one line ``"<pid> <x!r> <direction>"`` is appended per call (O_APPEND, one write),
    so that tests can count evaluations. ``sleep``: seconds to wait before returning (for the kill tests).
    ``params`` is ignored (``nrbundle sweep`` passes the preset to every point function).
    """
    x, s = float(point["x"]), _SIGN[point["direction"]]
    if log is not None:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{os.getpid()} {x!r} {point['direction']}\n".encode())
        finally:
            os.close(fd)
    if sleep:
        time.sleep(sleep)
    return {
        "f": x * x + s * offset,
        "vec": np.array([x, 2.0 * x, s]),
        "c": complex(x, s),
        "meta": {"pid": os.getpid(), "sign": s, "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset")},
    }


def quadratic_expected(x: float, direction: str, offset: float = 0.0) -> float:
    """Closed form of ``quadratic(...)["f"]``."""
    return x * x + _SIGN[direction] * offset


def fails_at(point: dict[str, Any], *, bad: float) -> dict[str, Any]:
    """x^3, except at x == bad where it raises ValueError (a failing point)."""
    x = float(point["x"])
    if x == bad:
        raise ValueError(f"no solution at x={x}\nsecond line that must not reach the summary")
    return {"cube": x**3, "meta": {"residual": 1e-14 * (1 + x)}}


def bad_return(point: dict[str, Any]) -> Any:
    """Returns something the sweep must reject at x = 0 (a list) and x = 1 (an axis name as a key); fine at x >= 2."""
    x = int(point["x"])
    if x == 0:
        return [1.0, 2.0]
    if x == 1:
        return {"x": 1.0}
    return {"y": float(x)}


def model_levels(point: dict[str, Any], *, params: Any, cutoff: int = 2) -> dict[str, Any]:
    """Eq. (1) at one (Delta_ad, direction): trace of H, lowest four levels, and the BLAS thread setting.

    Tr H has a closed form (:func:`model_trace_expected`), so the test checks that each grid point got its own
    Delta_ad and drive direction.
    """
    from nrbundle.numeric.model import Model

    model = Model(params, point["direction"], cutoff)
    H = model.H_matrix(point["Delta_ad"])
    levels = np.linalg.eigvalsh(H)[:4]
    return {
        "trace": float(np.trace(H).real),
        "levels": levels,
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "meta": {"cutoff": list(model.cutoff), "dimension": model.dimension,
                 "hermiticity": float(np.max(np.abs(H - H.conj().T)))},
    }


def model_trace_expected(params: Any, Delta_ad: float, direction: str, cutoff: int = 2) -> float:
    """Tr H of Eq. (1) in a cutoff N per mode: couplings and drive are traceless, number operators are not.

    Tr(n_a) = 2 N^2 * N(N-1)/2 (same for b, m); Tr(sigma^dag sigma) = N^3.
    """
    n = cutoff
    tr_number = 2 * n * n * n * (n - 1) / 2
    dF = _SIGN[direction] * params.Delta_F
    return (Delta_ad + dF) * tr_number + params.omega_b * tr_number + params.omega_m * tr_number + (
        params.Delta_sa + Delta_ad
    ) * n**3


def awkward(point: dict[str, Any]) -> dict[str, Any]:
    """Floats that a lossy text format would change: 0.1+0.2, the smallest subnormal, -0.0, +-inf, NaN, 1/3."""
    k = float(point["k"])
    vals = np.array([0.1 + 0.2, 5e-324, -0.0, np.inf, -np.inf, np.nan, 1.0 / 3.0]) * k
    return {"v": vals, "z": complex(-0.0, 1.0 / 3.0) * k, "s": 2.0 / 3.0 * k}


def ragged(point: dict[str, Any]) -> dict[str, Any]:
    """An array whose length depends on the point (the sweep cannot stack it)."""
    return {"y": np.arange(int(point["n"]) + 1, dtype=float)}


def warns(point: dict[str, Any]) -> dict[str, Any]:
    """x^2, emitting a TruncationWarning at x = 2 (the sweep must record it, not raise it)."""
    import warnings

    from nrbundle.errors import TruncationWarning

    x = float(point["x"])
    if x == 2.0:
        warnings.warn(f"top Fock level holds 0.02 at x={x}", TruncationWarning, stacklevel=2)
    return {"x2": x * x}
