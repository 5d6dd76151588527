"""Reference systems with closed-form steady states and correlation functions.

Each builder returns ``(H, c_ops)`` as ``qutip.Qobj`` (hbar = 1, rates inside the collapse operators,
Lindblad form of Eq. 2); each closed form is derived in its docstring so that a test can hold the
numerics against an answer that no solver produced.

Two-level atom convention as in ``nrbundle.numeric.model``: basis index 0 = |e>, index 1 = |g>,
sigma = |g><e|, sigma^dag sigma = |e><e|.
"""

from __future__ import annotations

import cmath
import math

import numpy as np
import qutip

__all__ = [
    "driven_cavity",
    "coherent_amplitude",
    "coherent_dm",
    "thermal_oscillator",
    "thermal_populations",
    "atom_sigma",
    "resonance_fluorescence",
    "fluorescence_steady_state",
    "mollow_g2",
    "fock_g2",
    "fock_product_bundle_g2",
    "fock_product_g1",
]


# --------------------------------------------------------------------- driven damped cavity
def driven_cavity(Delta: float, eps: float, kappa: float, N: int) -> tuple[qutip.Qobj, list[qutip.Qobj]]:
    """H = Delta a^dag a + eps (a + a^dag), c = sqrt(kappa) a, in a Fock space of N levels."""
    a = qutip.destroy(N)
    return Delta * a.dag() * a + eps * (a + a.dag()), [math.sqrt(kappa) * a]


def coherent_amplitude(Delta: float, eps: float, kappa: float) -> complex:
    """Steady amplitude of the driven damped cavity: alpha = -i eps / (kappa/2 + i Delta).

    Derivation: d<a>/dt = Tr(a L(rho)) = -i Delta <a> - i eps - (kappa/2) <a> (from -i[a, H] =
    -i(Delta a + eps) and the Lindblad term -(kappa/2) a). Setting it to zero gives alpha. The
    equation of motion is linear and the dissipator maps coherent states to coherent states, so the
    steady state is the pure coherent state |alpha> (exactly, in the untruncated space).
    """
    return -1j * eps / (kappa / 2 + 1j * Delta)


def coherent_dm(alpha: complex, N: int) -> np.ndarray:
    """|alpha><alpha| from its Fock amplitudes e^{-|alpha|^2/2} alpha^n / sqrt(n!), n < N (not renormalised)."""
    n = np.arange(N)
    logfact = np.array([math.lgamma(k + 1) for k in n])
    amp = np.exp(-abs(alpha) ** 2 / 2 - 0.5 * logfact) * alpha ** n
    return np.outer(amp, amp.conj())


# --------------------------------------------------------------------- thermal oscillator
def thermal_oscillator(omega: float, kappa: float, n_th: float, N: int) -> tuple[qutip.Qobj, list[qutip.Qobj]]:
    """H = omega a^dag a, c_1 = sqrt(kappa (n_th + 1)) a, c_2 = sqrt(kappa n_th) a^dag (N levels)."""
    a = qutip.destroy(N)
    return omega * a.dag() * a, [math.sqrt(kappa * (n_th + 1)) * a, math.sqrt(kappa * n_th) * a.dag()]


def thermal_populations(n_th: float, N: int) -> np.ndarray:
    """Steady Fock populations of :func:`thermal_oscillator`, exact in the truncated space.

    Derivation: the steady state is diagonal (H is diagonal, the jumps move one level at a time) and
    the rate equation is a birth-death chain; detailed balance between k and k+1 reads
    kappa (n_th+1) (k+1) p_{k+1} = kappa n_th (k+1) p_k, so p_{k+1}/p_k = q = n_th/(n_th+1) for every
    kept k (truncation only removes the link N-1 -> N). Hence p_k = q^k (1-q)/(1-q^N), k < N, whose
    N -> infinity limit has mean n_th and g2(0) = 2.
    """
    q = n_th / (n_th + 1)
    k = np.arange(N)
    return q**k * (1 - q) / (1 - q**N)


# --------------------------------------------------------------------- resonance fluorescence
def atom_sigma() -> qutip.Qobj:
    """sigma = |g><e| with |e> = basis(2, 0), |g> = basis(2, 1)."""
    return qutip.basis(2, 1) * qutip.basis(2, 0).dag()


def resonance_fluorescence(Delta: float, xi: float, gamma: float) -> tuple[qutip.Qobj, list[qutip.Qobj]]:
    """Driven two-level atom: H = Delta sigma^dag sigma + xi (sigma + sigma^dag), c = sqrt(gamma) sigma.

    This is the atomic part of Eq. (1) alone; the Rabi frequency is Omega = 2 xi.
    """
    s = atom_sigma()
    return Delta * s.dag() * s + xi * (s + s.dag()), [math.sqrt(gamma) * s]


def fluorescence_steady_state(Delta: float, xi: float, gamma: float) -> np.ndarray:
    """Closed-form Bloch steady state of :func:`resonance_fluorescence` in the basis (|e>, |g>).

    Derivation: with [sigma^dag, sigma] = sigma_z = |e><e| - |g><g|,
    d<sigma>/dt = -(i Delta + gamma/2) <sigma> + i xi <sigma_z> and
    d rho_ee/dt = -gamma rho_ee - 2 xi Im<sigma>. The stationary solution is
    rho_ee = xi^2 / (Delta^2 + gamma^2/4 + 2 xi^2) and
    <sigma> = rho_eg = xi (2 rho_ee - 1)(Delta + i gamma/2) / (Delta^2 + gamma^2/4).
    """
    den = Delta**2 + gamma**2 / 4
    p_e = xi**2 / (den + 2 * xi**2)
    rho_eg = xi * (2 * p_e - 1) * (Delta + 0.5j * gamma) / den
    return np.array([[p_e, rho_eg], [np.conj(rho_eg), 1 - p_e]], dtype=complex)


def mollow_g2(tau: np.ndarray | float, xi: float, gamma: float) -> np.ndarray:
    """Resonant (Delta = 0) fluorescence g2(tau) = 1 - e^{-3 gamma tau/4}[cos(mu tau) + (3 gamma/4 mu) sin(mu tau)].

    mu = sqrt(Omega^2 - gamma^2/16), Omega = 2 xi (Rabi frequency of H = xi sigma_x).

    Derivation: by the quantum regression theorem g2(tau) = rho_ee(tau)/rho_ee(ss) for the atom
    restarted in |g> (sigma rho_ss sigma^dag is proportional to |g><g|). On resonance the Bloch
    components v = <sigma_y>, w = <sigma_z> obey dv/dt = -(gamma/2) v - Omega w,
    dw/dt = Omega v - gamma (w + 1) (u = <sigma_x> decouples), whose eigenvalues solve
    s^2 + (3 gamma/2) s + gamma^2/2 + Omega^2 = 0, s = -3 gamma/4 +- i mu. Hence
    g2 = 1 - e^{-3 gamma tau/4}(A cos mu tau + B sin mu tau) with g2(0) = 0 (A = 1) and
    dg2/dtau(0) = 0 (rho_ee grows quadratically from |g>: B = 3 gamma/(4 mu)). For Omega < gamma/4,
    mu is imaginary and the same expression (cosh, sinh) is evaluated with complex arithmetic.
    """
    t = np.asarray(tau, dtype=float)
    Omega = 2 * xi
    mu = cmath.sqrt(Omega**2 - gamma**2 / 16)
    if abs(mu) < 1e-12 * max(Omega, gamma):  # critical damping: limit mu -> 0
        val = 1 - np.exp(-0.75 * gamma * t) * (1 + 0.75 * gamma * t)
        return np.asarray(val, dtype=float)
    val = 1 - np.exp(-0.75 * gamma * t) * (np.cos(mu * t) + (0.75 * gamma / mu) * np.sin(mu * t))
    return np.asarray(np.real(val), dtype=float)


# --------------------------------------------------------------------- Fock-state identities
def fock_g2(n: int) -> float:
    """<n| a^dag^2 a^2 |n> / <n|a^dag a|n>^2 = n(n-1)/n^2 for a Fock state |n> (n >= 1)."""
    return n * (n - 1) / n**2


def fock_product_g1(n1: int, n2: int) -> float:
    """Cross correlation <a^dag a b^dag b>/(<a^dag a><b^dag b>) = 1 for a product Fock state |n1, n2>."""
    return 1.0


def fock_product_bundle_g2(n1: int, n2: int) -> float:
    """Eq. (3) at tau = 0 for O = a b in the product Fock state |n1, n2> (n1, n2 >= 1).

    O^dag O^dag O O = a^dag^2 a^2 b^dag^2 b^2, so the numerator is n1(n1-1) n2(n2-1); the
    denominator is <a^dag a b^dag b>^2 = (n1 n2)^2. Hence g2 = (n1-1)(n2-1)/(n1 n2):
    0 for |1,1> (a single pair cannot be followed by a second), 1/4 for |2,2>.
    """
    return (n1 - 1) * (n2 - 1) / (n1 * n2)
