"""The operator builder of Eq. (1)-(2): identities that must hold at every cutoff."""

import numpy as np
import pytest
import qutip

from nrbundle.errors import InputError
from nrbundle.numeric.model import MAX_DIMENSION, Model, atom_state, dressed_coefficients, parse_cutoff
from nrbundle.params import get_preset

P = get_preset("fig1")


@pytest.mark.parametrize("direction", ["left", "right"])
def test_hamiltonian_is_hermitian_and_linear_in_delta_ad(direction):
    M = Model(P, direction, (3, 2, 3))
    H1, H2 = M.H(1.2), M.H(1.5)
    assert (H1 - H1.dag()).norm() == 0.0
    # dH/dDelta_ad = a'a + s's exactly (Eq. 1 with Delta_sd = Delta_sa + Delta_ad)
    n = M.number_ops()
    assert ((H2 - H1) / 0.3 - (n["n_a"] + n["n_atom"])).norm() < 1e-12


def test_fizeau_term_flips_with_direction():
    L, R = Model(P, "left", 3), Model(P, "right", 3)
    diff = L.H(1.3) - R.H(1.3)
    assert (diff - 2 * P.Delta_F * L.number_ops()["n_a"]).norm() < 1e-12


def test_bosonic_commutator_below_the_top_level():
    M = Model(P, "left", (4, 3, 3))
    a = M.ops["a"]
    comm = (a * a.dag() - a.dag() * a).full()
    proj_top = M.top_level_projectors()["a"].full()
    # [a, a'] = 1 except on the top kept level, where it is 1 - N (truncation)
    expected = np.eye(M.dimension) - 4 * proj_top
    assert np.allclose(comm, expected)


def test_sigma_is_g_e():
    M = Model(P, "left", 2)
    e = M.state(0, 0, 0, "e")
    g = M.state(0, 0, 0, "g")
    assert abs(g.overlap(M.ops["sigma"] * e) - 1) < 1e-15
    assert abs(qutip.expect(M.number_ops()["n_atom"], e) - 1) < 1e-15


@pytest.mark.parametrize("Delta_ad", [-3.0, 0.0, 1.34, 5.0])
def test_dressed_states_diagonalise_the_driven_atom(Delta_ad):
    # S12: H_sigma = (Delta_sa + Delta_ad) s's + xi (s + s'); S13/S14 eigenpairs; S15 normalisation.
    Ep, Em, cp, cm = dressed_coefficients(P, Delta_ad)
    assert cp**2 + cm**2 == pytest.approx(1.0, abs=1e-15)
    s = qutip.basis(2, 1) * qutip.basis(2, 0).dag()
    Hs = (P.Delta_sa + Delta_ad) * s.dag() * s + P.xi * (s + s.dag())
    M = Model(P, "left", 2)
    for label, E in (("+", Ep), ("-", Em)):
        k = atom_state(label, P, Delta_ad)
        assert (Hs * k - E * k).norm() < 1e-13
    # numerical eigenvalues agree with S13
    ev = np.linalg.eigvalsh(Hs.full())
    assert np.allclose(sorted(ev), sorted([Ep, Em]), atol=1e-13)
    assert M.dimension == 16


def test_c_ops_follow_rates_and_skip_zero():
    M = Model(P.replace(kappa_b=0.0), "left", 2)
    assert M.channels == ["a", "m", "sigma"]
    assert len(M.c_ops) == 3
    assert (M.c_ops[0] - np.sqrt(P.kappa) * M.ops["a"]).norm() < 1e-15


@pytest.mark.parametrize("bad", [1, (2, 1, 2), "x", (2, 2), "20", -3])
def test_bad_cutoffs(bad):
    with pytest.raises(InputError, match="cutoff"):
        parse_cutoff(bad)


def test_dimension_limit_is_named():
    n = int(round((MAX_DIMENSION / 2) ** (1 / 3))) + 1
    with pytest.raises(InputError, match="dimension"):
        Model(P, "left", n)


def test_state_outside_truncation():
    with pytest.raises(InputError, match="n_a"):
        Model(P, "left", 2).state(2, 0, 0, "g")
