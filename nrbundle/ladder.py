"""The uncoupled dressed ladder of S16 in floating point: where |000+> is degenerate with |n_a n_b n_m ->.

This is the float twin of the SymPy conditions S16-S22 in :mod:`nrbundle.analytic.resonances`, kept free of SymPy
so that the numerics can place their exact-diagonalization scans without importing the analytic layer. The two
agree to round-off (tested).
"""

from __future__ import annotations

__all__ = ["bare_detuning", "bare_resonance"]

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import optimize

from .errors import InputError
from .params import Params, check_direction, check_finite, check_params, parse_target


def bare_detuning(params: Params, target: Sequence[int], direction: str) -> Callable[[float], float]:
    """f(Delta_ad) = E_|000+> - E_|target -> of the uncoupled dressed ladder (S16).

    f = R - n_a (Delta_ad + Delta_F) - n_b omega_b - n_m omega_m with R = sqrt((Delta_sa + Delta_ad)^2 + 4 xi^2);
    Delta_F carries the sign of the drive direction.
    """
    n_a, n_b, n_m = parse_target(target)
    DF = check_params(params).Delta_F_signed(check_direction(direction))
    const = n_b * params.omega_b + n_m * params.omega_m

    def f(x: float) -> float:
        return math.hypot(params.Delta_sa + x, 2.0 * params.xi) - n_a * (x + DF) - const

    return f


def bare_resonance(
    params: Params, target: Sequence[int], direction: str, *, bracket: tuple[float, float] | None = None
) -> float:
    """Root in Delta_ad of E_|000+> = E_|target -> on the uncoupled dressed ladder (S16; generalises S18-S22).

    For n_a >= 1, f (see :func:`bare_detuning`) decreases strictly, so the root is unique when it exists. For
    n_a = 0 there can be two roots; ``bracket`` then selects one.

    Raises
    ------
    InputError
        If the target is never degenerate with |000+> (or has two degeneracies and no ``bracket``).
    """
    n_a, n_b, n_m = parse_target(target)
    f = bare_detuning(params, (n_a, n_b, n_m), direction)
    eps = 4 * np.finfo(float).eps
    if bracket is not None:
        lo, hi = (check_finite("bracket", b) for b in bracket)
        if not lo < hi:
            raise InputError(f"bracket: expected lo < hi, got {bracket!r}")
        if f(lo) * f(hi) > 0:
            raise InputError(f"bracket: the S16 degeneracy of |000+> and |{n_a}{n_b}{n_m}-> is not inside {bracket!r}")
        return float(optimize.brentq(f, lo, hi, xtol=1e-15, rtol=eps))
    const = n_b * params.omega_b + n_m * params.omega_m
    if n_a == 0:
        if const**2 - 4 * params.xi**2 < 0:
            raise InputError(f"target: |0{n_b}{n_m}-> is never degenerate with |000+> (S16)")
        raise InputError(f"target: |0{n_b}{n_m}-> is degenerate with |000+> at two Delta_ad; pass bracket")
    DF = params.Delta_F_signed(check_direction(direction))
    if n_a == 1 and params.Delta_sa - DF - const >= 0:
        # f decreases strictly towards its limit Delta_sa - Delta_F - n_b omega_b - n_m omega_m as Delta_ad -> inf
        # (the validity condition of S18-S22): at or above zero there is no root (a far "root" is round-off).
        raise InputError(f"target: |{n_a}{n_b}{n_m}-> is never degenerate with |000+> for direction {direction} (S16)")
    scale = max(1.0, abs(params.Delta_sa), params.xi, const, abs(params.Delta_F))
    centre = -params.Delta_sa
    lo, hi = centre - scale, centre + scale
    for _ in range(200):
        if f(lo) > 0:
            break
        lo -= scale
        scale *= 2
    for _ in range(200):
        if f(hi) < 0:
            break
        hi += scale
        scale *= 2
    if not (f(lo) > 0 > f(hi)):
        raise InputError(f"target: |{n_a}{n_b}{n_m}-> is never degenerate with |000+> for direction {direction} (S16)")
    return float(optimize.brentq(f, lo, hi, xtol=1e-15, rtol=eps))
