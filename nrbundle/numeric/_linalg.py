"""Linear algebra shared by the numeric modules: operator conversion (``Qobj``/NumPy/SciPy to dense or CSR) and FGMRES.

Private to :mod:`nrbundle.numeric` (the names here are public within the subpackage; users pass operators to the
public functions, which convert them here). Every function validates shape and finiteness and names the parameter
in its :class:`~nrbundle.errors.InputError`.
"""

from __future__ import annotations

__all__ = ["to_dense", "to_csr", "single_diagonal", "density_matrix", "dims_of", "spectral_norm_hermitian", "fgmres"]

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import qutip
import scipy.linalg
import scipy.sparse as sp

from ..errors import InputError

(_gemv,) = scipy.linalg.get_blas_funcs(("gemv",), dtype=complex)
#: A Gram-Schmidt pass is repeated when it leaves less than this fraction of the vector's norm. One pass loses
#: orthogonality by about eps ||w|| / ||w'|| (w before, w' after the pass), so a vector that keeps at least a tenth
#: of its norm is orthogonal to ~10 eps; a stronger cancellation gets a second pass. (DGKS's 1/sqrt(2) repeats the
#: pass in most Arnoldi steps here, for the same iterations and states, 7-12 % slower: measured at fig1, d = 192-350.)
_REORTHOGONALISE = 0.1


def to_dense(op: Any, name: str) -> np.ndarray:
    """Square complex C-contiguous array of an operator (``Qobj``, sparse or array-like), checked finite.

    Raises
    ------
    InputError
        ``name: ...`` for a non-square shape or non-finite entries.
    """
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


def to_csr(op: Any, name: str, d: int | None = None) -> sp.csr_array:
    """Complex CSR array of a square operator, checked finite; with ``d``, also checked to be ``d x d``.

    Raises
    ------
    InputError
        ``name: ...`` for a non-square shape, a shape other than ``(d, d)``, or non-finite entries.
    """
    if isinstance(op, qutip.Qobj):
        mat = sp.csr_array(op.to("csr").data.as_scipy())
    elif sp.issparse(op):
        mat = sp.csr_array(op)
    else:
        arr = np.asarray(op, dtype=complex)
        if arr.ndim != 2:
            raise InputError(f"{name}: expected a square operator, got shape {arr.shape}")
        mat = sp.csr_array(arr)
    if mat.shape[0] != mat.shape[1]:
        raise InputError(f"{name}: expected a square operator, got shape {mat.shape}")
    if d is not None and mat.shape != (d, d):
        raise InputError(f"{name}: expected shape {(d, d)} to match H, got {mat.shape}")
    mat = mat.astype(complex)
    if not np.all(np.isfinite(mat.data)):
        raise InputError(f"{name}: contains non-finite entries")
    return mat


def density_matrix(rho: Any, name: str = "rho") -> np.ndarray:
    """Dense matrix of a state: a density matrix as is, a ket psi (``Qobj`` ket, 1-d or column array) as |psi><psi|.

    Raises
    ------
    InputError
        ``name: ...`` for anything that is neither a square matrix nor a ket, or non-finite entries.
    """
    if isinstance(rho, qutip.Qobj):
        if rho.isket:
            v = rho.full().ravel()
            return np.outer(v, v.conj())
        if not rho.isoper:
            raise InputError(f"{name}: expected a ket or a density matrix")
        return to_dense(rho, name)
    arr = np.asarray(rho, dtype=complex)
    if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1):
        v = arr.ravel()
        return np.outer(v, v.conj())
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(f"{name}: expected a square matrix or a ket, got shape {arr.shape}")
    return to_dense(arr, name)


def single_diagonal(c: sp.csr_array, d: int) -> tuple[slice, slice, np.ndarray, np.ndarray] | None:
    """``(rows, cols, v, conj(v))`` with c[rows, cols] = diag(v) when every stored entry of ``c`` lies on one
    diagonal c[i, i+s] (cols = rows shifted by s), else ``None``."""
    co = sp.coo_array(c)
    if co.nnz == 0:
        return slice(0, 0), slice(0, 0), np.zeros(0, complex), np.zeros(0, complex)
    offsets = co.col.astype(np.int64) - co.row.astype(np.int64)
    s = int(offsets[0])
    if np.any(offsets != s):
        return None
    r0, r1 = max(0, -s), min(d, d - s)
    v = np.zeros(r1 - r0, dtype=complex)
    np.add.at(v, co.row - r0, co.data)  # duplicates (uncanonical input) add, as in a sparse product
    return slice(r0, r1), slice(r0 + s, r1 + s), v, v.conj()


def dims_of(op: Any, d: int) -> list:
    """QuTiP ``dims`` of an operator: its own for a ``Qobj``, ``[[d], [d]]`` otherwise."""
    if isinstance(op, qutip.Qobj):
        return op.dims
    return [[d], [d]]


def spectral_norm_hermitian(A: np.ndarray) -> float:
    """Spectral norm ||A||_2 = max |eigenvalue| of a dense Hermitian matrix (0 for an empty one).

    A diagonal matrix (e.g. sum_k c_k^dag c_k of Eq. 2) is read off its diagonal, without an eigensolve.
    """
    if A.shape[0] == 0:
        return 0.0
    diag = np.diagonal(A)
    if np.count_nonzero(A) == np.count_nonzero(diag):
        return float(np.max(np.abs(diag)))
    return float(np.max(np.abs(np.linalg.eigvalsh(A))))


def fgmres(
    apply_A: Callable[[np.ndarray], np.ndarray],
    precond: Callable[[np.ndarray], np.ndarray],
    b: np.ndarray,
    x0: np.ndarray,
    atol: float,
    max_iter: int,
    restart: int,
    on_cycle: Callable[[np.ndarray, np.ndarray], None] | None = None,
    on_target: Callable[[np.ndarray, np.ndarray, np.ndarray, int], float | None] | None = None,
    apply_A_direction: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, int, float]:
    """Restarted flexible GMRES (right preconditioning that may vary between applications).

    Arnoldi with classical Gram-Schmidt, repeated once where it cancels most of the vector, Givens QR of the Hessenberg
    matrix. The preconditioned directions z_k = M(q_k) are stored, so the iterate is exactly
    x0 + sum_k y_k z_k and its residual b - A x is the one of the true operator. Stops when the
    recurrence residual is <= atol, after ``max_iter`` applications of A, or when a whole cycle
    reduced the true residual by less than 10% (stagnation, e.g. at the round-off floor).

    Parameters
    ----------
    on_cycle
        Called after each cycle with ``(Z, Hbar)``: the directions z_1..z_m as rows of an (m, n) array and
        the (m+1, m) Arnoldi matrix with A Z^T = Q_{m+1} Hbar (before the Givens rotations), so that
        ||A sum_k y_k z_k|| = ||Hbar y|| (not after a cycle that ``on_target`` stopped: it was given the same).
    on_target
        Called when the recurrence residual reaches ``atol``, with ``(x, Z, Hbar, iterations)``: the iterate there,
        the cycle's directions and Arnoldi matrix so far (as for ``on_cycle``) and the applications of A so far.
        It returns ``None`` to stop, or a new (smaller) ``atol`` to go on *within the same cycle*: the Krylov space
        built so far is kept, which a restart from the iterate would throw away (a tighter target reached this way
        costs about half the iterations of a restart). Without it the solve stops there.
    apply_A_direction
        A applied to the preconditioned directions z_k (default ``apply_A``): a cheaper form of the same operator
        that holds for what ``precond`` returns (e.g. Hermitian matrices); residuals always use ``apply_A``.

    Returns
    -------
    x, iterations, residual
        The iterate, the applications of A, and ||b - A x||.
    """
    n = b.size
    apply_Az = apply_A if apply_A_direction is None else apply_A_direction
    x = x0.copy()
    iters = 0
    stop = False
    r = b - apply_A(x)
    beta = float(np.linalg.norm(r))
    while beta > atol and iters < max_iter and not stop:
        m = min(restart, max_iter - iters)
        Q = np.empty((m + 1, n), dtype=complex)
        Z = np.empty((m, n), dtype=complex)
        Hh = np.zeros((m + 1, m), dtype=complex)
        Hraw = np.zeros((m + 1, m), dtype=complex)
        cs = np.zeros(m)
        sn = np.zeros(m, dtype=complex)
        g = np.zeros(m + 1, dtype=complex)
        g[0] = beta
        Q[0] = r / beta
        k_done = 0
        for k in range(m):
            Z[k] = precond(Q[k])
            w = apply_Az(Z[k])
            iters += 1
            # classical Gram-Schmidt, repeated once when the pass cancelled most of w (_REORTHOGONALISE; "twice is
            # enough"); Qk is Q[:k+1] seen as the n x (k+1) column matrix, so no copy is made
            Qk = Q[: k + 1].T
            norm_w = float(np.linalg.norm(w))
            for _ in range(2):
                h = _gemv(1.0, Qk, w, trans=2)  # Q^dag w
                w = _gemv(-1.0, Qk, h, 1.0, w, overwrite_y=True)  # w - Q h, in place
                Hh[: k + 1, k] += h
                norm_new = float(np.linalg.norm(w))
                if norm_new > _REORTHOGONALISE * norm_w:
                    break
                norm_w = norm_new
            hnext = norm_new
            Hh[k + 1, k] = hnext
            Hraw[: k + 2, k] = Hh[: k + 2, k]
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
            if hnext == 0.0:
                break
            if abs(g[k + 1]) <= atol:
                if on_target is None:
                    break
                y = scipy.linalg.solve_triangular(Hh[:k_done, :k_done], g[:k_done])
                new_atol = on_target(x + y @ Z[:k_done], Z[:k_done], Hraw[: k_done + 1, :k_done], iters)
                if new_atol is None or iters >= max_iter:
                    stop = new_atol is None
                    break
                atol = float(new_atol)
        y = scipy.linalg.solve_triangular(Hh[:k_done, :k_done], g[:k_done])
        x += y @ Z[:k_done]
        if on_cycle is not None and not stop:  # after a stop, on_target has just seen these very directions
            on_cycle(Z[:k_done], Hraw[: k_done + 1, :k_done])
        r = b - apply_A(x)
        beta_old, beta = beta, float(np.linalg.norm(r))
        if beta > 0.9 * beta_old:
            break
    return x, iters, beta
