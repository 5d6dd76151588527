"""Parameter-level numbers of the pair resonances from the effective Hamiltonian: g_eff and shifted resonances.

:mod:`nrbundle.analytic.schrieffer_wolff` gives the effective Hamiltonian on {|000+>, |n_a n_b n_m ->} order by
order. This module evaluates it at a parameter set (any units; :class:`~nrbundle.params.Params`):

* :func:`g_eff`: the super-Rabi coupling <000+|H_eff|target-> at its lowest non-vanishing order;
* :func:`resonance_condition_function`: the vectorised shifted detuning
  ``[E_P + sum_n shift_P^(n)] - [E_T + sum_n shift_T^(n)]``;
* :func:`corrected_resonance`: its root in Delta_ad (brentq around the bare S16 root of
  :func:`nrbundle.ladder.bare_resonance`), with g_eff there;
* :func:`effective_crossing`: the minimum of the splitting of a (possibly larger) numeric H_eff.

Every closed form or series becomes a vectorised NumPy function through
:func:`nrbundle.analytic.numeric_bridge.lambdify_expr`; argument order is the canonical
:data:`~nrbundle.analytic.numeric_bridge.ARG_ORDER` (the subset each expression needs, recorded on the function).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from ..errors import ConvergenceError, InputError
from ..ladder import bare_resonance
from ..params import Params, check_direction
from .dressed_states import P_STATE, coupling_distance, model_space, state_label, target_state, unperturbed_energy
from .numeric_bridge import NumericFunction, lambdify_expr
from .schrieffer_wolff import MAX_SYMBOLIC_ORDER, EffectiveHamiltonian, effective_hamiltonian, numeric_effective_blocks

__all__ = [
    "MAX_G_EFF_ORDER",
    "MAX_SHIFT_ORDER",
    "SHIFT_ORDERS",
    "CorrectedResonance",
    "EffectiveCrossing",
    "g_eff",
    "corrected_resonance",
    "effective_crossing",
    "resonance_condition_function",
    "check_shift_order",
]

#: Highest order of the symbolic g_eff (:func:`g_eff`, :func:`corrected_resonance`): a target whose coupling to
#: |000+> starts above it is refused at once (the order-6 Schrieffer-Wolff derivation takes about a minute and
#: gigabytes even for |101->, longer for larger targets).
MAX_G_EFF_ORDER = 5

#: Highest shift order :func:`corrected_resonance` accepts (the float recursion above ``MAX_SYMBOLIC_ORDER``).
MAX_SHIFT_ORDER = 64

#: Shift orders offered to users (CLI ``--shift-order``): 0 (the closed forms S18-S22) and 2..8. First-order
#: shifts vanish (V has no diagonal elements in the dressed basis), so 1 would silently equal 0; 8 is the highest
#: order the CLI offers (the API accepts up to :data:`MAX_SHIFT_ORDER`).
SHIFT_ORDERS: tuple[int, ...] = (0, 2, 3, 4, 5, 6, 7, 8)


# ------------------------------------------------------------------------------------------------ g_eff
def _g_eff_hamiltonian(target: tuple[int, int, int]) -> EffectiveHamiltonian:
    # Size guard before any search: every term of V changes n_a by one and n_b + n_m by at most one, so the
    # coupling starts at order >= max(n_a, n_b + n_m); a breadth-first search out to |100,100,100-> never ends.
    lower = max(target[0], target[1] + target[2])
    d = lower if lower > MAX_G_EFF_ORDER else coupling_distance(target)
    if d > MAX_G_EFF_ORDER:
        raise InputError(
            f"target: the coupling of |000+> to {state_label(target_state(target))} starts at order "
            f"{'>= ' if lower > MAX_G_EFF_ORDER else ''}{d}, above the limit {MAX_G_EFF_ORDER} of the symbolic g_eff "
            "(order 6 alone takes minutes and gigabytes)"
        )
    H = effective_hamiltonian(target, max(d, 4))
    if H.g_eff_order is None:  # pragma: no cover - the chains of minimal length never cancel for this V
        raise InputError(f"target: no coupling to {state_label(target_state(target))} up to order {H.order}")
    return H


def g_eff(params: Params, target: Sequence[int], direction: str, Delta_ad: float) -> float:
    """Effective super-Rabi coupling <000+|H_eff|target-> at its lowest non-vanishing order, at ``Delta_ad``.

    Third order for |101-> (prop. lambda_as^2 lambda_am) and |110-> (prop. lambda_as^2 lambda_ab). The sign follows
    the S14 phase convention; half the minimal splitting of the avoided crossing is ``abs(g_eff)``.
    """
    check_direction(direction)
    T = target_state(target)
    f = _g_eff_function(tuple(T[:3]))
    return float(f.at(params, direction, Delta_ad=float(Delta_ad)))


@functools.cache
def _g_eff_function(target: tuple[int, int, int]) -> NumericFunction:
    H = _g_eff_hamiltonian(target)
    return lambdify_expr(H.coupling[int(H.g_eff_order)])  # type: ignore[arg-type]


def _bracket_root(F: Callable[[float], float], x0: float, w0: float, wmax: float) -> tuple[float, float] | None:
    """Symmetric, geometrically widening bracket [x0 - w, x0 + w] with a sign change of F (None if none)."""
    f0 = F(x0)
    if f0 == 0.0:
        return (x0, x0)
    w = w0
    while w <= wmax:
        for a, b in ((x0 - w, x0), (x0, x0 + w)):
            fa, fb = F(a), F(b)
            if np.isfinite(fa) and np.isfinite(fb) and fa * fb <= 0:
                return (a, b)
        w *= 1.6
    return None


@functools.cache
def _condition_function(target: tuple[int, int, int], shift_order: int) -> NumericFunction:
    if shift_order == 0:
        T = target_state(target)
        return lambdify_expr(unperturbed_energy(P_STATE) - unperturbed_energy(T))
    H = effective_hamiltonian(target, shift_order)
    return lambdify_expr(H.condition(shift_order))


def check_shift_order(shift_order: Any, maximum: int = MAX_SHIFT_ORDER) -> int:
    """Validate a shift order: an integer in ``0..maximum`` (InputError naming ``shift_order`` otherwise)."""
    try:
        K = int(shift_order)
    except (TypeError, ValueError):
        raise InputError(f"shift_order: expected an integer, got {shift_order!r}") from None
    if K != shift_order or not 0 <= K <= maximum:
        raise InputError(f"shift_order: expected an integer in 0..{maximum}, got {shift_order!r}")
    return K


def resonance_condition_function(target: Sequence[int], shift_order: int = 4) -> NumericFunction:
    """Vectorised shifted detuning [E_P + shifts_P] - [E_T + shifts_T] (shifts through ``shift_order``).

    ``shift_order = 0`` is the S16 difference (zero at S18-S22). The function takes the arguments recorded in
    ``.args`` (canonical ``ARG_ORDER``: Delta_ad, Delta_sa, Delta_F (signed), omega_b, omega_m, lambda_as,
    lambda_ab, lambda_am, xi - the subset present) and broadcasts over arrays; ``.at(params, direction,
    Delta_ad=...)`` evaluates it for a parameter set.
    """
    T = target_state(target)
    K = check_shift_order(shift_order, MAX_SYMBOLIC_ORDER)
    return _condition_function(tuple(T[:3]), K)


@dataclass(frozen=True)
class CorrectedResonance:
    """A pair resonance located with level shifts through ``shift_order``.

    Attributes
    ----------
    target, direction
        The transition |000+> <-> |target -> and the drive direction.
    closed_form
        Bare root of S16 (S18-S22 for the paper's targets), in the params' units.
    Delta_ad
        Root of the shifted condition E_P + shifts_P = E_T + shifts_T, in the params' units.
    shift_order
        Highest order of the level shifts included (0: the bare root).
    g_eff
        Super-Rabi coupling at ``Delta_ad`` (lowest non-vanishing order ``g_eff_order``; signed, S14 phases).
    g_eff_order
        Order of ``g_eff``.
    valid
        True when the unsquared resonance condition has a root; otherwise the numbers are NaN.
    units
        Unit of every frequency (``params.units``).
    method
        ``"symbolic"`` (lambdified series, shift_order <= MAX_SYMBOLIC_ORDER) or ``"numeric"`` (float recursion).
    """

    target: tuple[int, int, int]
    direction: str
    closed_form: float
    Delta_ad: float
    shift_order: int
    g_eff: float
    g_eff_order: int
    valid: bool
    units: str
    method: str = "symbolic"


def corrected_resonance(
    params: Params, target: Sequence[int], direction: str, shift_order: int = 4, method: str = "auto"
) -> CorrectedResonance:
    """Locate the pair resonance |000+> <-> |target -> with level shifts through ``shift_order``.

    Brentq on E_P + sum_n shift_P^(n) - E_T - sum_n shift_T^(n) (n <= shift_order), starting from a bracket
    around the bare S16 root (:func:`nrbundle.ladder.bare_resonance`, brentq on the unsquared S16 difference).
    No S16 degeneracy: ``valid=False`` and NaN numbers (never an exception).

    Parameters
    ----------
    params, target, direction
        Parameter set (any units), ``(n_a, n_b, n_m)`` with n_a >= 1, ``"left"`` or ``"right"``.
    shift_order
        0 (bare S18-S22), 2, 3 (= 2: third-order shifts vanish), 4 (default), up to
        :data:`MAX_SYMBOLIC_ORDER` with ``method="symbolic"`` or any order with ``method="numeric"``.
    method
        ``"auto"`` (symbolic when shift_order <= 4, else numeric), ``"symbolic"`` or ``"numeric"``.
    """
    check_direction(direction)
    T = target_state(target)
    tgt = tuple(T[:3])
    if method not in ("auto", "symbolic", "numeric"):
        raise InputError(f"method: expected 'auto', 'symbolic' or 'numeric', got {method!r}")
    K = check_shift_order(shift_order, MAX_SHIFT_ORDER if method != "symbolic" else MAX_SYMBOLIC_ORDER)
    if method == "auto":
        method = "symbolic" if K <= 4 else "numeric"
    H = _g_eff_hamiltonian(tgt)
    g_order = int(H.g_eff_order)  # type: ignore[arg-type]
    nan = float("nan")

    if tgt[0] == 0:
        raise InputError(f"target: n_a must be >= 1 for a drive-tuned pair resonance, got {tgt}")
    try:
        x0 = bare_resonance(params, tgt, direction)
    except InputError:  # no S16 degeneracy: reported as valid=False with NaN numbers, never raised
        return CorrectedResonance(tgt, direction, nan, nan, K, nan, g_order, False, params.units, method)

    if method == "symbolic":
        fn = resonance_condition_function(tgt, K)

        def F(x: float) -> float:
            return float(fn.at(params, direction, Delta_ad=x))

    else:

        def F(x: float) -> float:
            blocks = numeric_effective_blocks(params, tgt, direction, x, K)
            h = sum(blocks[n] for n in range(0, K + 1) if n % 2 == 0)
            return float(h[0, 0] - h[1, 1])

    scale = max(abs(params.Delta_sa), params.xi, params.omega_b, params.omega_m)
    valid = True
    if K <= 1:
        root = x0
    else:
        br = _bracket_root(F, x0, 1e-3 * scale, 0.25 * scale)
        if br is None:
            valid = False
            root = nan
        else:
            a, b = br
            rtol = 4 * np.finfo(float).eps
            root = a if a == b else float(brentq(F, a, b, xtol=1e-14 * scale, rtol=rtol, maxiter=500))
            # a sign change across a pole of the series is not a root
            if not abs(F(root)) <= 1e-8 * scale:
                valid, root = False, nan
    if not valid:
        return CorrectedResonance(tgt, direction, x0, nan, K, nan, g_order, False, params.units, method)
    g = g_eff(params, tgt, direction, root)
    return CorrectedResonance(tgt, direction, float(x0), float(root), K, g, g_order, True, params.units, method)


@dataclass(frozen=True)
class EffectiveCrossing:
    """Avoided crossing of |000+> and |target-> from a (possibly larger) numeric effective Hamiltonian.

    Attributes
    ----------
    target, direction
        The transition and the drive direction.
    Delta_ad
        Position of the minimal splitting of the two H_eff eigenvalues carrying most of |000+> and |target->.
    g_eff
        Half the minimal splitting (>= 0): the effective coupling including every order through ``order`` and
        the level repulsion of the spectators.
    order
        Order of the float Schrieffer-Wolff recursion.
    model_space
        Labels of the model-space states (|000+>, target, spectators).
    closed_form
        Bare S16 root (S18-S22).
    valid
        False (with NaN numbers) when the resonance condition has no root.
    units
        ``params.units``.
    """

    target: tuple[int, int, int]
    direction: str
    Delta_ad: float
    g_eff: float
    order: int
    model_space: tuple[str, ...]
    closed_form: float
    valid: bool
    units: str


def effective_crossing(
    params: Params,
    target: Sequence[int],
    direction: str,
    order: int = 8,
    spectators: Iterable[Sequence[int]] = (),
    width: float | None = None,
) -> EffectiveCrossing:
    """Locate the avoided crossing |000+> <-> |target-> from the order-``order`` effective Hamiltonian.

    With the two-state model space the minimum sits where the shifted condition of :func:`corrected_resonance`
    vanishes (up to the slope of g_eff). A nearly degenerate third level makes the two-state series asymptotic
    (at ``fig1`` the partner pair state: |110-> for |101-> and vice versa, see docs/effective.md); putting it in
    ``spectators`` restores convergence order by order.

    Parameters
    ----------
    params, target, direction
        As for :func:`corrected_resonance`.
    order
        Order of the float recursion (>= 3 so that the coupling is present).
    spectators
        Extra model-space states, see :func:`numeric_effective_blocks`.
    width
        Half-width of the search window around the fourth-order corrected root (default: five crossing widths
        10 |g_eff|).

    Raises
    ------
    ConvergenceError
        If the minimum lies on the edge of the search window.
    """
    check_direction(direction)
    P = model_space(target, spectators)
    tgt = tuple(P[1][:3])
    K = int(order)
    if K != order or K < 3:
        raise InputError(f"order: expected an integer >= 3, got {order!r}")
    labels = tuple(state_label(st_) for st_ in P)
    ref = corrected_resonance(params, tgt, direction, 4)
    nan = float("nan")
    if not ref.valid:
        return EffectiveCrossing(tgt, direction, nan, nan, K, labels, ref.closed_form, False, params.units)
    w = 10.0 * abs(ref.g_eff) if width is None else float(width)
    if not w > 0:
        raise InputError(f"width: must be > 0, got {width!r}")
    spec = list(P[2:])

    def half_splitting(x: float) -> float:
        blocks = numeric_effective_blocks(params, tgt, direction, x, K, spectators=spec)
        h = sum(blocks[n] for n in range(K + 1))
        ev, vec = np.linalg.eigh(h)
        weight = vec[0] ** 2 + vec[1] ** 2
        i, j = np.argsort(weight)[-2:]
        return 0.5 * abs(ev[i] - ev[j])

    lo, hi = ref.Delta_ad - w, ref.Delta_ad + w
    res = minimize_scalar(half_splitting, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12 * max(1.0, hi)})
    # the bounded Brent search never evaluates the bounds themselves; stopping within 1% of the window (or a few
    # sqrt(eps) of x) from an edge means the minimum is outside the window
    if min(res.x - lo, hi - res.x) < max(1e-2 * w, 1e-7 * max(1.0, abs(res.x))):
        raise ConvergenceError(
            f"effective_crossing: the minimal splitting lies on the edge of the window {lo:.6g}..{hi:.6g}; "
            f"pass a larger width"
        )
    return EffectiveCrossing(
        tgt, direction, float(res.x), float(res.fun), K, labels, ref.closed_form, True, params.units
    )
