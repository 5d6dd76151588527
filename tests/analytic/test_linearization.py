"""Linearization S1 -> S11: the derived Hamiltonians against the paper's printed equations (typed here)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nrbundle.analytic import symbols as s
from nrbundle.analytic.linearization import alpha, beta, derive_linearization, mu, phi_alpha, t
from nrbundle.analytic.operators import OPS, dagger, fluctuation_order, normal_order

o = OPS
I = sp.I
ca, cb, cm = sp.conjugate(alpha), sp.conjugate(beta), sp.conjugate(mu)

#: Residual allowed when numbers (double precision, O(1) magnitudes) are put into symbolic identities.
NUMERIC_ZERO = 1e-12


@pytest.fixture(scope="module")
def lin():
    return derive_linearization()


def equal_operators(x: sp.Expr, y: sp.Expr) -> bool:
    return normal_order(sp.expand(x - y)) == 0


# ----------------------------------------------------------------------------- the steps
def test_steps_are_the_paper_sequence(lin) -> None:
    assert [st.equation for st in lin.steps] == [f"S{k}" for k in range(1, 12)]
    for st in lin.steps:
        assert st.name and st.description and len(st.exprs) > 0


def test_S2_from_S1(lin) -> None:
    H_S2_paper = (
        (s.omega_a - s.omega_d + s.Delta_F) * o.a_dag * o.a
        + s.omega_b * o.b_dag * o.b
        + s.omega_m * o.m_dag * o.m
        + (s.omega_s - s.omega_d) * o.sigma_dag * o.sigma
        + s.lambdap_ab * o.a_dag * o.a * (o.b_dag + o.b)
        + s.lambdap_am * o.a_dag * o.a * (o.m_dag + o.m)
        + s.lambdap_as * (o.a_dag * o.sigma + o.a * o.sigma_dag)
        + s.xi_d * (o.a_dag + o.a)
        + s.xi_p * (o.sigma_dag + o.sigma)
    )
    assert t not in lin.H_S2.free_symbols
    assert equal_operators(lin.H_S2, H_S2_paper)
    charges = lin.step("S2").exprs["charges"]
    assert charges["a_dag"] == 1 and charges["sigma"] == -1 and charges["a_dag*a*b"] == 0


def test_displaced_dissipator_is_a_commutator(lin) -> None:
    st = lin.step("S4")
    rho = o.rho
    H_k = st.exprs["H_kappa"]
    assert equal_operators(-I * (H_k * rho - rho * H_k), st.exprs["dissipator_linear"])
    # the paper's middle line of S4, kappa_a part
    paper = s.kappa_a / 2 * (ca * o.da * rho - ca * rho * o.da - alpha * o.da_dag * rho + alpha * rho * o.da_dag)
    lin_a = sp.Add(*[x for x in sp.Add.make_args(st.exprs["dissipator_linear"]) if x.has(s.kappa_a)])
    assert equal_operators(lin_a, paper)
    assert normal_order(st.exprs["dissipator_constant"]) == 0


def test_S5_mean_field_hamiltonian_matches_paper(lin) -> None:
    """S5 including the +i kappa alpha^*/2 delta a and -i kappa alpha/2 delta a^dag terms (sign checked)."""
    w = s.omega_a - s.omega_d + s.Delta_F
    A2 = alpha * ca
    H1_paper = (
        w * A2
        + s.omega_b * beta * cb
        + s.omega_m * mu * cm
        + s.lambdap_ab * A2 * (cb + beta)
        + s.lambdap_am * A2 * (cm + mu)
        + s.xi_d * (ca + alpha)
        + (w * ca + s.lambdap_ab * ca * (cb + beta) + s.lambdap_am * ca * (cm + mu) + s.xi_d + I / 2 * ca * s.kappa_a)
        * o.da
        + (
            w * alpha
            + s.lambdap_ab * alpha * (cb + beta)
            + s.lambdap_am * alpha * (cm + mu)
            + s.xi_d
            - I / 2 * alpha * s.kappa_a
        )
        * o.da_dag
        + (s.omega_b * cb + s.lambdap_ab * A2 + I / 2 * cb * s.kappa_b) * o.db
        + (s.omega_b * beta + s.lambdap_ab * A2 - I / 2 * beta * s.kappa_b) * o.db_dag
        + (s.omega_m * cm + s.lambdap_am * A2 + I / 2 * cm * s.kappa_m) * o.dm
        + (s.omega_m * mu + s.lambdap_am * A2 - I / 2 * mu * s.kappa_m) * o.dm_dag
    )
    assert equal_operators(lin.H1, H1_paper)
    # the opposite sign of the dissipative terms would be a different operator (the check can fail)
    flipped = H1_paper.subs(s.kappa_a, -s.kappa_a)
    assert not equal_operators(lin.H1, flipped)


def test_S6_fluctuation_hamiltonian_matches_paper(lin) -> None:
    H2_paper = (
        (s.omega_a - s.omega_d + s.Delta_F + s.lambdap_ab * (cb + beta) + s.lambdap_am * (cm + mu)) * o.da_dag * o.da
        + s.omega_b * o.db_dag * o.db
        + s.omega_m * o.dm_dag * o.dm
        + (s.omega_s - s.omega_d) * o.sigma_dag * o.sigma
        + s.lambdap_ab * (alpha * o.da_dag + ca * o.da) * (o.db_dag + o.db)
        + s.lambdap_am * (alpha * o.da_dag + ca * o.da) * (o.dm_dag + o.dm)
        + s.lambdap_as * (o.da * o.sigma_dag + o.da_dag * o.sigma)
        + s.lambdap_as * (alpha * o.sigma_dag + ca * o.sigma)
        + s.lambdap_ab * o.da_dag * o.da * (o.db_dag + o.db)
        + s.lambdap_am * o.da_dag * o.da * (o.dm_dag + o.dm)
        + s.xi_p * (o.sigma_dag + o.sigma)
    )
    assert equal_operators(lin.H2, H2_paper)


def test_S7_renamed_hamiltonian_and_phase_convention(lin) -> None:
    H7_paper = (
        (s.omega_a - s.omega_d + s.Delta_F + s.lambdap_ab * (cb + beta) + s.lambdap_am * (cm + mu)) * o.da_dag * o.da
        + s.omega_b * o.db_dag * o.db
        + s.omega_m * o.dm_dag * o.dm
        + (s.omega_s - s.omega_d) * o.sigma_dag * o.sigma
        + s.lambda_ab * (o.da_dag + o.da) * (o.db_dag + o.db)
        + s.lambda_am * (o.da_dag + o.da) * (o.dm_dag + o.dm)
        + s.lambda_as * (o.da * o.sigma_dag + o.da_dag * o.sigma)
        + s.xi * (o.sigma_dag + o.sigma)
        + s.lambdap_ab * o.da_dag * o.da * (o.db_dag + o.db)
        + s.lambdap_am * o.da_dag * o.da * (o.dm_dag + o.dm)
    )
    assert equal_operators(lin.H_S7, H7_paper)
    residual = lin.step("S7").exprs["residual_for_phi"]
    assert residual.subs(phi_alpha, 0) == 0
    assert residual != 0 and residual.has(s.xi_p)  # the convention matters only through the atomic pump
    assert lin.definitions[s.xi] == s.lambdap_as * sp.Symbol("alpha_abs", positive=True) + s.xi_p


def test_final_hamiltonian_is_eq1(lin) -> None:
    """(a): the derived S11 minus Eq. (1) of the main text (with Delta_sd = Delta_ad + Delta_sa) is zero."""
    eq1 = (
        (s.Delta_ad + s.Delta_F) * o.a_dag * o.a
        + s.omega_b * o.b_dag * o.b
        + s.omega_m * o.m_dag * o.m
        + (s.Delta_ad + s.Delta_sa) * o.sigma_dag * o.sigma
        + s.lambda_ab * (o.a_dag + o.a) * (o.b_dag + o.b)
        + s.lambda_am * (o.a_dag + o.a) * (o.m_dag + o.m)
        + s.lambda_as * (o.a * o.sigma_dag + o.a_dag * o.sigma)
        + s.xi * (o.sigma_dag + o.sigma)
    )
    assert normal_order(lin.H_final - eq1) == 0
    # the comparison is sensitive: a counter-rotating JC term is a different Hamiltonian
    jc = o.a * o.sigma_dag + o.a_dag * o.sigma
    wrong = eq1 - s.lambda_as * jc + s.lambda_as * (o.a * o.sigma + o.a_dag * o.sigma_dag)
    assert normal_order(lin.H_final - wrong) != 0


def test_dropped_terms(lin) -> None:
    """(b): exactly lambda'_ab da^dag da (db + db^dag) + lambda'_am da^dag da (dm + dm^dag) are dropped (S10)."""
    expected = s.lambdap_ab * o.da_dag * o.da * (o.db + o.db_dag) + s.lambdap_am * o.da_dag * o.da * (o.dm + o.dm_dag)
    assert normal_order(lin.dropped_terms - expected) == 0
    assert all(fluctuation_order(x) == 3 for x in sp.Add.make_args(lin.dropped_terms))
    assert normal_order(lin.H_eff + lin.dropped_terms - lin.H_S7) == 0


def _S8_paper(kappa_first_line: sp.Expr) -> dict[str, sp.Expr]:
    return {
        "alpha": (s.omega_a - s.omega_d + s.Delta_F) * alpha
        + s.lambdap_ab * alpha * (cb + beta)
        + s.lambdap_am * alpha * (cm + mu)
        + s.xi_d
        - I / 2 * alpha * kappa_first_line,
        "beta": s.omega_b * beta + s.lambdap_ab * alpha * ca - I / 2 * beta * s.kappa_b,
        "mu": s.omega_m * mu + s.lambdap_am * alpha * ca - I / 2 * mu * s.kappa_m,
    }


def test_mean_field_equations_are_S8_with_kappa_a(lin) -> None:
    """(c) and the S8 erratum: the coefficient of delta a^dag carries kappa_a, the Supplement prints kappa."""
    corrected = _S8_paper(s.kappa_a)
    printed = _S8_paper(s.kappa)
    for k in ("alpha", "beta", "mu"):
        assert sp.expand(lin.mean_field_equations[k] - corrected[k]) == 0
    assert sp.expand(lin.mean_field_equations["alpha"] - printed["alpha"]) != 0
    assert sp.expand((lin.mean_field_equations["alpha"] - printed["alpha"]).subs(s.kappa, s.kappa_a)) == 0
    assert any("kappa_a" in e and "S8" in e for e in lin.errata)
    # the linear part of H1 is sum_o (E_o delta o^dag + E_o^* delta o) with E_o the S8 left-hand sides
    rebuilt = sum(
        corrected[k] * dd + sp.conjugate(corrected[k]) * d
        for k, d, dd in (("alpha", o.da, o.da_dag), ("beta", o.db, o.db_dag), ("mu", o.dm, o.dm_dag))
    )
    assert normal_order(lin.linear_part - rebuilt) == 0


def test_linear_part_vanishes_on_a_numerical_mean_field_solution(lin) -> None:
    """(c) numerically: solve S8 (kappa_a) for a random point; every linear coefficient of H1 vanishes there."""
    rng = np.random.default_rng(8)
    for _ in range(5):
        vals = {
            s.omega_a: rng.uniform(5, 10),
            s.omega_d: rng.uniform(5, 10),
            s.Delta_F: rng.uniform(-0.1, 0.1),
            s.omega_b: rng.uniform(0.5, 2),
            s.omega_m: rng.uniform(0.5, 2),
            s.lambdap_ab: rng.uniform(1e-3, 1e-2),
            s.lambdap_am: rng.uniform(1e-3, 1e-2),
            s.kappa_a: rng.uniform(0.1, 1),
            s.kappa_b: rng.uniform(0.01, 0.1),
            s.kappa_m: rng.uniform(0.01, 0.1),
            s.kappa: rng.uniform(1.5, 2),  # deliberately different from kappa_a
        }
        A = rng.uniform(1, 10)  # |alpha|
        f = {k.name: float(v) for k, v in vals.items()}
        b = -f["lambda'_ab"] * A**2 / (f["omega_b"] - 0.5j * f["kappa_b"])
        m = -f["lambda'_am"] * A**2 / (f["omega_m"] - 0.5j * f["kappa_m"])
        Delta_eff = (
            f["omega_a"] - f["omega_d"] + f["Delta_F"] + 2 * f["lambda'_ab"] * b.real + 2 * f["lambda'_am"] * m.real
        )
        z = Delta_eff - 0.5j * f["kappa_a"]
        xi_d = A * abs(z)  # real drive; alpha = -xi_d / z has modulus A
        a = -xi_d / z
        num = {**vals, s.xi_d: xi_d, alpha: a, beta: b, mu: m}
        for mono in (o.da, o.da_dag, o.db, o.db_dag, o.dm, o.dm_dag):
            coeff = sp.expand(lin.linear_part).coeff(mono)
            assert coeff != 0
            assert abs(complex(coeff.subs(num))) < NUMERIC_ZERO * max(1.0, A * abs(z))
        # with the printed S8 (kappa instead of kappa_a) the same alpha does not solve the cavity equation
        printed = _S8_paper(s.kappa)["alpha"]
        assert abs(complex(printed.subs(num))) > 0.1


def test_hamiltonians_are_hermitian(lin) -> None:
    for H in (lin.H_S2, lin.H_kappa, lin.H1, lin.H2, lin.H_S7, lin.H_final):
        assert normal_order(dagger(H) - H) == 0


def test_definitions_of_S11(lin) -> None:
    d = lin.definitions
    shift = s.lambdap_ab * (cb + beta) + s.lambdap_am * (cm + mu)
    assert sp.expand(d[s.Delta_ad] - (s.omega_a - s.omega_d + shift)) == 0
    assert sp.expand(d[s.Delta_sa] - (s.omega_s - s.omega_a - shift)) == 0
    # omega_sigma - omega_d = Delta_ad + Delta_sa (= Delta_sd of the main text)
    assert sp.expand(d[s.Delta_ad] + d[s.Delta_sa] - (s.omega_s - s.omega_d)) == 0


def test_magnon_mode_named_correctly(lin) -> None:
    """NOTES misprint 6: the SM says 'optical, phonon, and mechanical modes'; the third is the magnon mode."""
    import nrbundle.analytic.linearization as mod

    assert "optical, phonon and magnon modes" in lin.step("S4").description
    doc = " ".join((mod.__doc__ or "").split())
    assert "the third mode is the magnon mode" in doc


def test_derivation_is_cached() -> None:
    assert derive_linearization() is derive_linearization()
