"""The canonical Schrieffer-Wolff recursion (nrbundle.analytic.schrieffer_wolff) on the dressed basis.

Independent routes used here: exact diagonalization of Eq. (1) built by nrbundle.numeric.model (QuTiP operators in
the bare atom basis), the dressed basis of that model (``Model.state``), textbook perturbation sums written with
NumPy, and pymablock's block diagonalization.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from nrbundle.analytic import schrieffer_wolff as sw
from nrbundle.analytic import symbols as s
from nrbundle.analytic.dressed_states import coupling_distance
from nrbundle.numeric.model import Model
from nrbundle.params import get_preset
from nrbundle.transitions import PAPER_TRANSITIONS

FIG1 = get_preset("fig1")


@pytest.fixture(autouse=True, scope="module")
def _single_blas_thread():
    """Dense eigensolvers on a shared two-core machine: one BLAS thread is fastest and deterministic."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        yield


TRANSITIONS = [(t.target, t.direction) for t in PAPER_TRANSITIONS]
#: Two exact evaluations of the same finite sum in double precision (a few hundred terms, no cancellation).
ROUNDOFF_REL = 1e-10


# --------------------------------------------------------------------------------------------------- helpers
def dressed_model_matrix(params, direction, Delta_ad, cutoff=5):
    """Eq. (1) from nrbundle.numeric.model, rotated to the dressed product basis |n_a n_b n_m l> (S14).

    Returns (states, H) with states a list of (n_a, n_b, n_m, l), l = +1/-1, and H real symmetric.
    """
    M = Model(params, direction, cutoff)
    H = M.H_matrix(Delta_ad)
    states, cols = [], []
    for na in range(M.cutoff[0]):
        for nb in range(M.cutoff[1]):
            for nm in range(M.cutoff[2]):
                for l, lab in ((1, "+"), (-1, "-")):
                    states.append((na, nb, nm, l))
                    cols.append(M.state(na, nb, nm, lab, Delta_ad).full().ravel())
    U = np.array(cols).T
    Hd = U.conj().T @ H @ U
    assert np.max(np.abs(Hd.imag)) < 1e-14
    return states, Hd.real


def reorder_p_first(states, H, P):
    idx = [states.index(p) for p in P] + [i for i, st_ in enumerate(states) if st_ not in P]
    return [states[i] for i in idx], H[np.ix_(idx, idx)]



# ------------------------------------------------------------------------------------------ structure / rules
@pytest.mark.parametrize("target, linear", [((1, 0, 1), s.lambda_am), ((1, 1, 0), s.lambda_ab)])
def test_g_eff_is_third_order_lambda_as_squared_times_the_linear_coupling(target, linear):
    H = sw.effective_hamiltonian(target, 4)
    assert H.g_eff_order == 3
    assert H.coupling[1] == 0 and H.coupling[2] == 0 and H.coupling[4] == 0
    g3 = H.coupling[3]
    other = s.lambda_ab if linear is s.lambda_am else s.lambda_am
    assert other not in g3.free_symbols
    assert g3.subs(linear, 0) == 0 and g3.subs(s.lambda_as, 0) == 0
    # homogeneous of degree (2, 1) in (lambda_as, linear): numeric scaling at an arbitrary point
    f = sp.lambdify((s.lambda_as, linear), g3.subs({s.Delta_ad: 1.31, s.Delta_F: -0.02, s.omega_b: 1.0,
                                                    s.omega_m: 1.07, s.R: 2.41, s.c_plus: 0.93, s.c_minus: 0.37}))
    base = f(0.27, 0.031)
    assert base != 0
    assert f(2 * 0.27, 0.031) == pytest.approx(4 * base, rel=1e-13)
    assert f(0.27, 3 * 0.031) == pytest.approx(3 * base, rel=1e-13)


@pytest.mark.parametrize("target", [(1, 0, 1), (1, 1, 0)])
def test_odd_order_shifts_vanish_by_the_photon_parity_rule(target):
    H = sw.effective_hamiltonian(target, 4)
    for n in (1, 3):
        assert H.shift_P[n] == 0 and H.shift_T[n] == 0


def test_higher_bundle_coupling_starts_at_the_graph_distance():
    # |202->: two photons and two magnons; n_a even, so the coupling has even orders, starting at 4
    assert coupling_distance((2, 0, 2)) == 4
    H = sw.effective_hamiltonian((2, 0, 2), 4)
    assert H.g_eff_order == 4
    assert sp.simplify(H.g_eff.subs(s.lambda_am, 0)) == 0
    assert coupling_distance((1, 0, 1)) == 3 and coupling_distance((1, 1, 0)) == 3


def test_symbolic_blocks_are_symmetric():
    _, blocks = sw.symbolic_blocks((1, 0, 1, -1), 3)
    for n, b in blocks.items():
        assert sp.expand(b[0][1] - b[1][0]) == 0, n
    vals = {s.Delta_ad: 1.34, s.Delta_F: 0.025, s.omega_b: 1.0, s.omega_m: 1.05, s.R: 2.38}
    vals.update({s.lambda_as: 0.3, s.lambda_ab: 0.02, s.lambda_am: 0.03, s.c_plus: 0.9, s.c_minus: 0.43})
    _, b4 = sw.symbolic_blocks((1, 1, 0, -1), 4)
    assert abs(float((b4[4][0][1] - b4[4][1][0]).subs(vals))) < 1e-15


@pytest.mark.parametrize("direction", ["left", "right"])
def test_numeric_blocks_are_symmetric_at_every_order(direction):
    blocks = sw.numeric_effective_blocks(FIG1, (1, 0, 1), direction, 1.35, 7)
    for n, b in blocks.items():
        assert np.allclose(b, b.T, rtol=0, atol=1e-18), n


# ----------------------------------------------------------------------------------- independent numeric routes
@pytest.mark.parametrize("target, direction", TRANSITIONS)
def test_second_order_shift_is_the_textbook_sum(target, direction):
    x = 1.33
    states, Hd = dressed_model_matrix(FIG1, direction, x, cutoff=4)
    H = sw.effective_hamiltonian(target, 4)
    num = H.numeric()
    for p, shift in ((( 0, 0, 0, 1)), num.shift_P[2]), (((*target, -1)), num.shift_T[2]):
        i = states.index(p)
        others = [k for k, st_ in enumerate(states) if st_ not in ((0, 0, 0, 1), (*target, -1))]
        textbook = sum(Hd[i, k] ** 2 / (Hd[i, i] - Hd[k, k]) for k in others)
        assert shift.at(FIG1, direction, Delta_ad=x) == pytest.approx(textbook, rel=ROUNDOFF_REL)


@pytest.mark.parametrize("target", [(1, 0, 1), (1, 1, 0)])
def test_fourth_order_shift_and_coupling_match_the_path_sums(target):
    """The path forms printed by the LaTeX effective section, evaluated with NumPy on the model's dressed matrix."""
    x, direction = 1.36, "right"
    P = [(0, 0, 0, 1), (*target, -1)]
    states, Hd = reorder_p_first(*dressed_model_matrix(FIG1, direction, x, cutoff=5), P)
    E = np.diag(Hd)
    V = Hd - np.diag(E)
    Q = slice(2, None)
    VQQ = V[Q, Q]
    num = sw.effective_hamiltonian(target, 4).numeric()
    for i, shift4 in ((0, num.shift_P[4]), (1, num.shift_T[4])):
        d = E[i] - E[Q]
        w = V[i, Q] / d
        e2 = np.sum(V[i, Q] ** 2 / d)
        e4 = w @ VQQ @ (VQQ @ w / d) - e2 * np.sum(V[i, Q] ** 2 / d**2)
        assert shift4.at(FIG1, direction, Delta_ad=x) == pytest.approx(e4, rel=ROUNDOFF_REL)
    dp, dt = E[0] - E[Q], E[1] - E[Q]
    g3 = 0.5 * (V[0, Q] / dp) @ VQQ @ (V[Q, 1] / dp) + 0.5 * (V[0, Q] / dt) @ VQQ @ (V[Q, 1] / dt)
    assert num.coupling[3].at(FIG1, direction, Delta_ad=x) == pytest.approx(g3, rel=ROUNDOFF_REL)


@pytest.mark.parametrize("target, direction", [((1, 0, 1), "left"), ((1, 1, 0), "right")])
def test_pymablock_reproduces_orders_two_to_four(target, direction):
    """Second route: pymablock on the full cutoff-5 dressed matrix of the model (no breadth-first truncation)."""
    pymablock = pytest.importorskip("pymablock")
    x = 1.345
    P = [(0, 0, 0, 1), (*target, -1)]
    states, Hd = reorder_p_first(*dressed_model_matrix(FIG1, direction, x, cutoff=5), P)
    H0 = np.diag(np.diag(Hd))
    H1 = Hd - H0
    labels = np.array([0, 0] + [1] * (len(states) - 2))
    H_tilde, _, _ = pymablock.block_diagonalize([H0, H1], subspace_indices=labels)
    num = sw.effective_hamiltonian(target, 4).numeric()
    for n in (2, 3, 4):
        block = H_tilde[0, 0, n]
        block = np.zeros((2, 2)) if isinstance(block, type(pymablock.series.zero)) else np.asarray(block)
        ours = np.array(
            [
                [num.shift_P[n].at(FIG1, direction, Delta_ad=x), num.coupling[n].at(FIG1, direction, Delta_ad=x)],
                [num.coupling[n].at(FIG1, direction, Delta_ad=x), num.shift_T[n].at(FIG1, direction, Delta_ad=x)],
            ],
            dtype=float,
        )
        scale = np.max(np.abs(block))
        assert scale > 0
        assert np.max(np.abs(ours - block.real)) <= ROUNDOFF_REL * scale, n


@pytest.mark.parametrize("order", [2, 4])
def test_truncation_of_the_dressed_basis_is_exact(order):
    """One more breadth-first layer (or two) changes no order <= ``order`` (symbolic route vs float route)."""
    x = 1.37
    num = sw.effective_hamiltonian((1, 0, 1), 4).numeric()
    for depth in (order // 2, order // 2 + 1, order // 2 + 2):
        blocks = sw.numeric_effective_blocks(FIG1, (1, 0, 1), "left", x, order, depth=depth)
        for n in range(1, order + 1):
            sym = [num.shift_P[n], num.coupling[n], num.shift_T[n]]
            vals = [float(f.at(FIG1, "left", Delta_ad=x)) for f in sym]
            ref = [blocks[n][0, 0], blocks[n][0, 1], blocks[n][1, 1]]
            assert np.allclose(vals, ref, rtol=ROUNDOFF_REL, atol=1e-17), (depth, n)


def test_float_route_needs_the_next_layer_only_above_the_proved_radius():
    # order 6 with radius 2 misses chains reaching three steps out: the truncation rule is not vacuous
    a = sw.numeric_effective_blocks(FIG1, (1, 0, 1), "left", 1.34, 6, depth=2)[6]
    b = sw.numeric_effective_blocks(FIG1, (1, 0, 1), "left", 1.34, 6, depth=3)[6]
    c = sw.numeric_effective_blocks(FIG1, (1, 0, 1), "left", 1.34, 6, depth=4)[6]
    assert abs(a[1, 1] - b[1, 1]) > 1e-7
    assert np.allclose(b, c, rtol=ROUNDOFF_REL, atol=1e-18)


# --------------------------------------------------------------------------------- convergence as couplings shrink
@settings(max_examples=4, deadline=None)
@given(
    las=st.floats(0.15, 0.3),
    lab=st.floats(0.01, 0.03),
    lam=st.floats(0.01, 0.03),
    target=st.sampled_from([(1, 0, 1), (1, 1, 0)]),
)
def test_series_error_scales_with_the_next_order(las, lab, lam, target):
    """Away from the crossing, ED levels minus the order-K series scale as t^(K+2) when couplings scale by t."""
    x = 1.20 if target == (1, 0, 1) else 1.46  # well clear of both pair crossings and of E_|200-> = E_+
    errs = {}
    for t in (1.0, 0.5):
        p = FIG1.replace(lambda_as=t * las, lambda_ab=t * lab, lambda_am=t * lam)
        model = Model(p, "left", 4)
        w, v = np.linalg.eigh(model.H_matrix(x))
        blocks = sw.numeric_effective_blocks(p, target, "left", x, 5)
        for K in (2, 4):
            h = sum(blocks[n] for n in range(K + 2))  # diagonal through K, coupling through K+1
            ev = np.linalg.eigvalsh(h)
            a = model.state(0, 0, 0, "+", x).full().ravel()
            b = model.state(*target, "-", x).full().ravel()
            weight = np.abs(a @ v) ** 2 + np.abs(b @ v) ** 2
            ed = np.sort(w[np.argsort(weight)[-2:]])
            errs[(K, t)] = np.max(np.abs(ed - ev))
    for K in (2, 4):
        ratio = errs[(K, 1.0)] / errs[(K, 0.5)]
        # expected 2^(K+2); allow a factor 2 for the admixture of the order after next
        assert ratio > 2 ** (K + 1), (K, ratio)


def test_spectator_blocks_match_pymablock():
    """Three-state model space (with a direct P-P element switched on) against pymablock on the same matrix."""
    pymablock = pytest.importorskip("pymablock")
    x = 1.34
    P = [(0, 0, 0, 1), (1, 0, 1, -1), (1, 1, 0, -1)]
    states, Hd = reorder_p_first(*dressed_model_matrix(FIG1, "left", x, cutoff=5), P)
    ours = sw.numeric_effective_blocks(FIG1, (1, 0, 1), "left", x, 5, spectators=[(1, 1, 0)])
    H0 = np.diag(np.diag(Hd))
    labels = np.array([0] * 3 + [1] * (len(states) - 3))
    H_tilde, _, _ = pymablock.block_diagonalize([H0, Hd - H0], subspace_indices=labels)
    for n in range(2, 6):
        block = np.asarray(H_tilde[0, 0, n]).real
        assert np.max(np.abs(block - ours[n])) <= ROUNDOFF_REL * np.max(np.abs(block)), n
