"""Steady-state statistics of the bundle operator B = a^n_a b^n_b m^n_m of any target |n_a n_b n_m ->.

Definitions (``docs/bundles.md``; the pair case n = (1, 0, 1) or (1, 1, 0) is Eq. (3) of the paper)
----------------------------------------------------------------------------------------------------
* Bundle operator: B = a^n_a b^n_b m^n_m (modes with n_o = 0 do not enter).
* g^(2)_{1,B}(0) = <B^dag B> / prod_{o: n_o > 0} <o^dag o>^n_o: the joint (normally ordered) n-quanta correlation,
  the generalisation of g^(2)_{1,oo'}(0) of Fig. 3. Closed forms: 1 for coherent states of every mode,
  prod_o n_o! for independent thermal modes.
* g^(2)_{2,B}(0) = <B^dag^2 B^2> / <B^dag B>^2: the bundle-bundle correlation, the generalisation of Eq. (3) at
  tau = 0. Closed form: 1 for coherent states; prod_o (2 n_o)! / (n_o!)^2 for independent thermal modes.
* g^(2)_B(tau) = <B^dag(0) B^dag B(tau) B(0)> / <B^dag B>^2 by the quantum regression theorem
  (:func:`nrbundle.numeric.correlations.g2_tau` with op = B).
* Emission only: kappa_o below is the coefficient of the emission jump, kappa_o (n_th_o + 1) with thermal noise
  (:attr:`nrbundle.numeric.model.Model.emission_rates`; = kappa_o at zero temperature); thermal absorption, the
  jumps o^dag, is not counted as emission.
* Bundle emission rate Gamma_B = P_B sum_o n_o kappa_o, with P_B = Tr[(|n_a n_b n_m><n_a n_b n_m| (x) 1_atom) rho]:
  the rate at which the system leaves the complete bundle sector |n_a n_b n_m> through any of its mode channels, i.e.
  the rate at which emission cascades of a complete bundle start.
* Bundle purity (steady state), the fraction of the emitted quanta of the bundle's modes that leave in complete
  bundles (Sanchez Munoz et al., Nat. Photon. 8, 550 (2014): "purity of N-photon emission", the percentage of photons
  emitted in bundles; Bin et al., Phys. Rev. Lett. 124, 053601 (2020) for n-phonon bundles):

      pi_B = n_tot Gamma_B / sum_{o: n_o > 0} kappa_o <o^dag o>,   n_tot = n_a + n_b + n_m.

  It assumes that each cascade started in the bundle sector emits all n_tot quanta once it has begun (the
  re-excitation by the weak drive is slow against kappa), so the numerator is the flux of quanta in complete
  bundles and the denominator the
  total flux of quanta out of the bundle's modes. pi_B -> 1 for pure bundle emission; quanta emitted on their own
  (off-resonant single excitations) lower it. The cascade assumption fails when the remaining quanta of a cascade are
  converted between modes or leave through the atom; pi_B then overestimates the purity (it is an upper estimate, see
  ``docs/bundles.md``; :func:`nrbundle.numeric.bundle_purity.cluster_purity` gives the trajectory definition's value
  exactly from the steady state).
  Bundles of higher multiplicity (sector 2n, ...) are not counted: at
  weak drive they are negligible, and a cluster of 2 n_tot quanta is not a clean bundle in the trajectory
  estimate either (:mod:`nrbundle.numeric.bundle_purity`, which measures the same fraction from jump records).

Undefined values
----------------
A value the truncation cannot represent, or whose denominator is zero, is NaN with a reason in
:attr:`BundleStatistics.undefined` (:func:`bundle_undefined`): B = 0 identically when a mode keeps N_o <= n_o Fock
levels, B^2 = 0 when N_o <= 2 n_o.

Truncation of the bundle values (``docs/bundles.md``)
-----------------------------------------------------
The cutoff of a steady state is converged on the observables of :func:`~nrbundle.numeric.steady.solve_steady`
(occupations and the pair g2), not on the bundle values: g2_B of |201-> needs states with four photons, which a
cutoff that holds the occupations to ~1e-3 does not represent (fig1, left drive at the corrected |201-> resonance,
(N_b, N_m) = (3, 4): g2_B = 0.556, 0.899, 0.582 for N_a = 5, 6, 7, then 0.4857 at 9 and 0.4852 at 10). The truncation
estimate of each value v is therefore its own: one extra solve per mode o with N_o raised by one level, warm-started
from the state embedded in the larger space (the fixed-cutoff check of ``solve_steady``, applied to the bundle
values), and

    delta_v = max_o |v(N + e_o) - v(N)| / max(|v(N + e_o)|, |v(N)|)

(``None`` for a value undefined at N; inf when a raise makes a defined value non-finite).
:func:`bundle_statistics` with ``truncation="check"`` reports it and warns (:class:`~nrbundle.errors.TruncationWarning`)
above ``truncation_threshold``; ``truncation="converge"`` raises the mode that changes the values most, one level at
a time (re-probing that mode after each raise, and every mode again at the end), until every delta_v < ``rtol``.
:func:`solve_bundle_steady` composes it with ``solve_steady`` (``cutoff="auto"`` starts at :func:`bundle_start`,
at least 2 n_o + 1 levels per mode of the bundle, so that g2_B is defined from the first solve).
"""

from __future__ import annotations

__all__ = [
    "BUNDLE_KEYS",
    "BundleStatistics",
    "bundle_operator",
    "bundle_projector",
    "bundle_undefined",
    "g1_bundle",
    "g2_bundle",
    "g2_bundle_tau",
    "bundle_emission_rate",
    "bundle_purity",
    "bundle_statistics",
    "bundle_start",
    "solve_bundle_steady",
    "state_observables",
    "BUNDLE_DEFINITIONS",
    "BUNDLE_MAX_CUTOFF",
]

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import qutip

from ..display import ShortRepr
from ..errors import ConvergenceError, InputError, TruncationWarning
from ..limits import AUTO_CUTOFF_TIME_BUDGET, check_memory, steady_state_bytes
from ..params import Params, check_finite, parse_target
from ..threads import single_blas_thread
from ..transitions import PAPER_TARGETS
from .correlations import expect, g2_tau
from .liouvillian import DEFAULT_ATOL, steady_state
from .model import MAX_DIMENSION, Model, embed_state, is_auto
from .steady import (
    DEFAULT_OBSERVABLES,
    DEFAULT_START,
    MODEL_TOL,
    TRUNCATION_THRESHOLD,
    SteadyState,
    solve_steady,
)

_MODES: tuple[str, str, str] = ("a", "b", "m")
#: Keys of :meth:`BundleStatistics.values` (the floats of a bundle record).
BUNDLE_KEYS: tuple[str, ...] = ("g1_B", "g2_B", "P_B", "rate_B", "emission_rate", "purity_B")
#: Tolerance of the density-matrix check (Hermiticity, unit trace).
_STATE_TOL = 1e-8
#: Symbol and definition of each key of :data:`BUNDLE_KEYS` (module docstring; ``docs/bundles.md``).
BUNDLE_DEFINITIONS: dict[str, str] = {
    "g1_B": "g^(2)_{1,B}(0) = <B^dag B> / prod_{o: n_o>0} <o^dag o>^n_o",
    "g2_B": "g^(2)_{2,B}(0) = <B^dag^2 B^2> / <B^dag B>^2",
    "P_B": "P_B = Tr[(|n_a n_b n_m><n_a n_b n_m| (x) 1_atom) rho], population of the bundle sector",
    "rate_B": "Gamma_B = P_B sum_o n_o kappa_o, bundle emission rate (cascades per unit time)",
    "emission_rate": "sum_{o: n_o>0} kappa_o <o^dag o>, quanta per unit time out of the bundle's modes",
    "purity_B": "pi_B = n_tot Gamma_B / emission_rate, steady-state bundle purity (an upper estimate)",
}
#: Largest Fock cutoff per mode that ``truncation="converge"`` may reach (the dimension limit applies as well).
BUNDLE_MAX_CUTOFF = 16


def _target(target: str | Sequence[int]) -> tuple[int, int, int]:
    return parse_target(target)


def _check_ops(ops: Mapping[str, Any], target: tuple[int, int, int]) -> None:
    for o, n in zip(_MODES, target, strict=True):
        if n > 0 and o not in ops:
            raise InputError(f"ops: missing the operator of mode {o!r} needed by target {target}")


def bundle_operator(ops: Mapping[str, qutip.Qobj], target: str | Sequence[int]) -> qutip.Qobj:
    """B = a^n_a b^n_b m^n_m for ``target`` = (n_a, n_b, n_m), from full-space mode operators (``Model.ops``)."""
    n = _target(target)
    _check_ops(ops, n)
    B = None
    for o, k in zip(_MODES, n, strict=True):
        if k > 0:
            factor = ops[o] ** k
            B = factor if B is None else B * factor
    return B  # parse_target guarantees at least one quantum


def bundle_projector(model: Model, target: str | Sequence[int]) -> qutip.Qobj:
    """Projector on the complete bundle sector, |n_a n_b n_m><n_a n_b n_m| (x) 1_atom.

    Raises
    ------
    InputError
        ``target``: the sector lies outside the model's truncation.
    """
    n = _target(target)
    if any(k >= N for k, N in zip(n, model.cutoff, strict=True)):
        raise InputError(f"target: {n} lies outside the truncation {model.cutoff}")
    parts = [qutip.fock_dm(N, k) for N, k in zip(model.cutoff, n, strict=True)]
    return qutip.tensor(*parts, qutip.qeye(2))


def bundle_undefined(cutoff: Sequence[int], target: str | Sequence[int]) -> dict[str, str]:
    """Values of :data:`BUNDLE_KEYS` a truncation cannot represent, with the reason.

    o^k on N Fock levels vanishes identically for k >= N: B = 0 when N_o <= n_o for a mode of the bundle (every key
    undefined), and B^2 = 0 when N_o <= 2 n_o (``g2_B`` undefined: it would be 0 by construction, not by physics).
    """
    n = _target(target)
    N = dict(zip(_MODES, (int(c) for c in cutoff), strict=True))
    out: dict[str, str] = {}
    short1 = [o for o, k in zip(_MODES, n, strict=True) if k > 0 and N[o] <= k]
    if short1:
        o = short1[0]
        k = n[_MODES.index(o)]
        reason = (f"B = 0 with {N[o]} Fock levels of mode {o} (N_{o}={N[o]}); target {n} needs N_{o} >= {k + 1}")
        return {key: reason for key in BUNDLE_KEYS}
    short2 = [o for o, k in zip(_MODES, n, strict=True) if k > 0 and N[o] <= 2 * k]
    if short2:
        o = short2[0]
        k = n[_MODES.index(o)]
        out["g2_B"] = (f"B^2 = 0 with {N[o]} Fock levels of mode {o} (N_{o}={N[o]}); bundle g2 of target {n} "
                       f"needs N_{o} >= {2 * k + 1}")
    return out


def _state(rho: Any, name: str = "rho") -> qutip.Qobj:
    """The density matrix as a ``Qobj`` operator, refused (InputError) unless Hermitian with unit trace."""
    R = rho if isinstance(rho, qutip.Qobj) else qutip.Qobj(np.asarray(rho, dtype=complex))
    if R.isket:
        R = qutip.ket2dm(R)
    if not R.isoper:
        raise InputError(f"{name}: expected a density matrix or a ket")
    M = R.full()
    if not np.all(np.isfinite(M)):
        raise InputError(f"{name}: contains non-finite entries")
    scale = max(float(np.linalg.norm(M)), 1e-300)
    if not float(np.linalg.norm(M - M.conj().T)) / scale <= _STATE_TOL:
        raise InputError(f"{name}: not a density matrix: not Hermitian")
    tr = complex(np.trace(M))
    if not abs(tr - 1.0) <= 1e-6:
        raise InputError(f"{name}: not a density matrix: trace {tr.real:.6g}, expected 1 (normalise the state)")
    return R


def _mean(op: qutip.Qobj, R: qutip.Qobj) -> float:
    return float(expect(op, R).real)


def _ratio(num: float, den: float) -> float:
    return math.nan if den == 0.0 else num / den


def g1_bundle(rho: Any, ops: Mapping[str, qutip.Qobj], target: str | Sequence[int]) -> float:
    """g^(2)_{1,B}(0) = <B^dag B> / prod_{o: n_o > 0} <o^dag o>^n_o.

    Parameters
    ----------
    rho
        Density matrix (``Qobj`` or array with the dimension of ``ops``).
    ops
        Full-space mode operators ``{"a", "b", "m"}`` (``Model.ops``).
    target
        (n_a, n_b, n_m) of the bundle.

    Returns
    -------
    float
        NaN when a mean occupation is zero (see :func:`bundle_undefined` for truncations that cannot hold B).
    """
    n = _target(target)
    R = _state(rho)
    B = bundle_operator(ops, n)
    num = _mean(B.dag() * B, R)
    den = 1.0
    for o, k in zip(_MODES, n, strict=True):
        if k > 0:
            den *= _mean(ops[o].dag() * ops[o], R) ** k
    return _ratio(num, den)


def g2_bundle(rho: Any, ops: Mapping[str, qutip.Qobj], target: str | Sequence[int]) -> float:
    """g^(2)_{2,B}(0) = <B^dag^2 B^2> / <B^dag B>^2 (Eq. 3 at tau = 0 for a pair target).

    Returns
    -------
    float
        NaN when <B^dag B> = 0.
    """
    R = _state(rho)
    B = bundle_operator(ops, target)
    B2 = B * B
    n = _mean(B.dag() * B, R)
    return _ratio(_mean(B2.dag() * B2, R), n * n)


def g2_bundle_tau(
    H: Any,
    c_ops: Sequence[Any],
    rho_ss: Any,
    ops: Mapping[str, qutip.Qobj],
    target: str | Sequence[int],
    tlist: Sequence[float] | np.ndarray,
    *,
    method: Literal["expm", "mesolve"] = "expm",
) -> np.ndarray:
    """g^(2)_B(tau) = Tr[B^dag B e^{L tau}(B rho_ss B^dag)] / <B^dag B>^2 by the quantum regression theorem.

    Calls :func:`nrbundle.numeric.correlations.g2_tau` with op = B; g^(2)_B(0) equals :func:`g2_bundle`.
    NaN everywhere when <B^dag B> = 0.
    """
    B = bundle_operator(ops, target)
    return g2_tau(H, c_ops, rho_ss, B, tlist, method=method)


def bundle_emission_rate(model: Model, rho: Any, target: str | Sequence[int]) -> tuple[float, float, float]:
    """Bundle emission rate Gamma_B = P_B sum_o n_o kappa_o and the total emission rate of the bundle's modes.

    Returns
    -------
    (P_B, Gamma_B, emission_rate)
        P_B = population of the sector |n_a n_b n_m> (any atom state), Gamma_B (bundle cascades per unit time),
        and sum_{o: n_o > 0} kappa_o <o^dag o> (quanta per unit time out of the bundle's modes).
    """
    n = _target(target)
    R = _state(rho)
    kap = model.emission_rates  # kappa_o (n_th_o + 1): emission jumps only
    P = _mean(bundle_projector(model, n), R)
    gamma_B = P * sum(k * kap[o] for o, k in zip(_MODES, n, strict=True))
    total = sum(kap[o] * _mean(model.ops[o].dag() * model.ops[o], R) for o, k in zip(_MODES, n, strict=True) if k)
    return P, gamma_B, total


def bundle_purity(model: Model, rho: Any, target: str | Sequence[int]) -> float:
    """Steady-state bundle purity pi_B = n_tot Gamma_B / sum_{o: n_o > 0} kappa_o <o^dag o> (module docstring).

    Meaningful for a steady state only, and an upper estimate where cascades do not complete through the mode
    channels (module docstring).

    Returns
    -------
    float
        NaN when no quanta are emitted (zero denominator).
    """
    n = _target(target)
    _, gamma_B, total = bundle_emission_rate(model, rho, n)
    return _ratio(sum(n) * gamma_B, total)


@dataclass(frozen=True, repr=False)
class BundleStatistics(ShortRepr):
    """Bundle statistics of one steady state and how they were obtained (a short repr: arrays by shape).

    Attributes
    ----------
    target
        (n_a, n_b, n_m).
    g1_B, g2_B
        g^(2)_{1,B}(0) and g^(2)_{2,B}(0) (NaN where undefined).
    P_B, rate_B, emission_rate, purity_B
        Population of the bundle sector, bundle emission rate Gamma_B, total emission rate of the bundle's modes and
        the steady-state purity (module docstring).
    cutoff, residual, error_estimate
        Of the state the values were computed in (the given steady state, or the raised one that
        ``truncation="converge"`` reached).
    truncation_error
        Of the given :class:`~nrbundle.numeric.steady.SteadyState` (``None`` when it was not estimated): the
        truncation of the observables that state was converged on, not of these bundle values (see
        ``value_truncation``).
    tlist, g2_tau
        Delays and g^(2)_B(tau) (empty without ``tlist``).
    undefined
        Key -> why the value is NaN.
    value_truncation
        Key of :data:`BUNDLE_KEYS` -> delta_v, the largest relative change of that value when one mode gets one more
        Fock level (module docstring); ``None`` for a value undefined at ``cutoff``. Empty when not estimated.
    mode_truncation
        Mode -> largest relative change of any value when that mode gets one more level.
    history
        ``[(cutoff, values), ...]`` of every solve of the truncation check or convergence, in order.
    """

    target: tuple[int, int, int]
    g1_B: float
    g2_B: float
    P_B: float
    rate_B: float
    emission_rate: float
    purity_B: float
    cutoff: tuple[int, int, int]
    residual: float
    error_estimate: float
    truncation_error: float | None
    tlist: np.ndarray = field(default_factory=lambda: np.empty(0))
    g2_tau: np.ndarray = field(default_factory=lambda: np.empty(0))
    undefined: dict = field(default_factory=dict)
    value_truncation: dict = field(default_factory=dict)
    mode_truncation: dict = field(default_factory=dict)
    history: list = field(default_factory=list)

    def values(self) -> dict[str, float]:
        """The floats of :data:`BUNDLE_KEYS` (NaN where undefined)."""
        return {k: float(getattr(self, k)) for k in BUNDLE_KEYS}

    @property
    def bundle_truncation_error(self) -> float | None:
        """Largest ``value_truncation`` over the defined values; ``None`` when not estimated (or nothing defined)."""
        known = [v for v in self.value_truncation.values() if v is not None]
        return max(known) if known else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (``nrbundle.provenance.dumps`` maps NaN to null): values, target and provenance."""
        return {
            **self.values(),
            "target": list(self.target),
            "cutoff": list(self.cutoff),
            "residual": self.residual,
            "error_estimate": self.error_estimate,
            "truncation_error": self.truncation_error,
            "tlist": [float(t) for t in self.tlist],
            "g2_tau": [float(g) for g in self.g2_tau],
            "undefined": dict(self.undefined),
            "value_truncation": dict(self.value_truncation),
            "mode_truncation": dict(self.mode_truncation),
            "bundle_truncation_error": self.bundle_truncation_error,
        }


def _values(model: Model, R: qutip.Qobj, n: tuple[int, int, int]) -> tuple[dict[str, float], dict[str, str]]:
    """:data:`BUNDLE_KEYS` -> value in state ``R`` of ``model`` (NaN where undefined), and the reasons."""
    undefined = bundle_undefined(model.cutoff, n)
    vals = {k: math.nan for k in BUNDLE_KEYS}
    if "g1_B" not in undefined:
        P, rate, total = bundle_emission_rate(model, R, n)
        vals.update(P_B=P, rate_B=rate, emission_rate=total, g1_B=g1_bundle(R, model.ops, n))
        vals["purity_B"] = _ratio(sum(n) * rate, total)
        if "g2_B" not in undefined:
            vals["g2_B"] = g2_bundle(R, model.ops, n)
        for key in ("g1_B", "g2_B", "purity_B"):
            if math.isnan(vals[key]) and key not in undefined:
                undefined[key] = "zero denominator (a mean occupation or <B^dag B> is exactly 0)"
    return vals, undefined


def _change(
    old: Mapping[str, float], new: Mapping[str, float], undefined: Mapping[str, str]
) -> dict[str, float | None]:
    """Key -> |new - old| / max(|new|, |old|) (0 when both are 0, inf when only ``old`` is finite, ``None`` for a key
    undefined in ``old``)."""
    out: dict[str, float | None] = {}
    for k, u in old.items():
        v = new[k]
        if k in undefined or not math.isfinite(u):
            out[k] = None
        elif not math.isfinite(v):
            out[k] = math.inf
        else:
            den = max(abs(u), abs(v))
            out[k] = 0.0 if den == 0.0 else abs(v - u) / den
    return out


def _largest(changes: Mapping[str, float | None]) -> float:
    return max((v for v in changes.values() if v is not None), default=0.0)


def _raised(N: tuple[int, int, int], i: int) -> tuple[int, int, int]:
    return (N[0] + (i == 0), N[1] + (i == 1), N[2] + (i == 2))


@dataclass
class _Point:
    """One solve: its cutoff, model, state, values and solver record."""

    N: tuple[int, int, int]
    model: Model
    R: qutip.Qobj
    values: dict[str, float]
    undefined: dict[str, str]
    residual: float
    error_estimate: float


def _solve_at(state: SteadyState, N: tuple[int, int, int], start: _Point, n: tuple[int, int, int]) -> _Point:
    """Steady state at cutoff ``N`` (parameters of ``state``), warm-started from ``start`` embedded in it."""
    d = 2 * N[0] * N[1] * N[2]
    check_memory(steady_state_bytes(d), f"the bundle truncation solve at cutoff {N} (dimension {d})",
                 param="cutoff", hint="lower the cutoff")
    model = Model(state.params, state.direction, N)
    res = steady_state(model.H(state.Delta_ad), model.c_ops, tol=MODEL_TOL, atol=DEFAULT_ATOL,
                       rho0=embed_state(start.R.full(), start.N, N))
    vals, undefined = _values(model, res.rho_ss, n)
    return _Point(N, model, res.rho_ss, vals, undefined, float(res.residual), float(res.error_estimate))


def _fits(N: tuple[int, int, int], max_cutoff: int | None) -> bool:
    return (max_cutoff is None or max(N) <= max_cutoff) and 2 * N[0] * N[1] * N[2] <= MAX_DIMENSION


def _truncation_message(N: tuple[int, int, int], n: tuple[int, int, int], value_changes: Mapping[str, float | None],
                        mode_changes: Mapping[str, Mapping[str, float | None]], threshold: float) -> str:
    mode, key = max(((o, k) for o, ch in mode_changes.items() for k, v in ch.items() if v is not None),
                    key=lambda ok: mode_changes[ok[0]][ok[1]])  # type: ignore[arg-type,return-value]
    err = mode_changes[mode][key]
    return (f"cutoff {N}: bundle truncation estimate of target {n} {err:.3g} > {threshold:g}: raising N_{mode} by "
            f"one level changes {key} by {100 * err:.3g}% - raise the cutoff or use cutoff='auto'")  # type: ignore


@single_blas_thread
def bundle_statistics(
    state: SteadyState,
    target: str | Sequence[int],
    *,
    tlist: Sequence[float] | np.ndarray | None = None,
    method: Literal["expm", "mesolve"] = "expm",
    truncation: Literal["none", "check", "converge"] = "none",
    rtol: float = 1e-3,
    max_cutoff: int = BUNDLE_MAX_CUTOFF,
    truncation_threshold: float = TRUNCATION_THRESHOLD,
) -> BundleStatistics:
    """All bundle statistics of a steady state (:func:`nrbundle.numeric.steady.solve_steady`) for one target.

    Parameters
    ----------
    state
        The steady state; its cutoff must hold the target (otherwise every value is NaN with the reason).
    target
        (n_a, n_b, n_m).
    tlist
        Delays for g^(2)_B(tau) (quantum regression); ``None`` skips it.
    method
        Propagation of :func:`g2_bundle_tau`.
    truncation
        ``"none"``: the values at the state's cutoff only. ``"check"``: plus the truncation estimate delta_v of
        each value (one extra solve per mode raised by one level, module docstring), with one
        :class:`~nrbundle.errors.TruncationWarning` when the largest exceeds ``truncation_threshold`` (skipped,
        empty, when a raise exceeds the dimension limit). ``"converge"``: raise the mode that changes the values
        most until every delta_v < ``rtol``; the values then refer to the raised cutoff (``cutoff``).
    rtol
        ``"converge"``: largest allowed delta_v.
    max_cutoff
        ``"converge"``: largest N per mode.
    truncation_threshold
        ``"check"``: a larger delta_v warns.

    Returns
    -------
    BundleStatistics

    Raises
    ------
    InputError
        Bad input.
    ConvergenceError
        ``"converge"`` needed a cutoff above ``max_cutoff`` (or the dimension limit); ``.statistics`` holds the
        :class:`BundleStatistics` reached, with its estimate.
    """
    if not isinstance(state, SteadyState):
        raise InputError(f"state: expected a SteadyState, got {type(state).__name__}")
    n = _target(target)
    if truncation not in ("none", "check", "converge"):
        raise InputError(f"truncation: expected 'none', 'check' or 'converge', got {truncation!r}")
    for name, val in (("rtol", rtol), ("truncation_threshold", truncation_threshold)):
        v = check_finite(name, val)
        if not 0 < v < 1:
            raise InputError(f"{name}: must lie in (0, 1), got {val!r}")
    max_cutoff = int(max_cutoff)
    model = state.model
    vals, undefined = _values(model, state.rho_ss, n)
    point = _Point(tuple(model.cutoff), model, state.rho_ss, vals, undefined,  # type: ignore[arg-type]
                   float(state.residual), float(state.error_estimate))
    history: list = []
    mode_changes: dict[str, dict[str, float | None]] = {}
    failure: str | None = None
    if truncation == "check" and all(_fits(_raised(point.N, i), None) for i in range(3)):
        for i, o in enumerate(_MODES):
            probe = _solve_at(state, _raised(point.N, i), point, n)
            mode_changes[o] = _change(point.values, probe.values, point.undefined)
            history.append((probe.N, probe.values))
    elif truncation == "converge":
        point, mode_changes, failure = _converge(state, point, n, rtol, max_cutoff, history)
    value_changes = {k: (None if k in point.undefined else
                         max((ch[k] for ch in mode_changes.values() if ch[k] is not None), default=0.0))
                     for k in BUNDLE_KEYS} if mode_changes else {}
    if truncation == "check" and mode_changes and _largest(value_changes) > truncation_threshold:
        msg = _truncation_message(point.N, n, value_changes, mode_changes, truncation_threshold)
        warnings.warn(msg, TruncationWarning, stacklevel=3)  # the caller of the single_blas_thread wrapper
    taus = np.empty(0) if tlist is None else np.asarray(tlist, dtype=float)
    g2t = np.full(taus.shape, math.nan)
    if tlist is not None:
        if "g2_B" in point.undefined:
            point.undefined["g2_tau"] = point.undefined["g2_B"]
        else:
            g2t = g2_bundle_tau(point.model.H(state.Delta_ad), point.model.c_ops, point.R, point.model.ops, n, taus,
                                method=method)
    stats = BundleStatistics(
        target=n,
        **point.values,
        cutoff=point.N,
        residual=point.residual,
        error_estimate=point.error_estimate,
        truncation_error=None if state.truncation_error is None else float(state.truncation_error),
        tlist=taus,
        g2_tau=g2t,
        undefined=point.undefined,
        value_truncation=value_changes,
        mode_truncation={o: _largest(ch) for o, ch in mode_changes.items()},
        history=history,
    )
    if failure is not None:
        exc = ConvergenceError(failure)
        exc.statistics = stats  # type: ignore[attr-defined]
        raise exc
    return stats


def _converge(
    state: SteadyState, point: _Point, n: tuple[int, int, int], rtol: float, max_cutoff: int, history: list
) -> tuple[_Point, dict[str, dict[str, float | None]], str | None]:
    """Raise one mode at a time until every value changes by < ``rtol`` under a one-level raise of any mode.

    Each mode's last probe (the solve with that mode one level higher) is kept. The mode whose probe changed the
    values most is raised (its probe becomes the state) when that probe was made at the current cutoff, else it is
    probed again first; after a raise only the raised mode is probed again. When every kept change is below
    ``rtol`` the modes probed at an older cutoff are probed again, so that the final estimate compares the final
    cutoff with each of its one-level raises. Returns the final point, the changes per mode and ``None``, or a
    failure message when a needed raise exceeds ``max_cutoff``, the dimension limit or the time budget.
    """
    t0 = time.perf_counter()
    changes: dict[str, dict[str, float | None]] = {}
    probes: dict[str, _Point] = {}
    fresh: set[str] = set()
    while True:
        if time.perf_counter() - t0 > AUTO_CUTOFF_TIME_BUDGET:  # bounded work (nrbundle.limits)
            return point, changes, (f"cutoff: the bundle convergence of target {n} stopped after "
                                    f"{AUTO_CUTOFF_TIME_BUDGET:.0f} s at cutoff {point.N}; give a fixed cutoff")
        worst = max(changes, key=lambda o: _largest(changes[o]), default=None)
        if worst is not None and _largest(changes[worst]) >= rtol:
            if worst in fresh:
                if not _fits(probes[worst].N, max_cutoff):
                    why = ", ".join(f"{o}: {_largest(ch):.2g}" for o, ch in changes.items())
                    return point, changes, (
                        f"cutoff: the bundle values of target {n} did not converge to rtol={rtol:g} within "
                        f"max_cutoff={max_cutoff} (reached {point.N}; largest relative change per one-level "
                        f"raise: {why})")
                point = probes.pop(worst)
                fresh = set()
            todo = [worst]
        else:
            todo = [o for o in _MODES if o not in fresh]
            if not todo:
                return point, changes, None
        for o in todo:
            N = _raised(point.N, _MODES.index(o))
            if not _fits(N, None):
                return point, changes, (f"cutoff: the bundle truncation check of target {n} needs cutoff {N}, "
                                        f"beyond the dimension limit {MAX_DIMENSION}")
            probes[o] = _solve_at(state, N, point, n)
            history.append((probes[o].N, probes[o].values))
            changes[o] = _change(point.values, probes[o].values, point.undefined)
            fresh.add(o)


def bundle_start(target: str | Sequence[int]) -> tuple[int, int, int]:
    """First cutoff of ``cutoff="auto"`` for a target: N_o = max(DEFAULT_START_o, 2 n_o + 1).

    2 n_o + 1 Fock levels are the fewest on which B^2 = a^(2 n_a) b^(2 n_b) m^(2 n_m) is not identically zero, so
    g2_B is defined from the first solve (:func:`bundle_undefined`). For the paper's pairs this is
    :data:`~nrbundle.numeric.steady.DEFAULT_START`.
    """
    n = _target(target)
    return tuple(max(s, 2 * k + 1) for s, k in zip(DEFAULT_START, n, strict=True))  # type: ignore[return-value]


#: Observables ``solve_steady`` converges the state on for a target that is not one of the paper's pairs: the pair
#: g2 of another pair need not converge at that target's resonance (fig1, |201->: g2_ab still changes by 13 % from
#: N_a = 7 to 8), and the bundle values get their own convergence.
_OCCUPATIONS: tuple[str, ...] = ("n_a", "n_b", "n_m")


def state_observables(target: str | Sequence[int]) -> tuple[str, ...]:
    """Observables the state of :func:`solve_bundle_steady` is converged on: the default ones of ``solve_steady``
    for the paper's pairs (the state of ``nrbundle steady`` without ``--target``), the occupations otherwise."""
    return DEFAULT_OBSERVABLES if _target(target) in PAPER_TARGETS else _OCCUPATIONS


def solve_bundle_steady(
    params: Params,
    target: str | Sequence[int],
    direction: str,
    Delta_ad: float,
    cutoff: str | int | Sequence[int] = "auto",
    *,
    rtol: float = 1e-3,
    max_cutoff: int = BUNDLE_MAX_CUTOFF,
    truncation_check: bool = True,
    truncation_threshold: float = TRUNCATION_THRESHOLD,
    tlist: Sequence[float] | np.ndarray | None = None,
    method: Literal["expm", "mesolve"] = "expm",
) -> tuple[SteadyState, BundleStatistics]:
    """Steady state of Eq. (2) and the converged (or checked) bundle statistics of one target.

    The state is :func:`~nrbundle.numeric.steady.solve_steady` converged on :func:`state_observables` (for the
    paper's pairs exactly the call of ``nrbundle steady`` without ``--target``; otherwise ``cutoff="auto"`` starts at
    :func:`bundle_start`). The bundle values then get their own truncation estimate (module docstring):
    ``cutoff="auto"`` raises modes until every value changes by < ``rtol`` (:func:`bundle_statistics`,
    ``truncation="converge"``); a fixed cutoff is checked (``truncation="check"``, warns above
    ``truncation_threshold``).

    Parameters
    ----------
    params
        Parameter set.
    target
        (n_a, n_b, n_m) of the bundle.
    direction, Delta_ad
        As :func:`~nrbundle.numeric.steady.solve_steady`.
    cutoff
        ``"auto"``, N or ``(N_a, N_b, N_m)``.
    rtol
        ``"auto"``: convergence tolerance of the state's observables and of the bundle values.
    max_cutoff
        ``"auto"``: largest N per mode of the bundle convergence (and of the state's, for a target that is not a
        paper pair).
    truncation_check
        Fixed cutoff: estimate the truncation of the state and of the bundle values (extra solves); ``False``
        skips both (``value_truncation`` is then empty).
    truncation_threshold
        Fixed cutoff: a larger estimate warns with :class:`~nrbundle.errors.TruncationWarning`.
    tlist, method
        Delays and propagation of g^(2)_B(tau) (:func:`g2_bundle_tau`); ``None`` skips it.

    Returns
    -------
    (SteadyState, BundleStatistics)
        The state (its cutoff and ``truncation_error`` are those of ``solve_steady``) and the bundle statistics
        (their ``cutoff`` is the state's, or larger when the bundle convergence raised it).

    Raises
    ------
    InputError
        Bad input.
    ConvergenceError
        The state or the bundle values did not converge within ``max_cutoff`` (``.state`` or ``.statistics``).
    """
    n = _target(target)
    observables = state_observables(n)
    auto = is_auto(cutoff)
    kw: dict[str, Any] = {}
    if observables != DEFAULT_OBSERVABLES:
        kw = {"observables": observables, "start": bundle_start(n), "max_cutoff": int(max_cutoff)} if auto else {
            "observables": observables}
    if auto:
        state = solve_steady(params, direction, Delta_ad, "auto", rtol=rtol, **kw)
        mode = "converge"
    else:
        state = solve_steady(params, direction, Delta_ad, cutoff, truncation_check=truncation_check,
                             truncation_threshold=truncation_threshold, **kw)
        mode = "check" if truncation_check else "none"
    stats = bundle_statistics(state, n, tlist=tlist, method=method, truncation=mode,  # type: ignore[arg-type]
                              rtol=rtol, max_cutoff=max_cutoff, truncation_threshold=truncation_threshold)
    return state, stats
