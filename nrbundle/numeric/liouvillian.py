"""The Liouvillian solve: steady state of any Lindblad master equation (Eq. 2), with a certified error estimate.

The Liouvillian of Eq. (2),

    L(rho) = -i[H, rho] + sum_k ( c_k rho c_k^dag - 1/2 {c_k^dag c_k, rho} ),

is split into its no-jump part and its jump part,

    L0(rho) = -i (H_eff rho - rho H_eff^dag),   H_eff = H - (i/2) K,   K = sum_k c_k^dag c_k,
    J(rho)  = sum_k c_k rho c_k^dag,            L = L0 + J.

:func:`steady_state` returns a :class:`SteadyStateResult`; :func:`steadystate` is the QuTiP-style front door
(H, c_ops in; a ``Qobj`` out). Documented in ``docs/steady_state.md`` (and ``docs/performance.md``).

Formulation
-----------
L is singular (its kernel is the steady state), so the trace condition is added as a rank-one
augmentation: we solve

    A(x) := L(x) + u Tr(x) = u,                 u = L0(1/d)   (1/d: the maximally mixed state).

Because Tr L(x) = 0 for every x while Tr u = -Tr(K)/d != 0, A is non-singular whenever the steady
state is unique (A x = 0 forces Tr x = 0, then L x = 0, then x = 0), and its solution is the steady
state with Tr x = 1. The system is solved by flexible GMRES, right-preconditioned with the *exact*
inverse of L0: the Krylov operator is A L0^{-1} = 1 - S + u Tr(L0^{-1} .), S = -J L0^{-1} the
trace-preserving jump map of the waiting-time distribution, whose spectrum lies in the unit disk,
so GMRES converges in a few tens of iterations. A is applied directly (sparse H_eff, sparse c_k),
so the GMRES residual is the true residual of the augmented equation, and the preconditioner may
even run in single precision without limiting the accuracy. L0^{-1} maps Hermitian matrices to Hermitian
ones, so each preconditioned direction is taken exactly Hermitian (its Hermitian part) and A is applied to it
with one product by H_eff: X H_eff^dag = (H_eff X)^dag for X = X^dag (the iterates' residuals use both).

L0^{-1} is applied in O(d^3) from one eigen-decomposition H_eff = V diag(lam) V^{-1} (the Sylvester
equation H_eff X - X H_eff^dag = i Z solved by diagonalisation):

    L0^{-1}(Z) = V [ (V^{-1} Z V^{-dag})_ij / (-i (lam_i - conj(lam_j))) ] V^dag,

where Re[-i(lam_i - conj lam_j)] = Im lam_i + Im lam_j < 0 as long as no eigenvector of H_eff is
undamped. If V is ill-conditioned (H_eff defective or nearly so, e.g. resonance fluorescence at the
exceptional point gamma = 4 xi) the Schur form H_eff = Q T Q^dag is used instead and the triangular
Sylvester equation T Y - Y T^dag = i Q^dag Z Q is solved by LAPACK ``ztrsyl`` (Bartels-Stewart).

Uniqueness and dark states
--------------------------
An eigenvector v of H_eff with a real eigenvalue has K v = 0 and H v = lam v, so |v><v| is stationary.
Two or more such dark states mean the steady state is not unique: refused with InputError. Exactly
one (e.g. the vacuum of an undriven damped cavity) makes L0 singular; the preconditioner is then the
shifted inverse (L0 - s)^{-1} with s the slowest no-jump relaxation rate of the other eigenvectors,
s = min_{j not dark} (-Im lam_j): the rate at which the coherences |v><j| decay. The shift then moves the
singular eigenvalue 0 of L0 to -s and changes the slow eigenvalues of L0 by at most a factor 2, so the
preconditioner stays close to L0^{-1} where GMRES needs it. (A shift ||K||/2 instead, far above the slow
rates, made GMRES stagnate on a nonlinear loss c = a + a^2/2, N = 20: 400 iterations to a relative residual
of 2e-11 and no further; with s it converges in ~60.) A non-unique steady state without dark states (a
conserved quantity, e.g. a qubit that is coupled to nothing) is not detected: A is then singular on directions
that a Krylov space grown from 1/d need not explore, and the solve returns one of the steady states, as
``qutip.steadystate`` does. The model-level rule of
``solve_steady`` refuses such cases for Eq. (1)-(2).

Residual
--------
``residual`` is the relative residual ||L(rho)||_F / s_L, with L(rho) evaluated directly from
H and c_ops (not from the Krylov recurrence) for the returned, Hermitian, unit-trace rho, and
s_L = 2 ||H||_2 + 2 ||K||_2 (spectral norms), an upper bound of ||L(rho)||_F over all density
matrices (so 0 <= residual <= 1; it is unit-free). ``residual_abs`` is ||L(rho)||_F in the
frequency unit of H.

Error estimate
--------------
A small residual does not make a good state: the error is rho - rho_exact = L^{-1} L(rho) on the trace-zero
matrices, so it is the residual amplified by up to ||L^{-1}||, the inverse of the slowest relaxation rate. With
decay rates from 5e-2 down to 1e-7 a relative residual of 1e-11 still leaves an error of 1e-4. Every result
therefore carries ``error_estimate``, an estimate of ||rho - rho_exact||_F (which bounds every entry's error
max |rho - rho_exact|; the trace distance is at most sqrt(d)/2 times it):

    error_estimate = a ||L(rho)||_F + eps sqrt(d) ||rho||_F,

where eps sqrt(d) ||rho||_F is the round-off of the state's entries and a is the largest amplification of L^{-1}
observed while solving, a lower bound of ||L^{-1}|| on trace-zero matrices taken along the directions that GMRES
had to build:

* per FGMRES cycle, the largest ||x||_F / ||L x||_F over the trace-zero matrices x of the Krylov space of
  preconditioned directions z_1..z_m. With A Z = Q Hbar (Arnoldi, Q orthonormal) this is a generalised singular
  value of an m x m problem: it costs one m x m Gram matrix of the z_k per cycle, no extra Liouvillian application;
* per stage (below), the secant ||rho_k - rho_(k-1)||_F / ||L(rho_k) - L(rho_(k-1))||_F.

The preconditioned Krylov space contains the slowly relaxing directions (GMRES cannot converge without them), so a
is close to the slowest inverse relaxation rate; measured on systems with closed forms (``tests/systems``) the
estimate lies 1-50 x above the true error, never below.

Tolerance on the state
----------------------
The default asks for the state, not for the residual: ``atol`` (default 1e-10) bounds ``error_estimate``. The
solve runs in stages: first to a relative residual of 1e-10 (or ``tol`` if given); then, while the estimate
exceeds ``atol``, it tightens the residual target in proportion (by the factor atol / (2 estimate), 10 to 1e4 per
stage) and continues, down to the double-precision floor (~1e-17 relative): where FGMRES reaches a stage's target
inside a cycle, the iterate there is judged and the next stage goes on in the same cycle, keeping its Krylov space
(``fgmres(on_target=...)``; a restart would rebuild it: about 40 % more iterations). If the
estimate cannot meet ``atol`` (the residual stops decreasing, or ``maxiter`` is spent) it raises ConvergenceError
naming the estimate reached; with ``strict=False`` it returns that state with ``converged=False`` and a
RuntimeWarning. No path returns a state whose estimate exceeds ``atol`` silently.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import qutip
import scipy.linalg
import scipy.sparse as sp

from ..display import ShortRepr
from ..errors import ConvergenceError, InputError
from ..threads import single_blas_thread
from ._linalg import dims_of, fgmres, single_diagonal, spectral_norm_hermitian, to_csr, to_dense
from .no_jump_inverse import NoJumpInverse, Preconditioner

__all__ = [
    "SteadyStateResult",
    "steady_state",
    "steadystate",
    "liouvillian_residual",
    "liouvillian_matrix",
    "DEFAULT_MAXITER",
    "DEFAULT_ATOL",
]

#: Default budget of Krylov iterations (applications of the preconditioned operator), all stages together.
DEFAULT_MAXITER = 1000
#: Default accuracy of the state: bound on the error estimate ||rho - rho_exact||_F.
DEFAULT_ATOL = 1e-10
#: Relative residual of the first stage of the solve.
FIRST_RESIDUAL = 1e-10
#: Smallest relative residual the stages aim for (a few units of round-off of L(rho) in double precision).
RESIDUAL_FLOOR = 1e-17
#: Eigenvalues of H_eff with |Im lam| below this fraction of s_L count as undamped (dark) states.
_DARK_FRACTION = 1e-12
_EPS = float(np.finfo(float).eps)
(_herk,) = scipy.linalg.get_blas_funcs(("herk",), dtype=complex)


# ----------------------------------------------------------------------------- Liouvillian
class _Liouvillian:
    """Direct, matrix-free application of Eq. (2): L(X) = -i(H_eff X - X H_eff^dag) + sum_k c_k X c_k^dag.

    A collapse operator whose entries all lie on one diagonal, c[i, i+s] = v_i (a lowering or raising operator of
    one tensor factor, sigma_-, a diagonal dephasing operator: every channel of Eq. 2), is applied as the strided
    product (c X c^dag)[i, j] = v_i X[i+s, j+s] conj(v_j), O(d^2) with no sparse call; any other operator by two
    sparse-dense products. Both give the same sum of the same terms (``tests/numeric/test_liouvillian.py``).
    """

    def __init__(self, Hd: np.ndarray, cs: Sequence[sp.csr_array]) -> None:
        d = Hd.shape[0]
        self.cs = list(cs)
        self._diagonal: list[tuple[slice, slice, np.ndarray, np.ndarray]] = []
        self._general: list[sp.csr_array] = []
        K = np.zeros((d, d), dtype=complex)
        k_diag = np.zeros(d)  # c[i, i+s] = v_i gives c^dag c = diag(|v_i|^2) at the columns i+s
        for c in self.cs:
            one = single_diagonal(c, d)
            if one is None:
                self._general.append(c)
                K += (c.conj().T @ c).toarray()
            elif one[2].size:
                self._diagonal.append(one)
                k_diag[one[1]] += np.abs(one[2]) ** 2
        K[np.diag_indices(d)] += k_diag
        self.K = K
        self.H = Hd
        self.H_eff = Hd - 0.5j * self.K
        Hs = sp.csr_array(self.H_eff)
        # sparse products only pay off for sparse H_eff
        self._Heff_op = Hs if Hs.nnz <= 0.1 * d * d else self.H_eff

    def no_jump(self, X: np.ndarray) -> np.ndarray:
        """L0(X) = -i (H_eff X - X H_eff^dag), with X H_eff^dag = (H_eff X^dag)^dag."""
        A = self._Heff_op
        out = A @ X
        out -= (A @ np.ascontiguousarray(X.conj().T)).conj().T
        out *= -1j
        return out

    def hermitian(self, X: np.ndarray) -> np.ndarray:
        """L(X) for an exactly Hermitian X: X H_eff^dag = (H_eff X)^dag, one product with H_eff instead of two (the
        same numbers as :meth:`__call__`, whose second product is then the first one again)."""
        A = self._Heff_op @ X
        out = A - A.conj().T
        out *= -1j
        return self.jumps(X, out)

    def jumps(self, X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """J(X) = sum_k c_k X c_k^dag, added to ``out`` when given (strided for single-diagonal c_k, see above)."""
        if out is None:
            out = np.zeros_like(X)
        for rows, cols, v, vc in self._diagonal:
            t = X[cols, cols] * v[:, None]
            t *= vc
            out[rows, rows] += t
        for c in self._general:
            out += (c @ (c @ X).conj().T).conj().T  # (c (c X)^dag)^dag = c X c^dag
        return out

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.jumps(X, self.no_jump(X))


def liouvillian_residual(H: Any, c_ops: Sequence[Any], rho: Any) -> float:
    """Absolute residual ||L(rho)||_F of Eq. (2), evaluated directly as -i[H, rho] + sum_k D[c_k] rho.

    Parameters
    ----------
    H, c_ops
        Hamiltonian and collapse operators (``qutip.Qobj``, dense or sparse arrays).
    rho
        Density matrix.

    Returns
    -------
    float
        Frobenius norm of L(rho), in the frequency unit of ``H``.
    """
    Hd = to_dense(H, "H")
    d = Hd.shape[0]
    cs = [to_csr(c, f"c_ops[{k}]", d) for k, c in enumerate(c_ops)]
    R = to_dense(rho, "rho")
    if R.shape != (d, d):
        raise InputError(f"rho: expected shape {(d, d)} to match H, got {R.shape}")
    return float(np.linalg.norm(_Liouvillian(Hd, cs)(R)))


def liouvillian_matrix(H: Any, c_ops: Sequence[Any]) -> sp.csr_array:
    """Sparse Liouvillian of Eq. (2) acting on the row-major vectorisation vec(rho) = rho.reshape(-1).

    With row-major vectorisation vec(A X B) = (A kron B^T) vec(X), so
    L = -i(H kron 1 - 1 kron H^T) + sum_k [c kron conj(c) - (K kron 1 + 1 kron K^T)/2], K = sum c^dag c.
    """
    Hs = to_csr(H, "H")
    d = Hs.shape[0]
    eye = sp.identity(d, dtype=complex, format="csr")
    L = -1j * (sp.kron(Hs, eye) - sp.kron(eye, Hs.T))
    for k, c in enumerate(c_ops):
        C = to_csr(c, f"c_ops[{k}]", d)
        CdC = C.conj().T @ C
        L = L + sp.kron(C, C.conj()) - 0.5 * (sp.kron(CdC, eye) + sp.kron(eye, CdC.T))
    return sp.csr_array(L)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class SteadyStateResult(ShortRepr):
    """Steady state of Eq. (2), its error estimate, and how it was obtained.

    Attributes
    ----------
    rho_ss
        Hermitian, unit-trace steady state (dims of ``H`` when it was a ``qutip.Qobj``).
    error_estimate
        Estimate of ||rho_ss - rho_exact||_F, the Frobenius distance to the exact steady state of the given
        (H, c_ops); it bounds the largest entry error max |rho_ss - rho_exact| (see the module docstring for how
        it is obtained).
    residual
        Relative residual ||L(rho_ss)||_F / s_L, s_L = 2||H||_2 + 2||sum c^dag c||_2 (unit-free).
    residual_abs
        ||L(rho_ss)||_F in the frequency unit of ``H``.
    trace
        Trace of the raw Krylov solution before normalisation (1 up to the solver tolerance).
    hermiticity_error
        ||x - x^dag||_F / ||x||_F of the raw Krylov solution before Hermitisation.
    iterations
        Number of GMRES iterations (preconditioned operator applications), all stages together.
    time
        Wall time in seconds, including the decomposition of H_eff.
    method
        Preconditioner route, ``"eig"`` or ``"schur"``.
    eig_condition
        1-norm condition number of the eigenvector matrix of H_eff (nan for a forced Schur route).
    scale
        s_L used to make the residual relative.
    tol
        Relative residual that was required in addition to ``atol`` (``nan`` if none).
    atol
        Requested bound on :attr:`error_estimate`.
    converged
        Whether ``error_estimate <= atol`` (and ``residual <= tol``); ``False`` only with ``strict=False``.
    stages
        ``[(relative residual, error estimate, iterations so far), ...]`` after each stage of the solve.
    info
        Further diagnostics: dark states, preconditioner shift, dimension, precision, relaxation-rate bound.
    """

    rho_ss: qutip.Qobj
    error_estimate: float
    residual: float
    residual_abs: float
    trace: float
    hermiticity_error: float
    iterations: int
    time: float
    method: str
    eig_condition: float
    scale: float
    tol: float
    atol: float
    converged: bool = True
    stages: list = field(default_factory=list, compare=False)
    info: dict = field(default_factory=dict, compare=False)

    @property
    def matrix(self) -> np.ndarray:
        """Dense matrix of :attr:`rho_ss`."""
        return self.rho_ss.full()


# ----------------------------------------------------------------------------- solver
def _check_positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(f"{name}: must be a positive number, got {value!r}")
    return float(value)


class _Stage:
    """One iterate of the staged solve: the Hermitian unit-trace state, its residual L(rho), and bookkeeping."""

    def __init__(self, x: np.ndarray, d: int, Lv: _Liouvillian) -> None:
        X = x.reshape(d, d)
        self.x = x
        self.trace = complex(np.trace(X))
        self.ok = self.trace.real > 0 and bool(np.all(np.isfinite(X)))
        if self.ok:
            self.hermiticity = float(np.linalg.norm(X - X.conj().T) / np.linalg.norm(X))
            rho = 0.5 * (X + X.conj().T)  # exactly Hermitian (entry and mirror are conjugates bit for bit)
            rho /= np.trace(rho).real
            self.rho = rho
            self.R = Lv.hermitian(rho)  # = Lv(rho), with one product by H_eff instead of two
            self.res = float(np.linalg.norm(self.R))
            self.norm = float(np.linalg.norm(rho))
        else:
            self.hermiticity = math.nan
            self.res = math.inf


def _krylov_amplification(Z: np.ndarray, Hbar: np.ndarray, d: int) -> float:
    """Largest ||x||_F / ||A x||_F over the trace-zero matrices x = sum_k y_k z_k of one FGMRES cycle.

    On trace-zero x the augmented operator is L itself, so this is a lower bound of ||L^{-1}|| on the trace-zero
    matrices, reached along the directions GMRES had to build (the slowly relaxing ones it needed). With
    A Z^T = Q Hbar (Q orthonormal) the ratio is ||Z^T N w|| / ||Hbar N w||, N a basis of {y : sum_k y_k Tr z_k = 0};
    its maximum is the largest generalised singular value, from a QR of Hbar N and a k x k eigenproblem.
    """
    k = Z.shape[0]
    if k < 2:
        return 0.0
    t = Z[:, :: d + 1].sum(axis=1)  # Tr z_k
    N = scipy.linalg.null_space(t[None, :]) if np.any(t != 0) else np.eye(k, dtype=complex)
    if N.shape[1] == 0:
        return 0.0
    C = _herk(1.0, Z.T, trans=2)  # upper triangle of conj(Z) Z^T = <z_i, z_j>, without copying Z
    G0 = np.triu(C) + np.triu(C, 1).conj().T
    G = N.conj().T @ G0 @ N  # Gram matrix <x_i, x_j> of x_j = sum_k N_kj z_k
    _, R = np.linalg.qr(Hbar @ N)
    diag = np.abs(np.diag(R))
    if diag.size == 0 or np.min(diag) <= np.finfo(float).eps * max(float(np.max(diag)), np.finfo(float).tiny):
        return math.inf
    W = scipy.linalg.solve_triangular(R, G, trans="C", lower=False)  # R^-H G
    M = scipy.linalg.solve_triangular(R, W.conj().T, trans="C", lower=False)  # R^-H (R^-H G)^H = R^-H G R^-1
    lam = np.linalg.eigvalsh(0.5 * (M + M.conj().T))
    return float(math.sqrt(max(float(lam[-1]), 0.0)))


def _secant_amplification(prev: _Stage, cur: _Stage) -> float:
    """||rho_cur - rho_prev||_F / ||L(rho_cur) - L(rho_prev)||_F: the amplification of L^{-1} along the last step."""
    dR = float(np.linalg.norm(cur.R - prev.R))
    if dR == 0.0:
        return 0.0
    return float(np.linalg.norm(cur.rho - prev.rho)) / dR


@single_blas_thread
def steady_state(
    H: Any,
    c_ops: Sequence[Any],
    *,
    atol: float = DEFAULT_ATOL,
    tol: float | None = None,
    strict: bool = True,
    maxiter: int = DEFAULT_MAXITER,
    rho0: Any | None = None,
    restart: int = 60,
    preconditioner: Preconditioner = "auto",
    single_precision_preconditioner: bool = True,
) -> SteadyStateResult:
    """Steady state of the Lindblad master equation Eq. (2), to a requested accuracy of the state.

    Solves L(rho) + u (Tr rho - 1) = 0 (trace-augmented, see the module docstring) with flexible GMRES,
    right-preconditioned by the exact inverse of the no-jump part L0 (O(d^3) per application from one
    decomposition of H_eff); L itself is applied directly from H and c_ops. The residual target is tightened in
    stages until the error estimate (module docstring) is at most ``atol``.

    Parameters
    ----------
    H
        Hamiltonian, ``qutip.Qobj`` or dense/sparse square array (Hermitian).
    c_ops
        Collapse operators (rates included), same types. At least one.
    atol
        Required accuracy of the state: bound on :attr:`SteadyStateResult.error_estimate`, an estimate of
        ||rho - rho_exact||_F (which bounds every entry's error).
    tol
        Optional relative residual ||L(rho)||_F / s_L that must be reached as well (``None``: only ``atol``).
    strict
        ``True`` (default): raise :class:`~nrbundle.errors.ConvergenceError` when ``atol`` (or ``tol``) cannot be
        met. ``False``: return the best state with ``converged=False`` and a ``RuntimeWarning``.
    maxiter
        Budget of GMRES iterations in total (over restarts and stages).
    rho0
        Optional initial guess (e.g. a steady state at a nearby parameter); normalised to unit trace.
    restart
        GMRES restart length (memory about ``restart * d^2 * 24`` bytes).
    preconditioner
        ``"auto"`` (diagonalisation of H_eff, Schur if its eigenvectors are ill-conditioned),
        ``"eig"`` or ``"schur"`` (force a route).
    single_precision_preconditioner
        Run the eig-route products in single precision when cond(V) <=
        :data:`~nrbundle.numeric.no_jump_inverse.SINGLE_PRECISION_LIMIT` (default; 20-30 % faster at Eq. 1-2, the
        same iterations within ~20 %). The accuracy is unaffected: the Liouvillian
        and the residual are always evaluated in double precision and ``atol`` bounds the error estimate as before
        (``docs/performance.md``). ``False``: double precision throughout.

    Returns
    -------
    SteadyStateResult
        The Hermitian, unit-trace steady state with its error estimate, residual, iterations and wall time.

    Raises
    ------
    InputError
        Malformed input, no collapse operator, or two or more undamped (dark) eigenstates of
        H_eff (each is stationary, so the steady state is not unique).
    ConvergenceError
        ``strict=True`` and the error estimate stayed above ``atol`` (or the residual above ``tol``) at the
        double-precision floor or within ``maxiter`` iterations; the message names the estimate and the
        residual reached (also on the exception as ``.error_estimate``, ``.residual``, ``.iterations``).
    """
    t_start = time.perf_counter()
    atol = _check_positive("atol", atol)
    tol_res = math.nan if tol is None else _check_positive("tol", tol)
    if int(maxiter) < 1:
        raise InputError(f"maxiter: must be >= 1, got {maxiter!r}")
    if int(restart) < 1:
        raise InputError(f"restart: must be >= 1, got {restart!r}")
    Hd = to_dense(H, "H")
    d = Hd.shape[0]
    herm_err = float(np.linalg.norm(Hd - Hd.conj().T))
    if herm_err > 1e-12 * max(1.0, float(np.linalg.norm(Hd))):
        raise InputError(f"H: must be Hermitian (||H - H^dag||_F = {herm_err:.2e})")
    c_ops = list(c_ops) if c_ops is not None else []
    if not c_ops:
        raise InputError("c_ops: no collapse operator; a closed system has no unique steady state")
    cs = [to_csr(c, f"c_ops[{k}]", d) for k, c in enumerate(c_ops)]
    Lv = _Liouvillian(Hd, cs)
    normK = spectral_norm_hermitian(Lv.K)
    if normK == 0.0:
        raise InputError("c_ops: every collapse operator is zero; the steady state is not unique")
    scale = 2.0 * spectral_norm_hermitian(Hd) + 2.0 * normK

    # Preconditioner, and the uniqueness check on undamped eigenstates of H_eff: an eigenvector
    # with real eigenvalue has K v = 0, hence H v = lam v, so |v><v| is stationary.
    pre = NoJumpInverse(Lv.H_eff, preconditioner, shift=0.0, single=single_precision_preconditioner)
    rates = -pre.eigenvalues.imag  # decay rates of the no-jump evolution of each eigenvector of H_eff
    dark = rates <= _DARK_FRACTION * scale
    n_dark = int(np.sum(dark))
    if n_dark >= 2:
        raise InputError(
            f"c_ops: H - (i/2) sum c^dag c has {n_dark} undamped eigenstates; each is stationary, "
            "so the steady state is not unique (add a decay channel that reaches them)"
        )
    slowest = float(np.min(rates[~dark])) if np.any(~dark) else math.nan
    if n_dark == 1:
        # One dark state v: L0(|v><v|) = 0, so precondition with (L0 - s)^{-1}. The coherences |v><j| decay at
        # the no-jump rates of the other eigenvectors; s = the slowest of them keeps (L0 - s)^{-1} within a factor
        # 2 of L0^{-1} on the slow directions that GMRES needs most (module docstring, "Dark states").
        pre.set_shift(slowest)

    # Trace augmentation u = L0(1/d): Tr u = -Tr(K)/d != 0, so A(x) = L(x) + u Tr x is regular.
    P = np.eye(d, dtype=complex) / d
    U = Lv.no_jump(P)
    if rho0 is not None:
        R0 = to_dense(rho0, "rho0")
        if R0.shape != (d, d):
            raise InputError(f"rho0: expected shape {(d, d)} to match H, got {R0.shape}")
        tr0 = np.trace(R0)
        if abs(tr0) == 0.0:
            raise InputError("rho0: has zero trace")
        x = (R0 / tr0).reshape(-1).astype(complex)
    else:
        x = P.reshape(-1).copy()

    def apply_A(v: np.ndarray) -> np.ndarray:
        X = v.reshape(d, d)
        return (Lv(X) + U * np.trace(X)).reshape(-1)

    def apply_M(q: np.ndarray) -> np.ndarray:
        # L0^{-1} maps Hermitian matrices to Hermitian ones and the Krylov vectors are Hermitian up to round-off:
        # the direction is made exactly Hermitian, so that apply_A_direction may use Lv.hermitian (flexible GMRES
        # takes whatever the preconditioner returns; the residuals use the general apply_A)
        Y = pre(q.reshape(d, d))
        Y = Y + Y.conj().T
        Y *= 0.5
        return Y.reshape(-1)

    def apply_A_direction(z: np.ndarray) -> np.ndarray:
        X = z.reshape(d, d)
        return (Lv.hermitian(X) + U * np.trace(X)).reshape(-1)

    b = U.reshape(-1)
    budget = int(maxiter)
    restart = min(int(restart), budget)
    floor = _EPS * math.sqrt(d)  # round-off of a unit-trace state's entries, times ||rho||_F below
    amplification = [0.0]  # largest observed lower bound of ||L^{-1}|| (module docstring, "Error estimate")

    def on_cycle(Z: np.ndarray, Hbar: np.ndarray) -> None:
        amplification[0] = max(amplification[0], _krylov_amplification(Z, Hbar, d))

    def estimate_of(stage: _Stage) -> float:
        if stage.res == 0.0:
            return floor * stage.norm
        if amplification[0] == 0.0:
            return math.inf
        return amplification[0] * stage.res + floor * stage.norm

    total = 0
    target = FIRST_RESIDUAL if tol is None else tol_res
    current = _Stage(x, d, Lv)
    if not current.ok:
        raise InputError("rho0: must have a positive trace")
    stages: list[tuple[float, float, int]] = []
    failure = ""
    explorations = 0
    estimate = math.inf
    finished = False
    previous = current
    explore = False
    gm_atol = 0.0

    def open_stage() -> None:
        """Start a stage: FGMRES until the true residual of the Hermitian, unit-trace state is <= target. The
        augmented residual bounds ||L x|| up to the small trace defect; aim a factor 10 below and verify. Without
        an amplification estimate yet (e.g. a warm start that already meets the target) the stage must iterate:
        aim 1e3 below the current residual."""
        nonlocal previous, explore, explorations, gm_atol
        previous = current
        explore = amplification[0] == 0.0
        explorations += explore
        gm_atol = 0.1 * target * scale
        if explore:
            gm_atol = min(gm_atol, 1e-3 * current.res)

    def take(x_new: np.ndarray, iterations: int) -> bool:
        """Judge an iterate (where FGMRES reached ``gm_atol``, or where a cycle ended); close the stage when its
        target is reached (or no longer approached) and open the next. False when the solve is finished."""
        nonlocal current, estimate, failure, finished, gm_atol, target
        trial = _Stage(x_new, d, Lv)
        if trial.ok and trial.res < current.res:
            progress = trial.res < 0.5 * current.res
            current = trial
            if current.res > target * scale and iterations < budget and progress:
                gm_atol *= 0.1  # the recurrence was optimistic: tighten and continue
                return True
        # the stage ends here
        if current is not previous:
            amplification[0] = max(amplification[0], _secant_amplification(previous, current))
        estimate = estimate_of(current)
        stages.append((current.res / scale, estimate, iterations))
        residual_ok = tol is None or current.res <= tol_res * scale
        if estimate <= atol and residual_ok:
            finished = True
        elif iterations >= budget:
            failure = f"the iteration budget maxiter={maxiter} is spent"
        elif math.isinf(estimate) and explorations >= 3:
            failure = "GMRES gave no Krylov space to estimate the error from"
        elif not explore and not current.res < 0.5 * previous.res:
            failure = "the residual stopped decreasing (double-precision floor)"
        if finished or failure:
            finished = True
            return False
        # Next target: the estimate is proportional to the residual, so aim at half of atol (at most 1e4 x
        # tighter per stage, at least 10 x), and at tol if that is not met yet.
        factor = 1e-2 if math.isinf(estimate) else min(0.1, max(1e-4, 0.5 * atol / estimate))
        target = max(current.res / scale * factor, RESIDUAL_FLOOR)
        if not residual_ok:
            target = min(target, tol_res)
        open_stage()
        return True

    def on_target(x_new: np.ndarray, Z: np.ndarray, Hbar: np.ndarray, iterations: int) -> float | None:
        """Where FGMRES reaches ``gm_atol`` inside a cycle: judge the iterate there and, if the solve goes on, keep
        the cycle's Krylov space for the next stage (fgmres ``on_target``) instead of restarting."""
        on_cycle(Z, Hbar)  # the amplification of the directions built so far, for the estimate
        return gm_atol if take(x_new, total + iterations) else None

    open_stage()
    while not finished:
        x, it, _ = fgmres(apply_A, apply_M, b, current.x, gm_atol, budget - total, restart, on_cycle, on_target,
                          apply_A_direction)
        total += it
        if not finished:  # the cycles ended without a stop from on_target (restart length, stagnation, budget)
            take(x, total)

    elapsed = time.perf_counter() - t_start
    converged = not failure
    residual = current.res / scale
    if not converged:
        msg = (
            f"steady_state: error estimate {estimate:.3e} > atol {atol:.1e} (relative residual {residual:.3e}"
            + ("" if tol is None else f", tol {tol_res:.1e}")
            + f") after {total} GMRES iterations: {failure} (dimension {d}, preconditioner {pre.method})"
        )
        if strict:
            err = ConvergenceError(msg)
            err.error_estimate = estimate  # type: ignore[attr-defined]
            err.residual = residual  # type: ignore[attr-defined]
            err.iterations = total  # type: ignore[attr-defined]
            raise err
        warnings.warn(msg, RuntimeWarning, stacklevel=3)  # the caller of the single_blas_thread wrapper
    first_qobj = next((op for op in (H, *c_ops) if isinstance(op, qutip.Qobj)), H)
    return SteadyStateResult(
        rho_ss=qutip.Qobj(current.rho, dims=dims_of(first_qobj, d)),
        error_estimate=float(estimate),
        residual=residual,
        residual_abs=current.res,
        trace=float(current.trace.real),
        hermiticity_error=current.hermiticity,
        iterations=total,
        time=elapsed,
        method=pre.method,
        eig_condition=pre.condition,
        scale=scale,
        tol=tol_res,
        atol=atol,
        converged=converged,
        stages=stages,
        info={"n_dark": n_dark, "shift": pre.shift, "dimension": d, "precision": pre.precision,
              "slowest_no_jump_rate": slowest},
    )


# ----------------------------------------------------------------------------- front door
def steadystate(
    H: Any,
    c_ops: Sequence[Any] = (),
    *,
    atol: float = DEFAULT_ATOL,
    return_info: bool = False,
    **options: Any,
) -> qutip.Qobj | tuple[qutip.Qobj, SteadyStateResult]:
    """QuTiP-style steady state: ``rho = steadystate(H, c_ops)``, a drop-in for ``qutip.steadystate(H, c_ops)``.

    Solves L(rho) = 0, Tr rho = 1 for the Lindblad master equation Eq. (2) with :func:`steady_state` and returns
    the state as a ``qutip.Qobj`` with the dims of ``H`` (or of the first ``Qobj`` collapse operator). Only the
    Hamiltonian form is accepted: pass H and the collapse operators, not a Liouvillian superoperator.

    Parameters
    ----------
    H
        Hamiltonian: ``qutip.Qobj`` operator, NumPy array or SciPy sparse matrix (Hermitian, square).
    c_ops
        Collapse operators (rates included), same types; at least one.
    atol
        Required accuracy of the state, a bound on the estimate of ||rho - rho_exact||_F (module docstring).
    return_info
        Also return the :class:`SteadyStateResult` (error estimate, residual, iterations, time, ...), as
        ``qutip.steadystate(..., return_info=True)`` returns its info dict.
    **options
        Passed to :func:`steady_state`: ``tol``, ``strict``, ``maxiter``, ``rho0``, ``restart``,
        ``preconditioner``, ``single_precision_preconditioner``.

    Returns
    -------
    qutip.Qobj or (qutip.Qobj, SteadyStateResult)

    Raises
    ------
    InputError
        A superoperator (Liouvillian) instead of a Hamiltonian, a time-dependent (list) Hamiltonian, malformed
        operators, or a steady state that is not unique.
    ConvergenceError
        The error estimate could not be brought below ``atol`` (see :func:`steady_state`).
    """
    if isinstance(H, qutip.Qobj) and not H.isoper:
        raise InputError(
            f"H: expected a Hamiltonian operator, got a Qobj of type {H.type!r}; pass H and c_ops "
            "(a Liouvillian superoperator is not accepted)"
        )
    if isinstance(H, (list, tuple)):
        raise InputError("H: expected one time-independent Hamiltonian, got a list (time-dependent format)")
    if isinstance(c_ops, qutip.Qobj):
        c_ops = [c_ops]
    result = steady_state(H, list(c_ops), atol=atol, **options)
    return (result.rho_ss, result) if return_info else result.rho_ss
