"""The fast steady-state solver (preconditioned GMRES) against QuTiP and closed forms."""

import math
import pathlib
import sys

import numpy as np
import pytest
import qutip
import scipy.sparse as sp

_TESTS = pathlib.Path(__file__).resolve().parents[1]
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))

from systems.reference import (  # noqa: E402
    coherent_amplitude,
    coherent_dm,
    driven_cavity,
    fluorescence_steady_state,
    resonance_fluorescence,
    thermal_oscillator,
    thermal_populations,
)

from nrbundle.errors import ConvergenceError, InputError  # noqa: E402
from nrbundle.numeric.liouvillian import (  # noqa: E402
    _Liouvillian,
    liouvillian_matrix,
    liouvillian_residual,
    steady_state,
)
from nrbundle.numeric.model import Model  # noqa: E402
from nrbundle.params import get_preset  # noqa: E402

P = get_preset("fig1")
DELTA_AD = 1.34  # near the |000+> <-> |101-> left-drive resonance (1.340779)

#: Tolerance asked of the solver when comparing states: at fig1 the state error is ~1e4 x the relative
#: residual, so 1e-13 keeps it near 1e-9.
COMPARE_TOL = 1e-13
#: Required agreement with qutip.steadystate (direct sparse LU, accurate to ~1e-13 here).
TRACE_DISTANCE_VS_QUTIP = 1e-8
#: Agreement with a closed form (truncation error of the references is < 1e-30).
CLOSED_FORM_TOL = 1e-9


def _tracedist(A, B):
    A = A.full() if isinstance(A, qutip.Qobj) else np.asarray(A)
    B = B.full() if isinstance(B, qutip.Qobj) else np.asarray(B)
    return 0.5 * np.abs(np.linalg.eigvalsh(A - B)).sum()


# ------------------------------------------------------------------ against qutip.steadystate
@pytest.mark.parametrize(
    "direction, cutoff",
    [("left", 2), ("right", 2), ("left", (3, 3, 3)), ("right", (3, 2, 3))],
)
def test_model_steady_state_matches_qutip(direction, cutoff):
    M = Model(P, direction, cutoff)
    H, c_ops = M.H(DELTA_AD), M.c_ops
    ours = steady_state(H, c_ops, tol=COMPARE_TOL)
    ref = qutip.steadystate(H, c_ops)
    assert _tracedist(ours.rho_ss, ref) < TRACE_DISTANCE_VS_QUTIP
    assert ours.residual <= COMPARE_TOL
    assert ours.rho_ss.dims == H.dims


# ------------------------------------------------------------------ closed forms
@pytest.mark.parametrize("Delta, eps, kappa", [(0.0, 0.3, 1.0), (0.7, 0.4, 1.0), (-1.3, 0.5, 0.4)])
def test_driven_damped_cavity_is_coherent(Delta, eps, kappa):
    N = 25
    H, c_ops = driven_cavity(Delta, eps, kappa, N)
    res = steady_state(H, c_ops, tol=COMPARE_TOL)
    assert _tracedist(res.rho_ss, coherent_dm(coherent_amplitude(Delta, eps, kappa), N)) < CLOSED_FORM_TOL


@pytest.mark.parametrize("n_th", [0.3, 1.2])
def test_thermal_oscillator(n_th):
    N = 30
    H, c_ops = thermal_oscillator(1.0, 0.2, n_th, N)
    res = steady_state(H, c_ops, tol=COMPARE_TOL)
    assert np.abs(res.matrix - np.diag(thermal_populations(n_th, N))).max() < CLOSED_FORM_TOL


@pytest.mark.parametrize("Delta, xi, gamma", [(0.0, 0.8, 1.0), (0.4, 0.3, 0.2), (-2.0, 1.5, 0.7)])
def test_resonance_fluorescence_bloch_state(Delta, xi, gamma):
    H, c_ops = resonance_fluorescence(Delta, xi, gamma)
    res = steady_state(H, c_ops, tol=COMPARE_TOL)
    assert np.abs(res.matrix - fluorescence_steady_state(Delta, xi, gamma)).max() < CLOSED_FORM_TOL
    assert res.method == "eig"


def test_exceptional_point_falls_back_to_schur():
    # H_eff = xi sigma_x - (i gamma/2)|e><e| is a Jordan block at gamma = 4 xi (Omega = gamma/4)
    xi, gamma = 0.25, 1.0
    H, c_ops = resonance_fluorescence(0.0, xi, gamma)
    res = steady_state(H, c_ops, tol=COMPARE_TOL)
    assert res.method == "schur"
    assert res.eig_condition > 1e6
    assert np.abs(res.matrix - fluorescence_steady_state(0.0, xi, gamma)).max() < CLOSED_FORM_TOL


def test_forced_schur_and_single_precision_routes_agree_with_eig():
    M = Model(P, "left", (3, 2, 3))
    H, c_ops = M.H(DELTA_AD), M.c_ops
    eig = steady_state(H, c_ops, tol=COMPARE_TOL, preconditioner="eig", single_precision_preconditioner=False)
    schur = steady_state(H, c_ops, tol=COMPARE_TOL, preconditioner="schur")
    single = steady_state(H, c_ops, tol=COMPARE_TOL)  # the default: single-precision products
    assert (eig.method, schur.method) == ("eig", "schur")
    assert (eig.info["precision"], single.info["precision"]) == ("double", "single")
    assert _tracedist(eig.rho_ss, schur.rho_ss) < TRACE_DISTANCE_VS_QUTIP
    assert _tracedist(eig.rho_ss, single.rho_ss) < TRACE_DISTANCE_VS_QUTIP


def test_direct_liouvillian_equals_the_superoperator_matrix_for_every_kind_of_channel():
    # the direct application takes a strided route for single-diagonal c (lowering, raising, dephasing, zero) and
    # sparse products otherwise (a + a^dag): both must give L(rho) of the vectorised superoperator
    rng = np.random.default_rng(7)
    a = qutip.tensor(qutip.destroy(4), qutip.qeye(3))
    b = qutip.tensor(qutip.qeye(4), qutip.destroy(3))
    H = a.dag() * a + 0.7 * b.dag() * b + 0.3 * (a.dag() * b + b.dag() * a) + 0.2 * (a + a.dag())
    c_ops = [(0.2 + 0.2j) * a, 0.2j * b.dag(), 0.1 * (a.dag() * a - b.dag() * b), 0.25 * (a + a.dag()), 0 * b]
    Lm = liouvillian_matrix(H, c_ops)
    for _ in range(3):
        X = rng.normal(size=(12, 12)) + 1j * rng.normal(size=(12, 12))
        direct = liouvillian_residual(H, c_ops, X)
        assert direct == pytest.approx(np.linalg.norm(Lm @ X.reshape(-1)), rel=1e-13)
    # the form for Hermitian X (one product with H_eff, used on the solver's Hermitian directions): the same L(X)
    Lv = _Liouvillian(H.full(), [sp.csr_array(c.full()) for c in c_ops])
    for _ in range(3):
        X = rng.normal(size=(12, 12)) + 1j * rng.normal(size=(12, 12))
        X = X + X.conj().T
        ref = (Lm @ X.reshape(-1)).reshape(12, 12)
        assert np.linalg.norm(Lv.hermitian(X) - ref) <= 1e-13 * np.linalg.norm(ref)
    # and a state: the steady state of the mixed channels agrees with qutip's direct solve
    ref = qutip.steadystate(H, c_ops[:4])
    assert _tracedist(steady_state(H, c_ops[:4], tol=COMPARE_TOL).rho_ss, ref) < TRACE_DISTANCE_VS_QUTIP


def test_one_dark_state_undriven_cavity_relaxes_to_vacuum():
    # |0> is an undamped eigenstate of H_eff (L0 singular): the shifted preconditioner is used
    N = 6
    a = qutip.destroy(N)
    res = steady_state(1.3 * a.dag() * a, [np.sqrt(0.5) * a], tol=COMPARE_TOL)
    assert res.info["n_dark"] == 1 and res.info["shift"] > 0
    assert np.abs(res.matrix - qutip.fock_dm(N, 0).full()).max() < CLOSED_FORM_TOL


# ------------------------------------------------------------------ reported diagnostics
def test_result_reports_its_residual_trace_and_hermiticity():
    M = Model(P, "left", (3, 3, 3))
    H, c_ops = M.H(DELTA_AD), M.c_ops
    res = steady_state(H, c_ops)  # default: atol 1e-10 on the state, no residual target of its own
    rho = res.matrix
    assert res.residual <= 1e-10 and math.isnan(res.tol) and res.atol == 1e-10
    assert res.converged and 0 < res.error_estimate <= 1e-10
    assert 0 < res.iterations <= 60  # converges in a few tens of iterations
    assert res.time > 0
    assert abs(res.trace - 1) < 1e-6 and res.hermiticity_error < 1e-6  # raw Krylov solution
    assert np.abs(rho - rho.conj().T).max() == 0.0  # Hermitised
    assert abs(np.trace(rho) - 1) < 1e-14  # normalised
    assert np.linalg.eigvalsh(rho).min() > -1e-9
    # the residual is ||L rho||_F / s_L with L applied directly; an independent route: QuTiP's superoperator
    L = qutip.liouvillian(H, c_ops).to("csr").data.as_scipy()  # column-stacking vec(rho)
    direct = np.linalg.norm(L @ rho.reshape(-1, order="F"))
    assert direct == pytest.approx(res.residual_abs, rel=1e-6, abs=1e-14)
    assert liouvillian_residual(H, c_ops, res.rho_ss) == pytest.approx(res.residual_abs, rel=1e-9)
    assert res.residual == pytest.approx(res.residual_abs / res.scale)


def test_dense_array_input_gives_the_same_state():
    M = Model(P, "right", 2)
    H, c_ops = M.H(DELTA_AD), M.c_ops
    q = steady_state(H, c_ops, tol=COMPARE_TOL)
    d = steady_state(H.full(), [c.full() for c in c_ops], tol=COMPARE_TOL)
    assert d.rho_ss.dims == [[16], [16]]
    assert np.abs(q.matrix - d.matrix).max() < 1e-10


def test_warm_start_from_a_converged_state_only_estimates_its_error():
    # A converged start meets the residual target at once; the solver still iterates from it, only to build
    # the Krylov space its error estimate needs (the state itself barely moves).
    M = Model(P, "left", (3, 2, 3))
    H, c_ops = M.H(DELTA_AD), M.c_ops
    exact = steady_state(H, c_ops, tol=1e-14)
    cold = steady_state(H, c_ops)
    again = steady_state(H, c_ops, tol=1e-10, rho0=exact.rho_ss)
    assert 0 < again.iterations < cold.iterations
    assert np.abs(again.matrix - exact.matrix).max() <= exact.error_estimate + again.error_estimate


# ------------------------------------------------------------------ failures
def test_convergence_error_reports_the_achieved_residual():
    M = Model(P, "left", (3, 3, 3))
    with pytest.raises(ConvergenceError, match="residual") as exc:
        steady_state(M.H(DELTA_AD), M.c_ops, maxiter=1)
    assert exc.value.residual > 1e-10
    assert exc.value.iterations == 1


def test_refuses_a_steady_state_that_is_not_unique():
    # a damped cavity plus an atom with no decay and no coupling: |0,g> and |0,e> are both stationary
    N = 4
    a = qutip.tensor(qutip.destroy(N), qutip.qeye(2))
    s = qutip.tensor(qutip.qeye(N), qutip.destroy(2))
    H = a.dag() * a + 0.7 * s.dag() * s
    with pytest.raises(InputError, match="not unique"):
        steady_state(H, [0.3 * a])


@pytest.mark.parametrize(
    "H, c_ops, match",
    [
        (qutip.sigmaz(), [], "c_ops"),
        (qutip.sigmaz(), [0 * qutip.sigmam()], "c_ops"),
        (qutip.sigmap(), [qutip.sigmam()], "Hermitian"),
        (qutip.sigmaz(), [qutip.destroy(3)], r"c_ops\[0\]"),
        (np.ones((2, 3)), [qutip.sigmam()], "square"),
    ],
)
def test_bad_input_is_an_input_error(H, c_ops, match):
    with pytest.raises(InputError, match=match):
        steady_state(H, c_ops)


@pytest.mark.parametrize("kw", [dict(tol=0.0), dict(tol=float("nan")), dict(maxiter=0), dict(preconditioner="lu")])
def test_bad_options_are_input_errors(kw):
    with pytest.raises(InputError):
        steady_state(qutip.sigmaz(), [qutip.sigmam()], **kw)


def test_later_stages_continue_in_the_same_krylov_cycle():
    # where the first stage reaches its residual target the solve goes on in the same FGMRES cycle, keeping the
    # Krylov space: the tightening to the double-precision floor then costs 5 iterations here (a restart from
    # the iterate rebuilt the space: 14), and the state is the one of a single tight stage
    M = Model(P, "left", (4, 4, 4))
    H, c_ops = M.H(DELTA_AD), M.c_ops
    res = steady_state(H, c_ops)
    assert len(res.stages) >= 2 and res.error_estimate <= 1e-10
    assert res.stages[-1][2] - res.stages[0][2] <= 12
    tight = steady_state(H, c_ops, tol=1e-16)
    assert _tracedist(res.rho_ss, tight.rho_ss) < 1e-10
