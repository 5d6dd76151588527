"""Equal-time and delayed correlation functions: the cross correlation, the bundle correlation Eq. (3), g2(tau).

Conventions (NOTES.md and the main text below Eq. 3). Names: the paper writes both normalised correlations as
g^(2) with a first index 1 (single quanta) or 2 (bundles); the library calls them ``cross_g2`` and ``bundle_g2``,
and the CLI's JSON keys (kept as they were) call them ``g1_<pair>`` and ``g2_<pair>``:

=====================  ===========================  ==========================
paper (Eq. 3, Fig. 3)  library                      JSON key / observable name
=====================  ===========================  ==========================
g^(2)_{1,am}(0)        ``cross_g2(rho, a, m)``      ``g1_am``
g^(2)_{2,am}(0)        ``bundle_g2(rho, a, m)``     ``g2_am``
g^(2)_{1,ab}(0)        ``cross_g2(rho, a, b)``      ``g1_ab``
g^(2)_{2,ab}(0)        ``bundle_g2(rho, a, b)``     ``g2_ab``
=====================  ===========================  ==========================

For bundles of any size see :mod:`nrbundle.numeric.bundles` (``g1_bundle``, ``g2_bundle``).

* ``cross_g2(rho, o1, o2)`` is the cross correlation g^(2)_{1,oo'}(0) = <o^dag o o'^dag o'> / (<o^dag o><o'^dag o'>),
  evaluated in normal order, <o1^dag o2^dag o2 o1>. For operators of different modes (the paper's use,
  o != o') the two orders are identical; for o1 = o2 = o the normal order gives the usual
  g^(2)_{1,oo}(0) = <o^dag^2 o^2>/<o^dag o>^2 that the paper calls "single photon with g_{1,aa} << 1".
* ``bundle_g2(rho, o1, o2)`` is Eq. (3) at tau = 0 with O = o1 o2:
  g^(2)_{2,oo'}(0) = <O^dag O^dag O O> / <O^dag O>^2.
* ``pair_operators(o1, o2)`` builds the normally ordered products of both once and ``pair_correlations(rho, ops)``
  evaluates both from them: the two functions above are that, for one state; a caller with many states of one
  model (a sweep) builds the products once.
* ``g2_tau`` is Eq. (3) (or any delayed second-order correlation) in the steady state, by the quantum
  regression theorem: G2(tau) = Tr[op2^dag op2 e^{L tau}(op rho_ss op^dag)] / (<op^dag op><op2^dag op2>).
  Eq. (3)'s tau-dependent bundle correlation is ``g2_tau(H, c_ops, rho_ss, o1 * o2, tlist)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import qutip
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import InputError
from ._linalg import to_csr, to_dense
from .liouvillian import liouvillian_matrix

__all__ = [
    "expect",
    "check_density_matrix",
    "cross_g2",
    "bundle_g2",
    "g2_tau",
    "PairOperators",
    "pair_operators",
    "pair_correlations",
]


def _check_same(d: int, *ops: tuple[str, sp.csr_array]) -> None:
    for name, op in ops:
        if op.shape != (d, d):
            raise InputError(f"{name}: shape {op.shape} does not match the state's dimension {d}")


#: Tolerances of :func:`check_density_matrix`: relative anti-Hermitian part, |Tr rho - 1|, most negative population.
_STATE_TOL = 1e-8


def check_density_matrix(R: np.ndarray, name: str = "rho") -> None:
    """Refuse (InputError naming ``name``) a matrix that is not a density matrix: not Hermitian, trace not 1, or a
    negative population (diagonal entry); full positivity is not checked (an eigen-decomposition costs O(d^3))."""
    scale = max(float(np.linalg.norm(R)), 1e-300)
    herm = float(np.linalg.norm(R - R.conj().T)) / scale
    if not herm <= _STATE_TOL:
        raise InputError(f"{name}: not a density matrix: not Hermitian (||rho - rho^dag|| / ||rho|| = {herm:.2e})")
    tr = complex(np.trace(R))
    if not abs(tr - 1.0) <= 1e-6:
        raise InputError(f"{name}: not a density matrix: trace {tr.real:.6g}, expected 1 (normalise the state)")
    low = float(np.min(np.real(np.diagonal(R))))
    if not low >= -_STATE_TOL:
        raise InputError(f"{name}: not a density matrix: a negative population {low:.2e} on the diagonal")


def _trace_product(A: sp.csr_array, R: np.ndarray) -> complex:
    """Tr(A R) = sum_ij A_ij R_ji over the stored entries of the sparse A: O(nnz), no d x d product."""
    return _TraceForm(A)(R)


class _TraceForm:
    """R -> Tr(A R) = sum_ij A_ij R_ji for one sparse A, its stored entries indexed once (the conversion to
    coordinates costs ~30x the sum itself: a many-state caller such as :class:`PairOperators` keeps the form)."""

    __slots__ = ("cols", "data", "rows")

    def __init__(self, A: sp.csr_array) -> None:
        co = sp.coo_array(A)
        self.rows, self.cols, self.data = co.row, co.col, co.data

    def __call__(self, R: np.ndarray) -> complex:
        return complex(np.dot(self.data, R[self.cols, self.rows]))


def expect(op: Any, rho: Any) -> complex:
    """Tr(op rho) for an operator and a density matrix (``qutip.Qobj`` or arrays)."""
    R = to_dense(rho, "rho")
    A = to_csr(op, "op")
    _check_same(R.shape[0], ("op", A))
    return _trace_product(A, R)


def _ratio(num: complex, den: float) -> float:
    if den == 0.0:
        return math.nan
    return float(num.real / den)


@dataclass(frozen=True)
class PairOperators:
    """The normally ordered products of a pair (o1, o2) that its correlations need (sparse CSR).

    Attributes
    ----------
    n1, n2
        o1^dag o1 and o2^dag o2.
    cross
        o1^dag o2^dag o2 o1, the numerator of g^(2)_{1,oo'}(0).
    bundle_norm, bundle_num
        O^dag O and O^dag O^dag O O with O = o1 o2: the denominator (squared) and the numerator of Eq. (3).
    """

    n1: sp.csr_array
    n2: sp.csr_array
    cross: sp.csr_array
    bundle_norm: sp.csr_array
    bundle_num: sp.csr_array

    def __post_init__(self) -> None:
        # each product's trace form, indexed once for every state it is evaluated in (not a field: equality and
        # the repr stay those of the five operators)
        forms = {name: _TraceForm(getattr(self, name)) for name in ("n1", "n2", "cross", "bundle_norm", "bundle_num")}
        object.__setattr__(self, "_forms", forms)

    def trace(self, name: str, R: np.ndarray) -> complex:
        """Tr(P R) of the product ``name`` (``"n1"``, ``"n2"``, ``"cross"``, ``"bundle_norm"``, ``"bundle_num"``)
        and the dense matrix ``R`` (no check of ``R``)."""
        return self._forms[name](R)  # type: ignore[attr-defined]


def pair_operators(o1: Any, o2: Any) -> PairOperators:
    """:class:`PairOperators` of the mode operators ``o1``, ``o2`` (``Qobj`` or arrays of one shape)."""
    A, B = to_csr(o1, "o1"), to_csr(o2, "o2")
    if B.shape != A.shape:
        raise InputError(f"o2: shape {B.shape} does not match the shape {A.shape} of o1")
    Ad, Bd = A.conj().T, B.conj().T
    O = A @ B
    Od = O.conj().T
    OdO = sp.csr_array(Od @ O)
    return PairOperators(n1=sp.csr_array(Ad @ A), n2=sp.csr_array(Bd @ B), cross=sp.csr_array(Ad @ Bd @ B @ A),
                         bundle_norm=OdO, bundle_num=sp.csr_array(Od @ OdO @ O))


def pair_correlations(rho: Any, ops: PairOperators, *, check: bool = True) -> tuple[float, float]:
    """``(cross_g2, bundle_g2)`` of a pair in ``rho``, from its :class:`PairOperators` (``nan`` for a zero mean).

    ``check=False``: ``rho`` is a dense C-contiguous complex array already checked to be a density matrix (a caller
    evaluating several pairs in one state converts and checks it once).

    Raises
    ------
    InputError
        ``rho`` is not a density matrix, or its dimension is not that of the operators.
    """
    if check:
        R = to_dense(rho, "rho")
        check_density_matrix(R)
    else:
        R = rho
    _check_same(R.shape[0], ("o1", ops.n1))
    n1 = ops.trace("n1", R).real
    n2 = ops.trace("n2", R).real
    n = ops.trace("bundle_norm", R).real
    g1 = _ratio(ops.trace("cross", R), n1 * n2)
    g2 = _ratio(ops.trace("bundle_num", R), n * n)
    return g1, g2


def cross_g2(rho: Any, o1: Any, o2: Any) -> float:
    """Cross correlation g^(2)_{1,oo'}(0) = <o^dag o o'^dag o'> / (<o^dag o><o'^dag o'>) (main text, Fig. 3).

    Evaluated in normal order, <o1^dag o2^dag o2 o1>; identical to the paper's expression when o1
    and o2 act on different modes, and equal to the usual g^(2)(0) = <o^dag^2 o^2>/<o^dag o>^2 for
    o1 = o2.

    Parameters
    ----------
    rho
        Density matrix.
    o1, o2
        Mode operators (e.g. ``a`` and ``b`` of :class:`nrbundle.numeric.model.Model`).

    Returns
    -------
    float
        The correlation; ``nan`` when a mean occupation is exactly zero.

    Raises
    ------
    InputError
        ``rho`` is not a density matrix (Hermitian, unit trace, non-negative populations).
    """
    return pair_correlations(rho, pair_operators(o1, o2))[0]


def bundle_g2(rho: Any, o1: Any, o2: Any) -> float:
    """Bundle correlation Eq. (3) at tau = 0: g^(2)_{2,oo'}(0) = <O^dag O^dag O O> / <O^dag O>^2, O = o1 o2.

    Parameters
    ----------
    rho
        Density matrix.
    o1, o2
        Mode operators; the bundle operator is O = o1 o2.

    Returns
    -------
    float
        The correlation; ``nan`` when <O^dag O> is exactly zero.

    Raises
    ------
    InputError
        ``rho`` is not a density matrix (Hermitian, unit trace, non-negative populations).
    """
    return pair_correlations(rho, pair_operators(o1, o2))[1]


def g2_tau(
    H: Any,
    c_ops: Sequence[Any],
    rho_ss: Any,
    op: Any,
    tlist: Sequence[float] | np.ndarray,
    *,
    op2: Any | None = None,
    method: Literal["expm", "mesolve"] = "expm",
) -> np.ndarray:
    """Normalised delayed correlation in the steady state, by the quantum regression theorem (Eq. 3).

    g2(tau) = Tr[op2^dag op2 e^{L tau}(op rho_ss op^dag)] / (<op^dag op> <op2^dag op2>)
            = <op^dag(0) op2^dag(tau) op2(tau) op(0)> / (<op^dag op> <op2^dag op2>),

    with op2 = op by default. For Eq. (3) pass op = o o' (the bundle operator).

    Parameters
    ----------
    H, c_ops
        Hamiltonian and collapse operators of the steady state ``rho_ss``.
    rho_ss
        Steady state of (H, c_ops) (e.g. from :func:`nrbundle.numeric.liouvillian.steady_state`).
    op
        Operator applied at time 0.
    tlist
        Non-negative, non-decreasing delays tau.
    op2
        Operator applied at time tau (default ``op``).
    method
        ``"expm"``: exact propagation with ``scipy.sparse.linalg.expm_multiply`` on the sparse
        Liouvillian (cost grows with ||L|| tau; small systems), one call per evenly spaced run of delays
        (the norm estimation is done once per run, not once per delay). ``"mesolve"``: ``qutip.mesolve`` of the
        operator op rho_ss op^dag / <op^dag op> (8th-order Runge-Kutta ``dop853``, atol 1e-12,
        rtol 1e-11; larger systems).

    Returns
    -------
    numpy.ndarray
        g2 at each tau in ``tlist`` (real part; the imaginary part vanishes for op2^dag op2 Hermitian).
    """
    taus = np.asarray(tlist, dtype=float)
    if taus.ndim != 1 or taus.size == 0:
        raise InputError("tlist: expected a non-empty 1-d sequence of delays")
    if not np.all(np.isfinite(taus)) or taus[0] < 0 or np.any(np.diff(taus) < 0):
        raise InputError("tlist: delays must be finite, >= 0 and non-decreasing")
    if method not in ("expm", "mesolve"):
        raise InputError(f"method: expected 'expm' or 'mesolve', got {method!r}")
    R = to_dense(rho_ss, "rho_ss")
    d = R.shape[0]
    A = to_csr(op, "op")
    B = A if op2 is None else to_csr(op2, "op2")
    _check_same(d, ("op", A), ("op2", B))
    BdB = B.conj().T @ B
    n_A = _trace_product(A.conj().T @ A, R).real
    n_B = _trace_product(BdB, R).real
    den = n_A * n_B
    if den == 0.0:
        return np.full(taus.shape, math.nan)
    X0 = (A @ (A @ R).conj().T).conj().T  # A rho A^dag, row-major below
    out = np.empty(taus.shape)
    if method == "expm":
        L = liouvillian_matrix(H, c_ops)
        _check_same(d * d, ("liouvillian", L))
        BdB_T = BdB.T.toarray().reshape(-1)  # Tr(M X) = sum_ij M_ij X_ji = vec(M^T) . vec(X)
        out[:] = _propagated_traces(L, X0.reshape(-1), taus, BdB_T)
    else:
        Hq = H if isinstance(H, qutip.Qobj) else qutip.Qobj(to_dense(H, "H"))
        dims = Hq.dims
        cq = [c if isinstance(c, qutip.Qobj) else qutip.Qobj(to_dense(c, "c_ops"), dims=dims) for c in c_ops]
        e_op = qutip.Qobj(BdB.toarray(), dims=dims)
        t_eval = taus if taus[0] == 0.0 else np.concatenate([[0.0], taus])
        # propagate op rho op^dag / <op^dag op> (unit trace) so that the ODE tolerances are relative
        opts = {"method": "dop853", "atol": 1e-12, "rtol": 1e-11, "nsteps": 10**8, "progress_bar": False}
        res = qutip.mesolve(Hq, qutip.Qobj(X0 / n_A, dims=dims), t_eval, cq, e_ops=[e_op], options=opts)
        vals = n_A * np.real(np.asarray(res.expect[0]))
        out[:] = vals if taus[0] == 0.0 else vals[1:]
    return out / den


#: Largest block of propagated vectors one ``expm_multiply`` call returns at once (bytes).
_EXPM_BLOCK_BYTES = 64 * 2**20


def _propagated_traces(L: sp.csr_array, x0: np.ndarray, taus: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Re(w . e^{L tau} x0) at the non-decreasing delays ``taus``, propagating once from 0 to ``taus[-1]``.

    Each maximal run of evenly spaced delays is one ``scipy.sparse.linalg.expm_multiply`` call over its linspace
    (started from the state at the previous delay; runs longer than :data:`_EXPM_BLOCK_BYTES` of vectors are split),
    so the norm estimates and the Taylor-degree choice are made once per run instead of once per delay.
    """
    out = np.empty(taus.size)
    x, t_now, k = x0, 0.0, 0
    block = max(2, int(_EXPM_BLOCK_BYTES // (16 * x0.size)))
    while k < taus.size:
        j = k + 1
        if j < taus.size and taus[j] > taus[k]:
            h = taus[j] - taus[k]
            while j + 1 < taus.size and j + 1 - k < block and abs(taus[j + 1] - taus[j] - h) <= 1e-9 * h:
                j += 1
        if j - k >= 2:  # taus[k..j] evenly spaced, step h > 0
            Y = spla.expm_multiply(L, x, start=taus[k] - t_now, stop=taus[j] - t_now, num=j - k + 1, endpoint=True)
            out[k:j + 1] = (Y @ w).real
            x, t_now, k = Y[-1], float(taus[j]), j + 1
        else:
            if taus[k] > t_now:
                x = spla.expm_multiply(L * (taus[k] - t_now), x)
                t_now = float(taus[k])
            out[k] = float(np.dot(w, x).real)
            k += 1
    return out
