"""Entanglement witness of Eq. (4)/S23-S27: closed forms, bounds that hold for every state, invariances, erratum.

Every expected number below is derived by hand in ``docs/witness.md`` (section "Closed forms"), never produced
by the code under test.
"""

import json
import math

import numpy as np
import pytest
import qutip
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from nrbundle.errors import InputError
from nrbundle.numeric.model import Model
from nrbundle.numeric.witness import (
    atom_family,
    covariance_matrix,
    local_covariance,
    mode_family,
    qfi_matrix,
    witness,
    witness_model_state,
)
from nrbundle.params import get_preset

#: Closed forms vs numbers of order 1-20 built from O(N^2) sums: double precision leaves ~1e-14.
CLOSED_FORM_TOL = 1e-10
#: "<= 0" for bounds that hold exactly: rounding of eigenvalues of matrices with norm <~ 100 is ~1e-13.
BOUND_TOL = 1e-10
#: Truncated thermal state (N = 30, nbar = 0.3): the neglected tail is q^30 ~ 1e-19.
THERMAL_TOL = 1e-9

E, G = qutip.basis(2, 0), qutip.basis(2, 1)  # atom basis of the model: index 0 = |e>, 1 = |g>
SETTINGS = settings(max_examples=12, deadline=None)


# ----------------------------------------------------------------------------------------- state helpers
def fock(N, n):
    return qutip.basis(N, n)


def rand_pure(rng, d):
    v = rng.normal(size=d) + 1j * rng.normal(size=d)
    return v / np.linalg.norm(v)


def rand_dm(rng, d, rank=None):
    rank = d if rank is None else rank
    X = rng.normal(size=(d, rank)) + 1j * rng.normal(size=(d, rank))
    R = X @ X.conj().T
    return R / np.trace(R).real


def rand_local(rng, d, pure):
    if pure:
        v = rand_pure(rng, d)
        return np.outer(v, v.conj())
    return rand_dm(rng, d, rank=int(rng.integers(1, d + 1)))


def kron_all(mats):
    out = np.ones((1, 1), dtype=complex)
    for M in mats:
        out = np.kron(out, M)
    return out


def as_qobj(R, dims):
    return qutip.Qobj(R, dims=[list(dims), list(dims)])


def two_mode_state(t, N):
    """cos t |00> + sin t |11> of modes (a, b)."""
    return math.cos(t) * qutip.tensor(fock(N, 0), fock(N, 0)) + math.sin(t) * qutip.tensor(fock(N, 1), fock(N, 1))


def embedded_family(dims, parties, squares="compressed"):
    """Family operators of every party embedded in the joint space (test-side construction)."""
    ops = []
    for j, (p, d) in enumerate(zip(parties, dims, strict=True)):
        fam = atom_family() if p == "sigma" else mode_family(d, squares=squares)
        for A in fam:
            ops.append(kron_all([A if k == j else np.eye(dk) for k, dk in enumerate(dims)]))
    return ops


def local_families(dims, parties, squares="compressed"):
    return [
        atom_family() if p == "sigma" else mode_family(d, squares=squares)
        for p, d in zip(parties, dims, strict=True)
    ]


# --------------------------------------------------------------------------------------------- families
@pytest.mark.parametrize("N", [2, 3, 6])
def test_mode_family_identities(N):
    x, p, x2, p2, xp = mode_family(N)
    n = np.diag(np.arange(N)).astype(complex)
    for A in (x, p, x2, p2, xp):
        assert np.allclose(A, A.conj().T, atol=0)
    # compressed squares: x^2 + p^2 = 4 n + 2 exactly (the untruncated identity) and (xp + px)/2 = xp
    assert np.allclose(x2 + p2, 4 * n + 2 * np.eye(N), atol=1e-13)
    assert np.allclose((x @ p + p @ x) / 2, xp, atol=1e-13)
    # matrix products of the truncated x, p miss exactly N on the top diagonal element, nothing else
    top = np.zeros((N, N))
    top[-1, -1] = N
    assert np.allclose(x2 - x @ x, top, atol=1e-13)
    assert np.allclose(p2 - p @ p, top, atol=1e-13)
    xq, pq, x2q, p2q, xpq = mode_family(N, squares="product")
    assert np.allclose(x2q, x @ x) and np.allclose(p2q, p @ p) and np.allclose(xpq, xp)


def test_atom_family_is_the_pauli_algebra_of_the_model_atom():
    sx, sy, sz = atom_family()
    s = np.array([[0, 0], [1, 0]], dtype=complex)  # sigma = |g><e| with index 0 = e (model.py)
    assert np.allclose(s, (G * E.dag()).full())
    assert np.allclose(sz, s.conj().T @ s - s @ s.conj().T)  # |e><e| - |g><g|
    assert np.allclose(sx @ sy - sy @ sx, 2j * sz)
    assert np.allclose(sy @ sz - sz @ sy, 2j * sx)
    for A in (sx, sy, sz):
        assert np.allclose(A @ A, np.eye(2))


# ------------------------------------------------------------------------------------------------ QFI
def test_qfi_qubit_closed_form():
    # rho = (1 + r.sigma)/2: F_Q[rho, n.sigma] = 4 |n x r|^2  =>  Q = 4 (|r|^2 I - r r^T)
    r = np.array([0.3, -0.5, 0.4])
    sig = atom_family()
    rho = 0.5 * (np.eye(2) + sum(ri * s for ri, s in zip(r, sig, strict=True)))
    Q = qfi_matrix(rho, sig)
    assert np.allclose(Q, 4 * (r @ r * np.eye(3) - np.outer(r, r)), atol=CLOSED_FORM_TOL)


def test_qfi_thermal_closed_forms():
    # thermal state: F_Q[x] = 4/(2 nbar + 1), F_Q[x^2] = 8 (2 nbar + 1)^2 / (2 nbar^2 + 2 nbar + 1)
    N, nbar = 30, 0.3
    rho = qutip.thermal_dm(N, nbar).full()
    x, p, x2, p2, xp = mode_family(N)
    Q = qfi_matrix(rho, [x, p, x2], eig_tol=1e-300)  # keep every pair: the closed form is the full sum
    assert Q[0, 0] == pytest.approx(4 / (2 * nbar + 1), abs=THERMAL_TOL)
    assert Q[1, 1] == pytest.approx(4 / (2 * nbar + 1), abs=THERMAL_TOL)
    assert Q[2, 2] == pytest.approx(8 * (2 * nbar + 1) ** 2 / (2 * nbar**2 + 2 * nbar + 1), abs=THERMAL_TOL)
    assert abs(Q[0, 1]) < THERMAL_TOL and abs(Q[0, 2]) < THERMAL_TOL
    # the default threshold drops pairs with p_k + p_k' < 1e-14 (n >~ 21 here): their share is below 1e-10
    assert np.allclose(qfi_matrix(rho, [x, p, x2]), Q, atol=1e-10)
    # a generator that commutes with rho carries no information
    n = np.diag(np.arange(N)).astype(complex)
    assert abs(qfi_matrix(rho, [n])[0, 0]) < THERMAL_TOL


@given(seed=st.integers(0, 2**32 - 1))
@SETTINGS
def test_qfi_equals_sld_route_for_full_rank_states(seed):
    # independent route: symmetric logarithmic derivative, rho L + L rho = 2i [rho, A], Q_mn = Re Tr(rho L_m L_n)
    rng = np.random.default_rng(seed)
    dims, parties = (3, 2), ("a", "sigma")
    rho = rand_dm(rng, 6)
    ops = embedded_family(dims, parties)
    Ls = [scipy.linalg.solve_sylvester(rho, rho, 2j * (rho @ A - A @ rho)) for A in ops]
    Q_sld = np.array([[np.real(np.trace(rho @ Lm @ Ln)) for Ln in Ls] for Lm in Ls])
    assert np.allclose(qfi_matrix(rho, ops), Q_sld, atol=1e-9)


@given(seed=st.integers(0, 2**32 - 1))
@SETTINGS
def test_qfi_of_pure_state_is_four_covariance(seed):
    # pure states: F_Q[psi, A] = 4 Var(A) for every A, so Q = 4 Cov (full covariance matrix)
    rng = np.random.default_rng(seed)
    dims, parties = (3, 3), ("a", "b")
    psi = rand_pure(rng, 9)
    ops = embedded_family(dims, parties)
    assert np.allclose(qfi_matrix(psi, ops), 4 * covariance_matrix(psi, ops), atol=1e-10)


def test_qfi_rank_deficient_state_with_eigenvalue_noise():
    # a pure state plus -1e-14 noise: the 0/0 pairs are dropped, the result is the pure-state one
    N = 3
    psi = two_mode_state(0.4, N).full().ravel()
    rho = np.outer(psi, psi.conj())
    noise = -1e-14 * np.eye(9)
    noise[0, 0] += 9e-14  # keep unit trace
    ops = embedded_family((N, N), ("a", "b"))
    Q = qfi_matrix(rho + noise, ops)
    assert np.all(np.isfinite(Q))
    assert np.allclose(Q, 4 * covariance_matrix(rho, ops), atol=1e-9)


# ----------------------------------------------------------------------------------------- covariances
def test_local_covariance_of_vacuum_closed_form():
    # vacuum: Var x = Var p = 1; (x^2, p^2, xp) block [[2, -2, 0], [-2, 2, 0], [0, 0, 2]]; no x-x^2 terms
    N = 4
    vac = qutip.tensor(fock(N, 0), fock(N, 0))
    block = np.zeros((5, 5))
    block[0, 0] = block[1, 1] = 1
    block[2:4, 2:4] = [[2, -2], [-2, 2]]
    block[4, 4] = 2
    G = local_covariance(qutip.ket2dm(vac), local_families((N, N), ("a", "b")))
    assert np.allclose(G, scipy.linalg.block_diag(block, block), atol=CLOSED_FORM_TOL)


@given(seed=st.integers(0, 2**32 - 1))
@SETTINGS
def test_local_covariance_equals_full_state_blocks(seed):
    # reduced-state route (ptrace) == full-state expectation of the embedded local operators; zero off-blocks
    rng = np.random.default_rng(seed)
    dims, parties = (3, 2, 2), ("a", "b", "sigma")
    rho = rand_dm(rng, 12, rank=3)
    G_loc = local_covariance(as_qobj(rho, dims), local_families(dims, parties))
    G_full = covariance_matrix(rho, embedded_family(dims, parties))
    sl = [slice(0, 5), slice(5, 10), slice(10, 13)]
    for j in range(3):
        for k in range(3):
            expected = G_full[sl[j], sl[k]] if j == k else np.zeros((G_loc[sl[j], sl[k]]).shape)
            assert np.allclose(G_loc[sl[j], sl[k]], expected, atol=1e-12)
    # the array route with explicit dims gives the same
    assert np.allclose(local_covariance(rho, local_families(dims, parties), dims=dims), G_loc, atol=1e-14)


# ---------------------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("N", [3, 4])
@pytest.mark.parametrize("t", [0.1, math.pi / 12, 0.5, math.pi / 4, 1.2, 1.5])
def test_two_mode_entangled_state_closed_form(t, N):
    # cos t|00> + sin t|11>: W1 = 4 max(sin 2t, 2 sin^2 2t)  (docs/witness.md), W2 = 0 (pure, bipartite)
    r = witness(two_mode_state(t, N), ("a", "b"))
    s2 = math.sin(2 * t)
    assert r.W1 == pytest.approx(4 * max(s2, 2 * s2**2), abs=CLOSED_FORM_TOL)
    assert r.W1 > 0 and r.D1 == r.W1
    assert abs(r.W2) < BOUND_TOL
    assert r.F_Q - r.B1 == pytest.approx(r.W1, abs=CLOSED_FORM_TOL)
    assert r.top_population == {"a": 0.0, "b": 0.0}
    assert r.n_operators == 10 and r.local_dims == (N, N)


def test_two_mode_state_inside_the_full_model_space():
    # same closed form through ptrace of the (a, b, m, atom) space, for parties given as a string too
    t, (Na, Nb, Nm) = 0.3, (3, 4, 2)
    psi = math.cos(t) * qutip.tensor(fock(Na, 0), fock(Nb, 0), fock(Nm, 0), G) + math.sin(t) * qutip.tensor(
        fock(Na, 1), fock(Nb, 1), fock(Nm, 0), G
    )
    s2 = math.sin(2 * t)
    expected = 4 * max(s2, 2 * s2**2)
    assert witness(psi, ("a", "b")).W1 == pytest.approx(expected, abs=CLOSED_FORM_TOL)
    assert witness(qutip.ket2dm(psi), "a,b").W1 == pytest.approx(expected, abs=CLOSED_FORM_TOL)
    arr = witness(qutip.ket2dm(psi).full(), ("b", "a"), cutoff=(Na, Nb, Nm))
    assert arr.parties == ("a", "b")
    assert arr.W1 == pytest.approx(expected, abs=CLOSED_FORM_TOL)
    # the mode m and the atom are in a product state with (a, b): nothing to detect
    assert witness(psi, ("a", "m")).W1 < BOUND_TOL
    assert witness(psi, ("b", "m", "sigma")).W1 < BOUND_TOL


def test_skipping_the_w2_maximisation_changes_nothing_else():
    # the sweeps record W1 and D1 only and skip the SLSQP maximisations of W2_opt: every other number is the same
    psi = (qutip.tensor(fock(3, 0), fock(3, 0), G) + qutip.tensor(fock(3, 1), fock(3, 1), E)).unit()
    rho = 0.8 * qutip.ket2dm(psi) + 0.2 * qutip.tensor(qutip.maximally_mixed_dm(3), qutip.maximally_mixed_dm(3),
                                                       qutip.maximally_mixed_dm(2))
    full = witness(rho, ("a", "b", "sigma"))
    fast = witness(rho, ("a", "b", "sigma"), optimise_w2=False)
    assert math.isnan(fast.W2_opt) and np.all(np.isnan(fast.c_W2_opt)) and math.isfinite(full.W2_opt)
    for name in ("W1", "D1", "F_Q", "B1", "B2", "B3", "W2"):
        assert getattr(fast, name) == getattr(full, name)
    assert fast.W_bipartitions == full.W_bipartitions
    with pytest.raises(InputError, match="optimise_w2"):
        witness(rho, ("a", "b", "sigma"), optimise_w2="no")


@pytest.mark.parametrize("N", [2, 3])
def test_ghz_like_state_closed_form(N):
    # (|0,0,g> + |1,1,e>)/sqrt2: W1 = 4 (1 + sqrt5), W2 = 16/sqrt5 at c_opt,
    # bipartition eigenvalues ab|sigma = 8, a sigma|b = b sigma|a = 4 sqrt6  (docs/witness.md)
    psi = (qutip.tensor(fock(N, 0), fock(N, 0), G) + qutip.tensor(fock(N, 1), fock(N, 1), E)).unit()
    r = witness(psi, ("a", "b", "sigma"))
    assert r.W1 == pytest.approx(4 * (1 + math.sqrt(5)), abs=CLOSED_FORM_TOL)
    assert r.W2 == pytest.approx(16 / math.sqrt(5), abs=CLOSED_FORM_TOL)
    assert r.W2 > 0
    assert r.W_bipartitions["a,b|sigma"] == pytest.approx(8.0, abs=CLOSED_FORM_TOL)
    assert r.W_bipartitions["a,sigma|b"] == pytest.approx(4 * math.sqrt(6), abs=CLOSED_FORM_TOL)
    assert r.W_bipartitions["b,sigma|a"] == pytest.approx(4 * math.sqrt(6), abs=CLOSED_FORM_TOL)
    # the optimised W2 is attained by an explicit c: at least W2(c_opt), at most the smallest bipartition value
    assert r.W2 - BOUND_TOL <= r.W2_opt <= min(r.W_bipartitions.values()) + BOUND_TOL
    c = r.c_W2_opt
    assert np.linalg.norm(c) == pytest.approx(1.0)
    # pure state: F_Q = 4 Var(A) = B3
    assert r.F_Q == pytest.approx(r.B3, abs=CLOSED_FORM_TOL)
    # c_opt lives on (x^2, p^2) of the modes and sigma_z only, with the closed-form weights (1, 1, 1, 1, y)/norm
    y = 2 * math.sqrt(2) / (1 + math.sqrt(5))  # weight of sigma_z relative to e_a = (x^2 + p^2)/sqrt2
    expected = np.zeros(13)
    expected[[2, 3, 7, 8]] = 1 / math.sqrt(2)
    expected[12] = y
    expected /= np.linalg.norm(expected)
    assert np.allclose(r.c_opt, expected, atol=1e-9)


def test_ghz_like_state_built_by_the_model():
    # |000g> + |101e> of the model, parties (a, m, sigma): the closed form of the GHZ test with b -> m
    M = Model(get_preset("fig1"), "left", (3, 2, 3))
    psi = (M.state(0, 0, 0, "g") + M.state(1, 0, 1, "e")).unit()

    class Holder:  # any result object carrying .rho
        rho = qutip.ket2dm(psi)

    r = witness_model_state(Holder(), ("a", "m", "sigma"))
    assert r.W1 == pytest.approx(4 * (1 + math.sqrt(5)), abs=CLOSED_FORM_TOL)
    assert r.W2 == pytest.approx(16 / math.sqrt(5), abs=CLOSED_FORM_TOL)
    # the (a, m) marginal is the classical mixture (|00><00| + |11><11|)/2: separable, not detected
    assert witness_model_state(psi, ("a", "m")).W1 < BOUND_TOL
    json.dumps(r.to_dict())  # results serialise


# ------------------------------------------------------------------------------ separable states (hypothesis)
@given(seed=st.integers(0, 2**32 - 1), pure=st.booleans(), tripartite=st.booleans())
@SETTINGS
def test_product_states_are_not_detected(seed, pure, tripartite):
    rng = np.random.default_rng(seed)
    dims = (3, 3, 2) if tripartite else (3, 3)
    parties = ("a", "b", "sigma") if tripartite else ("a", "b")
    rho = kron_all([rand_local(rng, d, pure) for d in dims])
    r = witness(as_qobj(rho, dims), parties)
    assert r.W1 <= BOUND_TOL
    assert all(v <= BOUND_TOL for v in r.W_bipartitions.values())
    if pure:  # pure product: Q = 4 Gamma exactly, W1 = 0
        assert abs(r.W1) <= BOUND_TOL


@given(seed=st.integers(0, 2**32 - 1), K=st.integers(2, 4), tripartite=st.booleans())
@SETTINGS
def test_separable_mixtures_are_not_detected(seed, K, tripartite):
    rng = np.random.default_rng(seed)
    dims = (3, 2, 2) if tripartite else (3, 3)
    parties = ("a", "m", "sigma") if tripartite else ("a", "b")
    w = rng.dirichlet(np.ones(K))
    rho = sum(wk * kron_all([rand_local(rng, d, bool(rng.integers(2))) for d in dims]) for wk in w)
    r = witness(as_qobj(rho, dims), parties)
    assert r.W1 <= BOUND_TOL
    assert r.D1 <= BOUND_TOL


# ----------------------------------------------------------------------------- bounds valid for all states
@given(seed=st.integers(0, 2**32 - 1), rank=st.integers(1, 9))
@SETTINGS
def test_bipartite_B2_bounds_every_state(seed, rank):
    # S26: F_Q <= B2 = 4 Var(A_a + A_b) for every state, so W2 <= 0 (at c_opt and optimised over c)
    rng = np.random.default_rng(seed)
    r = witness(as_qobj(rand_dm(rng, 9, rank), (3, 3)), ("a", "b"))
    assert r.W2 <= BOUND_TOL and r.W2_opt <= BOUND_TOL
    assert r.F_Q <= r.B2 + BOUND_TOL


@given(seed=st.integers(0, 2**32 - 1), rank=st.integers(1, 12))
@SETTINGS
def test_tripartite_B3_bounds_every_state(seed, rank):
    # S27: F_Q <= B3 = 4 Var(A_a + A_b + A_sigma) for every state (at c_opt, and as a matrix inequality)
    rng = np.random.default_rng(seed)
    dims = (3, 2, 2)
    rho = rand_dm(rng, 12, rank)
    r = witness(as_qobj(rho, dims), ("a", "b", "sigma"))
    assert r.F_Q <= r.B3 + BOUND_TOL
    ops = embedded_family(dims, ("a", "b", "sigma"))
    lam = np.linalg.eigvalsh(qfi_matrix(rho, ops) - 4 * covariance_matrix(rho, ops))[-1]
    assert lam <= BOUND_TOL  # the matrix form of F_Q <= 4 Var for every c


# --------------------------------------------------------------------------------------------- invariances
def _noisy_ghz(p):
    psi = (qutip.tensor(fock(2, 0), fock(2, 0), G) + qutip.tensor(fock(2, 1), fock(2, 1), E)).unit()
    return p * qutip.ket2dm(psi) + (1 - p) * qutip.qeye([2, 2, 2]) / 8


@pytest.mark.parametrize("phi", [0.37, 1.1, math.pi / 2, 2.9])
def test_atom_phase_rotation_leaves_witness_unchanged(phi):
    # exp(-i phi sigma_z/2) rotates (sigma_x, sigma_y) orthogonally and fixes sigma_z: the family maps onto
    # itself by an orthogonal c -> c R, so the spectrum of Q - 4 Gamma is unchanged
    rho = _noisy_ghz(0.8)
    sz = qutip.Qobj(atom_family()[2])
    U = qutip.tensor(qutip.qeye(2), qutip.qeye(2), (-0.5j * phi * sz).expm())
    r0, r1 = witness(rho, ("a", "b", "sigma")), witness(U * rho * U.dag(), ("a", "b", "sigma"))
    assert r0.W1 > 0
    assert np.allclose(r0.eigenvalues, r1.eigenvalues, atol=1e-10)
    assert r1.W2 == pytest.approx(r0.W2, abs=1e-9)


def _mode_rotation_matrix(phi):
    # U = exp(-i phi n): U^dag (x, p, x^2, p^2, xp) U = T (x, p, x^2, p^2, xp)  (docs/witness.md)
    c, s = math.cos(phi), math.sin(phi)
    T = np.zeros((5, 5))
    T[0, :2] = [c, s]
    T[1, :2] = [-s, c]
    T[2, 2:] = [c * c, s * s, 2 * c * s]
    T[3, 2:] = [s * s, c * c, -2 * c * s]
    T[4, 2:] = [-c * s, c * s, c * c - s * s]
    return T


@given(seed=st.integers(0, 2**32 - 1), phi=st.floats(0.0, 2 * math.pi))
@SETTINGS
def test_mode_phase_rotation_acts_linearly_on_Q_and_Gamma(seed, phi):
    # rho -> U rho U^dag with U = exp(-i phi n_a): Q -> T Q T^T and Gamma -> T Gamma T^T, T the hand-derived map
    rng = np.random.default_rng(seed)
    N = 3
    dims, parties = (N, N), ("a", "b")
    rho = rand_dm(rng, N * N, rank=2)
    U = np.kron(np.diag(np.exp(-1j * phi * np.arange(N))), np.eye(N))
    rho_rot = U @ rho @ U.conj().T
    T = scipy.linalg.block_diag(_mode_rotation_matrix(phi), np.eye(5))
    ops = embedded_family(dims, parties)
    fams = local_families(dims, parties)
    assert np.allclose(qfi_matrix(rho_rot, ops), T @ qfi_matrix(rho, ops) @ T.T, atol=1e-9)
    G0 = local_covariance(rho, fams, dims=dims)
    assert np.allclose(local_covariance(rho_rot, fams, dims=dims), T @ G0 @ T.T, atol=1e-10)


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 3))
@SETTINGS
def test_quarter_turn_of_a_mode_leaves_witness_unchanged(seed, k):
    # phi = k pi/2 maps the family onto itself by a signed permutation (orthogonal): same spectrum
    rng = np.random.default_rng(seed)
    N = 3
    rho = rand_dm(rng, N * N, rank=2)
    U = np.kron(np.eye(N), np.diag(np.exp(-1j * k * math.pi / 2 * np.arange(N))))
    r0 = witness(as_qobj(rho, (N, N)), ("a", "b"))
    r1 = witness(as_qobj(U @ rho @ U.conj().T, (N, N)), ("a", "b"))
    assert np.allclose(r0.eigenvalues, r1.eigenvalues, atol=1e-9)


def test_rotation_of_the_two_mode_state_leaves_W1_unchanged():
    # cos t|00> + e^{i phi} sin t|11>: only the (x, p) block of the cross covariance rotates, W1 is the same
    t, N = 0.5, 3
    s2 = math.sin(2 * t)
    for phi in (0.3, 1.0, 2.5):
        psi = math.cos(t) * qutip.tensor(fock(N, 0), fock(N, 0)) + np.exp(1j * phi) * math.sin(t) * qutip.tensor(
            fock(N, 1), fock(N, 1)
        )
        assert witness(psi, ("a", "b")).W1 == pytest.approx(4 * max(s2, 2 * s2**2), abs=CLOSED_FORM_TOL)


def test_sign_convention_of_the_family_does_not_matter():
    # flipping sigma_y -> -sigma_y and p -> -p is c -> c D with D = diag(+-1): same spectrum of Q - 4 Gamma
    rho = _noisy_ghz(0.7).full()
    dims, parties = (2, 2, 2), ("a", "b", "sigma")
    fams = local_families(dims, parties)
    flipped = [tuple(-A if i == 1 else A for i, A in enumerate(f)) for f in fams]

    def spectrum(fam):
        ops = [kron_all([A if k == j else np.eye(2) for k in range(3)]) for j, f in enumerate(fam) for A in f]
        return np.linalg.eigvalsh(qfi_matrix(rho, ops) - 4 * local_covariance(rho, fam, dims=dims))

    assert np.allclose(spectrum(fams), spectrum(flipped), atol=1e-12)


# ------------------------------------------------------------------------------------------ truncation
def test_square_constructions_agree_when_the_top_level_is_empty():
    rng = np.random.default_rng(7)
    N = 4
    v = np.zeros((N, N), dtype=complex)
    v[: N - 1, : N - 1] = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))  # levels 0..2 only
    psi = v.ravel() / np.linalg.norm(v)
    rho = 0.7 * np.outer(psi, psi.conj()) + 0.3 * kron_all([np.diag([0.5, 0.5, 0, 0])] * 2)
    a = witness(as_qobj(rho, (N, N)), ("a", "b"))
    b = witness(as_qobj(rho, (N, N)), ("a", "b"), squares="product")
    assert a.top_population == {"a": 0.0, "b": 0.0} and a.top2_population["a"] > 0
    assert np.allclose(a.eigenvalues, b.eigenvalues, atol=1e-10)


def test_square_constructions_differ_when_the_top_level_is_populated():
    # N = 2: compressed x^2 = diag(1, 3) keeps the n-correlations, W1 = 4 max(sin2t, 2 sin^2 2t);
    # products give x^2 = p^2 = 1 on two levels, so only the (x, p) correlations remain: W1 = 4 sin 2t
    t = 0.6
    s2 = math.sin(2 * t)
    psi = two_mode_state(t, 2)
    comp = witness(psi, ("a", "b"))
    prod = witness(psi, ("a", "b"), squares="product")
    assert comp.W1 == pytest.approx(4 * max(s2, 2 * s2**2), abs=CLOSED_FORM_TOL)
    assert prod.W1 == pytest.approx(4 * s2, abs=CLOSED_FORM_TOL)
    assert comp.top_population["a"] == pytest.approx(math.sin(t) ** 2)


# -------------------------------------------------------------------------------- erratum 2 (factor 4)
def test_s25_literal_matrix_flags_the_vacuum_but_eq4_does_not():
    # vacuum |00>: pure product, Q = 4 Gamma (Gamma local, block-diagonal). Eq. (4): Q - 4 Gamma = 0.
    # S25 literally, Q - Gamma = 3 Gamma: top eigenvalue 3 * 4 = 12 > 0 (Var of (x^2 - p^2)/sqrt2 is 4).
    # S25's "Gamma_jj = 0" reading (cross blocks only, here 0): Q itself, top eigenvalue 16 > 0.
    N = 3
    vac = qutip.ket2dm(qutip.tensor(fock(N, 0), fock(N, 0)))
    dims, parties = (N, N), ("a", "b")
    ops = embedded_family(dims, parties)
    Q = qfi_matrix(vac, ops)
    G_loc = local_covariance(vac, local_families(dims, parties))
    G_cross = covariance_matrix(vac, ops) - G_loc
    assert np.linalg.eigvalsh(Q - 4 * G_loc)[-1] == pytest.approx(0.0, abs=CLOSED_FORM_TOL)
    assert np.linalg.eigvalsh(Q - G_loc)[-1] == pytest.approx(12.0, abs=CLOSED_FORM_TOL)
    assert np.linalg.eigvalsh(Q - G_cross)[-1] == pytest.approx(16.0, abs=CLOSED_FORM_TOL)
    assert witness(vac, parties).W1 == pytest.approx(0.0, abs=CLOSED_FORM_TOL)


@given(seed=st.integers(0, 2**32 - 1))
@SETTINGS
def test_s25_literal_matrix_is_not_a_separability_criterion(seed):
    # a random separable mixture: Q - Gamma has a positive eigenvalue (a false "entangled"), Q - 4 Gamma does not
    rng = np.random.default_rng(seed)
    dims, parties = (3, 2), ("a", "sigma")
    rho = 0.5 * kron_all([rand_local(rng, 3, True), rand_local(rng, 2, True)]) + 0.5 * kron_all(
        [rand_local(rng, 3, False), rand_local(rng, 2, False)]
    )
    ops = embedded_family(dims, parties)
    Q = qfi_matrix(rho, ops)
    G_loc = local_covariance(rho, local_families(dims, parties), dims=dims)
    assert np.linalg.eigvalsh(Q - G_loc)[-1] > 0.1
    assert np.linalg.eigvalsh(Q - 4 * G_loc)[-1] <= BOUND_TOL


# ----------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "parties, match",
    [
        (("a", "c"), "unknown subsystem"),
        (("a", "a"), "repeated"),
        (("a",), "2 or 3"),
        (("a", "b", "m", "sigma"), "2 or 3"),
    ],
)
def test_bad_parties(parties, match):
    psi = two_mode_state(0.3, 3)
    with pytest.raises(InputError, match=f"parties: .*{match}"):
        witness(psi, parties)


def test_bad_states_and_options():
    M = Model(get_preset("fig1"), "left", (2, 2, 2))
    rho = qutip.ket2dm(M.state(0, 0, 0, "g"))
    with pytest.raises(InputError, match="^cutoff:"):
        witness(rho.full(), ("a", "b"))
    with pytest.raises(InputError, match="^cutoff:"):
        witness(rho, ("a", "b"), cutoff=3)
    with pytest.raises(InputError, match="^rho: trace"):
        witness(2 * rho, ("a", "b"))
    bad = rho.full().copy()  # move 1.1 of population from |0,0,0,g> (index 1) to |1,0,0,g> (index 9)
    bad[1, 1] -= 1.1
    bad[9, 9] += 1.1
    with pytest.raises(InputError, match="^rho: .*negative eigenvalue"):
        witness(qutip.Qobj(bad, dims=rho.dims), ("a", "b"))
    with pytest.raises(InputError, match="^rho: dims"):
        witness(qutip.ket2dm(qutip.basis([2, 2, 2], [0, 0, 0])), ("a", "b"))
    with pytest.raises(InputError, match="^squares:"):
        witness(rho, ("a", "b"), squares="exact")
    with pytest.raises(InputError, match="^eig_tol:"):
        witness(rho, ("a", "b"), eig_tol=0.0)
    with pytest.raises(InputError, match="^ops:"):
        qfi_matrix(np.eye(2) / 2, [np.array([[0, 1], [0, 0]])])
