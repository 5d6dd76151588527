"""Entanglement witness of Eq. (4) and S23-S27: quantum Fisher information against local variances.

For local observables A_j = c_j . A_j (one per party j) every separable state obeys Eq. (4)/(S23),

    F_Q[rho, sum_j A_j] <= 4 sum_j Var(A_j)_rho = B_1 .

With F_Q[rho, A(c)] = c Q c^T (QFI matrix, S24) and sum_j Var(c_j . A_j) = c Gamma c^T, where Gamma is the
covariance matrix of the LOCAL operators (block-diagonal, Gamma_jj'^{mm'} = delta_jj' Cov(A_j^m, A_j^m')),
the optimal witness is the largest eigenvalue of Q - 4 Gamma:

    W_1 = max_{|c| = 1} c (Q - 4 Gamma) c^T,  D_1 = max(0, W_1).

S25 prints the matrix as Q - Gamma and describes Gamma as having zero diagonal blocks; both are misprints
(``docs/witness.md``, ``docs/errata.md`` entry 2). This module implements Eq. (4)/(S23)/(S26)/(S27).

Operator families (paper, after Eq. 4): atom (sigma_x, sigma_y, sigma_z), mode o in {a, b, m}
(x, p, x^2, p^2, (x p + p x)/2) with x = o + o^dag, p = -i (o - o^dag). Conventions:

* Atom basis index 0 = |e>, index 1 = |g>, sigma = |g><e| (as in :mod:`nrbundle.numeric.model`);
  sigma_x = sigma + sigma^dag, sigma_y = -i (sigma^dag - sigma), sigma_z = sigma^dag sigma - sigma sigma^dag
  = |e><e| - |g><g|, so [sigma_x, sigma_y] = 2 i sigma_z. (The witness does not depend on the sign of any
  family member: c is optimised, a sign flip is an orthogonal change of c.)
* Truncated Fock space (levels 0..N-1): x^2 and p^2 are the compressions P x^2 P, P p^2 P of the
  untruncated operators, x^2 = o^2 + o^dag 2 + 2 n + 1, p^2 = -o^2 - o^dag 2 + 2 n + 1 (default
  ``squares="compressed"``); ``squares="product"`` uses the matrix products of the truncated x, p. The two
  differ only in the top-level diagonal element (by N) and give identical Q and Gamma when the top level is
  unpopulated. The witness is a valid entanglement certificate for the (truncated) state with either choice
  (any local Hermitian operators give a valid Eq. (4)); the numbers equal those of the untruncated family
  only when the two highest kept levels are empty (x^2 raises by two). :class:`WitnessResult` reports both
  populations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import qutip
import scipy.linalg
import scipy.optimize

from ..display import ShortRepr
from ..errors import InputError
from ._linalg import density_matrix
from .model import parse_cutoff

__all__ = [
    "PARTY_NAMES",
    "MODE_LABELS",
    "ATOM_OP_LABELS",
    "EIG_TOL",
    "STATE_TOL",
    "WitnessResult",
    "mode_family",
    "atom_family",
    "qfi_matrix",
    "covariance_matrix",
    "local_covariance",
    "witness",
    "witness_model_state",
]

#: Subsystems of the model, in tensor order (a, b, m, atom); "sigma" is the atom.
PARTY_NAMES: tuple[str, ...] = ("a", "b", "m", "sigma")
#: Labels of the mode family (x, p, x^2, p^2, (xp + px)/2).
MODE_LABELS: tuple[str, ...] = ("x", "p", "x2", "p2", "xp")
#: Labels of the atom family (sigma_x, sigma_y, sigma_z).
ATOM_OP_LABELS: tuple[str, ...] = ("sx", "sy", "sz")
#: Pairs (k, k') of eigenvalues of rho with p_k + p_k' below this are dropped from S24 (the 0/0 terms). Since
#: (p - p')^2/(p + p') <= p + p', a dropped pair changes c Q c^T (|c| = 1) by at most 2 (p_k + p_k') |<k|A(c)|k'>|^2
#: (summed: ``qfi_dropped_bound``). 1e-14 is the noise floor of ``eigh`` on a unit-trace matrix (~d * eps).
EIG_TOL: float = 1e-14
#: A density matrix is accepted if it is Hermitian, has unit trace and no eigenvalue below -STATE_TOL, all to
#: this tolerance (steady-state solvers leave ~1e-10 noise; a larger defect means it is not a state).
STATE_TOL: float = 1e-6

_ALIASES = {"a": "a", "b": "b", "m": "m", "sigma": "sigma", "atom": "sigma", "s": "sigma"}
_SQUARES = ("compressed", "product")


# --------------------------------------------------------------------------------------------- families
def mode_family(N: int, *, squares: str = "compressed") -> tuple[np.ndarray, ...]:
    """Mode operators (x, p, x^2, p^2, (x p + p x)/2) in a Fock space truncated to levels 0..N-1 (Eq. 4).

    Parameters
    ----------
    N
        Number of Fock levels kept (>= 2).
    squares
        ``"compressed"`` (default): x^2 = o^2 + o^dag 2 + 2 n + 1 and p^2 = -o^2 - o^dag 2 + 2 n + 1, the exact
        matrix elements of the untruncated x^2, p^2 between kept levels (x^2 + p^2 = 4 n + 2 holds exactly).
        ``"product"``: x @ x and p @ p of the truncated matrices; they miss N on the top-level diagonal.
        (x p + p x)/2 = -i (o^2 - o^dag 2) is the same for both.

    Returns
    -------
    tuple of ndarray
        Five Hermitian N x N matrices in the order of :data:`MODE_LABELS`.
    """
    N = int(N)
    if N < 2:
        raise InputError(f"N: a mode needs at least 2 Fock levels, got {N}")
    if squares not in _SQUARES:
        raise InputError(f"squares: expected one of {', '.join(_SQUARES)}, got {squares!r}")
    o = np.diag(np.sqrt(np.arange(1, N, dtype=float)), 1).astype(complex)
    od = o.conj().T
    n = od @ o
    eye = np.eye(N, dtype=complex)
    x = o + od
    p = -1j * (o - od)
    if squares == "compressed":
        x2 = o @ o + od @ od + 2 * n + eye
        p2 = -(o @ o) - od @ od + 2 * n + eye
    else:
        x2 = x @ x
        p2 = p @ p
    xp = -1j * (o @ o - od @ od)
    return x, p, x2, p2, xp


def atom_family() -> tuple[np.ndarray, ...]:
    """Atom operators (sigma_x, sigma_y, sigma_z) in the basis (|e>, |g>) with sigma = |g><e| (Eq. 4).

    sigma_x = sigma + sigma^dag, sigma_y = -i (sigma^dag - sigma), sigma_z = |e><e| - |g><g|;
    [sigma_x, sigma_y] = 2 i sigma_z.
    """
    s = np.array([[0, 0], [1, 0]], dtype=complex)  # |g><e|, index 0 = e, 1 = g
    sd = s.conj().T
    return s + sd, -1j * (sd - s), sd @ s - s @ sd


def _family(party: str, dim: int, squares: str) -> tuple[tuple[str, ...], tuple[np.ndarray, ...]]:
    if party == "sigma":
        if dim != 2:
            raise InputError(f"rho: the atom subsystem must have dimension 2, got {dim}")
        return ATOM_OP_LABELS, atom_family()
    return MODE_LABELS, mode_family(dim, squares=squares)


# ------------------------------------------------------------------------------------ matrix helpers
def _check_state(rho: np.ndarray) -> np.ndarray:
    """Hermitian part of ``rho`` after checking it is a density matrix to :data:`STATE_TOL`."""
    if not np.all(np.isfinite(rho)):
        raise InputError("rho: contains non-finite entries")
    herm_err = float(np.max(np.abs(rho - rho.conj().T))) if rho.size else 0.0
    if herm_err > STATE_TOL:
        raise InputError(f"rho: not Hermitian (max |rho - rho^dag| = {herm_err:.2e})")
    tr = float(np.real(np.trace(rho)))
    if abs(tr - 1.0) > STATE_TOL:
        raise InputError(f"rho: trace is {tr:.8g}, expected 1")
    return 0.5 * (rho + rho.conj().T)


def _check_ops(ops: Sequence[Any], d: int) -> list[np.ndarray]:
    out = []
    for i, A in enumerate(ops):
        M = A.full() if isinstance(A, qutip.Qobj) else np.asarray(A, dtype=complex)
        if M.shape != (d, d):
            raise InputError(f"ops: operator {i} has shape {M.shape}, rho has dimension {d}")
        if float(np.max(np.abs(M - M.conj().T))) > 1e-12 * max(1.0, float(np.max(np.abs(M)))):
            raise InputError(f"ops: operator {i} is not Hermitian")
        out.append(M)
    return out


def _qfi_details(rho: np.ndarray, ops: list[np.ndarray], eig_tol: float) -> tuple[np.ndarray, float, float]:
    """(Re Q of S24, bound on the dropped pairs for unit c, smallest eigenvalue of rho before clipping)."""
    p, V = np.linalg.eigh(rho)
    p_min = float(p[0])
    if p_min < -STATE_TOL:
        raise InputError(f"rho: has a negative eigenvalue {p_min:.2e} (not a density matrix)")
    p = np.clip(p, 0.0, None)
    s = p[:, None] + p[None, :]
    keep = s >= eig_tol
    K = np.zeros_like(s)
    K[keep] = 2.0 * (p[:, None] - p[None, :])[keep] ** 2 / s[keep]
    if not ops:
        return np.zeros((0, 0)), 0.0, p_min
    At = np.stack([V.conj().T @ A @ V for A in ops])  # <k|A^m|k'>
    # Q^{mm'} = sum_kk' K_kk' <k|A^m|k'> <k'|A^m'|k> = sum_kk' K_kk' A^m_kk' conj(A^m'_kk')  (A Hermitian)
    Q = np.einsum("mkl,kl,nkl->mn", At, K, At.conj(), optimize=True)
    Q = 0.5 * (Q + Q.conj().T)
    dropped = ~keep
    bound = float(2.0 * np.sum(s[dropped] * np.sum(np.abs(At[:, dropped]) ** 2, axis=0))) if dropped.any() else 0.0
    return np.real(Q), bound, p_min


def qfi_matrix(rho: Any, ops: Sequence[Any], *, eig_tol: float = EIG_TOL) -> np.ndarray:
    """QFI matrix of S24, F_Q[rho, sum_m c_m A^m] = c Q c^T, from the spectral decomposition of rho.

    Q^{mm'} = 2 sum_{k,k'} (p_k - p_k')^2/(p_k + p_k') <k|A^m|k'><k'|A^m'|k>, with rho = sum_k p_k |k><k|
    from ``numpy.linalg.eigh`` of the dense (Hermitian part of the) matrix; eigenvalues within
    :data:`STATE_TOL` below zero are set to zero; pairs with p_k + p_k' < ``eig_tol`` are dropped (their
    terms are 0/0 or at most 2 (p_k + p_k') |A_kk'|^2).

    The S24 matrix is Hermitian; for Hermitian A^m and real c only its real part contributes
    (the imaginary part is antisymmetric), so the real symmetric matrix Re Q is returned.

    Parameters
    ----------
    rho
        Density matrix (or ket) as a Qobj or array of dimension d.
    ops
        Hermitian d x d operators A^m (Qobj or array), all acting on the space of ``rho``.
    eig_tol
        Threshold on p_k + p_k' (default :data:`EIG_TOL`).

    Returns
    -------
    ndarray
        Real symmetric (M, M) matrix, M = len(ops).
    """
    R = _check_state(density_matrix(rho))
    return _qfi_details(R, _check_ops(ops, R.shape[0]), float(eig_tol))[0]


def covariance_matrix(rho: Any, ops: Sequence[Any]) -> np.ndarray:
    """Symmetrised covariance matrix Cov(A^m, A^m') = (<A^m A^m'> + <A^m' A^m>)/2 - <A^m><A^m'> (S23, S26).

    For Hermitian operators this is Re<A^m A^m'> - <A^m><A^m'>; c Cov c^T = Var(c . A). Applied to the
    operators of all parties embedded in the joint space it is the FULL covariance matrix (cross-party
    blocks included): 4 c Cov c^T is the bound B_2 of S26 (bipartite) or B_3 of S27 (tripartite).

    Returns
    -------
    ndarray
        Real symmetric (M, M) matrix.
    """
    R = _check_state(density_matrix(rho))
    A = _check_ops(ops, R.shape[0])
    return _covariance(R, A)


def _covariance(R: np.ndarray, A: list[np.ndarray]) -> np.ndarray:
    if not A:
        return np.zeros((0, 0))
    St = np.stack(A)
    mean = np.real(np.einsum("ij,mji->m", R, St, optimize=True))
    # optimize=True contracts through matrix products (M d^3 + M^2 d^2) instead of one M^2 d^3 loop: ~15x faster
    second = np.real(np.einsum("ij,mjk,nki->mn", R, St, St, optimize=True))
    G = second - np.outer(mean, mean)
    return 0.5 * (G + G.T)


def local_covariance(
    rho: Any, ops_by_party: Sequence[Sequence[Any]], *, dims: Sequence[int] | None = None
) -> np.ndarray:
    """Covariance matrix of LOCAL operators: block-diagonal, Gamma_jj'^{mm'} = delta_jj' Cov(A_j^m, A_j^m').

    c Gamma c^T = sum_j Var(c_j . A_j) (the right-hand side of Eq. (4)/S23 divided by 4). Each block is
    evaluated in the reduced state rho_j = Tr_{not j} rho (qutip ``ptrace``), which equals the full-state
    expectation of the embedded local operator. (S25's "(Gamma)_jj^{mm'} = 0" is a misprint: the diagonal
    blocks are the only nonzero ones.)

    Parameters
    ----------
    rho
        Multipartite state; party j is tensor factor j. A Qobj carries its dims; an array needs ``dims``.
    ops_by_party
        ``ops_by_party[j]`` are the Hermitian operators of party j, acting on its own (local) space.
    dims
        Local dimensions, needed only when ``rho`` is not a Qobj.

    Returns
    -------
    ndarray
        Real symmetric block-diagonal matrix of size sum_j len(ops_by_party[j]).
    """
    if isinstance(rho, qutip.Qobj):
        local_dims = list(rho.dims[0])
    elif dims is not None:
        local_dims = [int(d) for d in dims]
    else:
        raise InputError("dims: local dimensions are needed when rho is not a Qobj")
    R = _check_state(density_matrix(rho))
    if int(np.prod(local_dims)) != R.shape[0]:
        raise InputError(f"dims: {local_dims} do not match the dimension {R.shape[0]} of rho")
    if len(ops_by_party) != len(local_dims):
        raise InputError(f"ops_by_party: {len(ops_by_party)} parties given, rho has {len(local_dims)} subsystems")
    Qrho = qutip.Qobj(R, dims=[local_dims, local_dims])
    blocks = []
    for j, ops in enumerate(ops_by_party):
        rj = Qrho.ptrace([j]).full() if len(local_dims) > 1 else R
        blocks.append(_covariance(0.5 * (rj + rj.conj().T), _check_ops(ops, local_dims[j])))
    return scipy.linalg.block_diag(*blocks) if blocks else np.zeros((0, 0))


# --------------------------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False, repr=False)
class WitnessResult(ShortRepr):
    """Eq. (4)/S23-S27 evaluated on one state, with how it was computed.

    Attributes
    ----------
    parties
        Parties in model tensor order, e.g. ``("a", "b")`` or ``("a", "m", "sigma")``.
    W1, D1
        W_1 = max_{|c|=1} c (Q - 4 Gamma) c^T = F_Q - B_1 at ``c_opt``; D_1 = max(0, W_1) (Fig. 4).
        W_1 > 0: not (fully) separable.
    c_opt
        Unit eigenvector of Q - 4 Gamma for W_1 (sign: largest component positive), ordered as
        ``operator_labels``.
    F_Q, B1, B2, B3
        At ``c_opt``: F_Q = c Q c^T, B_1 = 4 sum_j Var(A_j); bipartite: B_2 = 4 Var(A_a + A_b) (S26, a bound
        for every state), B3 = None; tripartite (S27): B_2 = 4 max over the three bipartitions XY|Z of
        [Var(A_X + A_Y) + Var(A_Z)], B_3 = 4 Var(A_a + A_b + A_sigma) (a bound for every state).
    W2
        F_Q - B_2 at ``c_opt``. Bipartite: <= 0 for every state. Tripartite: > 0 certifies full
        inseparability (not separable with respect to any bipartition).
    W2_opt, c_W2_opt
        max over unit c of F_Q - B_2: bipartite, the exact largest eigenvalue of Q - 4 Gamma_full (<= 0);
        tripartite, the best of SLSQP local maximisations of min_P c (Q - 4 Gamma^P) c^T started from
        ``c_opt`` and from the leading eigenvectors of each Q - 4 Gamma^P (a lower bound on the global
        maximum, attained by ``c_W2_opt``). With ``optimise_w2=False`` (tripartite) not computed: NaN, and
        ``c_W2_opt`` is NaN too (a caller that records W_1 only skips the local maximisations).
    W_bipartitions
        For each bipartition P ("a,b|sigma", "a,sigma|b", "b,sigma|a"), the largest eigenvalue of
        Q - 4 Gamma^P (Gamma^P keeps the cross-covariances inside each group). > 0: not separable along P;
        all > 0: fully inseparable.
        Bipartite: {"a|b": W1}.
    eigenvalues
        Spectrum of Q - 4 Gamma, descending.
    operator_labels, n_operators, local_dims
        The family used ("a:x", ..., "sigma:sz") and the local dimensions of the parties.
    eig_tol, qfi_dropped_bound, rho_min_eigenvalue
        Threshold on p_k + p_k', a bound on what the dropped pairs could add to c Q c^T for unit c, and the
        smallest eigenvalue of rho_parties before clipping at 0.
    top_population, top2_population
        Population of the highest kept Fock level (and of the two highest) of each mode party; the values
        are those of the untruncated family only when ``top2_population`` is 0.
    squares
        Construction of x^2, p^2 (see :func:`mode_family`).
    """

    parties: tuple[str, ...]
    W1: float
    D1: float
    c_opt: np.ndarray
    F_Q: float
    B1: float
    B2: float
    B3: float | None
    W2: float
    W2_opt: float
    c_W2_opt: np.ndarray
    W_bipartitions: dict[str, float]
    eigenvalues: np.ndarray
    operator_labels: tuple[str, ...]
    n_operators: int
    local_dims: tuple[int, ...]
    eig_tol: float
    qfi_dropped_bound: float
    rho_min_eigenvalue: float
    top_population: dict[str, float] = field(default_factory=dict)
    top2_population: dict[str, float] = field(default_factory=dict)
    squares: str = "compressed"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (arrays as lists)."""
        out: dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            out[k] = v.tolist() if isinstance(v, np.ndarray) else (list(v) if isinstance(v, tuple) else v)
        return out


# ----------------------------------------------------------------------------------------------- main
def _parse_parties(parties: Any) -> tuple[str, ...]:
    if isinstance(parties, str):
        items = [s.strip() for s in parties.split(",")] if "," in parties else [parties]
    else:
        try:
            items = [str(s).strip() for s in parties]
        except TypeError:
            raise InputError(f"parties: expected a tuple such as ('a', 'b'), got {parties!r}") from None
    names = []
    for s in items:
        if s not in _ALIASES:
            raise InputError(f"parties: unknown subsystem {s!r}; use a, b, m, sigma")
        names.append(_ALIASES[s])
    if len(set(names)) != len(names):
        raise InputError(f"parties: repeated subsystem in {tuple(items)}")
    if len(names) not in (2, 3):
        raise InputError(f"parties: expected 2 or 3 subsystems, got {len(names)}")
    return tuple(sorted(names, key=PARTY_NAMES.index))


def _reduce(rho: Any, parties: tuple[str, ...], cutoff: Any) -> tuple[np.ndarray, list[int]]:
    """The state of ``parties`` (dense matrix, local dims), from the full model state or an already reduced one."""
    if isinstance(rho, qutip.Qobj):
        dims = list(rho.dims[0])
        Q = qutip.ket2dm(rho) if rho.isket else rho
        if not Q.isoper:
            raise InputError("rho: expected a ket or a density matrix")
        if cutoff is not None and len(dims) == 4 and tuple(dims[:3]) != parse_cutoff(cutoff):
            raise InputError(f"cutoff: {parse_cutoff(cutoff)} does not match the dims {dims} of rho")
    else:
        if cutoff is None:
            raise InputError("cutoff: needed to read the dims of a plain array (use a Qobj or give cutoff)")
        dims = [*parse_cutoff(cutoff), 2]
        M = density_matrix(rho)
        if M.shape[0] != int(np.prod(dims)):
            raise InputError(f"rho: dimension {M.shape[0]} does not match cutoff dims {dims}")
        Q = qutip.Qobj(M, dims=[dims, dims])
    if len(dims) == 4:
        if dims[3] != 2:
            raise InputError(f"rho: expected dims [N_a, N_b, N_m, 2] (tensor order a, b, m, atom), got {dims}")
        idx = [PARTY_NAMES.index(p) for p in parties]
        red = Q.ptrace(idx)
        local = [dims[i] for i in idx]
    elif len(dims) == len(parties):
        red, local = Q, dims
    else:
        raise InputError(
            f"rho: dims {dims} fit neither the model (a, b, m, atom) nor the {len(parties)} parties {parties}"
        )
    return _check_state(red.full()), [int(d) for d in local]


def _embed(op: np.ndarray, j: int, dims: Sequence[int]) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for k, d in enumerate(dims):
        out = np.kron(out, op if k == j else np.eye(d))
    return out


def _top_eig(M: np.ndarray) -> tuple[float, np.ndarray]:
    w, v = np.linalg.eigh(M)
    c = v[:, -1]
    return float(w[-1]), _fix_sign(c)


def _fix_sign(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, dtype=float)
    c = c / np.linalg.norm(c)
    return c if c[np.argmax(np.abs(c))] >= 0 else -c


def _maximin(Ms: list[np.ndarray], starts: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """Local maximisations of min_P c M_P c^T over unit c (epigraph form, SLSQP), best of several starts."""

    def value(c: np.ndarray) -> float:
        c = c / np.linalg.norm(c)
        return min(float(c @ M @ c) for M in Ms)

    n = Ms[0].shape[0]
    cons: list[dict[str, Any]] = [
        {
            "type": "ineq",
            "fun": (lambda z, M=M: float(z[:n] @ M @ z[:n] - z[n])),
            "jac": (lambda z, M=M: np.append(2.0 * (M @ z[:n]), -1.0)),
        }
        for M in Ms
    ]
    cons.append(
        {"type": "eq", "fun": lambda z: float(z[:n] @ z[:n] - 1.0), "jac": lambda z: np.append(2.0 * z[:n], 0.0)}
    )
    best_val, best_c = -math.inf, starts[0]
    for c0 in starts:
        c0 = c0 / np.linalg.norm(c0)
        v0 = value(c0)
        if v0 > best_val:
            best_val, best_c = v0, c0
        res = scipy.optimize.minimize(
            lambda z: -z[n],
            np.append(c0, v0),
            jac=lambda z: np.append(np.zeros(n), -1.0),
            method="SLSQP",
            constraints=cons,
            options={"maxiter": 300, "ftol": 1e-13},
        )
        c = res.x[:n]
        if np.all(np.isfinite(c)) and np.linalg.norm(c) > 0:
            v = value(c)
            if v > best_val:
                best_val, best_c = v, c / np.linalg.norm(c)
    return best_val, _fix_sign(best_c)


def witness(
    rho: Any,
    parties: Any,
    *,
    cutoff: Any = None,
    eig_tol: float = EIG_TOL,
    squares: str = "compressed",
    optimise_w2: bool = True,
) -> WitnessResult:
    """Optimal QFI entanglement witness of Eq. (4)/(S23), with the bounds of S26 (bipartite) or S27 (tripartite).

    Parameters
    ----------
    rho
        State of the model: a Qobj (density matrix or ket) with dims [[N_a, N_b, N_m, 2], ...] in tensor order
        (a, b, m, atom), reduced here to ``parties`` with ``ptrace``; or a Qobj already reduced to exactly
        ``parties`` (subsystems in model order); or a plain array of the full model state with ``cutoff``.
    parties
        Two or three of "a", "b", "m", "sigma" (alias "atom"), e.g. ``("a", "b")``, ``("a", "m", "sigma")`` or
        ``"a,b,sigma"``; processed in model order.
    cutoff
        Fock levels (N_a, N_b, N_m) (or one int, or "NA,NB,NM"): required for a plain array, checked against
        the dims of a full-model Qobj.
    eig_tol
        Pairs of eigenvalues of rho_parties with p_k + p_k' < eig_tol are dropped from the QFI (S24).
    squares
        Construction of x^2 and p^2 in the truncated space (:func:`mode_family`).
    optimise_w2
        Tripartite only: run the SLSQP maximisations of ``W2_opt`` (default). ``False`` leaves ``W2_opt`` and
        ``c_W2_opt`` NaN; every other field is the same (they take most of the time of a tripartite witness, and
        the sweeps of Figs. 3/4 record W_1 and D_1 only).

    Returns
    -------
    WitnessResult
        W_1 = largest eigenvalue of Q - 4 Gamma (Gamma block-diagonal, local covariances), D_1 = max(0, W_1),
        the optimal c, F_Q, B_1, B_2 (, B_3), W_2 = F_Q - B_2 and the provenance of the numbers.

    Notes
    -----
    S25 prints Q - Gamma; with c Gamma c^T = sum_j Var(c_j . A_j) that drops the factor 4 of Eq. (4)/(S23) and
    would flag every pure product state as entangled (``docs/witness.md``). The magnitude of W_1 depends on
    the normalisation |c| = 1 in the paper's operator basis; its sign does not depend on any invertible
    relabelling of the family.
    """
    if not (isinstance(eig_tol, (int, float)) and math.isfinite(eig_tol) and eig_tol > 0):
        raise InputError(f"eig_tol: expected a positive number, got {eig_tol!r}")
    if squares not in _SQUARES:
        raise InputError(f"squares: expected one of {', '.join(_SQUARES)}, got {squares!r}")
    if not isinstance(optimise_w2, bool):
        raise InputError(f"optimise_w2: expected True or False, got {optimise_w2!r}")
    parties = _parse_parties(parties)
    R, dims = _reduce(rho, parties, cutoff)

    labels: list[str] = []
    local_ops: list[tuple[np.ndarray, ...]] = []
    sizes: list[int] = []
    for party, d in zip(parties, dims, strict=True):
        lab, ops = _family(party, d, squares)
        labels += [f"{party}:{s}" for s in lab]
        local_ops.append(ops)
        sizes.append(len(ops))
    full_ops = [_embed(A, j, dims) for j, ops in enumerate(local_ops) for A in ops]

    Q, dropped_bound, p_min = _qfi_details(R, full_ops, float(eig_tol))
    G_full = _covariance(R, full_ops)
    G_loc = local_covariance(R, local_ops, dims=dims)

    M1 = Q - 4.0 * G_loc
    eigs = np.linalg.eigvalsh(M1)[::-1]
    W1, c = _top_eig(M1)
    F_Q = float(c @ Q @ c)
    B1 = float(4.0 * c @ G_loc @ c)

    offs = np.concatenate([[0], np.cumsum(sizes)])
    blk = [slice(int(offs[j]), int(offs[j + 1])) for j in range(len(parties))]

    def grouped(groups: list[list[int]]) -> np.ndarray:
        G = np.zeros_like(G_full)
        for grp in groups:
            for j in grp:
                for k in grp:
                    G[blk[j], blk[k]] = G_full[blk[j], blk[k]]
        return G

    if len(parties) == 2:
        B2 = float(4.0 * c @ G_full @ c)
        B3 = None
        W2_opt, c2 = _top_eig(Q - 4.0 * G_full)
        W_bip = {f"{parties[0]}|{parties[1]}": W1}
    else:
        B3 = float(4.0 * c @ G_full @ c)
        W_bip = {}
        Ms = []
        starts = [c]
        B2 = -math.inf
        for z in (2, 1, 0):  # bipartitions XY|Z with Z = third, second, first party
            xy = [j for j in range(3) if j != z]
            name = ",".join(parties[j] for j in xy) + "|" + parties[z]
            GP = grouped([xy, [z]])  # Var(A_X + A_Y) + Var(A_Z) = c GP c^T
            B2 = max(B2, float(4.0 * c @ GP @ c))
            MP = Q - 4.0 * GP
            Ms.append(MP)
            lam, vP = _top_eig(MP)
            W_bip[name] = lam
            starts.append(vP)
        if optimise_w2:
            starts.append(_top_eig(sum(Ms) / 3.0)[1])
            W2_opt, c2 = _maximin(Ms, starts)
        else:
            W2_opt, c2 = math.nan, np.full(c.shape, math.nan)
    W2 = F_Q - B2

    top, top2 = {}, {}
    Qred = qutip.Qobj(R, dims=[dims, dims])
    for j, party in enumerate(parties):
        if party == "sigma":
            continue
        pops = np.real(np.diag(Qred.ptrace([j]).full()))
        top[party] = float(pops[-1])
        top2[party] = float(pops[-2:].sum())

    return WitnessResult(
        parties=parties,
        W1=W1,
        D1=max(0.0, W1),
        c_opt=c,
        F_Q=F_Q,
        B1=B1,
        B2=B2,
        B3=B3,
        W2=W2,
        W2_opt=float(W2_opt),
        c_W2_opt=c2,
        W_bipartitions=W_bip,
        eigenvalues=eigs,
        operator_labels=tuple(labels),
        n_operators=len(labels),
        local_dims=tuple(dims),
        eig_tol=float(eig_tol),
        qfi_dropped_bound=dropped_bound,
        rho_min_eigenvalue=p_min,
        top_population=top,
        top2_population=top2,
        squares=squares,
    )


def witness_model_state(state_or_rho: Any, parties: Any, **kwargs: Any) -> WitnessResult:
    """:func:`witness` for a model state: a ket, a density matrix, or any result object with a ``rho`` attribute.

    Keyword arguments are passed on to :func:`witness` (``cutoff``, ``eig_tol``, ``squares``).
    """
    rho = getattr(state_or_rho, "rho", state_or_rho)
    if "cutoff" not in kwargs and not isinstance(rho, qutip.Qobj):
        cut = getattr(state_or_rho, "cutoff", None)
        if cut is not None:
            kwargs["cutoff"] = cut
    return witness(rho, parties, **kwargs)
