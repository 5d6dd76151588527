"""Eq. (1) and the Lindblad terms of Eq. (2) in a truncated Fock space: the one place that builds operators.

Tensor order is (a, b, m, atom). Atom basis: index 0 = |e>, index 1 = |g>, so that
``sigma = |g><e|`` (NOTES.md) and ``sigma.dag() * sigma = |e><e|``.

Beyond the paper (``docs/thermal.md``), each mode o in {a, b, m} may see a thermal bath of occupation n_th_o and the
atom a pure dephasing gamma_phi:

    d rho/dt = -i[H, rho] + sum_o kappa_o [(n_th_o + 1) D[o] + n_th_o D[o^dag]] rho + gamma D[sigma] rho
               + (gamma_phi / 2) D[sigma_z] rho,      D[c] rho = c rho c^dag - {c^dag c, rho}/2,

sigma_z = |e><e| - |g><g|. With every n_th_o = 0 and gamma_phi = 0 this is Eq. (2) and the collapse operators are
exactly the paper's.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import qutip

from ..errors import InputError
from ..params import Params, check_direction, check_finite, check_integer, check_params
from .correlations import PairOperators, pair_operators

__all__ = [
    "Model",
    "parse_cutoff",
    "is_auto",
    "embed_state",
    "MAX_DIMENSION",
    "ATOM_LABELS",
    "atom_state",
    "dressed_coefficients",
]

#: Largest Hilbert-space dimension a model may have (dense d x d work must fit in memory and time).
MAX_DIMENSION = 4000
ATOM_LABELS = ("+", "-", "e", "g")


def parse_cutoff(cutoff: int | Sequence[int] | str) -> tuple[int, int, int]:
    """Normalise a cutoff: an int N (all modes), three ints, or the text ``"N"``/``"NA,NB,NM"``.

    A cutoff N keeps Fock states 0..N-1 of a mode. Each must be >= 2 and the full dimension
    2*NA*NB*NM at most :data:`MAX_DIMENSION`.
    """
    if isinstance(cutoff, str):
        try:  # strict integers: no 1_0, no full-width digits, no 3.9
            vals = [check_integer("cutoff", p) for p in cutoff.split(",")]
        except InputError:
            raise InputError(f"cutoff: expected N or NA,NB,NM (integers), got {cutoff[:80]!r}") from None
    elif isinstance(cutoff, (int, np.integer)) and not isinstance(cutoff, bool):
        vals = [int(cutoff)]
    else:
        try:  # never truncate: (3.9, 3, 3) is refused, not read as (3, 3, 3)
            vals = [check_integer("cutoff", c) for c in cutoff]
        except (TypeError, InputError):
            raise InputError(f"cutoff: expected N or (NA, NB, NM) integers, got {str(cutoff)[:80]!r}") from None
    if len(vals) == 1:
        vals = vals * 3
    if len(vals) != 3:
        raise InputError(f"cutoff: expected N or NA,NB,NM, got {cutoff!r}")
    if any(v < 2 for v in vals):
        raise InputError(f"cutoff: each mode needs at least 2 Fock levels, got {tuple(vals)}")
    dim = 2 * vals[0] * vals[1] * vals[2]
    if dim > MAX_DIMENSION:
        raise InputError(
            f"cutoff: {tuple(vals)} gives Hilbert dimension {dim} > {MAX_DIMENSION} (too large for dense solvers)"
        )
    return tuple(vals)  # type: ignore[return-value]


def is_auto(cutoff: object) -> bool:
    """Whether ``cutoff`` asks for the automatic truncation (the text ``"auto"``, any case and spacing)."""
    return isinstance(cutoff, str) and cutoff.strip().lower() == "auto"


def embed_state(rho: np.ndarray, old: Sequence[int], new: Sequence[int]) -> np.ndarray:
    """A density matrix of cutoff ``old`` zero-padded into the space of cutoff ``new`` (each N_new >= N_old).

    Basis order (N_a, N_b, N_m, atom) as in :class:`Model`; used to warm-start a solve at a larger cutoff.
    """
    shape_old = (*(int(n) for n in old), 2)
    shape_new = (*(int(n) for n in new), 2)
    out = np.zeros(shape_new + shape_new, dtype=complex)
    out[tuple(slice(0, n) for n in shape_old + shape_old)] = np.asarray(rho).reshape(shape_old + shape_old)
    d = int(np.prod(shape_new))
    return out.reshape(d, d)


def dressed_coefficients(params: Params, Delta_ad: float) -> tuple[float, float, float, float]:
    """Dressed-atom quantities of S13-S15: ``(E_plus, E_minus, c_plus, c_minus)``.

    Written with c_+ = sqrt((1 - D/R)/2), c_- = sqrt((1 + D/R)/2), which equals S15
    (c_+^2 = 2 xi^2 / (R^2 + D R) = (R - D) / (2R)), D = Delta_sa + Delta_ad, R = sqrt(D^2 + 4 xi^2).
    """
    D = params.Delta_sa + Delta_ad
    R = math.hypot(D, 2.0 * params.xi)
    c_plus = math.sqrt(max(0.0, 0.5 * (1.0 - D / R)))
    c_minus = math.sqrt(max(0.0, 0.5 * (1.0 + D / R)))
    return 0.5 * (D + R), 0.5 * (D - R), c_plus, c_minus


def atom_state(label: str, params: Params | None = None, Delta_ad: float | None = None) -> qutip.Qobj:
    """Atom ket for a label in {+, -, e, g}; dressed labels need ``params`` and ``Delta_ad`` (S14)."""
    e, g = qutip.basis(2, 0), qutip.basis(2, 1)
    if label == "e":
        return e
    if label == "g":
        return g
    if label not in ("+", "-"):
        raise InputError(f"atom label: expected one of + - e g, got {label!r}")
    if params is None or Delta_ad is None:
        raise InputError("atom label: dressed states need params and Delta_ad")
    _, _, cp, cm = dressed_coefficients(params, Delta_ad)
    return cp * g + cm * e if label == "+" else cm * g - cp * e


class _Structure:
    """The operators of a truncated space that do not depend on the parameters, built once per cutoff.

    Tensor order (a, b, m, atom) as in :class:`Model`. The terms of Eq. (1) are kept apart, so that a model's
    Hamiltonian is their combination with its parameters; every model of the same cutoff shares them (a sweep builds
    hundreds of models of a handful of cutoffs).
    """

    def __init__(self, cutoff: tuple[int, int, int]) -> None:
        self.cutoff = cutoff

    @functools.cached_property
    def ops(self) -> dict[str, qutip.Qobj]:
        na, nb, nm = self.cutoff
        ia, ib, im, i2 = qutip.qeye(na), qutip.qeye(nb), qutip.qeye(nm), qutip.qeye(2)
        sigma = qutip.basis(2, 1) * qutip.basis(2, 0).dag()
        return {
            "a": qutip.tensor(qutip.destroy(na), ib, im, i2),
            "b": qutip.tensor(ia, qutip.destroy(nb), im, i2),
            "m": qutip.tensor(ia, ib, qutip.destroy(nm), i2),
            "sigma": qutip.tensor(ia, ib, im, sigma),
            "I": qutip.tensor(ia, ib, im, i2),
        }

    @functools.cached_property
    def terms(self) -> dict[str, qutip.Qobj]:
        """The operators of Eq. (1) that the parameters multiply, and the number operators."""
        a, b, m, s = (self.ops[k] for k in ("a", "b", "m", "sigma"))
        xa = a + a.dag()
        return {
            "n_a": a.dag() * a,
            "n_b": b.dag() * b,
            "n_m": m.dag() * m,
            "n_e": s.dag() * s,
            "x_a x_b": xa * (b + b.dag()),
            "x_a x_m": xa * (m + m.dag()),
            "a sigma^dag + h.c.": a * s.dag() + a.dag() * s,
            "sigma + sigma^dag": s + s.dag(),
        }

    @functools.cached_property
    def channel_ops(self) -> dict[str, qutip.Qobj]:
        """The operator of every channel of Eq. (2) and its thermal and dephasing terms (``Model._channel_terms``)."""
        o = self.ops
        s = o["sigma"]
        out = {}
        for mode in ("a", "b", "m"):
            out[mode] = o[mode]
            out[f"{mode}+"] = o[mode].dag()
        out["sigma"] = s
        out["sigma_z"] = s.dag() * s - s * s.dag()
        return out

    @functools.cached_property
    def pairs(self) -> dict[str, PairOperators]:
        o = self.ops
        return {mode: pair_operators(o["a"], o[mode]) for mode in ("b", "m")}

    @functools.cached_property
    def top_levels(self) -> dict[str, qutip.Qobj]:
        na, nb, nm = self.cutoff
        ia, ib, im, i2 = qutip.qeye(na), qutip.qeye(nb), qutip.qeye(nm), qutip.qeye(2)
        return {
            "a": qutip.tensor(qutip.fock_dm(na, na - 1), ib, im, i2),
            "b": qutip.tensor(ia, qutip.fock_dm(nb, nb - 1), im, i2),
            "m": qutip.tensor(ia, ib, qutip.fock_dm(nm, nm - 1), i2),
        }


@functools.lru_cache(maxsize=32)
def _structure(cutoff: tuple[int, int, int]) -> _Structure:
    """The shared :class:`_Structure` of a cutoff (the 32 most recent cutoffs are kept)."""
    return _Structure(cutoff)


@dataclass(frozen=True)
class Model:
    """Eq. (1) + Eq. (2) for one parameter set, drive direction and cutoff.

    Parameters
    ----------
    params
        The physical parameters.
    direction
        ``"left"`` (Delta_F = +|Delta_F|) or ``"right"`` (Delta_F = -|Delta_F|).
    cutoff
        Fock levels kept per mode, ``(N_a, N_b, N_m)`` (or one int for all).
    """

    params: Params
    direction: str
    cutoff: tuple[int, int, int] = (4, 4, 4)

    def __post_init__(self) -> None:
        check_params(self.params)
        check_direction(self.direction)
        object.__setattr__(self, "cutoff", parse_cutoff(self.cutoff))

    # ------------------------------------------------------------ operators
    @property
    def dims(self) -> list[int]:
        """Subsystem dimensions ``[N_a, N_b, N_m, 2]``."""
        return [*self.cutoff, 2]

    @property
    def dimension(self) -> int:
        """Hilbert-space dimension 2 N_a N_b N_m."""
        return 2 * self.cutoff[0] * self.cutoff[1] * self.cutoff[2]

    @property
    def ops(self) -> dict[str, qutip.Qobj]:
        """Full-space operators ``a, b, m, sigma`` (and the identity ``I``); built once per cutoff, shared."""
        return dict(_structure(self.cutoff).ops)

    @functools.cached_property
    def _H_parts(self) -> tuple[qutip.Qobj, qutip.Qobj]:
        """(H_static, H_slope) with H(Delta_ad) = H_static + Delta_ad * H_slope (Eq. 1)."""
        p = self.params
        t = _structure(self.cutoff).terms
        H_static = (
            p.Delta_F_signed(self.direction) * t["n_a"]
            + p.omega_b * t["n_b"]
            + p.omega_m * t["n_m"]
            + p.Delta_sa * t["n_e"]
            + p.lambda_ab * t["x_a x_b"]
            + p.lambda_am * t["x_a x_m"]
            + p.lambda_as * t["a sigma^dag + h.c."]
            + p.xi * t["sigma + sigma^dag"]
        )
        return H_static, t["n_a"] + t["n_e"]

    def H(self, Delta_ad: float) -> qutip.Qobj:
        """Hamiltonian of Eq. (1) at drive detuning ``Delta_ad`` (rotating frame, hbar = 1).

        Delta_sigma_d = Delta_sa + Delta_ad multiplies sigma^dag sigma (S11).
        """
        Delta_ad = check_finite("Delta_ad", Delta_ad)
        H_static, H_slope = self._H_parts
        return H_static + Delta_ad * H_slope

    def H_matrix(self, Delta_ad: float) -> np.ndarray:
        """Dense matrix of :meth:`H`."""
        return self.H(Delta_ad).full()

    @functools.cached_property
    def c_ops(self) -> list[qutip.Qobj]:
        """Collapse operators of Eq. (2)/(S3), with the thermal and dephasing terms of the module docstring.

        In order: for o = a, b, m the emission sqrt(kappa_o (n_th_o + 1)) o and the thermal absorption
        sqrt(kappa_o n_th_o) o^dag; then the atomic decay sqrt(gamma) sigma and the pure dephasing
        sqrt(gamma_phi / 2) sigma_z (coherence <sigma> decays at gamma_phi from it, at gamma/2 + gamma_phi in all).
        Channels with a zero rate are omitted, so with n_th_o = 0 and gamma_phi = 0 the list is exactly
        sqrt(kappa_o) o, sqrt(gamma) sigma. :attr:`channels` names the ones kept, in order.
        """
        return [math.sqrt(r) * op for _, r, op in self._channel_terms if r > 0]

    @property
    def _channel_terms(self) -> list[tuple[str, float, qutip.Qobj]]:
        """``(name, rate, operator)`` of every possible channel; the collapse operator is sqrt(rate) operator."""
        r = self.params.rates
        n_th = self.params.thermal_occupations
        c = _structure(self.cutoff).channel_ops
        out: list[tuple[str, float, qutip.Qobj]] = []
        for o in ("a", "b", "m"):
            kappa, n = r[f"kappa_{o}"], n_th[f"n_th_{o}"]
            out.append((o, kappa * (n + 1.0), c[o]))
            out.append((f"{o}+", kappa * n, c[f"{o}+"]))
        out.append(("sigma", r["gamma"], c["sigma"]))
        out.append(("sigma_z", 0.5 * self.params.gamma_phi, c["sigma_z"]))
        return out

    @property
    def channels(self) -> list[str]:
        """Names of the channels in :attr:`c_ops`, in the same order.

        ``"a"``, ``"b"``, ``"m"``: emission of a quantum (o); ``"a+"``, ``"b+"``, ``"m+"``: thermal absorption of one
        (o^dag, only with n_th_o > 0); ``"sigma"``: atomic decay; ``"sigma_z"``: pure dephasing (gamma_phi > 0).
        """
        return [name for name, r, _ in self._channel_terms if r > 0]

    @property
    def emission_rates(self) -> dict[str, float]:
        """Rate coefficient of the emission jump of each mode, ``{"a", "b", "m"}``: kappa_o (n_th_o + 1).

        The emission flux of mode o is kappa_o (n_th_o + 1) <o^dag o>; thermal absorption adds
        kappa_o n_th_o <o o^dag> quanta per unit time the other way. Equal to kappa_o when n_th_o = 0.
        """
        r = self.params.rates
        n_th = self.params.thermal_occupations
        return {o: r[f"kappa_{o}"] * (n_th[f"n_th_{o}"] + 1.0) for o in ("a", "b", "m")}

    # --------------------------------------------------------------- states
    def state(self, n_a: int, n_b: int, n_m: int, label: str, Delta_ad: float | None = None) -> qutip.Qobj:
        """Product ket |n_a n_b n_m l>, l in {+, -, e, g}; dressed labels use S14 at ``Delta_ad``."""
        for name, n, N in (("n_a", n_a, self.cutoff[0]), ("n_b", n_b, self.cutoff[1]), ("n_m", n_m, self.cutoff[2])):
            if not 0 <= int(n) < N:
                raise InputError(f"{name}: {n} is outside the truncated space 0..{N - 1}")
        return qutip.tensor(
            qutip.basis(self.cutoff[0], int(n_a)),
            qutip.basis(self.cutoff[1], int(n_b)),
            qutip.basis(self.cutoff[2], int(n_m)),
            atom_state(label, self.params, Delta_ad),
        )

    @property
    def pair_operators(self) -> dict[str, PairOperators]:
        """The products of the pairs (a, b) and (a, m) that their correlations need
        (:func:`~nrbundle.numeric.correlations.pair_operators`), built once per cutoff: ``{"b": ..., "m": ...}``."""
        return dict(_structure(self.cutoff).pairs)

    def number_ops(self) -> dict[str, qutip.Qobj]:
        """``n_a, n_b, n_m, n_atom`` (n_atom = sigma^dag sigma, the excited-state population)."""
        t = _structure(self.cutoff).terms
        return {"n_a": t["n_a"], "n_b": t["n_b"], "n_m": t["n_m"], "n_atom": t["n_e"]}

    def top_level_projectors(self) -> dict[str, qutip.Qobj]:
        """Projectors on the highest kept Fock level of each mode (truncation diagnostics)."""
        return dict(_structure(self.cutoff).top_levels)
