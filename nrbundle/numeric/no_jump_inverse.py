"""The preconditioner of the steady-state solver: the exact inverse of the no-jump Liouvillian L0 of Eq. (2).

L0(X) = -i (H_eff X - X H_eff^dag), H_eff = H - (i/2) sum_k c_k^dag c_k; its inverse is a Sylvester equation, solved
from one eigen-decomposition (or Schur form) of H_eff in O(d^3) per application. Used by
:func:`nrbundle.numeric.liouvillian.steady_state` (whose module docstring gives the method and why it converges).
"""

from __future__ import annotations

__all__ = ["NoJumpInverse", "Preconditioner", "EIG_CONDITION_LIMIT", "SINGLE_PRECISION_LIMIT"]

import math
from typing import Literal

import numpy as np
import scipy.linalg

from ..errors import InputError

#: Largest condition number of the eigenvector matrix V of H_eff for which the diagonalisation
#: route is used; beyond it V^{-1} amplifies rounding by more than ~1e8 and the Schur route is taken.
EIG_CONDITION_LIMIT = 1e8
#: Largest cond(V) for which the eig-route preconditioner runs in single precision (relative
#: preconditioner error ~1e-7 cond(V) <= 1e-3: still an excellent preconditioner).
SINGLE_PRECISION_LIMIT = 1e4

#: Routes of :class:`NoJumpInverse`.
Preconditioner = Literal["auto", "eig", "schur"]


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
