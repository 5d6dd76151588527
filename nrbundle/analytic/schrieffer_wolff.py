"""The canonical Schrieffer-Wolff recursion and the effective Hamiltonian it gives on {|000+>, |n_a n_b n_m ->}.

The dressed-state energies of S16 ignore the Jaynes-Cummings and linear couplings. This module restores them
order by order: Eq. (1) = H0 + V in the dressed basis of :mod:`nrbundle.analytic.dressed_states`, every coupling
counted as first order. For the model space P = {|000+>, |n_a n_b n_m ->} the canonical Schrieffer-Wolff
transformation H' = exp(S) H exp(-S), with S = S_1 + S_2 + ... anti-Hermitian and block off-diagonal (P <-> Q),
makes H' block diagonal; its P block, order by order, is the effective Hamiltonian

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

Two routes run the same recursion (:func:`_sw_recursion`). The symbolic route (:func:`symbolic_blocks`,
:func:`effective_hamiltonian`) works in a polynomial ring: the couplings, c_+, c_-, square roots of primes and one
generator u_pq = 1/(E_p - E_q) per P-Q pair are the generators, so the algebra is exact and fast; the result is
turned into SymPy expressions in Delta_ad, Delta_F (signed), omega_b, omega_m, R, lambda_*, c_+, c_- at the end.
The float route (:func:`numeric_effective_blocks`) reaches any order and larger model spaces numerically.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.rings import ring

from ..errors import InputError
from ..params import Params, check_direction
from . import symbols as s
from .dressed_states import (
    COUPLINGS,
    P_STATE,
    DressedState,
    basis_radius,
    dressed_basis,
    dressed_matrices,
    model_space,
    perturbation_elements,
    target_state,
    unperturbed_energy,
)
from .numeric_bridge import NumericFunction, lambdify_expr, parameter_values

__all__ = [
    "MAX_SYMBOLIC_ORDER",
    "EffectiveHamiltonian",
    "EffectiveNumeric",
    "effective_hamiltonian",
    "symbolic_blocks",
    "numeric_effective_blocks",
    "group_by_coupling",
]

#: Highest order :func:`effective_hamiltonian` derives symbolically (higher orders: :func:`numeric_effective_blocks`).
MAX_SYMBOLIC_ORDER = 6

_PRIMES = (2, 3, 5, 7, 11, 13)


# ---------------------------------------------------------------------------------- the recursion (generic)
def _sw_recursion(
    V_pp: Any,
    V_pq: Any,
    V_qq: Any,
    divide: Callable[[Any], Any],
    scale: Callable[[int, Any], Any],
    order: int,
) -> dict[int, Any]:
    """Canonical Schrieffer-Wolff recursion; returns the P block of H' = e^S H e^-S for orders 1..order.

    With ``A_j^(n)`` the order-n part of ``ad_S^j(H)/j!`` and ``R_n`` the order-n part of H' from S_1 ... S_{n-1}:
    ``S_n[p, q] = R_n[p, q] / (E_p - E_q)``, ``H_eff^(n) = R_n[P, P]``,
    ``A_j^(n) = (1/j) sum_k [S_k, A_{j-1}^(n-k)]``, ``A_1^(n) = [S_n, H0] + [S_{n-1}, V]``,
    ``[S_n, H0]_PQ = -R_n,PQ``.

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
        return tuple(None if (x is None or y is None) else x + y for x, y in zip(X, Y, strict=True))

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


# ------------------------------------------------------------------------------------ float route
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
    P = model_space(target, spectators)
    order = int(order)
    if order < 0:
        raise InputError(f"order: must be >= 0, got {order}")
    nP = len(P)
    vals = parameter_values(params, direction)
    basis = _cached_basis(P, basis_radius(order) if depth is None else int(depth))
    E, V = dressed_matrices(vals, float(Delta_ad), basis)
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
    def T(self) -> _SparseMatrix:
        return _SparseMatrix((self.shape[1], self.shape[0]), {(j, i): v for (i, j), v in self.data.items()}, self.zero)

    def __add__(self, other: _SparseMatrix) -> _SparseMatrix:
        d = dict(self.data)
        for k, v in other.data.items():
            d[k] = d[k] + v if k in d else v
        return _SparseMatrix(self.shape, d, self.zero)

    def __neg__(self) -> _SparseMatrix:
        return _SparseMatrix(self.shape, {k: -v for k, v in self.data.items()}, self.zero)

    def __sub__(self, other: _SparseMatrix) -> _SparseMatrix:
        return self + (-other)

    def __mul__(self, c: Any) -> _SparseMatrix:
        return _SparseMatrix(self.shape, {k: v * c for k, v in self.data.items()}, self.zero)

    def __matmul__(self, other: _SparseMatrix) -> _SparseMatrix:
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


def symbolic_blocks(T: DressedState, order: int) -> tuple[list[DressedState], dict[int, list[list[sp.Expr]]]]:
    """The P blocks of the canonical Schrieffer-Wolff H_eff on {|000+>, T}, orders 1..order, exact.

    Runs :func:`_sw_recursion` (``S_n[p, q] = R_n[p, q] / (E_p - E_q)``, ``H_eff^(n) = R_n[P, P]``) in a
    polynomial ring over QQ (generators: the couplings, c_+-, square roots of primes, one ``u = 1/(E_p - E_q)``
    per distinct P-Q energy difference) on the dressed basis of radius floor(order/2) around P.

    Returns
    -------
    tuple
        The basis (P first) and ``{n: [[H_PP, H_PT], [H_TP, H_TT]]}`` as SymPy expressions in Delta_ad, Delta_F
        (signed), omega_b, omega_m, R, lambda_*, c_+, c_-.
    """
    basis = dressed_basis([P_STATE, T], basis_radius(order))
    nQ = len(basis) - 2
    lam_names = [f"lam_{k}" for k in COUPLINGS]
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
    lam_g = dict(zip(COUPLINGS, gens[:3], strict=True))
    cp_g, cm_g = gens[3], gens[4]
    root_g = dict(zip(_PRIMES, gens[5 : 5 + len(_PRIMES)], strict=True))
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
        for el in perturbation_elements(st):
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
    gen_exprs: list[sp.Expr] = [lam_syms[k] for k in COUPLINGS] + [s.c_plus, s.c_minus]
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


def group_by_coupling(expr: sp.Expr) -> sp.Expr:
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


@functools.cache
def _effective_cached(target: tuple[int, int, int], order: int) -> EffectiveHamiltonian:
    t0 = time.perf_counter()
    T = target_state(target)
    basis, blocks = symbolic_blocks(T, order)
    shift_P: dict[int, sp.Expr] = {}
    shift_T: dict[int, sp.Expr] = {}
    coupling: dict[int, sp.Expr] = {}
    g_order = None
    for n in range(1, order + 1):
        b = blocks[n]
        shift_P[n] = group_by_coupling(b[0][0])
        shift_T[n] = group_by_coupling(b[1][1])
        coupling[n] = group_by_coupling(b[0][1])
        if g_order is None and coupling[n] != 0:
            g_order = n
    return EffectiveHamiltonian(
        target=tuple(T[:3]),
        order=order,
        basis=tuple(basis),
        E_P=unperturbed_energy(P_STATE),
        E_T=unperturbed_energy(T),
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

