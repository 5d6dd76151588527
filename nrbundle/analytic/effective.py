"""Quasi-degenerate perturbation theory (Schrieffer-Wolff) for the super-Rabi pair resonances.

The dressed-state energies of S16 ignore the Jaynes-Cummings and linear couplings. This module restores them
order by order: Eq. (1) is split as H = H0 + V with

    H0 = n_a (Delta_ad + Delta_F) + n_b omega_b + n_m omega_m + E_l          (S16, diagonal, l in {+, -})
    V  = lambda_as (a s' + a' s) + lambda_ab (a + a')(b + b') + lambda_am (a + a')(m + m')

in the dressed product basis |n_a n_b n_m l> (S14; s = |g><e| has the dressed matrix elements
<+|s|+> = c_+ c_-, <+|s|-> = -c_+^2, <-|s|+> = c_-^2, <-|s|-> = -c_+ c_-). Every coupling counts as first order.
For the model space P = {|000+>, |n_a n_b n_m ->} the canonical Schrieffer-Wolff transformation
H' = exp(S) H exp(-S), with S = S_1 + S_2 + ... anti-Hermitian and block off-diagonal (P <-> Q), makes H'
block diagonal; its P block, order by order, is the effective Hamiltonian

    H_eff = [[E_P + sum_n shift_P^(n),  sum_n coupling^(n)],
             [sum_n coupling^(n),       E_T + sum_n shift_T^(n)]].

The two P energies stay different (quasi-degenerate treatment): only P-Q energy differences E_p - E_q appear in
denominators. The recursion (order n, with R_n the order-n part of H' computed from S_1 ... S_{n-1}):

    S_n[p, q] = R_n[p, q] / (E_p - E_q),        H_eff^(n) = R_n[P, P].

Selection rules: every term of V changes n_a by one, so diagonal elements of H_eff only have even orders (the
third-order shifts vanish identically) and the coupling of |000+> to |n_a n_b n_m -> only has orders of the parity
of n_a. The super-Rabi coupling g_eff is the lowest non-vanishing order of the coupling: third order
(lambda_as^2 lambda_am) for |101->, (lambda_as^2 lambda_ab) for |110->.

Truncation: an order-n element of H_eff is a sum over chains of n matrix elements of V from one P state to the
other, so every intermediate state lies within floor(n/2) steps of P. The dressed Fock basis is the breadth-first
ball of that radius around P, which makes the truncation exact (tests add a layer and see no change).

The symbolic recursion runs in a polynomial ring: the couplings, c_+, c_-, square roots of primes and one
generator u_pq = 1/(E_p - E_q) per P-Q pair are the generators, so the algebra is exact and fast; the result is
turned into SymPy expressions in Delta_ad, Delta_F (signed), omega_b, omega_m, R, lambda_*, c_+, c_- at the end.
A float version of the same recursion (:func:`numeric_effective_blocks`) reaches any order numerically.

Every closed form or series becomes a vectorised NumPy function through
:func:`nrbundle.analytic.numeric_bridge.lambdify_expr`; argument order is the canonical
:data:`~nrbundle.analytic.numeric_bridge.ARG_ORDER` (the subset each expression needs, recorded on the function).
"""

from __future__ import annotations

import functools
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import sympy as sp
from scipy.optimize import brentq, minimize_scalar
from sympy.polys.domains import QQ
from sympy.polys.rings import ring

from ..errors import ConvergenceError, InputError
from ..params import Params, check_direction
from . import symbols as s
from .numeric_bridge import NumericFunction, lambdify_expr, parameter_values

__all__ = [
    "DressedState",
    "P_STATE",
    "MAX_SYMBOLIC_ORDER",
    "EffectiveHamiltonian",
    "EffectiveNumeric",
    "CorrectedResonance",
    "EffectiveCrossing",
    "state_label",
    "target_state",
    "coupling_distance",
    "dressed_basis",
    "effective_hamiltonian",
    "numeric_effective_blocks",
    "g_eff",
    "bare_resonance",
    "corrected_resonance",
    "effective_crossing",
    "resonance_condition_function",
    "latex_section",
]

#: A dressed product state (n_a, n_b, n_m, l) with l = +1 for |+> and l = -1 for |-> (S14).
DressedState = tuple[int, int, int, int]

#: The lower member of every pair resonance, |000+>.
P_STATE: DressedState = (0, 0, 0, 1)

#: Highest order :func:`effective_hamiltonian` derives symbolically (higher orders: :func:`numeric_effective_blocks`).
MAX_SYMBOLIC_ORDER = 6

_COUPLINGS = ("as", "ab", "am")
_PRIMES = (2, 3, 5, 7, 11, 13)


# ----------------------------------------------------------------------------------------------- states and V
def state_label(state: DressedState) -> str:
    """Ket label ``|n_a n_b n_m l>`` of a dressed state, e.g. ``|101->``."""
    na, nb, nm, l = state
    return f"|{na}{nb}{nm}{'+' if l > 0 else '-'}>"


def target_state(target: Sequence[int]) -> DressedState:
    """Validate a target ``(n_a, n_b, n_m)`` and return the dressed state ``(n_a, n_b, n_m, -1)``."""
    try:
        vals = tuple(int(v) for v in target)
    except (TypeError, ValueError):
        raise InputError(f"target: expected three non-negative integers (n_a, n_b, n_m), got {target!r}") from None
    if len(vals) != 3 or any(v < 0 for v in vals) or any(int(v) != v for v in target):
        raise InputError(f"target: expected three non-negative integers (n_a, n_b, n_m), got {target!r}")
    if sum(vals) == 0:
        raise InputError(f"target: must hold at least one quantum, got {target!r}")
    return (vals[0], vals[1], vals[2], -1)


# Dressed matrix elements of s = |g><e| (S14): key (l_bra, l_ket) -> (sign, power of c_+, power of c_-).
_ATOM_S: dict[tuple[int, int], tuple[int, int, int]] = {
    (1, 1): (1, 1, 1),
    (1, -1): (-1, 2, 0),
    (-1, 1): (1, 0, 2),
    (-1, -1): (-1, 1, 1),
}


@dataclass(frozen=True)
class _Element:
    """One matrix element <bra|V|ket> = sign * lambda_kind * sqrt(root) * c_+^cp * c_-^cm."""

    bra: DressedState
    kind: str
    root: int
    sign: int
    cp: int
    cm: int


def _v_elements(ket: DressedState) -> list[_Element]:
    """Every nonzero <bra|V|ket> of the perturbation V of Eq. (1) (dressed basis, S14)."""
    na, nb, nm, l = ket
    out: list[_Element] = []
    # lambda_as a s': <na-1, l2| a s' |na, l> = sqrt(na) <l2|s'|l> = sqrt(na) <l|s|l2>
    if na > 0:
        for l2 in (1, -1):
            sg, cp, cm = _ATOM_S[(l, l2)]
            out.append(_Element((na - 1, nb, nm, l2), "as", na, sg, cp, cm))
    # lambda_as a' s: <na+1, l2| a' s |na, l> = sqrt(na+1) <l2|s|l>
    for l2 in (1, -1):
        sg, cp, cm = _ATOM_S[(l2, l)]
        out.append(_Element((na + 1, nb, nm, l2), "as", na + 1, sg, cp, cm))
    # lambda_ab (a + a')(b + b') and lambda_am (a + a')(m + m'): the atom is untouched
    for da in (-1, 1):
        if na + da < 0:
            continue
        ra = na if da < 0 else na + 1
        for dx in (-1, 1):
            if nb + dx >= 0:
                out.append(_Element((na + da, nb + dx, nm, l), "ab", ra * (nb if dx < 0 else nb + 1), 1, 0, 0))
            if nm + dx >= 0:
                out.append(_Element((na + da, nb, nm + dx, l), "am", ra * (nm if dx < 0 else nm + 1), 1, 0, 0))
    return [e for e in out if e.root > 0]


def dressed_basis(P: Sequence[DressedState], depth: int) -> list[DressedState]:
    """Breadth-first ball of radius ``depth`` around the model space ``P`` in the graph of V (P first).

    Parameters
    ----------
    P
        Model-space states; they come first in the returned list, in the given order.
    depth
        Number of applications of V; ``floor(n/2)`` suffices for an exact order-n effective Hamiltonian.
    """
    dist = {st: 0 for st in P}
    out = list(P)
    queue = deque(P)
    while queue:
        st = queue.popleft()
        if dist[st] >= depth:
            continue
        for el in _v_elements(st):
            if el.bra not in dist:
                dist[el.bra] = dist[st] + 1
                out.append(el.bra)
                queue.append(el.bra)
    return out


def coupling_distance(target: Sequence[int]) -> int:
    """Fewest applications of V that connect |000+> to |n_a n_b n_m -> (a lower bound on the g_eff order)."""
    T = target_state(target)
    dist = {P_STATE: 0}
    queue = deque([P_STATE])
    while queue:
        st = queue.popleft()
        for el in _v_elements(st):
            if el.bra not in dist:
                dist[el.bra] = dist[st] + 1
                if el.bra == T:
                    return dist[el.bra]
                queue.append(el.bra)
    raise AssertionError("unreachable: V connects every dressed state")  # pragma: no cover


def _required_depth(order: int) -> int:
    return max(1, order // 2)


# ---------------------------------------------------------------------------------- the recursion (generic)
def _sw_recursion(
    V_pp: Any,
    V_pq: Any,
    V_qq: Any,
    divide: Callable[[Any], Any],
    scale: Callable[[int, Any], Any],
    order: int,
) -> dict[int, Any]:
    """Canonical Schrieffer-Wolff recursion; returns the P block of H' for orders 1..order.

    Works on any block objects supporting ``+``, ``-``, ``@``, ``.T`` (NumPy arrays or :class:`_SparseMatrix`);
    the P blocks are real symmetric here, the generator real antisymmetric with P-Q block ``s``.
    ``divide(X_pq)`` returns X_pq[p, q] / (E_p - E_q); ``scale(j, X)`` returns X / j.
    A block triple is (X_PP, X_PQ, X_QQ) of a symmetric matrix; entries of A[(j, m)] are the order-m part of
    ad_S^j(H)/j!.
    """

    def comm(sg: Any, X: tuple, need_pq: bool, need_qq: bool) -> tuple:
        pp, pq, qq = X
        t = sg @ pq.T
        PP = t + t.T
        PQ = (sg @ qq - pp @ sg) if need_pq else None
        if need_qq:
            u = sg.T @ pq
            QQ = -(u + u.T)
        else:
            QQ = None
        return PP, PQ, QQ

    def add(X: tuple | None, Y: tuple) -> tuple:
        if X is None:
            return Y
        return tuple(None if (x is None or y is None) else x + y for x, y in zip(X, Y))

    Vb = (V_pp, V_pq, V_qq)
    A: dict[tuple[int, int], tuple] = {}
    S: dict[int, Any] = {}
    out: dict[int, Any] = {}
    for n in range(1, order + 1):
        need_pq = n <= order - 1  # S_n is needed only for orders above n
        need_qq = n <= order - 2
        cv = comm(S[n - 1], Vb, True, need_qq) if n >= 2 else None
        Rn = Vb if n == 1 else cv
        for j in range(2, n + 1):
            tot = None
            for k in range(1, n - j + 2):
                prev = A.get((j - 1, n - k))
                if prev is not None:
                    tot = add(tot, comm(S[k], prev, need_pq, need_qq))
            if tot is not None:
                A[(j, n)] = tuple(None if x is None else scale(j, x) for x in tot)
                Rn = add(Rn, A[(j, n)])
        out[n] = Rn[0]
        if need_pq:
            S[n] = divide(Rn[1])
            # A_1^(n) = [S_n, H0] + [S_{n-1}, V]; [S_n, H0]_PQ = -R_n,PQ and its PP, QQ blocks vanish
            if n == 1:
                A[(1, n)] = (Vb[0] * 0, -Rn[1], Vb[2] * 0 if need_qq else None)
            else:
                A[(1, n)] = (cv[0], cv[1] - Rn[1], cv[2] if need_qq else None)
    return out


# ------------------------------------------------------------------------------------ numeric (float) route
def _numeric_pieces(
    params_vals: Mapping[str, float], Delta_ad: float, basis: Sequence[DressedState]
) -> tuple[np.ndarray, np.ndarray]:
    """Unperturbed energies (S16) and the matrix of V on ``basis`` (floats)."""
    D = params_vals["Delta_sa"] + Delta_ad
    R = math.hypot(D, 2.0 * params_vals["xi"])
    cp = math.sqrt(max(0.0, 0.5 * (1.0 - D / R)))
    cm = math.sqrt(max(0.0, 0.5 * (1.0 + D / R)))
    Wa = Delta_ad + params_vals["Delta_F"]
    lam = {"as": params_vals["lambda_as"], "ab": params_vals["lambda_ab"], "am": params_vals["lambda_am"]}
    idx = {st: i for i, st in enumerate(basis)}
    n = len(basis)
    E = np.empty(n)
    V = np.zeros((n, n))
    for i, st in enumerate(basis):
        na, nb, nm, l = st
        E[i] = na * Wa + nb * params_vals["omega_b"] + nm * params_vals["omega_m"] + 0.5 * (D + l * R)
        for el in _v_elements(st):
            j = idx.get(el.bra)
            if j is not None:
                V[j, i] += el.sign * lam[el.kind] * math.sqrt(el.root) * cp**el.cp * cm**el.cm
    return E, V


def _model_space(target: Sequence[int], spectators: Iterable[Sequence[int]]) -> tuple[DressedState, ...]:
    """P = (|000+>, |target->, *spectators); a spectator is (n_a, n_b, n_m) (label -) or (n_a, n_b, n_m, +-1)."""
    P: list[DressedState] = [P_STATE, target_state(target)]
    for spec in spectators:
        spec = tuple(spec)
        if len(spec) == 4:
            if spec[3] not in (1, -1):
                raise InputError(f"spectators: the dressed label must be +1 or -1, got {spec!r}")
            st_ = (*target_state(spec[:3])[:3], int(spec[3])) if sum(spec[:3]) else (0, 0, 0, int(spec[3]))
        else:
            st_ = target_state(spec)
        if st_ in P:
            raise InputError(f"spectators: {state_label(st_)} is already in the model space")
        P.append(st_)  # type: ignore[arg-type]
    return tuple(P)


@functools.lru_cache(maxsize=64)
def _cached_basis(P: tuple[DressedState, ...], depth: int) -> tuple[DressedState, ...]:
    return tuple(dressed_basis(P, depth))


def numeric_effective_blocks(
    params: Params,
    target: Sequence[int],
    direction: str,
    Delta_ad: float,
    order: int,
    depth: int | None = None,
    spectators: Iterable[Sequence[int]] = (),
) -> dict[int, np.ndarray]:
    """Order-by-order P blocks of the canonical Schrieffer-Wolff H_eff, in floats, at one Delta_ad.

    The same recursion as :func:`effective_hamiltonian` (Eq. 1 split as S16 + V) on the same truncated dressed
    basis, for any order (the route to orders above :data:`MAX_SYMBOLIC_ORDER`), optionally with a larger model
    space.

    Parameters
    ----------
    params, direction
        Parameters and drive direction (sign of Delta_F).
    target
        ``(n_a, n_b, n_m)`` of the upper state |n_a n_b n_m ->.
    Delta_ad
        Drive detuning, in the units of ``params``.
    order
        Highest order returned.
    depth
        Radius of the dressed basis; default ``floor(order/2)`` (exact for the P block).
    spectators
        Further model-space states, ``(n_a, n_b, n_m)`` for |n_a n_b n_m -> or ``(n_a, n_b, n_m, l)``: nearly
        degenerate levels that would otherwise sit in small denominators (e.g. |110-> next to |101->).

    Returns
    -------
    dict
        ``{n: array}`` for n = 0..order, square of size 2 + len(spectators); index 0 is |000+>, 1 the target,
        then the spectators; [0, 1] is the coupling.
    """
    check_direction(direction)
    P = _model_space(target, spectators)
    order = int(order)
    if order < 0:
        raise InputError(f"order: must be >= 0, got {order}")
    nP = len(P)
    vals = parameter_values(params, direction)
    basis = _cached_basis(P, _required_depth(order) if depth is None else int(depth))
    E, V = _numeric_pieces(vals, float(Delta_ad), basis)
    out = {0: np.diag(E[:nP])}
    if order == 0:
        return out
    den = E[:nP, None] - E[None, nP:]
    blocks = _sw_recursion(V[:nP, :nP], V[:nP, nP:], V[nP:, nP:], lambda X: X / den, lambda j, X: X / j, order)
    out.update(blocks)
    return out


# ------------------------------------------------------------------------------------------- symbolic route
class _SparseMatrix:
    """Minimal sparse matrix of polynomial-ring elements (dict of (i, j) -> value) for the symbolic recursion."""

    __slots__ = ("shape", "data", "zero")

    def __init__(self, shape: tuple[int, int], data: dict[tuple[int, int], Any], zero: Any) -> None:
        self.shape = shape
        self.data = {k: v for k, v in data.items() if v}
        self.zero = zero

    @property
    def T(self) -> "_SparseMatrix":
        return _SparseMatrix((self.shape[1], self.shape[0]), {(j, i): v for (i, j), v in self.data.items()}, self.zero)

    def __add__(self, other: "_SparseMatrix") -> "_SparseMatrix":
        d = dict(self.data)
        for k, v in other.data.items():
            d[k] = d[k] + v if k in d else v
        return _SparseMatrix(self.shape, d, self.zero)

    def __neg__(self) -> "_SparseMatrix":
        return _SparseMatrix(self.shape, {k: -v for k, v in self.data.items()}, self.zero)

    def __sub__(self, other: "_SparseMatrix") -> "_SparseMatrix":
        return self + (-other)

    def __mul__(self, c: Any) -> "_SparseMatrix":
        return _SparseMatrix(self.shape, {k: v * c for k, v in self.data.items()}, self.zero)

    def __matmul__(self, other: "_SparseMatrix") -> "_SparseMatrix":
        rows: dict[int, list[tuple[int, Any]]] = {}
        for (k, j), v in other.data.items():
            rows.setdefault(k, []).append((j, v))
        d: dict[tuple[int, int], Any] = {}
        for (i, k), a in self.data.items():
            for j, b in rows.get(k, ()):
                key = (i, j)
                d[key] = d[key] + a * b if key in d else a * b
        return _SparseMatrix((self.shape[0], other.shape[1]), d, self.zero)


def _linear_form(key: tuple[int, int, int, int]) -> sp.Expr:
    cW, cb, cm, cR = key
    return cW * (s.Delta_ad + s.Delta_F) + cb * s.omega_b + cm * s.omega_m + cR * s.R


def _canonical_difference(p: DressedState, q: DressedState) -> tuple[tuple[int, int, int, int], int]:
    """E_p - E_q = sign * (linear form ``key``), with the first nonzero coefficient of ``key`` positive."""
    key = (p[0] - q[0], p[1] - q[1], p[2] - q[2], (p[3] - q[3]) // 2)
    first = next(c for c in key if c != 0)
    sign = 1 if first > 0 else -1
    return tuple(sign * c for c in key), sign  # type: ignore[return-value]


def _unperturbed_energy(st: DressedState) -> sp.Expr:
    """E of S16 for a dressed state, with E_+ and E_- as symbols."""
    na, nb, nm, l = st
    return na * (s.Delta_ad + s.Delta_F) + nb * s.omega_b + nm * s.omega_m + (s.E_plus if l > 0 else s.E_minus)


def _symbolic_blocks(T: DressedState, order: int) -> tuple[list[DressedState], dict[int, list[list[sp.Expr]]]]:
    """Run the recursion in a polynomial ring and return the basis and the P blocks as SymPy 2x2 lists."""
    basis = dressed_basis([P_STATE, T], _required_depth(order))
    nQ = len(basis) - 2
    lam_names = [f"lam_{k}" for k in _COUPLINGS]
    root_names = [f"r{p}" for p in _PRIMES]
    # one generator per distinct energy difference (up to sign): u_k = 1/(canonical linear form k)
    den_keys: list[tuple[int, int, int, int]] = []
    den_of: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(2):
        for j in range(nQ):
            key, sign = _canonical_difference(basis[i], basis[2 + j])
            if key not in den_keys:
                den_keys.append(key)
            den_of[(i, j)] = (den_keys.index(key), sign)
    u_names = [f"u{k}" for k in range(len(den_keys))]
    names = lam_names + ["cp", "cm"] + root_names + u_names
    Rg, *gens = ring(",".join(names), QQ)
    lam_g = dict(zip(_COUPLINGS, gens[:3]))
    cp_g, cm_g = gens[3], gens[4]
    root_g = dict(zip(_PRIMES, gens[5 : 5 + len(_PRIMES)]))
    u_g = gens[5 + len(_PRIMES) :]
    u_pq = {ij: u_g[k] * sg for ij, (k, sg) in den_of.items()}

    def sqrt_int(n: int) -> Any:
        val = Rg(1)
        m = n
        for p in _PRIMES:
            while m % (p * p) == 0:
                val *= p
                m //= p * p
            if m % p == 0:
                val *= root_g[p]
                m //= p
        if m != 1:  # pragma: no cover - occupations stay far below 13**2 for supported orders
            raise InputError(f"order: Fock occupations too high for the symbolic route ({n})")
        return val

    idx = {st: i for i, st in enumerate(basis)}
    full: dict[tuple[int, int], Any] = {}
    for i, st in enumerate(basis):
        for el in _v_elements(st):
            j = idx.get(el.bra)
            if j is None:
                continue
            val = lam_g[el.kind] * sqrt_int(el.root) * cp_g**el.cp * cm_g**el.cm * el.sign
            full[(j, i)] = full[(j, i)] + val if (j, i) in full else val
    zero = Rg(0)

    def block(rows: range, cols: range) -> _SparseMatrix:
        r0, c0 = rows.start, cols.start
        d = {(i - r0, j - c0): v for (i, j), v in full.items() if i in rows and j in cols}
        return _SparseMatrix((len(rows), len(cols)), d, zero)

    Pr, Qr = range(0, 2), range(2, 2 + nQ)
    V_pp, V_pq, V_qq = block(Pr, Pr), block(Pr, Qr), block(Qr, Qr)

    def divide(X: _SparseMatrix) -> _SparseMatrix:
        return _SparseMatrix(X.shape, {ij: v * u_pq[ij] for ij, v in X.data.items()}, zero)

    def scale(j: int, X: _SparseMatrix) -> _SparseMatrix:
        return X * QQ(1, j)

    ring_blocks = _sw_recursion(V_pp, V_pq, V_qq, divide, scale, order) if order >= 1 else {}

    # back to SymPy
    lam_syms = {"as": s.lambda_as, "ab": s.lambda_ab, "am": s.lambda_am}
    gen_exprs: list[sp.Expr] = [lam_syms[k] for k in _COUPLINGS] + [s.c_plus, s.c_minus]
    gen_exprs += [sp.sqrt(p) for p in _PRIMES]
    gen_exprs += [1 / _linear_form(key) for key in den_keys]

    def to_expr(poly: Any) -> sp.Expr:
        terms = []
        for monom, coeff in poly.terms():
            factors = [sp.Rational(int(coeff.numerator), int(coeff.denominator))]
            factors += [gen_exprs[g] ** e for g, e in enumerate(monom) if e]
            terms.append(sp.Mul(*factors))
        return sp.Add(*terms)

    out: dict[int, list[list[sp.Expr]]] = {}
    for n, pp in ring_blocks.items():
        out[n] = [[to_expr(pp.data.get((i, j), zero)) for j in range(2)] for i in range(2)]
    return basis, out


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Readable form: group the terms by coupling monomial and pull common factors out of each group.

    The input is a sum of products (numbers, couplings, c_+-, 1/(energy difference)); denominators stay factored.
    """
    if expr == 0:
        return sp.S.Zero
    lam = (s.lambda_as, s.lambda_ab, s.lambda_am)
    groups: dict[sp.Expr, list[sp.Expr]] = {}
    for term in sp.Add.make_args(expr):
        coeff, monomial = term.as_independent(*lam, as_Add=False)
        groups.setdefault(monomial, []).append(coeff)
    pieces = []
    for monomial in sorted(groups, key=sp.default_sort_key):
        coeff = sp.factor_terms(sp.Add(*groups[monomial]))
        if coeff != 0:
            pieces.append(sp.Mul(monomial, coeff))
    return sp.Add(*pieces, evaluate=False) if pieces else sp.S.Zero


@dataclass(frozen=True)
class EffectiveNumeric:
    """Lambdified pieces of an :class:`EffectiveHamiltonian` (arguments in ``ARG_ORDER``, see each ``.args``).

    Attributes
    ----------
    shift_P, shift_T, coupling
        ``{order: NumericFunction}`` of the corresponding expressions.
    detuning
        E_P - E_T of S16 (the bare resonance condition, R - n_a (Delta_ad + Delta_F) - n_b omega_b - n_m omega_m).
    """

    shift_P: dict[int, NumericFunction]
    shift_T: dict[int, NumericFunction]
    coupling: dict[int, NumericFunction]
    detuning: NumericFunction


@dataclass(frozen=True)
class EffectiveHamiltonian:
    """Effective 2x2 Hamiltonian on P = {|000+>, |n_a n_b n_m ->}, order by order (canonical Schrieffer-Wolff).

    Attributes
    ----------
    target
        ``(n_a, n_b, n_m)`` of the upper state.
    order
        Highest order derived.
    basis
        Dressed states kept (P first), the breadth-first ball of radius floor(order/2) around P.
    E_P, E_T
        Unperturbed energies of S16 (with the symbols E_+, E_-).
    shift_P, shift_T
        ``{n: expr}`` for n = 1..order: order-n diagonal element of H_eff for |000+> and for the target
        (odd orders vanish identically: V changes n_a by one).
    coupling
        ``{n: expr}``: order-n element <000+|H_eff|target> (real; its sign follows the S14 phase convention).
    g_eff_order
        Lowest order with a non-vanishing coupling (``None`` if none up to ``order``).
    seconds
        Wall time the derivation took.
    """

    target: tuple[int, int, int]
    order: int
    basis: tuple[DressedState, ...]
    E_P: sp.Expr
    E_T: sp.Expr
    shift_P: dict[int, sp.Expr]
    shift_T: dict[int, sp.Expr]
    coupling: dict[int, sp.Expr]
    g_eff_order: int | None
    seconds: float = field(default=0.0, compare=False)

    @property
    def g_eff(self) -> sp.Expr | None:
        """The super-Rabi coupling: the coupling at :attr:`g_eff_order`."""
        return None if self.g_eff_order is None else self.coupling[self.g_eff_order]

    def shift_difference(self, shift_order: int) -> sp.Expr:
        """Sum over n <= shift_order of (shift_P^(n) - shift_T^(n))."""
        return sp.Add(*(self.shift_P[n] - self.shift_T[n] for n in range(1, min(shift_order, self.order) + 1)))

    def condition(self, shift_order: int) -> sp.Expr:
        """Shifted resonance condition E_P + shifts_P - E_T - shifts_T (shifts through ``shift_order``)."""
        return (self.E_P - self.E_T) + self.shift_difference(shift_order)

    def matrix(self, order: int | None = None) -> sp.Matrix:
        """H_eff summed through ``order`` (default: all derived orders) as a 2x2 SymPy matrix."""
        K = self.order if order is None else min(order, self.order)
        g = sp.Add(*(self.coupling[n] for n in range(1, K + 1)))
        return sp.Matrix(
            [
                [self.E_P + sp.Add(*(self.shift_P[n] for n in range(1, K + 1))), g],
                [g, self.E_T + sp.Add(*(self.shift_T[n] for n in range(1, K + 1)))],
            ]
        )

    @functools.cached_property
    def _numeric(self) -> EffectiveNumeric:
        return EffectiveNumeric(
            shift_P={n: lambdify_expr(e) for n, e in self.shift_P.items()},
            shift_T={n: lambdify_expr(e) for n, e in self.shift_T.items()},
            coupling={n: lambdify_expr(e) for n, e in self.coupling.items()},
            detuning=lambdify_expr(self.E_P - self.E_T),
        )

    def numeric(self) -> EffectiveNumeric:
        """Vectorised NumPy functions of every piece (cached); see :class:`EffectiveNumeric`."""
        return self._numeric


@functools.lru_cache(maxsize=None)
def _effective_cached(target: tuple[int, int, int], order: int) -> EffectiveHamiltonian:
    t0 = time.perf_counter()
    T = target_state(target)
    basis, blocks = _symbolic_blocks(T, order)
    shift_P: dict[int, sp.Expr] = {}
    shift_T: dict[int, sp.Expr] = {}
    coupling: dict[int, sp.Expr] = {}
    g_order = None
    for n in range(1, order + 1):
        b = blocks[n]
        shift_P[n] = _tidy(b[0][0])
        shift_T[n] = _tidy(b[1][1])
        coupling[n] = _tidy(b[0][1])
        if g_order is None and coupling[n] != 0:
            g_order = n
    return EffectiveHamiltonian(
        target=tuple(T[:3]),
        order=order,
        basis=tuple(basis),
        E_P=_unperturbed_energy(P_STATE),
        E_T=_unperturbed_energy(T),
        shift_P=shift_P,
        shift_T=shift_T,
        coupling=coupling,
        g_eff_order=g_order,
        seconds=time.perf_counter() - t0,
    )


def effective_hamiltonian(target: Sequence[int] = (1, 0, 1), order: int = 4) -> EffectiveHamiltonian:
    """Derive the effective Hamiltonian on {|000+>, |target ->} through ``order`` (cached).

    Implements the quasi-degenerate (canonical Schrieffer-Wolff) expansion of Eq. (1) around the S16 ladder;
    see the module docstring for the recursion and the truncation argument.

    Parameters
    ----------
    target
        ``(n_a, n_b, n_m)``; the upper state is |n_a n_b n_m ->.
    order
        Highest order in the couplings lambda_as, lambda_ab, lambda_am (1 .. :data:`MAX_SYMBOLIC_ORDER`).
    """
    T = target_state(target)
    try:
        order_i = int(order)
    except (TypeError, ValueError):
        raise InputError(f"order: expected an integer, got {order!r}") from None
    if order_i != order or not 1 <= order_i <= MAX_SYMBOLIC_ORDER:
        raise InputError(f"order: expected an integer in 1..{MAX_SYMBOLIC_ORDER}, got {order!r}")
    return _effective_cached(tuple(T[:3]), order_i)


# --------------------------------------------------------------------------------------- numbers from params
def _g_eff_hamiltonian(target: tuple[int, int, int]) -> EffectiveHamiltonian:
    d = coupling_distance(target)
    if d > MAX_SYMBOLIC_ORDER:
        raise InputError(
            f"target: the coupling of |000+> to {state_label(target_state(target))} starts at order {d}, "
            f"above the symbolic limit {MAX_SYMBOLIC_ORDER}"
        )
    H = effective_hamiltonian(target, max(d, 4))
    if H.g_eff_order is None:  # pragma: no cover - the chains of minimal length never cancel for this V
        raise InputError(f"target: no coupling to {state_label(target_state(target))} up to order {H.order}")
    return H


def g_eff(params: Params, target: Sequence[int], direction: str, Delta_ad: float) -> float:
    """Effective super-Rabi coupling <000+|H_eff|target-> at its lowest non-vanishing order, at ``Delta_ad``.

    Third order for |101-> (prop. lambda_as^2 lambda_am) and |110-> (prop. lambda_as^2 lambda_ab). The sign follows
    the S14 phase convention; half the minimal splitting of the avoided crossing is ``abs(g_eff)``.
    """
    check_direction(direction)
    T = target_state(target)
    f = _g_eff_function(tuple(T[:3]))
    return float(f.at(params, direction, Delta_ad=float(Delta_ad)))


@functools.lru_cache(maxsize=None)
def _g_eff_function(target: tuple[int, int, int]) -> NumericFunction:
    H = _g_eff_hamiltonian(target)
    return lambdify_expr(H.coupling[int(H.g_eff_order)])  # type: ignore[arg-type]


def _bare_detuning(params: Params, T: DressedState, direction: str) -> Callable[[float], float]:
    """E_|000+> - E_|target-> of S16 as a function of Delta_ad (floats, independent of the symbolic route)."""
    na, nb, nm, _ = T
    dF = params.Delta_F_signed(direction)

    def f(x: float) -> float:
        return math.hypot(params.Delta_sa + x, 2.0 * params.xi) - na * (x + dF) - nb * params.omega_b - nm * params.omega_m

    return f


def _bracket_root(F: Callable[[float], float], x0: float, w0: float, wmax: float) -> tuple[float, float] | None:
    """Symmetric, geometrically widening bracket [x0 - w, x0 + w] with a sign change of F (None if none)."""
    f0 = F(x0)
    if f0 == 0.0:
        return (x0, x0)
    w = w0
    while w <= wmax:
        for a, b in ((x0 - w, x0), (x0, x0 + w)):
            fa, fb = F(a), F(b)
            if np.isfinite(fa) and np.isfinite(fb) and fa * fb <= 0:
                return (a, b)
        w *= 1.6
    return None


def bare_resonance(params: Params, target: Sequence[int], direction: str) -> float:
    """Root in Delta_ad of E_|000+> = E_|target-> (S16), by brentq on the unsquared condition; NaN if none.

    For n_a >= 1 the S16 difference R - n_a (Delta_ad + Delta_F) - n_b omega_b - n_m omega_m decreases strictly,
    so the root is unique when it exists (for |101->, |110-> it is S18-S22). Targets with n_a = 0 have a
    direction-independent condition with zero or two roots and are rejected (InputError).
    """
    check_direction(direction)
    T = target_state(target)
    if T[0] == 0:
        raise InputError(f"target: n_a must be >= 1 for a drive-tuned pair resonance, got {tuple(T[:3])}")
    f = _bare_detuning(params, T, direction)
    scale = max(abs(params.Delta_sa), params.xi, params.omega_b, params.omega_m, 1e-300)
    x0 = -params.Delta_sa
    br = _bracket_root(f, x0, 0.05 * scale, 1e6 * scale)
    if br is None:
        return float("nan")
    a, b = br
    if a == b:
        return a
    return float(brentq(f, a, b, xtol=1e-15 * scale, rtol=4 * np.finfo(float).eps, maxiter=500))


@functools.lru_cache(maxsize=None)
def _condition_function(target: tuple[int, int, int], shift_order: int) -> NumericFunction:
    if shift_order == 0:
        T = target_state(target)
        return lambdify_expr(_unperturbed_energy(P_STATE) - _unperturbed_energy(T))
    H = effective_hamiltonian(target, shift_order)
    return lambdify_expr(H.condition(shift_order))


def _check_shift_order(shift_order: Any, maximum: int) -> int:
    try:
        K = int(shift_order)
    except (TypeError, ValueError):
        raise InputError(f"shift_order: expected an integer, got {shift_order!r}") from None
    if K != shift_order or not 0 <= K <= maximum:
        raise InputError(f"shift_order: expected an integer in 0..{maximum}, got {shift_order!r}")
    return K


def resonance_condition_function(target: Sequence[int], shift_order: int = 4) -> NumericFunction:
    """Vectorised shifted detuning [E_P + shifts_P] - [E_T + shifts_T] (shifts through ``shift_order``).

    ``shift_order = 0`` is the S16 difference (zero at S18-S22). The function takes the arguments recorded in
    ``.args`` (canonical ``ARG_ORDER``: Delta_ad, Delta_sa, Delta_F (signed), omega_b, omega_m, lambda_as,
    lambda_ab, lambda_am, xi - the subset present) and broadcasts over arrays; ``.at(params, direction,
    Delta_ad=...)`` evaluates it for a parameter set.
    """
    T = target_state(target)
    K = _check_shift_order(shift_order, MAX_SYMBOLIC_ORDER)
    return _condition_function(tuple(T[:3]), K)


@dataclass(frozen=True)
class CorrectedResonance:
    """A pair resonance located with level shifts through ``shift_order``.

    Attributes
    ----------
    target, direction
        The transition |000+> <-> |target -> and the drive direction.
    closed_form
        Bare root of S16 (S18-S22 for the paper's targets), in the params' units.
    Delta_ad
        Root of the shifted condition E_P + shifts_P = E_T + shifts_T, in the params' units.
    shift_order
        Highest order of the level shifts included (0: the bare root).
    g_eff
        Super-Rabi coupling at ``Delta_ad`` (lowest non-vanishing order ``g_eff_order``; signed, S14 phases).
    g_eff_order
        Order of ``g_eff``.
    valid
        True when the unsquared resonance condition has a root; otherwise the numbers are NaN.
    units
        Unit of every frequency (``params.units``).
    method
        ``"symbolic"`` (lambdified series, shift_order <= MAX_SYMBOLIC_ORDER) or ``"numeric"`` (float recursion).
    """

    target: tuple[int, int, int]
    direction: str
    closed_form: float
    Delta_ad: float
    shift_order: int
    g_eff: float
    g_eff_order: int
    valid: bool
    units: str
    method: str = "symbolic"


def corrected_resonance(
    params: Params, target: Sequence[int], direction: str, shift_order: int = 4, method: str = "auto"
) -> CorrectedResonance:
    """Locate the pair resonance |000+> <-> |target -> with level shifts through ``shift_order``.

    Brentq on E_P + sum_n shift_P^(n) - E_T - sum_n shift_T^(n) (n <= shift_order), starting from a bracket
    around the bare S16 root (itself from brentq on the unsquared S16 difference).

    Parameters
    ----------
    params, target, direction
        Parameter set (any units), ``(n_a, n_b, n_m)`` with n_a >= 1, ``"left"`` or ``"right"``.
    shift_order
        0 (bare S18-S22), 2, 3 (= 2: third-order shifts vanish), 4 (default), up to
        :data:`MAX_SYMBOLIC_ORDER` with ``method="symbolic"`` or any order with ``method="numeric"``.
    method
        ``"auto"`` (symbolic when shift_order <= 4, else numeric), ``"symbolic"`` or ``"numeric"``.
    """
    check_direction(direction)
    T = target_state(target)
    tgt = tuple(T[:3])
    if method not in ("auto", "symbolic", "numeric"):
        raise InputError(f"method: expected 'auto', 'symbolic' or 'numeric', got {method!r}")
    K = _check_shift_order(shift_order, 64 if method != "symbolic" else MAX_SYMBOLIC_ORDER)
    if method == "auto":
        method = "symbolic" if K <= 4 else "numeric"
    H = _g_eff_hamiltonian(tgt)
    g_order = int(H.g_eff_order)  # type: ignore[arg-type]
    nan = float("nan")

    x0 = bare_resonance(params, tgt, direction)
    if not np.isfinite(x0):
        return CorrectedResonance(tgt, direction, nan, nan, K, nan, g_order, False, params.units, method)

    if method == "symbolic":
        fn = resonance_condition_function(tgt, K)

        def F(x: float) -> float:
            return float(fn.at(params, direction, Delta_ad=x))

    else:

        def F(x: float) -> float:
            blocks = numeric_effective_blocks(params, tgt, direction, x, K)
            h = sum(blocks[n] for n in range(0, K + 1) if n % 2 == 0)
            return float(h[0, 0] - h[1, 1])

    scale = max(abs(params.Delta_sa), params.xi, params.omega_b, params.omega_m)
    valid = True
    if K <= 1:
        root = x0
    else:
        br = _bracket_root(F, x0, 1e-3 * scale, 0.25 * scale)
        if br is None:
            valid = False
            root = nan
        else:
            a, b = br
            root = a if a == b else float(brentq(F, a, b, xtol=1e-14 * scale, rtol=4 * np.finfo(float).eps, maxiter=500))
            # a sign change across a pole of the series is not a root
            if not abs(F(root)) <= 1e-8 * scale:
                valid, root = False, nan
    if not valid:
        return CorrectedResonance(tgt, direction, x0, nan, K, nan, g_order, False, params.units, method)
    g = g_eff(params, tgt, direction, root)
    return CorrectedResonance(tgt, direction, float(x0), float(root), K, g, g_order, True, params.units, method)


@dataclass(frozen=True)
class EffectiveCrossing:
    """Avoided crossing of |000+> and |target-> from a (possibly larger) numeric effective Hamiltonian.

    Attributes
    ----------
    target, direction
        The transition and the drive direction.
    Delta_ad
        Position of the minimal splitting of the two H_eff eigenvalues carrying most of |000+> and |target->.
    g_eff
        Half the minimal splitting (>= 0): the effective coupling including every order through ``order`` and
        the level repulsion of the spectators.
    order
        Order of the float Schrieffer-Wolff recursion.
    model_space
        Labels of the model-space states (|000+>, target, spectators).
    closed_form
        Bare S16 root (S18-S22).
    valid
        False (with NaN numbers) when the resonance condition has no root.
    units
        ``params.units``.
    """

    target: tuple[int, int, int]
    direction: str
    Delta_ad: float
    g_eff: float
    order: int
    model_space: tuple[str, ...]
    closed_form: float
    valid: bool
    units: str


def effective_crossing(
    params: Params,
    target: Sequence[int],
    direction: str,
    order: int = 8,
    spectators: Iterable[Sequence[int]] = (),
    width: float | None = None,
) -> EffectiveCrossing:
    """Locate the avoided crossing |000+> <-> |target-> from the order-``order`` effective Hamiltonian.

    With the two-state model space the minimum sits where the shifted condition of :func:`corrected_resonance`
    vanishes (up to the slope of g_eff). A nearly degenerate third level makes the two-state series asymptotic
    (at ``fig1`` the partner pair state: |110-> for |101-> and vice versa, see docs/effective.md); putting it in
    ``spectators`` restores convergence order by order.

    Parameters
    ----------
    params, target, direction
        As for :func:`corrected_resonance`.
    order
        Order of the float recursion (>= 3 so that the coupling is present).
    spectators
        Extra model-space states, see :func:`numeric_effective_blocks`.
    width
        Half-width of the search window around the fourth-order corrected root (default: five crossing widths
        10 |g_eff|).

    Raises
    ------
    ConvergenceError
        If the minimum lies on the edge of the search window.
    """
    check_direction(direction)
    P = _model_space(target, spectators)
    tgt = tuple(P[1][:3])
    K = int(order)
    if K != order or K < 3:
        raise InputError(f"order: expected an integer >= 3, got {order!r}")
    labels = tuple(state_label(st_) for st_ in P)
    ref = corrected_resonance(params, tgt, direction, 4)
    nan = float("nan")
    if not ref.valid:
        return EffectiveCrossing(tgt, direction, nan, nan, K, labels, ref.closed_form, False, params.units)
    w = 10.0 * abs(ref.g_eff) if width is None else float(width)
    if not w > 0:
        raise InputError(f"width: must be > 0, got {width!r}")
    spec = list(P[2:])

    def half_splitting(x: float) -> float:
        blocks = numeric_effective_blocks(params, tgt, direction, x, K, spectators=spec)
        h = sum(blocks[n] for n in range(K + 1))
        ev, vec = np.linalg.eigh(h)
        weight = vec[0] ** 2 + vec[1] ** 2
        i, j = np.argsort(weight)[-2:]
        return 0.5 * abs(ev[i] - ev[j])

    lo, hi = ref.Delta_ad - w, ref.Delta_ad + w
    res = minimize_scalar(half_splitting, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12 * max(1.0, hi)})
    # the bounded Brent search never evaluates the bounds themselves; stopping within 1% of the window (or a few
    # sqrt(eps) of x) from an edge means the minimum is outside the window
    if min(res.x - lo, hi - res.x) < max(1e-2 * w, 1e-7 * max(1.0, abs(res.x))):
        raise ConvergenceError(
            f"effective_crossing: the minimal splitting lies on the edge of the window {lo:.6g}..{hi:.6g}; "
            f"pass a larger width"
        )
    return EffectiveCrossing(tgt, direction, float(res.x), float(res.fun), K, labels, ref.closed_form, True, params.units)


# ---------------------------------------------------------------------------------------------------- LaTeX
_PAPER_TARGETS: tuple[tuple[int, int, int], ...] = ((1, 0, 1), (1, 1, 0))
_Dt = sp.Symbol("Delta_t", real=True)
_LATEX_NAMES = {
    _Dt: r"\tilde{\Delta}",
    s.lambda_as: r"\lambda_{a\sigma}",
    s.lambda_ab: r"\lambda_{ab}",
    s.lambda_am: r"\lambda_{am}",
    s.Delta_ad: r"\Delta_{ad}",
    s.Delta_F: r"\Delta_F",
    s.omega_b: r"\omega_b",
    s.omega_m: r"\omega_m",
    s.c_plus: r"c_+",
    s.c_minus: r"c_-",
    s.R: "R",
    s.E_plus: "E_+",
    s.E_minus: "E_-",
}


def _ket_tex(st: DressedState) -> str:
    na, nb, nm, l = st
    return rf"|{na}{nb}{nm}{'+' if l > 0 else '-'}\rangle"


def _tex(expr: sp.Expr, tidy: bool = True) -> str:
    """LaTeX of an expression with Delta_ad + Delta_F written as tilde-Delta (linear forms collapse on their own)."""
    e = expr.xreplace({s.Delta_ad: _Dt - s.Delta_F})
    if tidy:
        e = _tidy(e)
    return sp.latex(e, symbol_names=_LATEX_NAMES)


def _tex_long(expr: sp.Expr, per_line: int = 3) -> str:
    """LaTeX of prefactor * (t_1 + t_2 + ...) broken after every ``per_line`` terms (for an align row)."""
    e = _tidy(expr.xreplace({s.Delta_ad: _Dt - s.Delta_F}))
    adds = [f for f in sp.Mul.make_args(e) if isinstance(f, sp.Add)]
    if len(adds) != 1:
        return sp.latex(e, symbol_names=_LATEX_NAMES)
    inner = adds[0]
    prefactor = sp.Mul(*[f for f in sp.Mul.make_args(e) if f is not inner])
    terms = sorted(sp.Add.make_args(inner), key=sp.default_sort_key)
    chunks = []
    for k in range(0, len(terms), per_line):
        part = ""
        for t in terms[k : k + per_line]:
            tex = sp.latex(t, symbol_names=_LATEX_NAMES)
            part += (" " + tex) if tex.startswith("-") else (" + " + tex if part or k else tex)
        chunks.append(part.strip())
    pre = sp.latex(prefactor, symbol_names=_LATEX_NAMES)
    return pre + r"\Big(" + r" \nonumber\\ &\qquad ".join(chunks) + r"\Big)"


def latex_section(params: Params | None = None, shift_order: int = 4) -> str:
    """LaTeX fragment: super-Rabi couplings and level shifts of the paper's pair resonances (no preamble).

    Printed for |101-> (photon-magnon) and |110-> (photon-phonon): g_eff (third order, in full), the second-order
    shifts of both states (in full), and the fourth-order shifts as the path sum that the recursion reproduces
    (the explicit fourth-order expressions run to thousands of terms; tests check the path form against it).
    With ``params`` a table follows: target, direction, closed-form (S18-S22) and corrected Delta_ad, g_eff.

    Parameters
    ----------
    params
        Parameter set for the table (optional).
    shift_order
        Order of the level shifts in the corrected resonance of the table (0..:data:`MAX_SYMBOLIC_ORDER`;
        above 4 the float recursion is used).
    """
    K = _check_shift_order(shift_order, 64)
    lines: list[str] = []
    lines.append(r"\subsection*{Effective super-Rabi couplings and level shifts}")
    lines.append(
        r"Eq.~(1) is split as $H = H_0 + V$ with $H_0$ the dressed ladder of Eq.~(S16) and "
        r"$V = \lambda_{a\sigma}(a\sigma^\dagger + a^\dagger\sigma) + \lambda_{ab}(a+a^\dagger)(b+b^\dagger) "
        r"+ \lambda_{am}(a+a^\dagger)(m+m^\dagger)$, every coupling counted as first order. The canonical "
        r"Schrieffer--Wolff transformation $e^{S}He^{-S}$ ($S$ anti-Hermitian and block off-diagonal) "
        r"block-diagonalises $H$ with respect to $P=\{|000+\rangle, |n_a n_b n_m -\rangle\}$; only energy "
        r"differences $\Delta_{pk}\equiv E_p - E_k$ between a state $p\in P$ and a state $k\notin P$ appear. "
        r"Notation: $\tilde{\Delta}\equiv\Delta_{ad}+\Delta_F$ (signed Fizeau shift), "
        r"$R = E_+ - E_- = \sqrt{(\Delta_{\sigma a}+\Delta_{ad})^2+4\xi^2}$, $c_\pm$ of Eq.~(S15). "
        r"Since every term of $V$ changes $n_a$ by one, the diagonal elements have even orders only "
        r"(third-order shifts vanish identically) and the coupling odd orders only."
    )
    lines.append("")
    for tgt in _PAPER_TARGETS:
        H = effective_hamiltonian(tgt, 4)
        T = target_state(tgt)
        lines.append(rf"\paragraph{{Target ${_ket_tex(T)}$.}}")
        lines.append(r"\begin{align}")
        lines.append(
            rf"g_{{\mathrm{{eff}}}} &= \langle 000+|H_{{\mathrm{{eff}}}}^{{(3)}}|{tgt[0]}{tgt[1]}{tgt[2]}-\rangle"
            rf" = {_tex_long(H.coupling[3])},\\"
        )
        lines.append(rf"\delta^{{(2)}}_{{000+}} &= {_tex(H.shift_P[2])},\\")
        lines.append(rf"\delta^{{(2)}}_{{{tgt[0]}{tgt[1]}{tgt[2]}-}} &= {_tex(H.shift_T[2])}.")
        lines.append(r"\end{align}")
        lines.append(
            r"The resonance condition through fourth order is "
            rf"${_tex(s.R - (H.E_T - s.E_minus), tidy=False)} + \delta^{{(2)}}_{{000+}} + \delta^{{(4)}}_{{000+}}"
            rf" - \delta^{{(2)}}_{{{tgt[0]}{tgt[1]}{tgt[2]}-}} - \delta^{{(4)}}_{{{tgt[0]}{tgt[1]}{tgt[2]}-}} = 0$ "
            rf"(the basis of intermediate states within two applications of $V$ holds {len(H.basis)} states)."
        )
        lines.append("")
    lines.append(
        r"Fourth-order shifts (for either state $p\in P$; $k, l, m$ run over states outside $P$, and "
        r"$V_{kl} = \langle k|V|l\rangle$ in the dressed basis of Eq.~(S14)):"
    )
    lines.append(r"\begin{equation}")
    lines.append(
        r"\delta^{(4)}_p = \sum_{k,l,m\notin P}\frac{V_{pk}V_{kl}V_{lm}V_{mp}}{\Delta_{pk}\Delta_{pl}\Delta_{pm}}"
        r" - \delta^{(2)}_p\sum_{k\notin P}\frac{|V_{pk}|^2}{\Delta_{pk}^2},\qquad"
        r"\delta^{(2)}_p = \sum_{k\notin P}\frac{|V_{pk}|^2}{\Delta_{pk}},"
    )
    lines.append(r"\end{equation}")
    lines.append(
        r"and the third-order coupling is "
        r"$g_{\mathrm{eff}} = \frac12\sum_{k,l\notin P} V_{pk}V_{kl}V_{lt}"
        r"\left(\frac{1}{\Delta_{pk}\Delta_{pl}} + \frac{1}{\Delta_{tk}\Delta_{tl}}\right)$ with $p=|000+\rangle$, "
        r"$t$ the target. (With no coupling inside $P$ at orders one and two, these are the canonical "
        r"Schrieffer--Wolff elements; the explicit fourth-order expressions have thousands of terms.)"
    )
    if params is not None:
        lines.append("")
        unit = r"$\omega_b$" if params.units == "omega_b" else "GHz"
        lines.append(r"\begin{table}[h]")
        lines.append(r"\centering")
        lines.append(r"\begin{tabular}{llrrr}")
        lines.append(r"\hline")
        lines.append(
            rf"target & drive & $\Delta_{{ad}}$ (S18--S22) & $\Delta_{{ad}}$ (shifts to order {K}) & "
            r"$g_{\mathrm{eff}}$ \\"
        )
        lines.append(r"\hline")
        for tgt in _PAPER_TARGETS:
            for direction in ("left", "right"):
                res = corrected_resonance(params, tgt, direction, K)
                if res.valid:
                    row = f"{res.closed_form:.6f} & {res.Delta_ad:.6f} & {res.g_eff:.4e}"
                else:
                    row = r"-- & -- & --"
                lines.append(rf"${_ket_tex(target_state(tgt))}$ & {direction} & {row} \\")
        lines.append(r"\hline")
        lines.append(r"\end{tabular}")
        lines.append(
            rf"\caption{{Pair resonances $|000+\rangle\leftrightarrow$ target: closed forms (S18--S22) and the roots "
            rf"of the shifted condition; $g_{{\mathrm{{eff}}}}$ at the corrected root (sign from the phases of "
            rf"Eq.~(S14)). Frequencies in {unit} (preset \texttt{{{params.preset}}}).}}"
        )
        lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
