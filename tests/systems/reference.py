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
    "thermal_qubit",
    "thermal_qubit_state",
    "thermal_qubits",
    "thermal_qubits_state",
    "spread_qubits",
    "coupled_cavities",
    "coupled_cavities_state",
    "thermal_modes",
    "thermal_modes_state",
    "thermal_modes_bundle_g2",
    "nonlinear_loss",
    "vacuum_dm",
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


# --------------------------------------------------------------------- thermal qubits (QuTiP's own test case)
def thermal_qubit(omega: float, gamma: float, n_th: float) -> tuple[qutip.Qobj, list[qutip.Qobj]]:
    """Qubit in a thermal bath: H = omega sigma^dag sigma, c_1 = sqrt(gamma (n_th + 1)) sigma, c_2 = sqrt(gamma n_th)
    sigma^dag."""
    s = atom_sigma()
    return omega * s.dag() * s, [math.sqrt(gamma * (n_th + 1)) * s, math.sqrt(gamma * n_th) * s.dag()]


def thermal_qubit_state(n_th: float) -> np.ndarray:
    """Steady state of :func:`thermal_qubit` in the basis (|e>, |g>): diag(p_e, 1 - p_e), p_e = n_th / (2 n_th + 1).

    Derivation: coherences decay (rate gamma (2 n_th + 1) / 2) and H is diagonal, so the state is diagonal;
    the rate equation dp_e/dt = -gamma (n_th + 1) p_e + gamma n_th (1 - p_e) = 0 gives p_e. It depends neither on
    omega nor on gamma.
    """
    p_e = n_th / (2 * n_th + 1)
    return np.diag([p_e, 1 - p_e]).astype(complex)


def thermal_qubits(
    omegas: list[float], gammas: list[float], n_ths: list[float]
) -> tuple[qutip.Qobj, list[qutip.Qobj]]:
    """Independent qubits, each as in :func:`thermal_qubit`, in the tensor order given (dimension 2^n)."""
    n = len(omegas)
    H: qutip.Qobj | float = 0.0
    c_ops: list[qutip.Qobj] = []
    for j, (w, g, nt) in enumerate(zip(omegas, gammas, n_ths, strict=True)):
        ops = [qutip.qeye(2)] * n
        ops[j] = atom_sigma()
        s = qutip.tensor(ops)
        H = H + w * s.dag() * s
        c_ops += [math.sqrt(g * (nt + 1)) * s, math.sqrt(g * nt) * s.dag()]
    return H, c_ops  # type: ignore[return-value]


def thermal_qubits_state(n_ths: list[float]) -> np.ndarray:
    """Steady state of :func:`thermal_qubits`: the tensor product of the :func:`thermal_qubit_state` (uncoupled)."""
    rho = np.ones((1, 1), dtype=complex)
    for nt in n_ths:
        rho = np.kron(rho, thermal_qubit_state(nt))
    return rho


def spread_qubits() -> tuple[tuple[qutip.Qobj, list[qutip.Qobj]], list[float]]:
    """Issue 9's first hard case: six thermal qubits with decay rates from 5e-2 down to 1e-7 (dimension 64).

    Returns ``((H, c_ops), n_ths)``. The slowest qubit relaxes at ~1e-7 while ||H|| ~ 8: a relative residual of
    1e-11 still leaves an error ~1e-4 in its populations.
    """
    gammas = list(np.logspace(math.log10(5e-2), -7, 6))
    n_ths = [0.3, 0.5, 0.8, 1.0, 0.2, 0.6]
    omegas = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]
    return thermal_qubits(omegas, gammas, n_ths), n_ths


# --------------------------------------------------------------------- nearly degenerate coupled cavities
def coupled_cavities(
    N: int, omega_a: float = 1.0, omega_b: float = 1.0 + 1e-4, g: float = 1e-3, kappa: float = 1e-4, n_th: float = 0.5
) -> tuple[qutip.Qobj, list[qutip.Qobj]]:
    """Issue 9's second hard case: two cavities, frequencies 1 and 1 + 1e-4, coupling 1e-3, decay 1e-4.

    H = omega_a a^dag a + omega_b b^dag b + g (a^dag b + b^dag a); both modes in one thermal bath (n_th) at the same
    rate: c = sqrt(kappa (n_th + 1)) o, sqrt(kappa n_th) o^dag for o = a, b (N levels each, tensor order a, b).
    """
    a = qutip.tensor(qutip.destroy(N), qutip.qeye(N))
    b = qutip.tensor(qutip.qeye(N), qutip.destroy(N))
    H = omega_a * a.dag() * a + omega_b * b.dag() * b + g * (a.dag() * b + b.dag() * a)
    c_ops = []
    for o in (a, b):
        c_ops += [math.sqrt(kappa * (n_th + 1)) * o, math.sqrt(kappa * n_th) * o.dag()]
    return H, c_ops


def coupled_cavities_state(N: int, n_th: float = 0.5) -> np.ndarray:
    """Steady state of :func:`coupled_cavities`: q^(n_a + n_b) normalised, q = n_th / (n_th + 1), exact in N levels.

    Derivation: each dissipator alone is stationary on the truncated thermal state of its mode
    (:func:`thermal_populations`, detailed balance), so on their product q^(n_a) q^(n_b) = q^(n_a + n_b). The
    hopping g (a^dag b + b^dag a) conserves n_a + n_b (also after truncation, which only removes matrix elements),
    so H commutes with any function of n_a + n_b: the product is stationary. It is unique (every level is reached
    by the jumps of each mode), whatever the couplings and frequencies, which only set how slowly it is approached.
    """
    p = thermal_populations(n_th, N)
    return np.kron(np.diag(p), np.diag(p)).astype(complex)


# --------------------------------------------------------------------- two thermal modes (fourth moments)
def thermal_modes(
    N: int, n_a: float = 0.3, n_b: float = 0.4, kappa_a: float = 1.0, kappa_b: float = 1e-3
) -> tuple[qutip.Qobj, list[qutip.Qobj]]:
    """Issue 9's third hard case: two independent thermal oscillators (N levels each, rates 1 and 1e-3).

    H = a^dag a + 1.3 b^dag b; each mode as in :func:`thermal_oscillator`. The bundle g2 of O = a b is a fourth
    moment that the high Fock levels carry.
    """
    a = qutip.tensor(qutip.destroy(N), qutip.qeye(N))
    b = qutip.tensor(qutip.qeye(N), qutip.destroy(N))
    H = a.dag() * a + 1.3 * b.dag() * b
    c_ops = [
        math.sqrt(kappa_a * (n_a + 1)) * a,
        math.sqrt(kappa_a * n_a) * a.dag(),
        math.sqrt(kappa_b * (n_b + 1)) * b,
        math.sqrt(kappa_b * n_b) * b.dag(),
    ]
    return H, c_ops


def thermal_modes_state(N: int, n_a: float = 0.3, n_b: float = 0.4) -> np.ndarray:
    """Steady state of :func:`thermal_modes`: the product of the two :func:`thermal_populations` (uncoupled modes)."""
    return np.kron(np.diag(thermal_populations(n_a, N)), np.diag(thermal_populations(n_b, N))).astype(complex)


def thermal_modes_bundle_g2(N: int, n_a: float = 0.3, n_b: float = 0.4) -> float:
    """Eq. (3) at tau = 0 for O = a b in :func:`thermal_modes_state`, exact in the truncated space.

    In a product state <O^dag O^dag O O> = <a^dag^2 a^2><b^dag^2 b^2> and <O^dag O> = <a^dag a><b^dag b>, so
    g2 = g2_a g2_b with g2_o = sum_k k(k-1) p_k / (sum_k k p_k)^2 (-> 2 each, 4 in all, as N -> infinity).
    """
    k = np.arange(N)
    out = 1.0
    for n in (n_a, n_b):
        p = thermal_populations(n, N)
        out *= float((k * (k - 1) * p).sum() / (k * p).sum() ** 2)
    return out


# --------------------------------------------------------------------- nonlinear loss (one dark state)
def nonlinear_loss(N: int = 20, omega: float = 0.7, c2: float = 0.5) -> tuple[qutip.Qobj, list[qutip.Qobj]]:
    """Issue 9's fourth hard case: H = omega a^dag a, one collapse operator c = a + c2 a^2 (N levels)."""
    a = qutip.destroy(N)
    return omega * a.dag() * a, [a + c2 * a * a]


def vacuum_dm(N: int) -> np.ndarray:
    """|0><0|, the steady state of :func:`nonlinear_loss`.

    Derivation: c|0> = 0 and H|0> = 0, so |0><0| is stationary (a dark state). It is the only one: c lowers the
    photon number by one or two, so every Fock state |n> reaches |0> through jumps (n -> n-1 via a), and the
    vacuum is the only eigenvector of H_eff = H - (i/2) c^dag c with a real eigenvalue.
    """
    out = np.zeros((N, N), dtype=complex)
    out[0, 0] = 1.0
    return out
