"""Fast steady state of a Lindblad master equation (Eq. 2): matrix-free, preconditioned GMRES.

The Liouvillian of Eq. (2),

    L(rho) = -i[H, rho] + sum_k ( c_k rho c_k^dag - 1/2 {c_k^dag c_k, rho} ),

is split into its no-jump part and its jump part,

    L0(rho) = -i (H_eff rho - rho H_eff^dag),   H_eff = H - (i/2) K,   K = sum_k c_k^dag c_k,
    J(rho)  = sum_k c_k rho c_k^dag,            L = L0 + J.

Formulation (documented in ``docs/performance.md``)
---------------------------------------------------
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
even run in single precision without limiting the accuracy.

L0^{-1} is applied in O(d^3) from one eigen-decomposition H_eff = V diag(lam) V^{-1} (the Sylvester
equation H_eff X - X H_eff^dag = i Z solved by diagonalisation):

    L0^{-1}(Z) = V [ (V^{-1} Z V^{-dag})_ij / (-i (lam_i - conj(lam_j))) ] V^dag,

where Re[-i(lam_i - conj lam_j)] = Im lam_i + Im lam_j < 0 as long as no eigenvector of H_eff is
undamped. If V is ill-conditioned (H_eff defective or nearly so, e.g. resonance fluorescence at the
exceptional point gamma = 4 xi) the Schur form H_eff = Q T Q^dag is used instead and the triangular
Sylvester equation T Y - Y T^dag = i Q^dag Z Q is solved by LAPACK ``ztrsyl`` (Bartels-Stewart).

Uniqueness
----------
An eigenvector v of H_eff with a real eigenvalue has K v = 0 and H v = lam v, so |v><v| is stationary.
Two or more such dark states mean the steady state is not unique: refused with InputError. Exactly
one (e.g. the vacuum of an undriven damped cavity) makes L0 singular; the preconditioner is then the
shifted inverse (L0 - ||K||/2)^{-1}. A non-unique steady state without dark states (a conserved
quantity, e.g. an undamped mode that is coupled to nothing) is not detected here; GMRES then does
not converge (ConvergenceError) or the model-level rule of ``solve_steady`` refuses it first.

Residual
--------
``residual`` is the relative residual ||L(rho)||_F / s_L, with L(rho) evaluated directly from
H and c_ops (not from the Krylov recurrence) for the returned, Hermitian, unit-trace rho, and
s_L = 2 ||H||_2 + 2 ||K||_2 (spectral norms), an upper bound of ||L(rho)||_F over all density
matrices (so 0 <= residual <= 1; it is unit-free). ``residual_abs`` is ||L(rho)||_F in the
frequency unit of H. The error of rho is roughly the residual divided by the smallest relaxation
rate in units of s_L: at fig1 (s_L ~ 40, rates ~1e-3) a relative residual of 1e-10 bounds the
trace distance to ~1e-7..1e-6; measured against a direct solve it is ~1e4 x the residual.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
import qutip
import scipy.linalg
import scipy.sparse as sp

from ..errors import ConvergenceError, InputError

__all__ = [
    "SteadyStateResult",
    "steady_state",
    "liouvillian_residual",
    "NoJumpInverse",
    "EIG_CONDITION_LIMIT",
    "SINGLE_PRECISION_LIMIT",
    "DEFAULT_MAXITER",
]

#: Largest condition number of the eigenvector matrix V of H_eff for which the diagonalisation
#: route is used; beyond it V^{-1} amplifies rounding by more than ~1e8 and the Schur route is taken.
EIG_CONDITION_LIMIT = 1e8
#: Largest cond(V) for which the eig-route preconditioner runs in single precision (relative
#: preconditioner error ~1e-7 cond(V) <= 1e-3: still an excellent preconditioner).
SINGLE_PRECISION_LIMIT = 1e4
#: Default budget of Krylov iterations (applications of the preconditioned operator).
DEFAULT_MAXITER = 400
#: Eigenvalues of H_eff with |Im lam| below this fraction of s_L count as undamped (dark) states.
_DARK_FRACTION = 1e-12

Preconditioner = Literal["auto", "eig", "schur"]


# ----------------------------------------------------------------------------- conversions
def _to_dense(op: Any, name: str) -> np.ndarray:
    if isinstance(op, qutip.Qobj):
        arr = op.full()
    elif sp.issparse(op):
        arr = op.toarray()
    else:
        arr = np.asarray(op)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(f"{name}: expected a square operator, got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=complex)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: contains non-finite entries")
    return arr


def _to_csr(op: Any, name: str, d: int) -> sp.csr_array:
    if isinstance(op, qutip.Qobj):
        try:
            mat = sp.csr_array(op.to("csr").data.as_scipy())
        except Exception:  # pragma: no cover - very old data layers
            mat = sp.csr_array(op.full())
    elif sp.issparse(op):
        mat = sp.csr_array(op)
    else:
        mat = sp.csr_array(np.asarray(op, dtype=complex))
    if mat.shape != (d, d):
        raise InputError(f"{name}: expected shape {(d, d)} to match H, got {mat.shape}")
    mat = mat.astype(complex)
    if not np.all(np.isfinite(mat.data)):
        raise InputError(f"{name}: contains non-finite entries")
    return mat


def _dims_of(H: Any, d: int) -> list:
    if isinstance(H, qutip.Qobj):
        return H.dims
    return [[d], [d]]


# ----------------------------------------------------------------------------- Liouvillian
class _Liouvillian:
    """Direct, matrix-free application of Eq. (2): L(X) = -i(H_eff X - X H_eff^dag) + sum_k c_k X c_k^dag."""

    def __init__(self, Hd: np.ndarray, cs: Sequence[sp.csr_array]) -> None:
        d = Hd.shape[0]
        K = sp.csr_array((d, d), dtype=complex)
        for c in cs:
            K = K + sp.csr_array(c.conj().T @ c)
        self.K = K.toarray()
        self.H = Hd
        self.H_eff = Hd - 0.5j * self.K
        self.cs = list(cs)
        Hs = sp.csr_array(self.H_eff)
        # sparse products only pay off for sparse H_eff
        self._Heff_op = Hs if Hs.nnz <= 0.1 * d * d else self.H_eff

    def no_jump(self, X: np.ndarray) -> np.ndarray:
        """L0(X) = -i (H_eff X - X H_eff^dag), with X H_eff^dag = (H_eff X^dag)^dag."""
        A = self._Heff_op
        return -1j * (A @ X - (A @ X.conj().T).conj().T)

    def jumps(self, X: np.ndarray) -> np.ndarray:
        """J(X) = sum_k c_k X c_k^dag, two sparse-dense products per channel."""
        out = np.zeros_like(X)
        for c in self.cs:
            out += (c @ (c @ X).conj().T).conj().T  # (c (c X)^dag)^dag = c X c^dag
        return out

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.no_jump(X) + self.jumps(X)


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
    Hd = _to_dense(H, "H")
    d = Hd.shape[0]
    cs = [_to_csr(c, f"c_ops[{k}]", d) for k, c in enumerate(c_ops)]
    R = _to_dense(rho, "rho")
    if R.shape != (d, d):
        raise InputError(f"rho: expected shape {(d, d)} to match H, got {R.shape}")
    return float(np.linalg.norm(_Liouvillian(Hd, cs)(R)))


# ----------------------------------------------------------------------------- preconditioner
class NoJumpInverse:
    """Inverse of the shifted no-jump Liouvillian, Z -> (L0 - shift)^{-1}(Z), in O(d^3) per application.

    L0(X) = -i (H_eff X - X H_eff^dag). Two routes:

    ``"eig"``
        H_eff = V diag(lam) V^{-1}; X = V [Y_ij / (-i(lam_i - conj lam_j) - shift)] V^dag with
        Y = V^{-1} Z V^{-dag} (four matrix products). With ``single=True`` and
        cond(V) <= :data:`SINGLE_PRECISION_LIMIT` the products run in single precision: the
        preconditioner then carries a relative error
        ~1e-7 cond(V), which only affects the convergence rate, never the accuracy, because the
        solver is flexible GMRES with the Liouvillian applied in double precision.
    ``"schur"``
        H_eff = Q T Q^dag (complex Schur, T upper triangular); the triangular Sylvester equation
        (T - i s/2) Y - Y (T - i s/2)^dag = i Q^dag Z Q is solved by LAPACK ``ztrsyl``
        (Bartels-Stewart) and X = Q Y Q^dag. Used when V is ill-conditioned (H_eff defective or
        nearly so), always in double precision.

    Parameters
    ----------
    H_eff
        Dense non-Hermitian effective Hamiltonian H - (i/2) sum c^dag c.
    method
        ``"auto"`` (eig unless cond(V) > :data:`EIG_CONDITION_LIMIT`), ``"eig"`` or ``"schur"``.
    shift
        Non-negative shift s; 0 gives the exact inverse of L0.
    single
        Allow single-precision products on the eig route.
    """

    def __init__(
        self, H_eff: np.ndarray, method: Preconditioner = "auto", shift: float = 0.0, single: bool = True
    ) -> None:
        if method not in ("auto", "eig", "schur"):
            raise InputError(f"preconditioner: expected 'auto', 'eig' or 'schur', got {method!r}")
        self.shift = float(shift)
        self.condition = math.nan
        self.method = method
        self.precision = "double"
        if method in ("auto", "eig"):
            lam, V = np.linalg.eig(H_eff)
            try:
                Vinv = np.linalg.inv(V)
                cond = float(np.linalg.norm(V, 1) * np.linalg.norm(Vinv, 1))
            except np.linalg.LinAlgError:
                Vinv, cond = None, math.inf
            self.condition = cond
            if Vinv is not None and (method == "eig" or cond <= EIG_CONDITION_LIMIT):
                self.method = "eig"
                self.eigenvalues = lam
                dtype = np.complex64 if (single and cond <= SINGLE_PRECISION_LIMIT) else np.complex128
                self.precision = "single" if dtype == np.complex64 else "double"
                self._V = V.astype(dtype)
                self._Vh = V.conj().T.astype(dtype)
                self._Vinv = Vinv.astype(dtype)
                self._Vinvh = Vinv.conj().T.astype(dtype)
                self._lam = lam
                self._set_den()
                return
            if method == "eig":
                raise InputError("preconditioner: H_eff is defective (no eigenvector basis); use 'schur' or 'auto'")
        self.method = "schur"
        T, Q = scipy.linalg.schur(H_eff, output="complex")
        self.eigenvalues = np.diag(T).copy()
        self._T = np.asfortranarray(T)
        self._Q = Q
        self._Qh = Q.conj().T
        (self._trsyl,) = scipy.linalg.get_lapack_funcs(("trsyl",), (T,))

    def _set_den(self) -> None:
        lam = self._lam
        den = -1j * (lam[:, None] - lam.conj()[None, :]) - self.shift
        self._den = den.astype(self._V.dtype)

    def set_shift(self, shift: float) -> None:
        """Change the shift s of (L0 - s)^{-1}."""
        self.shift = float(shift)
        if self.method == "eig":
            self._set_den()

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        """Return X with (L0 - shift)(X) = Z (up to the working precision)."""
        if self.method == "eig":
            Zc = Z.astype(self._V.dtype, copy=False)
            Y = (self._Vinv @ Zc) @ self._Vinvh
            Y /= self._den
            return (self._V @ Y) @ self._Vh
        C = self._Qh @ Z @ self._Q
        A = self._T - 0.5j * self.shift * np.eye(self._T.shape[0])
        Y, scale, info = self._trsyl(A, A, 1j * C, trana="N", tranb="C", isgn=-1)
        if info < 0:  # pragma: no cover - argument error, a bug
            raise RuntimeError(f"ztrsyl argument error {info}")
        return self._Q @ (Y / scale) @ self._Qh


# ----------------------------------------------------------------------------- FGMRES
def _fgmres(
    apply_A,
    precond,
    b: np.ndarray,
    x0: np.ndarray,
    atol: float,
    max_iter: int,
    restart: int,
) -> tuple[np.ndarray, int, float]:
    """Restarted flexible GMRES (right preconditioning that may vary between applications).

    Arnoldi with classical Gram-Schmidt and one reorthogonalisation, Givens QR of the Hessenberg
    matrix. The preconditioned directions are stored, so the iterate is exactly x0 + sum_k y_k M(q_k)
    and its residual b - A x is the one of the true operator. Stops when the recurrence residual
    is <= atol or after ``max_iter`` applications of A. Returns ``(x, iterations, ||b - A x||)``.
    """
    n = b.size
    x = x0.copy()
    iters = 0
    r = b - apply_A(x)
    beta = float(np.linalg.norm(r))
    while beta > atol and iters < max_iter:
        m = min(restart, max_iter - iters)
        Q = np.empty((m + 1, n), dtype=complex)
        Zs: list[np.ndarray] = []
        Hh = np.zeros((m + 1, m), dtype=complex)
        cs = np.zeros(m)
        sn = np.zeros(m, dtype=complex)
        g = np.zeros(m + 1, dtype=complex)
        g[0] = beta
        Q[0] = r / beta
        k_done = 0
        for k in range(m):
            zk = precond(Q[k])
            Zs.append(zk)
            w = apply_A(zk)
            iters += 1
            for _ in range(2):  # CGS2: Gram-Schmidt twice is enough for orthogonality
                h = (Q[: k + 1] @ w.conj()).conj()  # Q^dag w without copying Q
                w = w - h @ Q[: k + 1]
                Hh[: k + 1, k] += h
            hnext = float(np.linalg.norm(w))
            Hh[k + 1, k] = hnext
            if hnext > 0:
                Q[k + 1] = w / hnext
            for i in range(k):  # previous rotations [[c, s], [-conj(s), c]] (c real)
                t = cs[i] * Hh[i, k] + sn[i] * Hh[i + 1, k]
                Hh[i + 1, k] = -np.conj(sn[i]) * Hh[i, k] + cs[i] * Hh[i + 1, k]
                Hh[i, k] = t
            a, bb = Hh[k, k], Hh[k + 1, k]
            den = math.hypot(abs(a), abs(bb))
            if den == 0.0:
                cs[k], sn[k] = 1.0, 0.0
            elif abs(a) == 0.0:
                cs[k], sn[k] = 0.0, 1.0
            else:
                cs[k] = abs(a) / den
                sn[k] = (a / abs(a)) * np.conj(bb) / den
            Hh[k, k] = cs[k] * a + sn[k] * bb
            Hh[k + 1, k] = 0.0
            g[k + 1] = -np.conj(sn[k]) * g[k]
            g[k] = cs[k] * g[k]
            k_done = k + 1
            if abs(g[k + 1]) <= atol or hnext == 0.0:
                break
        y = scipy.linalg.solve_triangular(Hh[:k_done, :k_done], g[:k_done])
        for yk, zk in zip(y, Zs[:k_done]):
            x += yk * zk
        r = b - apply_A(x)
        beta = float(np.linalg.norm(r))
    return x, iters, beta


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True)
class SteadyStateResult:
    """Steady state of Eq. (2) and how it was obtained.

    Attributes
    ----------
    rho_ss
        Hermitian, unit-trace steady state (dims of ``H`` when it was a ``qutip.Qobj``).
    residual
        Relative residual ||L(rho_ss)||_F / s_L, s_L = 2||H||_2 + 2||sum c^dag c||_2 (unit-free).
    residual_abs
        ||L(rho_ss)||_F in the frequency unit of ``H``.
    trace
        Trace of the raw Krylov solution before normalisation (1 up to the solver tolerance).
    hermiticity_error
        ||x - x^dag||_F / ||x||_F of the raw Krylov solution before Hermitisation.
    iterations
        Number of GMRES iterations (preconditioned operator applications).
    time
        Wall time in seconds, including the decomposition of H_eff.
    method
        Preconditioner route, ``"eig"`` or ``"schur"``.
    eig_condition
        1-norm condition number of the eigenvector matrix of H_eff (nan for a forced Schur route).
    scale
        s_L used to make the residual relative.
    tol
        Tolerance that was requested.
    """

    rho_ss: qutip.Qobj
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
    info: dict = field(default_factory=dict, compare=False)

    @property
    def matrix(self) -> np.ndarray:
        """Dense matrix of :attr:`rho_ss`."""
        return self.rho_ss.full()


# ----------------------------------------------------------------------------- solver
def _spectral_norm_hermitian(A: np.ndarray) -> float:
    if A.shape[0] == 0:
        return 0.0
    w = np.linalg.eigvalsh(A)
    return float(np.max(np.abs(w)))


def steady_state(
    H: Any,
    c_ops: Sequence[Any],
    *,
    tol: float = 1e-10,
    maxiter: int = DEFAULT_MAXITER,
    rho0: Any | None = None,
    restart: int = 60,
    preconditioner: Preconditioner = "auto",
    single_precision_preconditioner: bool = False,
) -> SteadyStateResult:
    """Steady state of the Lindblad master equation Eq. (2) by preconditioned, matrix-free GMRES.

    Solves L(rho) + u (Tr rho - 1) = 0 (trace-augmented, see the module docstring) with flexible
    GMRES, right-preconditioned by the exact inverse of the no-jump part L0 (O(d^3) per
    application from one decomposition of H_eff); L itself is applied directly from H and c_ops.

    Parameters
    ----------
    H
        Hamiltonian, ``qutip.Qobj`` or dense/sparse square array (Hermitian).
    c_ops
        Collapse operators (rates included), same types. At least one.
    tol
        Required relative residual ||L(rho)||_F / s_L (see :class:`SteadyStateResult`).
    maxiter
        Budget of GMRES iterations in total (over restarts).
    rho0
        Optional initial guess (e.g. a steady state at a nearby parameter); normalised to unit trace.
    restart
        GMRES restart length (memory about ``restart * d^2 * 24`` bytes).
    preconditioner
        ``"auto"`` (diagonalisation of H_eff, Schur if its eigenvectors are ill-conditioned),
        ``"eig"`` or ``"schur"`` (force a route).
    single_precision_preconditioner
        Run the eig-route products in single precision when cond(V) is small (faster; the result's
        accuracy is unaffected because the residual is always evaluated in double precision).

    Returns
    -------
    SteadyStateResult
        The Hermitian, unit-trace steady state with its residual, iterations and wall time.

    Raises
    ------
    InputError
        Malformed input, no collapse operator, or two or more undamped (dark) eigenstates of
        H_eff (each is stationary, so the steady state is not unique).
    ConvergenceError
        The residual did not fall below ``tol`` within ``maxiter`` iterations; the message gives
        the achieved residual (also on the exception as ``.residual``).
    """
    t_start = time.perf_counter()
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not math.isfinite(tol) or tol <= 0:
        raise InputError(f"tol: must be a positive number, got {tol!r}")
    if int(maxiter) < 1:
        raise InputError(f"maxiter: must be >= 1, got {maxiter!r}")
    if int(restart) < 1:
        raise InputError(f"restart: must be >= 1, got {restart!r}")
    Hd = _to_dense(H, "H")
    d = Hd.shape[0]
    herm_err = float(np.linalg.norm(Hd - Hd.conj().T))
    if herm_err > 1e-12 * max(1.0, float(np.linalg.norm(Hd))):
        raise InputError(f"H: must be Hermitian (||H - H^dag||_F = {herm_err:.2e})")
    c_ops = list(c_ops) if c_ops is not None else []
    if not c_ops:
        raise InputError("c_ops: no collapse operator; a closed system has no unique steady state")
    cs = [_to_csr(c, f"c_ops[{k}]", d) for k, c in enumerate(c_ops)]
    Lv = _Liouvillian(Hd, cs)
    normK = _spectral_norm_hermitian(Lv.K)
    if normK == 0.0:
        raise InputError("c_ops: every collapse operator is zero; the steady state is not unique")
    scale = 2.0 * _spectral_norm_hermitian(Hd) + 2.0 * normK

    # Preconditioner, and the uniqueness check on undamped eigenstates of H_eff: an eigenvector
    # with real eigenvalue has K v = 0, hence H v = lam v, so |v><v| is stationary.
    pre = NoJumpInverse(Lv.H_eff, preconditioner, shift=0.0, single=single_precision_preconditioner)
    n_dark = int(np.sum(np.abs(pre.eigenvalues.imag) <= _DARK_FRACTION * scale))
    if n_dark >= 2:
        raise InputError(
            f"c_ops: H - (i/2) sum c^dag c has {n_dark} undamped eigenstates; each is stationary, "
            "so the steady state is not unique (add a decay channel that reaches them)"
        )
    if n_dark == 1:
        # One dark state: L0 is singular, so precondition with the shifted inverse (L0 - s)^{-1}.
        pre.set_shift(0.5 * normK)

    # Trace augmentation u = L0(1/d): Tr u = -Tr(K)/d != 0, so A(x) = L(x) + u Tr x is regular.
    P = np.eye(d, dtype=complex) / d
    U = Lv.no_jump(P)
    if rho0 is not None:
        R0 = _to_dense(rho0, "rho0")
        if R0.shape != (d, d):
            raise InputError(f"rho0: expected shape {(d, d)} to match H, got {R0.shape}")
        tr0 = np.trace(R0)
        if abs(tr0) == 0.0:
            raise InputError("rho0: has zero trace")
        x0 = (R0 / tr0).reshape(-1)
    else:
        x0 = P.reshape(-1)

    def apply_A(x: np.ndarray) -> np.ndarray:
        X = x.reshape(d, d)
        return (Lv(X) + U * np.trace(X)).reshape(-1)

    def apply_M(q: np.ndarray) -> np.ndarray:
        return pre(q.reshape(d, d)).reshape(-1)

    b = U.reshape(-1)
    # The augmented residual bounds ||L x|| up to the small trace defect; aim a factor 10 below the
    # requested residual and verify the true residual of the Hermitian, normalised state below.
    atol = 0.1 * tol * scale
    budget = int(maxiter)
    x = x0.astype(complex, copy=True)
    total_iters = 0
    res_abs = math.inf
    trace_raw = complex(math.nan)
    herm_raw = math.nan
    rho = None
    while True:
        x, it, _ = _fgmres(apply_A, apply_M, b, x, atol, budget - total_iters, min(int(restart), budget))
        total_iters += it
        X = x.reshape(d, d)
        trace_raw = complex(np.trace(X))
        if trace_raw.real > 0 and np.all(np.isfinite(X)):
            herm_raw = float(np.linalg.norm(X - X.conj().T) / np.linalg.norm(X))
            rho = 0.5 * (X + X.conj().T)
            rho /= np.trace(rho).real
            res_abs = float(np.linalg.norm(Lv(rho)))
        else:
            rho, res_abs = None, math.inf
        if res_abs <= tol * scale or total_iters >= budget or it == 0:
            break
        atol *= 0.1  # the recurrence was optimistic: tighten and continue from the current x
    elapsed = time.perf_counter() - t_start
    residual = res_abs / scale
    if not residual <= tol:
        err = ConvergenceError(
            f"steady_state: residual {residual:.3e} > tol {tol:.1e} after {total_iters} GMRES iterations "
            f"(maxiter={maxiter}, dimension {d}, preconditioner {pre.method})"
        )
        err.residual = residual  # type: ignore[attr-defined]
        err.iterations = total_iters  # type: ignore[attr-defined]
        raise err
    return SteadyStateResult(
        rho_ss=qutip.Qobj(rho, dims=_dims_of(H, d)),
        residual=residual,
        residual_abs=res_abs,
        trace=float(trace_raw.real),
        hermiticity_error=herm_raw,
        iterations=total_iters,
        time=elapsed,
        method=pre.method,
        eig_condition=pre.condition,
        scale=scale,
        tol=float(tol),
        info={"n_dark": n_dark, "shift": pre.shift, "dimension": d, "precision": pre.precision},
    )
