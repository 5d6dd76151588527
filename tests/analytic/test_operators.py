"""The non-commutative operator algebra: canonical commutators, the two-level atom, rho kept in place, adjoints."""

from __future__ import annotations

import sympy as sp

from nrbundle.analytic.linearization import alpha
from nrbundle.analytic.operators import OPS, commutator, dagger, normal_order

o = OPS
I = sp.I
ca = sp.conjugate(alpha)


def equal_operators(x: sp.Expr, y: sp.Expr) -> bool:
    return normal_order(sp.expand(x - y)) == 0


# ----------------------------------------------------------------------------- the operator algebra
def test_normal_order_canonical_commutators() -> None:
    assert commutator(o.a, o.a_dag) == 1
    assert commutator(o.da, o.da_dag) == 1
    assert commutator(o.a, o.da_dag) == 1  # delta a = a - alpha: same mode
    assert commutator(o.b, o.a_dag) == 0
    assert commutator(o.m, o.m_dag) == 1
    assert commutator(o.sigma, o.a_dag) == 0
    assert normal_order(o.a * o.a_dag) == o.a_dag * o.a + 1
    assert normal_order(o.a * o.a * o.a_dag) == o.a_dag * o.a**2 + 2 * o.a


def test_two_level_algebra() -> None:
    assert normal_order(o.sigma * o.sigma) == 0
    assert normal_order(o.sigma_dag * o.sigma_dag) == 0
    assert equal_operators(o.sigma * o.sigma_dag, 1 - o.sigma_dag * o.sigma)
    assert equal_operators(o.sigma * o.sigma_dag * o.sigma, o.sigma)
    # {sigma, sigma^dag} = 1 and [sigma^dag, sigma] = sigma_z = 2 sigma^dag sigma - 1
    assert equal_operators(o.sigma * o.sigma_dag + o.sigma_dag * o.sigma, 1)
    assert equal_operators(commutator(o.sigma_dag, o.sigma), 2 * o.sigma_dag * o.sigma - 1)


def test_normal_order_keeps_rho_in_place() -> None:
    # rho commutes with nothing: a rho a^dag is not a^dag a rho
    assert normal_order(o.a * o.rho * o.a_dag - o.a_dag * o.a * o.rho) != 0
    assert normal_order(o.a * o.a_dag * o.rho) == o.a_dag * o.a * o.rho + o.rho


def test_dagger() -> None:
    assert dagger(2 * I * alpha * o.a_dag * o.b) == -2 * I * ca * o.b_dag * o.a
    assert dagger(o.sigma) == o.sigma_dag
