"""Linearization of the driven optomagnomechanical model: from the lab-frame Hamiltonian (S1) to Eq. (1) = (S11).

The derivation is done by SymPy with the non-commuting operators of :mod:`nrbundle.analytic.operators`, as a chain
of named steps (one function per Supplement equation, each taking the earlier steps it reads and returning a
:class:`Step`), following Sec. I of the Supplemental Material:

* **S1 -> S2**: the time dependence of the drives is removed by the unitary
  ``U = exp(i omega_d t (a^dag a + sigma^dag sigma))``. Every monomial ``T`` of S1 satisfies
  ``[N, T] = q T`` (checked by normal ordering), so ``U T U^dag = exp(i q omega_d t) T`` (BCH); the frame change
  adds ``-omega_d N``.
* **S3 -> S4**: the optical, phonon and magnon modes (the SM text says "optical, phonon, and mechanical"; the
  third mode is the magnon mode) are displaced by their mean values, ``a = alpha + delta a``,
  ``b = beta + delta b``, ``m = mu + delta m``, *inside the master equation*. The displaced dissipators give a
  c-number part (which cancels), a part linear in the fluctuations that is a commutator ``-i[H_kappa, rho]``, and
  the Lindblad terms of the fluctuations.
* **S5, S6**: the displaced Hamiltonian plus ``H_kappa`` is split by order in the bosonic fluctuations: ``H1``
  (c-number and linear terms without atom operator, including the ``+- i kappa_a alpha / 2`` terms) and ``H2``
  (everything else). The atom is not displaced; every term containing an atom operator belongs to ``H2``.
* **S7**: the couplings are renamed. Phase convention: ``alpha = |alpha| exp(i phi)``; the fluctuation
  ``delta a`` and the atom are rotated by the (dissipator-preserving) gauge transformation
  ``delta a -> exp(i phi) delta a``, ``sigma -> exp(i phi) sigma``. This makes S7 exact for the
  optomechanical, optomagnonic and Jaynes-Cummings terms; the atomic pump becomes
  ``xi_p (exp(-i phi) sigma^dag + h.c.)``, so ``xi = lambda'_as |alpha| + xi_p`` holds for ``phi = 0``
  (alpha real and positive, i.e. atomic pump phase-locked to the intracavity field) or for ``xi_p = 0``.
  We adopt ``phi = 0``; the residual term for ``phi != 0`` is recorded.
* **S8**: the linear terms of ``H1`` are ``sum_o (E_o delta o^dag + E_o^* delta o)``; they vanish iff the
  mean-field equations ``E_alpha = E_beta = E_mu = 0`` hold. The derivation gives ``kappa_a`` in the first
  equation where S8 prints ``kappa``.
* **S9, S10**: with S8, ``H1`` is a c-number and drops out of the commutator; the cubic terms
  ``lambda'_ab da^dag da (db^dag + db) + lambda'_am da^dag da (dm^dag + dm)`` are dropped (strong drive) and
  recorded.
* **S11**: ``delta o -> o`` and the definitions ``Delta_ad = omega_a - omega_d + lambda'_ab (beta^* + beta) +
  lambda'_am (mu^* + mu)``, ``Delta_sa = omega_sigma - omega_a - lambda'_ab (beta^* + beta) -
  lambda'_am (mu^* + mu)`` give Eq. (1).

Typed in are only the starting point S1 (:func:`hamiltonian_S1`), the Lindblad form of S3, the displacement of S4
and the definitions of S7 (:data:`COUPLING_DEFINITIONS`) and S11 (:data:`DETUNING_DEFINITIONS`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import sympy as sp

from . import symbols as s
from .operators import (
    OPS,
    collect_operators,
    commutator,
    dagger,
    excitation_charge,
    fluctuation_order,
    has_atom,
    is_zero_operator,
    normal_order,
    operator_word,
    rho_sides,
)

__all__ = [
    "alpha",
    "beta",
    "mu",
    "alpha_abs",
    "phi_alpha",
    "t",
    "COUPLING_DEFINITIONS",
    "DETUNING_DEFINITIONS",
    "Step",
    "Linearization",
    "derive_linearization",
    "hamiltonian_S1",
]

#: Mean values of the displaced modes (S4): complex c-numbers.
alpha = sp.Symbol("alpha", complex=True)
beta = sp.Symbol("beta", complex=True)
mu = sp.Symbol("mu", complex=True)
#: |alpha| and arg(alpha) (phase convention of S7).
alpha_abs = sp.Symbol("alpha_abs", positive=True)
phi_alpha = sp.Symbol("phi_alpha", real=True)
#: Time (S1).
t = sp.Symbol("t", real=True)

#: The renamed couplings of S7 as expressions of the bare ones (definitions of the paper; phase convention phi = 0).
COUPLING_DEFINITIONS: Mapping[sp.Symbol, sp.Expr] = MappingProxyType(
    {
        s.lambda_ab: s.lambdap_ab * alpha_abs,
        s.lambda_am: s.lambdap_am * alpha_abs,
        s.lambda_as: s.lambdap_as,
        s.xi: s.lambdap_as * alpha_abs + s.xi_p,
    }
)

_MEAN_FIELD_SHIFT = s.lambdap_ab * (sp.conjugate(beta) + beta) + s.lambdap_am * (sp.conjugate(mu) + mu)

#: The detunings of S11 (definitions of the paper): ``omega_sigma - omega_d = Delta_ad + Delta_sa``.
DETUNING_DEFINITIONS: Mapping[sp.Symbol, sp.Expr] = MappingProxyType(
    {
        s.Delta_ad: s.omega_a - s.omega_d + _MEAN_FIELD_SHIFT,
        s.Delta_sa: s.omega_s - s.omega_a - _MEAN_FIELD_SHIFT,
    }
)


# --------------------------------------------------------------------------- the records
@dataclass(frozen=True)
class Step:
    """One named step of the derivation.

    Attributes
    ----------
    name
        Short name of the step (``"rotating frame"``, ``"displacement"``, ...).
    equation
        The Supplemental Material equation it produces (``"S1"`` ... ``"S11"``).
    description
        What was done, in words (the assumptions and conventions of the step).
    exprs
        The SymPy objects of the step (read-only mapping from a short key to an expression).
    conventions
        Conventions and assumptions the step adopts (text; collected in :attr:`Linearization.conventions`).
    errata
        Where the step differs from the printed Supplement (text; collected in :attr:`Linearization.errata`).
    """

    name: str
    equation: str
    description: str
    exprs: Mapping[str, Any] = field(default_factory=dict)
    conventions: tuple[str, ...] = ()
    errata: tuple[str, ...] = ()


@dataclass(frozen=True)
class Linearization:
    """Result of :func:`derive_linearization` (S1 -> S11 = Eq. 1).

    Attributes
    ----------
    steps
        The ordered steps S1, S2, ..., S11.
    H_S2
        Rotating-frame Hamiltonian (S2), derived from S1.
    H_kappa
        Hamiltonian generated by the displaced dissipators (S4): ``i kappa_a/2 (alpha^* da - alpha da^dag) + ...``.
    H1, H2
        The split of S5 and S6 (``H1``: c-number and linear fluctuation terms without atom operators).
    c_number
        The c-number part of ``H1`` (drops out of ``[H1, rho]``).
    linear_part
        The linear part of ``H1``.
    mean_field_equations
        ``{"alpha": E_a, "beta": E_b, "mu": E_m}``: S8 reads ``E = 0``; ``E_o`` is the coefficient of
        ``delta o^dag`` in ``H1`` (the coefficient of ``delta o`` is ``E_o^*``).
    H_S7
        ``H2`` after the phase convention and the renaming of the couplings (S7).
    dropped_terms
        The cubic terms removed in S10 (in the fluctuations).
    H_eff
        S10.
    H_final
        S11 = Eq. (1), in the operators ``a, b, m, sigma`` and the symbols of :mod:`nrbundle.analytic.symbols`
        (``Delta_F`` signed).
    definitions
        Definitions introduced on the way (``lambda_ab``, ``lambda_am``, ``lambda_as``, ``xi``, ``Delta_ad``,
        ``Delta_sa``) as expressions of the bare quantities.
    conventions
        Conventions and assumptions made (text).
    errata
        Places where the derivation differs from the printed Supplement (text).
    """

    steps: tuple[Step, ...]
    H_S2: sp.Expr
    H_kappa: sp.Expr
    H1: sp.Expr
    H2: sp.Expr
    c_number: sp.Expr
    linear_part: sp.Expr
    mean_field_equations: Mapping[str, sp.Expr]
    H_S7: sp.Expr
    dropped_terms: sp.Expr
    H_eff: sp.Expr
    H_final: sp.Expr
    definitions: Mapping[sp.Symbol, sp.Expr]
    conventions: tuple[str, ...]
    errata: tuple[str, ...]

    def step(self, equation: str) -> Step:
        """The step that produces ``equation`` (e.g. ``"S5"``)."""
        for st in self.steps:
            if st.equation == equation:
                return st
        raise KeyError(f"no step for equation {equation!r}")


# --------------------------------------------------------------------------- tools of the steps
def hamiltonian_S1() -> sp.Expr:
    """Lab-frame Hamiltonian (S1) with time-dependent drives on the cavity (``xi_d``) and the atom (``xi_p``).

    ``H_t = (omega_a + Delta_F) a^dag a + omega_b b^dag b + omega_m m^dag m + omega_sigma sigma^dag sigma
    + lambda'_ab a^dag a (b^dag + b) + lambda'_am a^dag a (m^dag + m) + lambda'_as (a^dag sigma + a sigma^dag)
    + xi_d (a^dag e^{-i omega_d t} + h.c.) + xi_p (sigma^dag e^{-i omega_d t} + h.c.)``.
    """
    o = OPS
    ad_a = o.a_dag * o.a
    w = s.omega_d * t
    return (
        (s.omega_a + s.Delta_F) * ad_a
        + s.omega_b * o.b_dag * o.b
        + s.omega_m * o.m_dag * o.m
        + s.omega_s * o.sigma_dag * o.sigma
        + s.lambdap_ab * ad_a * (o.b_dag + o.b)
        + s.lambdap_am * ad_a * (o.m_dag + o.m)
        + s.lambdap_as * (o.a_dag * o.sigma + o.a * o.sigma_dag)
        + s.xi_d * (o.a_dag * sp.exp(-sp.I * w) + o.a * sp.exp(sp.I * w))
        + s.xi_p * (o.sigma_dag * sp.exp(-sp.I * w) + o.sigma * sp.exp(sp.I * w))
    )


def _lindblad(op: sp.Expr, rate: sp.Expr) -> sp.Expr:
    """``rate D[op] rho = rate/2 (2 op rho op^dag - op^dag op rho - rho op^dag op)``."""
    rho = OPS.rho
    opd = dagger(op)
    return rate / 2 * (2 * op * rho * opd - opd * op * rho - rho * opd * op)


def _displace(expr: sp.Expr) -> sp.Expr:
    """``a -> alpha + delta a``, ``b -> beta + delta b``, ``m -> mu + delta m`` (and the adjoints), S4."""
    o = OPS
    rep = {
        o.a: alpha + o.da,
        o.a_dag: sp.conjugate(alpha) + o.da_dag,
        o.b: beta + o.db,
        o.b_dag: sp.conjugate(beta) + o.db_dag,
        o.m: mu + o.dm,
        o.m_dag: sp.conjugate(mu) + o.dm_dag,
    }
    return expr.xreplace(rep)


def _commutator_hamiltonian(lin: sp.Expr) -> sp.Expr:
    """Find H with ``lin = -i [H, rho]`` (``lin = A rho + rho B`` with ``B = -A``), H = i A."""
    A, B, rest = rho_sides(lin)
    if rest != 0 or not is_zero_operator(A + B):
        raise AssertionError("the linear dissipator terms are not a commutator")
    return normal_order(sp.I * A)


def _split_by(expr: sp.Expr, pred: Callable[[sp.Expr], bool]) -> tuple[sp.Expr, sp.Expr]:
    """``(sum of the terms with pred, sum of the others)``."""
    yes, no = [], []
    for term in sp.Add.make_args(sp.expand(expr)):
        (yes if pred(term) else no).append(term)
    return sp.Add(*yes), sp.Add(*no)


def _in_H1(term: sp.Expr) -> bool:
    """S5/S6 split: c-number and linear fluctuation terms without atom operators belong to ``H1``."""
    return not has_atom(term) and fluctuation_order(term) <= 1


def _coefficient(expr: sp.Expr, monomial: sp.Expr) -> sp.Expr:
    return collect_operators(expr).get(monomial, sp.Integer(0))


#: ``(name, delta o, delta o^dag)`` of the three displaced modes (S8).
_FLUCTUATIONS = (("alpha", OPS.da, OPS.da_dag), ("beta", OPS.db, OPS.db_dag), ("mu", OPS.dm, OPS.dm_dag))


# --------------------------------------------------------------------------- the steps S1 ... S11
def _s1_lab_frame() -> Step:
    """The starting point: :func:`hamiltonian_S1`."""
    return Step(
        "lab frame",
        "S1",
        "Hamiltonian of the driven cavity (Fizeau-shifted by Delta_F), mechanical mode b, magnon mode m and "
        "two-level atom sigma = |g><e|, with radiation-pressure-type couplings lambda'_ab, lambda'_am, "
        "Jaynes-Cummings coupling lambda'_as and drives xi_d (cavity) and xi_p (atom) at omega_d.",
        MappingProxyType({"H": hamiltonian_S1()}),
    )


def _s2_rotating_frame(s1: Step) -> Step:
    """``H -> U H U^dag - omega_d N`` with ``U T U^dag = exp(i q omega_d t) T`` for ``[N, T] = q T``."""
    o = OPS
    N = o.a_dag * o.a + o.sigma_dag * o.sigma
    U = sp.exp(sp.I * s.omega_d * t * N)
    out = []
    charges: dict[str, int] = {}
    for term in sp.Add.make_args(normal_order(s1.exprs["H"])):
        word = operator_word(term)
        q = excitation_charge(term, ("a", "atom"))
        # [N, T] = q T  =>  U T U^dag = exp(i q omega_d t) T  (BCH with ad_N^k T = q^k T)
        if not is_zero_operator(commutator(N, term) - q * term):
            raise AssertionError(f"monomial {term} is not an eigen-operator of ad_N")
        charges[str(sp.Mul(*word)) if word else "1"] = q
        out.append(term * sp.exp(sp.I * q * s.omega_d * t))
    H_rot = normal_order(sp.powsimp(sp.expand(sp.Add(*out))) - s.omega_d * N)
    H_rot = sp.expand(sp.powsimp(H_rot))
    if t in H_rot.free_symbols:
        raise AssertionError("the rotating frame did not remove the time dependence")
    return Step(
        "rotating frame",
        "S2",
        "Unitary U = exp(i omega_d t N), N = a^dag a + sigma^dag sigma. Each monomial T of S1 obeys "
        "[N, T] = q T (q = number of a^dag, sigma^dag minus number of a, sigma; checked by normal ordering), "
        "so U T U^dag = exp(i q omega_d t) T, and H -> U H U^dag + i (dU/dt) U^dag = U H U^dag - omega_d N. "
        "The drives become time independent.",
        MappingProxyType({"N": N, "U": U, "charges": MappingProxyType(charges), "H": H_rot}),
    )


def _s3_master_equation(s2: Step) -> Step:
    """``drho/dt = -i[H, rho] + sum_o kappa_o D[o] rho + gamma D[sigma] rho``."""
    o = OPS
    H = s2.exprs["H"]
    rates = ((o.a, s.kappa_a), (o.b, s.kappa_b), (o.m, s.kappa_m))
    diss = sp.Add(*[_lindblad(op, k) for op, k in rates])
    diss_atom = _lindblad(o.sigma, s.gamma)
    master = -sp.I * (H * o.rho - o.rho * H) + diss + diss_atom
    return Step(
        "master equation",
        "S3",
        "Lindblad master equation with decay rates kappa_a, kappa_b, kappa_m of the three bosonic modes and "
        "gamma of the atom (Eq. (2) of the main text has kappa_a = kappa_b = kappa_m = kappa).",
        MappingProxyType(
            {
                "drho_dt": master,
                "dissipator": diss + diss_atom,
                "dissipator_bosons": diss,
                "dissipator_atom": diss_atom,
            }
        ),
    )


def _s4_displacement(s2: Step, s3: Step) -> Step:
    """Displace the modes inside S3: the dissipators give c-number (0) + ``-i[H_kappa, rho]`` + fluctuation terms."""
    o = OPS
    disp_diss = sp.expand(_displace(s3.exprs["dissipator_bosons"]))
    parts: dict[int, list[sp.Expr]] = {0: [], 1: [], 2: []}
    for term in sp.Add.make_args(disp_diss):
        parts[fluctuation_order(term)].append(term)
    diss0 = sp.Add(*parts[0])
    diss1 = sp.Add(*parts[1])
    diss2 = sp.Add(*parts[2])
    if normal_order(diss0) != 0:
        raise AssertionError("the c-number part of the displaced dissipators does not cancel")
    fluct_rates = ((o.da, s.kappa_a), (o.db, s.kappa_b), (o.dm, s.kappa_m))
    diss_fluct = sp.Add(*[_lindblad(op, k) for op, k in fluct_rates])
    if normal_order(diss2 - diss_fluct) != 0:
        raise AssertionError("the quadratic part of the displaced dissipators is not the fluctuation Lindbladian")
    H_kappa = _commutator_hamiltonian(diss1)
    H_disp = normal_order(_displace(s2.exprs["H"]))
    return Step(
        "displacement",
        "S4",
        "The optical, phonon and magnon modes are shifted by their mean values, a = alpha + delta a, "
        "b = beta + delta b, m = mu + delta m, inside the master equation (the Supplement's text says "
        "'optical, phonon, and mechanical modes'; the third is the magnon mode). The displaced dissipators "
        "split into a c-number part (cancels), a part linear in the fluctuations that equals "
        "-i[H_kappa, rho], and the Lindblad terms of the fluctuations. The atom is not displaced.",
        MappingProxyType(
            {
                "H_displaced": H_disp,
                "dissipator_constant": diss0,
                "dissipator_linear": diss1,
                "dissipator_fluctuations": diss_fluct,
                "H_kappa": H_kappa,
                "H": normal_order(H_disp + H_kappa),
            }
        ),
    )


def _s5_mean_field_hamiltonian(s4: Step) -> Step:
    """``H1``: the terms of ``H_displaced + H_kappa`` of order <= 1 in the fluctuations, without atom operators."""
    H1, _ = _split_by(s4.exprs["H"], _in_H1)
    c_number, linear_part = _split_by(H1, lambda term: fluctuation_order(term) == 0)
    return Step(
        "mean-field Hamiltonian",
        "S5",
        "H1: the c-number and the terms linear in the bosonic fluctuations (no atom operator), including the "
        "terms +i kappa_a alpha^*/2 delta a - i kappa_a alpha/2 delta a^dag (and the same for b, m) that "
        "come from the displaced dissipators.",
        MappingProxyType({"H1": H1, "c_number": c_number, "linear": linear_part}),
    )


def _s6_fluctuation_hamiltonian(s4: Step) -> Step:
    """``H2``: every other term of ``H_displaced + H_kappa`` (quadratic, cubic, and all atom terms)."""
    _, H2 = _split_by(s4.exprs["H"], _in_H1)
    orders = {k: sp.Add(*[x for x in sp.Add.make_args(H2) if fluctuation_order(x) == k]) for k in (0, 1, 2, 3)}
    return Step(
        "fluctuation Hamiltonian",
        "S6",
        "H2: the terms quadratic and cubic in the bosonic fluctuations and every term containing an atom "
        "operator (the atom is not displaced, so sigma-terms stay here whatever their bosonic order).",
        MappingProxyType({"H2": H2, **{f"order_{k}": v for k, v in orders.items()}}),
    )


def _s7_renaming(s6: Step) -> Step:
    """Gauge ``delta a -> e^{i phi} delta a``, ``sigma -> e^{i phi} sigma``; phi = 0; :data:`COUPLING_DEFINITIONS`."""
    o = OPS
    gauge = {
        o.da: sp.exp(sp.I * phi_alpha) * o.da,
        o.da_dag: sp.exp(-sp.I * phi_alpha) * o.da_dag,
        o.sigma: sp.exp(sp.I * phi_alpha) * o.sigma,
        o.sigma_dag: sp.exp(-sp.I * phi_alpha) * o.sigma_dag,
        alpha: alpha_abs * sp.exp(sp.I * phi_alpha),
        sp.conjugate(alpha): alpha_abs * sp.exp(-sp.I * phi_alpha),
    }
    H2_gauge = normal_order(s6.exprs["H2"].xreplace(gauge))
    residual_phase = normal_order(
        s.xi_p * ((sp.exp(-sp.I * phi_alpha) - 1) * o.sigma_dag + (sp.exp(sp.I * phi_alpha) - 1) * o.sigma)
    )
    H2_phase0 = normal_order(H2_gauge - residual_phase)
    if phi_alpha in H2_phase0.free_symbols:
        raise AssertionError("the gauge transformation left a phase outside the atomic-pump term")
    rename = [
        (s.lambdap_as * alpha_abs, s.xi - s.xi_p),
        (s.lambdap_ab * alpha_abs, s.lambda_ab),
        (s.lambdap_am * alpha_abs, s.lambda_am),
        (s.lambdap_as, s.lambda_as),
    ]
    H_S7 = sp.expand(H2_phase0)
    for old, new in rename:
        H_S7 = sp.expand(H_S7.subs(old, new))
    H_S7 = normal_order(H_S7)
    if alpha_abs in H_S7.free_symbols:
        raise AssertionError("|alpha| survived the renaming of S7")
    return Step(
        "renaming of the couplings",
        "S7",
        "Write alpha = |alpha| exp(i phi), apply the gauge transformation (phase convention phi = 0, see "
        "conventions) and rename lambda_ab = lambda'_ab |alpha|, lambda_am = lambda'_am |alpha|, "
        "lambda_as = lambda'_as, xi = lambda'_as |alpha| + xi_p.",
        MappingProxyType(
            {
                "H2_gauge": H2_gauge,
                "residual_for_phi": residual_phase,
                "H": H_S7,
                **{str(k): v for k, v in COUPLING_DEFINITIONS.items()},
            }
        ),
        conventions=(
            "Phase convention (S7): alpha = |alpha| exp(i phi); the gauge transformation delta a -> exp(i phi) "
            "delta a, sigma -> exp(i phi) sigma (which leaves the Lindblad terms invariant) removes phi from every "
            "term except the atomic pump, which becomes xi_p (exp(-i phi) sigma^dag + h.c.). We take phi = 0 "
            "(alpha real and positive: the atomic pump phase-locked to the intracavity field); for xi_p = 0 the "
            "phase is irrelevant.",
        ),
    )


def _s8_mean_field_equations(s5: Step) -> Step:
    """``E_o`` = coefficient of ``delta o^dag`` in ``H1``; the linear part is ``sum_o (E_o delta o^dag + h.c.)``."""
    linear_part = s5.exprs["linear"]
    mf: dict[str, sp.Expr] = {}
    for name, op, opd in _FLUCTUATIONS:
        E = sp.expand(_coefficient(linear_part, opd))
        E_conj = sp.expand(_coefficient(linear_part, op))
        if sp.expand(sp.conjugate(E) - E_conj) != 0:
            raise AssertionError(f"linear part of H1 is not Hermitian for {name}")
        mf[name] = E
    rebuilt = sp.Add(*[mf[name] * opd + sp.conjugate(mf[name]) * op for name, op, opd in _FLUCTUATIONS])
    if normal_order(linear_part - rebuilt) != 0:
        raise AssertionError("linear part of H1 is not sum_o (E_o delta o^dag + h.c.)")
    return Step(
        "mean-field equations",
        "S8",
        "The linear part of H1 is sum_o (E_o delta o^dag + E_o^* delta o); it vanishes iff E_alpha = E_beta = "
        "E_mu = 0 (the steady-state mean-field equations). The cavity equation carries kappa_a.",
        MappingProxyType({f"E_{k}": v for k, v in mf.items()}),
        errata=(
            "S8, first line: the damping term reads -(i/2) alpha kappa; the coefficient of delta a^dag in H1 (S5) "
            "gives -(i/2) alpha kappa_a (equal only when kappa_a = kappa).",
        ),
    )


def _s9_fluctuation_master_equation(s3: Step, s4: Step, s5: Step, s6: Step) -> Step:
    """``drho/dt = -i[H2, rho] + sum_o kappa_o D[delta o] rho + gamma D[sigma] rho``."""
    rho, H2 = OPS.rho, s6.exprs["H2"]
    master_fluct = -sp.I * (H2 * rho - rho * H2) + s4.exprs["dissipator_fluctuations"] + s3.exprs["dissipator_atom"]
    return Step(
        "fluctuation master equation",
        "S9",
        "With S8 the linear part of H1 vanishes; its c-number part commutes with rho and drops out, so the "
        "fluctuations evolve with H2 and the Lindblad terms of delta a, delta b, delta m and sigma.",
        MappingProxyType({"drho_dt": master_fluct, "dropped_c_number": s5.exprs["c_number"]}),
    )


def _s10_strong_drive(s7: Step) -> Step:
    """Drop the terms cubic in the fluctuations from the S7 Hamiltonian."""
    dropped, H_eff = _split_by(s7.exprs["H"], lambda term: fluctuation_order(term) == 3)
    return Step(
        "strong-drive approximation",
        "S10",
        "For |alpha| >> 1 (lambda'_ab << lambda_ab, lambda'_am << lambda_am) the cubic terms "
        "lambda'_ab da^dag da (db^dag + db) + lambda'_am da^dag da (dm^dag + dm) are dropped.",
        MappingProxyType({"H": H_eff, "dropped": dropped}),
    )


def _s11_equation_1(s10: Step) -> Step:
    """``delta o -> o`` and :data:`DETUNING_DEFINITIONS` solved for omega_a, omega_sigma: Eq. (1)."""
    o = OPS
    sol = sp.solve([sp.Eq(k, v) for k, v in DETUNING_DEFINITIONS.items()], [s.omega_a, s.omega_s], dict=True)[0]
    rename_ops = {o.da: o.a, o.da_dag: o.a_dag, o.db: o.b, o.db_dag: o.b_dag, o.dm: o.m, o.dm_dag: o.m_dag}
    H_final = normal_order(sp.expand(s10.exprs["H"].xreplace(rename_ops).subs(sol)))
    return Step(
        "Eq. (1)",
        "S11",
        "Rename delta o -> o and introduce Delta_ad = omega_a - omega_d + lambda'_ab (beta^* + beta) + "
        "lambda'_am (mu^* + mu) and Delta_sa = omega_sigma - omega_a - lambda'_ab (beta^* + beta) - "
        "lambda'_am (mu^* + mu), so that omega_sigma - omega_d = Delta_ad + Delta_sa (= Delta_sd of Eq. 1).",
        MappingProxyType(
            {"H": H_final, "Delta_ad": DETUNING_DEFINITIONS[s.Delta_ad], "Delta_sa": DETUNING_DEFINITIONS[s.Delta_sa]}
        ),
    )


# --------------------------------------------------------------------------- the chain
@functools.lru_cache(maxsize=1)
def derive_linearization() -> Linearization:
    """Derive Eq. (1) = (S11) from the lab-frame Hamiltonian (S1) and the master equation (S3).

    The chain S1 -> S2 -> ... -> S11 of the module docstring; each step reads only the earlier steps it is given.
    Every step is computed, none is typed in except the starting point S1, the Lindblad form of S3, the
    displacement of S4, the renaming of S7 and the definitions of Delta_ad and Delta_sa of S11 (which are
    definitions).

    Returns
    -------
    Linearization
        The steps and the intermediate Hamiltonians (cached: the same object on every call).
    """
    s1 = _s1_lab_frame()
    s2 = _s2_rotating_frame(s1)
    s3 = _s3_master_equation(s2)
    s4 = _s4_displacement(s2, s3)
    s5 = _s5_mean_field_hamiltonian(s4)
    s6 = _s6_fluctuation_hamiltonian(s4)
    s7 = _s7_renaming(s6)
    s8 = _s8_mean_field_equations(s5)
    s9 = _s9_fluctuation_master_equation(s3, s4, s5, s6)
    s10 = _s10_strong_drive(s7)
    s11 = _s11_equation_1(s10)
    steps = (s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11)
    return Linearization(
        steps=steps,
        H_S2=s2.exprs["H"],
        H_kappa=s4.exprs["H_kappa"],
        H1=s5.exprs["H1"],
        H2=s6.exprs["H2"],
        c_number=s5.exprs["c_number"],
        linear_part=s5.exprs["linear"],
        mean_field_equations=MappingProxyType({name: s8.exprs[f"E_{name}"] for name, _, _ in _FLUCTUATIONS}),
        H_S7=s7.exprs["H"],
        dropped_terms=s10.exprs["dropped"],
        H_eff=s10.exprs["H"],
        H_final=s11.exprs["H"],
        definitions=MappingProxyType({**COUPLING_DEFINITIONS, **DETUNING_DEFINITIONS}),
        conventions=tuple(c for st in steps for c in st.conventions),
        errata=tuple(e for st in steps for e in st.errata),
    )
