"""Dressed atom S12-S15: symbolic identities, numerical agreement with numpy.linalg.eigh, the main-text misprint."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nrbundle.analytic import symbols as s
from nrbundle.analytic.dressed import BASIS, dressed_atom, main_text_coefficients
from nrbundle.analytic.numeric_bridge import dressed_substitutions, lambdify_expr
from nrbundle.analytic.operators import OPS

#: Agreement with LAPACK for O(1) parameters: a few ulps of the largest eigenvalue.
EIGH_TOL = 1e-12
#: Points drawn per randomised check (fixed seed).
N_POINTS = 40

tpar = sp.Symbol("t", positive=True)
#: D = xi (t - 1/t), t in (0, oo), covers every real D and makes R = xi (t + 1/t) rational: exact simplification.
RATIONALISE = {s.Delta_sa: s.xi * (tpar - 1 / tpar) - s.Delta_ad}


def exact_zero(expr: sp.Expr) -> bool:
    e = sp.sympify(expr).subs(RATIONALISE)
    for _ in range(4):
        e = e.replace(
            lambda x: x.is_Pow and x.exp.is_Rational and not x.exp.is_Integer,
            lambda x: sp.factor(x.base) ** x.exp,
        )
    return sp.simplify(e) == 0


@pytest.fixture(scope="module")
def atom():
    return dressed_atom()


def test_basis_and_hamiltonian(atom) -> None:
    assert BASIS == ("e", "g")
    D = s.Delta_sa + s.Delta_ad
    assert atom.H_sigma == sp.Matrix([[D, s.xi], [s.xi, 0]])
    expected = D * OPS.sigma_dag * OPS.sigma + s.xi * (OPS.sigma + OPS.sigma_dag)
    assert sp.expand(atom.H_sigma_operator - expected) == 0


def test_normalisation_S15(atom) -> None:
    assert sp.simplify(atom.c_plus**2 + atom.c_minus**2 - 1) == 0
    assert exact_zero(atom.c_plus**2 + atom.c_minus**2 - 1)


def test_eigen_equation_residual_vanishes(atom) -> None:
    for E, ket in ((atom.E_plus, atom.ket_plus), (atom.E_minus, atom.ket_minus)):
        residual = atom.H_sigma * ket - E * ket
        assert all(exact_zero(x) for x in residual)
    assert exact_zero(atom.ket_plus.dot(atom.ket_minus))
    # a wrong eigenvalue gives a non-zero residual (the check can fail)
    wrong = atom.H_sigma * atom.ket_plus - atom.E_minus * atom.ket_plus
    assert not exact_zero(wrong[0])


def test_S13_and_S15_forms(atom) -> None:
    D = s.Delta_sa + s.Delta_ad
    R = sp.sqrt(D**2 + 4 * s.xi**2)
    assert sp.simplify(atom.E_plus - (D + R) / 2) == 0
    assert sp.simplify(atom.E_minus - (D - R) / 2) == 0
    S15_plus = sp.sqrt(2 * s.xi**2 / (D**2 + 4 * s.xi**2 + D * R))
    S15_minus = sp.sqrt(2 * s.xi**2 / (D**2 + 4 * s.xi**2 - D * R))
    assert exact_zero(atom.c_plus - S15_plus)
    assert exact_zero(atom.c_minus - S15_minus)
    # same as the form used by the numeric layer and the bridge: c_+ = sqrt((1 - D/R)/2)
    sub = dressed_substitutions()
    assert exact_zero(atom.c_plus - sub[s.c_plus])
    assert exact_zero(atom.c_minus - sub[s.c_minus])


def _numeric(atom):
    fns = {k: lambdify_expr(getattr(atom, k)) for k in ("E_plus", "E_minus", "c_plus", "c_minus")}
    return fns


def test_agreement_with_numpy_eigh(atom) -> None:
    fns = _numeric(atom)
    rng = np.random.default_rng(1215)
    for _ in range(N_POINTS):
        vals = {"Delta_sa": rng.uniform(-10, 10), "Delta_ad": rng.uniform(-10, 10), "xi": rng.uniform(1e-2, 5)}
        D = vals["Delta_sa"] + vals["Delta_ad"]
        H = np.array([[D, vals["xi"]], [vals["xi"], 0.0]])
        w, v = np.linalg.eigh(H)  # ascending: w[0] = E_-, w[1] = E_+
        ev = {k: float(f(*(vals[a] for a in f.arg_names))) for k, f in fns.items()}
        scale = max(1.0, abs(w).max())
        assert abs(ev["E_minus"] - w[0]) < EIGH_TOL * scale
        assert abs(ev["E_plus"] - w[1]) < EIGH_TOL * scale
        cp, cm = ev["c_plus"], ev["c_minus"]
        ket_plus = np.array([cm, cp])  # (e, g)
        ket_minus = np.array([-cp, cm])
        # phase-independent comparison of eigenvectors
        assert abs(abs(v[:, 1] @ ket_plus) - 1) < 1e-10
        assert abs(abs(v[:, 0] @ ket_minus) - 1) < 1e-10
        assert cp > 0 and cm > 0


def test_main_text_misprint_is_dimensionally_wrong(atom) -> None:
    """NOTES misprint 1: c_pm = sqrt(2 xi)/[...]^(1/2) does not normalise and scales as s^(-1/2)."""
    cp_bad, cm_bad = main_text_coefficients()
    assert sp.simplify(cp_bad**2 + cm_bad**2 - 1 / s.xi) == 0
    assert sp.simplify(cp_bad**2 + cm_bad**2 - 1) != 0
    scale = sp.Symbol("scale", positive=True)
    stretch = {s.xi: scale * s.xi, s.Delta_sa: scale * s.Delta_sa, s.Delta_ad: scale * s.Delta_ad}
    # S15 is dimensionless: invariant under (xi, D) -> s (xi, D); the misprint picks up s^(-1/2)
    assert sp.simplify(atom.c_plus.subs(stretch, simultaneous=True) - atom.c_plus) == 0
    assert sp.simplify(cp_bad.subs(stretch, simultaneous=True) - cp_bad / sp.sqrt(scale)) == 0
    # numerically at the fig1 drive xi = 0.8: the misprint gives c_+^2 + c_-^2 = 1.25
    f = lambdify_expr(cp_bad**2 + cm_bad**2)
    assert abs(float(f(*(0.8 if a == "xi" else 0.3 for a in f.arg_names))) - 1.25) < 1e-12
