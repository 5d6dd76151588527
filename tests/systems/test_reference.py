"""The closed forms of the reference systems, held against QuTiP's own solvers (no nrbundle numerics).

These tests make the references trustworthy; tests/numeric then hold nrbundle's solvers against them.
"""

import numpy as np
import pytest
import qutip

from systems.reference import (
    atom_sigma,
    coherent_amplitude,
    coherent_dm,
    driven_cavity,
    fluorescence_steady_state,
    fock_g2,
    fock_product_bundle_g2,
    fock_product_g1,
    mollow_g2,
    resonance_fluorescence,
    thermal_oscillator,
    thermal_populations,
)

#: qutip.steadystate (sparse LU) is accurate to ~1e-13 on these tiny systems; 1e-10 leaves room.
DIRECT_TOL = 1e-10
#: A coherent state with |alpha| <= 0.6 truncated at N = 25 misses a population ~|alpha|^50/25! ~ 1e-36.
CAVITY_N = 25
#: qutip.correlation_3op_1t with atol = rtol = 1e-11 integrates g2(tau) to ~1e-9; the closed form must agree to 1e-6.
MOLLOW_TOL = 1e-6
ODE_OPTIONS = {"atol": 1e-11, "rtol": 1e-11, "nsteps": 10**6}


@pytest.mark.parametrize("Delta, eps, kappa", [(0.0, 0.3, 1.0), (0.7, 0.4, 1.0), (-1.3, 0.5, 0.4)])
def test_driven_cavity_steady_state_is_the_coherent_state(Delta, eps, kappa):
    H, c_ops = driven_cavity(Delta, eps, kappa, CAVITY_N)
    alpha = coherent_amplitude(Delta, eps, kappa)
    assert abs(alpha) < 0.65
    rho = qutip.steadystate(H, c_ops).full()
    assert np.abs(rho - coherent_dm(alpha, CAVITY_N)).max() < DIRECT_TOL
    # <a> = alpha, in particular its sign/phase: for Delta = 0, alpha = -2 i eps / kappa
    a = qutip.destroy(CAVITY_N)
    assert abs(np.trace(a.full() @ rho) - alpha) < DIRECT_TOL


@pytest.mark.parametrize("n_th", [0.2, 0.5, 1.5])
def test_thermal_oscillator_populations(n_th):
    N = 20
    H, c_ops = thermal_oscillator(1.0, 0.3, n_th, N)
    rho = qutip.steadystate(H, c_ops).full()
    assert np.abs(rho - np.diag(thermal_populations(n_th, N))).max() < DIRECT_TOL


def test_thermal_populations_have_mean_n_th_in_the_untruncated_limit():
    p = thermal_populations(0.8, 200)
    k = np.arange(200)
    assert abs(p.sum() - 1) < 1e-14
    assert abs((k * p).sum() - 0.8) < 1e-12
    assert abs((k * (k - 1) * p).sum() / 0.8**2 - 2.0) < 1e-10


@pytest.mark.parametrize("Delta, xi, gamma", [(0.0, 0.8, 1.0), (0.4, 0.3, 0.2), (-2.0, 1.5, 0.7), (0.0, 0.25, 1.0)])
def test_resonance_fluorescence_bloch_steady_state(Delta, xi, gamma):
    H, c_ops = resonance_fluorescence(Delta, xi, gamma)
    rho = qutip.steadystate(H, c_ops).full()
    assert np.abs(rho - fluorescence_steady_state(Delta, xi, gamma)).max() < DIRECT_TOL


@pytest.mark.parametrize("xi, gamma", [(1.0, 0.5), (0.3, 1.0), (0.1, 1.0)])
def test_mollow_g2_against_quantum_regression_in_qutip(xi, gamma):
    H, c_ops = resonance_fluorescence(0.0, xi, gamma)
    s = atom_sigma()
    rho = qutip.steadystate(H, c_ops)
    tlist = np.linspace(0, 12 / gamma, 61)
    G = qutip.correlation_3op_1t(H, rho, tlist, c_ops, s.dag(), s.dag() * s, s, options=ODE_OPTIONS)
    g2 = np.real(G) / qutip.expect(s.dag() * s, rho) ** 2
    assert np.abs(g2 - mollow_g2(tlist, xi, gamma)).max() < MOLLOW_TOL


def test_mollow_g2_is_continuous_through_critical_damping():
    gamma = 1.0
    xi_c = gamma / 8  # Omega = 2 xi = gamma / 4: mu = 0
    t = np.linspace(0, 10, 11)
    crit = mollow_g2(t, xi_c, gamma)
    for dx in (1e-7, -1e-7):
        assert np.abs(mollow_g2(t, xi_c + dx, gamma) - crit).max() < 1e-5


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_fock_g2_identity(n):
    N = 8
    a = qutip.destroy(N)
    psi = qutip.fock_dm(N, n)
    val = qutip.expect(a.dag() ** 2 * a**2, psi) / qutip.expect(a.dag() * a, psi) ** 2
    assert abs(val - fock_g2(n)) < 1e-14


@pytest.mark.parametrize("n1, n2", [(1, 1), (2, 2), (3, 2), (1, 4)])
def test_fock_product_identities(n1, n2):
    N = 6
    a = qutip.tensor(qutip.destroy(N), qutip.qeye(N))
    b = qutip.tensor(qutip.qeye(N), qutip.destroy(N))
    rho = qutip.tensor(qutip.fock_dm(N, n1), qutip.fock_dm(N, n2))
    O = a * b
    g2 = qutip.expect(O.dag() * O.dag() * O * O, rho) / qutip.expect(O.dag() * O, rho) ** 2
    n_a, n_b = qutip.expect(a.dag() * a, rho), qutip.expect(b.dag() * b, rho)
    g1 = qutip.expect(a.dag() * a * b.dag() * b, rho) / (n_a * n_b)
    assert abs(g2 - fock_product_bundle_g2(n1, n2)) < 1e-14
    assert abs(g1 - fock_product_g1(n1, n2)) < 1e-14
