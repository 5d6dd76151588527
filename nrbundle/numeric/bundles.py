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
  ``docs/bundles.md``, "Known limitation"; the trajectory estimate counts what actually leaves).
  Bundles of higher multiplicity (sector 2n, ...) are not counted: at
  weak drive they are negligible, and a cluster of 2 n_tot quanta is not a clean bundle in the trajectory
  estimate either (:mod:`nrbundle.numeric.bundle_purity`, which measures the same fraction from jump records).

Undefined values
----------------
A value the truncation cannot represent, or whose denominator is zero, is NaN with a reason in
:attr:`BundleStatistics.undefined` (:func:`bundle_undefined`): B = 0 identically when a mode keeps N_o <= n_o Fock
levels, B^2 = 0 when N_o <= 2 n_o.
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
]

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import qutip

from ..errors import InputError
from ..params import parse_target
from .correlations import expect, g2_tau
from .model import Model
from .steady import SteadyState

_MODES: tuple[str, str, str] = ("a", "b", "m")
_RATE_NAMES = {"a": "kappa_a", "b": "kappa_b", "m": "kappa_m"}
#: Keys of :meth:`BundleStatistics.values` (the floats of a bundle record).
BUNDLE_KEYS: tuple[str, ...] = ("g1_B", "g2_B", "P_B", "rate_B", "emission_rate", "purity_B")
#: Tolerance of the density-matrix check (Hermiticity, unit trace).
_STATE_TOL = 1e-8


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


def _kappas(model: Model) -> dict[str, float]:
    rates = model.params.rates
    return {o: float(rates[_RATE_NAMES[o]]) for o in _MODES}


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
    kap = _kappas(model)
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


@dataclass(frozen=True)
class BundleStatistics:
    """Bundle statistics of one steady state and how they were obtained.

    Attributes
    ----------
    target
        (n_a, n_b, n_m).
    g1_B, g2_B
        g^(2)_{1,B}(0) and g^(2)_{2,B}(0) (NaN where undefined).
    P_B, rate_B, emission_rate, purity_B
        Population of the bundle sector, bundle emission rate Gamma_B, total emission rate of the bundle's modes and
        the steady-state purity (module docstring).
    tlist, g2_tau
        Delays and g^(2)_B(tau) (empty without ``tlist``).
    cutoff, residual, error_estimate, truncation_error
        Of the steady state (:class:`~nrbundle.numeric.steady.SteadyState`); ``truncation_error`` is ``None`` when
        it was not estimated. It estimates the truncation of the pair observables the state was converged on, not
        of these bundle values.
    undefined
        Key -> why the value is NaN.
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

    def values(self) -> dict[str, float]:
        """The floats of :data:`BUNDLE_KEYS` (NaN where undefined)."""
        return {k: float(getattr(self, k)) for k in BUNDLE_KEYS}

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
        }


def bundle_statistics(
    state: SteadyState,
    target: str | Sequence[int],
    *,
    tlist: Sequence[float] | np.ndarray | None = None,
    method: Literal["expm", "mesolve"] = "expm",
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

    Returns
    -------
    BundleStatistics
    """
    if not isinstance(state, SteadyState):
        raise InputError(f"state: expected a SteadyState, got {type(state).__name__}")
    n = _target(target)
    model = state.model
    undefined = bundle_undefined(model.cutoff, n)
    nan = math.nan
    vals = {k: nan for k in BUNDLE_KEYS}
    taus = np.empty(0) if tlist is None else np.asarray(tlist, dtype=float)
    g2t = np.full(taus.shape, nan)
    if "g1_B" not in undefined:
        R = state.rho_ss
        P, rate, total = bundle_emission_rate(model, R, n)
        vals.update(P_B=P, rate_B=rate, emission_rate=total, g1_B=g1_bundle(R, model.ops, n))
        vals["purity_B"] = _ratio(sum(n) * rate, total)
        if "g2_B" not in undefined:
            vals["g2_B"] = g2_bundle(R, model.ops, n)
            if tlist is not None:
                g2t = g2_bundle_tau(model.H(state.Delta_ad), model.c_ops, R, model.ops, n, taus, method=method)
        for key in ("g1_B", "g2_B", "purity_B"):
            if math.isnan(vals[key]) and key not in undefined:
                undefined[key] = "zero denominator (a mean occupation or <B^dag B> is exactly 0)"
    if tlist is not None and "g2_B" in undefined:
        undefined["g2_tau"] = undefined["g2_B"]
    return BundleStatistics(
        target=n,
        **vals,
        cutoff=tuple(model.cutoff),
        residual=float(state.residual),
        error_estimate=float(state.error_estimate),
        truncation_error=None if state.truncation_error is None else float(state.truncation_error),
        tlist=taus,
        g2_tau=g2t,
        undefined=undefined,
    )
