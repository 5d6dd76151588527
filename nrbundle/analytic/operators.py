"""Non-commutative operator algebra of the model: boson, two-level-atom and density-operator symbols, normal ordering.

The operators are non-commuting SymPy symbols (:data:`OPS`): the optical, mechanical and magnon modes ``a, b, m``,
their fluctuations ``delta a, delta b, delta m`` (same modes: ``[a, delta a^dag] = 1``), the atomic lowering
operator ``sigma = |g><e|`` and the density operator ``rho``. Every comparison of operator expressions goes through
one canonical form, :func:`normal_order`:

* bosons: ``[o, o'^dag] = delta_{o o'}`` (a mode and its fluctuation share the commutator), creation operators
  left of annihilation operators, modes in the order ``(a, b, m)``;
* the atom commutes with the bosons; a product of atom operators is reduced with the two-level algebra
  ``sigma^2 = 0``, ``sigma sigma^dag = 1 - sigma^dag sigma`` to the basis ``{1, sigma^dag sigma, sigma^dag, sigma}``;
* ``rho`` commutes with nothing: each side of it is ordered separately (superoperator terms ``X rho Y``).

Two expressions are equal as operators iff ``normal_order(A - B) == 0``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sympy as sp

__all__ = [
    "OperatorSymbol",
    "Operators",
    "OPS",
    "normal_order",
    "dagger",
    "commutator",
    "is_zero_operator",
    "operator_word",
    "fluctuation_order",
    "excitation_charge",
    "has_atom",
    "atom_part",
    "collect_operators",
    "rho_sides",
]


# --------------------------------------------------------------------------- operator symbols
class OperatorSymbol(sp.Symbol):
    """A non-commuting operator symbol that prints itself in LaTeX with its dagger (e.g. ``a^{\\dagger}``)."""

    def _latex(self, printer: Any) -> str:
        return _OP_LATEX.get(self.name, self.name)


@dataclass(frozen=True)
class _OpInfo:
    kind: str  # "boson", "atom" or "state"
    mode: str  # mode key (bosons sharing a key obey [o, o'^dag] = 1); "atom"; "rho"
    creation: bool
    fluctuation: bool


_OP_INFO: dict[sp.Symbol, _OpInfo] = {}
_OP_LATEX: dict[str, str] = {}
_PARTNER: dict[sp.Symbol, sp.Symbol] = {}


def _make_pair(
    name: str, latex: str, kind: str, mode: str, fluctuation: bool = False
) -> tuple[OperatorSymbol, OperatorSymbol]:
    op = OperatorSymbol(name, commutative=False)
    opd = OperatorSymbol(name + "_dag", commutative=False)
    _OP_LATEX[op.name] = latex
    _OP_LATEX[opd.name] = latex + r"^{\dagger}"
    _OP_INFO[op] = _OpInfo(kind, mode, False, fluctuation)
    _OP_INFO[opd] = _OpInfo(kind, mode, True, fluctuation)
    _PARTNER[op] = opd
    _PARTNER[opd] = op
    return op, opd


@dataclass(frozen=True)
class Operators:
    """The operator symbols of the derivation (non-commutative).

    ``a, b, m`` are the optical, mechanical (phonon) and magnon annihilation operators, ``da, db, dm`` their
    fluctuations ``delta a`` etc. (same mode keys: ``[a, delta a^dag] = 1``), ``sigma = |g><e|`` the atomic
    lowering operator, ``rho`` the density operator (commutes with nothing). ``*_dag`` are the adjoints.
    """

    a: OperatorSymbol
    a_dag: OperatorSymbol
    b: OperatorSymbol
    b_dag: OperatorSymbol
    m: OperatorSymbol
    m_dag: OperatorSymbol
    da: OperatorSymbol
    da_dag: OperatorSymbol
    db: OperatorSymbol
    db_dag: OperatorSymbol
    dm: OperatorSymbol
    dm_dag: OperatorSymbol
    sigma: OperatorSymbol
    sigma_dag: OperatorSymbol
    rho: OperatorSymbol


def _build_ops() -> Operators:
    a, ad = _make_pair("a", "a", "boson", "a")
    b, bd = _make_pair("b", "b", "boson", "b")
    m, md = _make_pair("m", "m", "boson", "m")
    da, dad = _make_pair("delta_a", r"\delta a", "boson", "a", fluctuation=True)
    db, dbd = _make_pair("delta_b", r"\delta b", "boson", "b", fluctuation=True)
    dm, dmd = _make_pair("delta_m", r"\delta m", "boson", "m", fluctuation=True)
    sg, sgd = _make_pair("sigma", r"\sigma", "atom", "atom")
    rho = OperatorSymbol("rho", commutative=False)
    _OP_LATEX["rho"] = r"\rho"
    _OP_INFO[rho] = _OpInfo("state", "rho", False, False)
    return Operators(a, ad, b, bd, m, md, da, dad, db, dbd, dm, dmd, sg, sgd, rho)


#: The operator symbols used throughout the analytic layer.
OPS: Operators = _build_ops()


# --------------------------------------------------------------------------- words and normal ordering
def _word(nc_factors: Iterable[sp.Expr]) -> tuple[sp.Symbol, ...]:
    out: list[sp.Symbol] = []
    for f in nc_factors:
        if isinstance(f, sp.Pow) and f.exp.is_Integer and f.exp > 0 and f.base in _OP_INFO:
            out.extend([f.base] * int(f.exp))
        elif f in _OP_INFO:
            out.append(f)
        else:
            raise TypeError(f"unknown non-commutative factor {f!r}")
    return tuple(out)


def _boson_key(op: sp.Symbol) -> tuple[int, str, str]:
    info = _OP_INFO[op]
    return (0 if info.creation else 1, info.mode, op.name)


@functools.cache
def _order_bosons(word: tuple[sp.Symbol, ...]) -> tuple[tuple[tuple[sp.Symbol, ...], int], ...]:
    """Normal-order a word of boson operators: creation left of annihilation, modes sorted.

    Returns ``((word, coefficient), ...)``; uses ``[o, o'^dag] = 1`` for operators of the same mode key.
    """
    for i in range(len(word) - 1):
        x, y = word[i], word[i + 1]
        if _boson_key(x) > _boson_key(y):
            acc: dict[tuple[sp.Symbol, ...], int] = {}
            swapped = word[:i] + (y, x) + word[i + 2 :]
            for w, c in _order_bosons(swapped):
                acc[w] = acc.get(w, 0) + c
            ix, iy = _OP_INFO[x], _OP_INFO[y]
            if ix.mode == iy.mode and not ix.creation and iy.creation:
                for w, c in _order_bosons(word[:i] + word[i + 2 :]):
                    acc[w] = acc.get(w, 0) + c
            return tuple((w, c) for w, c in acc.items() if c != 0)
    return ((word, 1),)


def _atom_matrix(op: sp.Symbol) -> sp.Matrix:
    # basis (e, g): sigma = |g><e| has its 1 in row g (1), column e (0)
    if op == OPS.sigma:
        return sp.Matrix([[0, 0], [1, 0]])
    return sp.Matrix([[0, 1], [0, 0]])


def _reduce_atom(word: tuple[sp.Symbol, ...]) -> sp.Expr:
    """Reduce a product of atom operators to the basis {1, sigma^dag sigma, sigma^dag, sigma}."""
    if not word:
        return sp.Integer(1)
    M = sp.eye(2)
    for op in word:
        M = M * _atom_matrix(op)
    ee, eg, ge, gg = M[0, 0], M[0, 1], M[1, 0], M[1, 1]
    sd, sg = OPS.sigma_dag, OPS.sigma
    return gg + (ee - gg) * sd * sg + eg * sd + ge * sg


def _order_segment(word: tuple[sp.Symbol, ...]) -> sp.Expr:
    bosons = tuple(op for op in word if _OP_INFO[op].kind == "boson")
    atoms = tuple(op for op in word if _OP_INFO[op].kind == "atom")
    atom_expr = _reduce_atom(atoms)
    return sp.Add(*[c * sp.Mul(*w) * atom_expr for w, c in _order_bosons(bosons)])


@functools.cache
def _order_word(word: tuple[sp.Symbol, ...]) -> sp.Expr:
    segments: list[list[sp.Symbol]] = [[]]
    for op in word:
        if _OP_INFO[op].kind == "state":
            segments.append([])
        else:
            segments[-1].append(op)
    parts: list[sp.Expr] = []
    for k, seg in enumerate(segments):
        if k:
            parts.append(OPS.rho)
        parts.append(_order_segment(tuple(seg)))
    return sp.expand(sp.Mul(*parts))


def normal_order(expr: sp.Expr) -> sp.Expr:
    """Canonical normal-ordered form of an operator expression.

    Bosons: creation operators left of annihilation operators, modes in the order (a, b, m), using
    ``[o, o^dag] = 1`` (a mode and its fluctuation ``delta o`` share the commutator). Bosons commute with the
    atom. Atom words are reduced with the two-level algebra (``sigma^2 = 0``, ``sigma sigma^dag = 1 -
    sigma^dag sigma``, basis ``{1, sigma^dag sigma, sigma^dag, sigma}``). The density operator ``rho`` commutes
    with nothing: each side of it is ordered separately. Two expressions are equal as operators iff their
    normal-ordered forms are equal, so ``normal_order(A - B) == 0`` proves ``A = B``.
    """
    e = sp.expand(sp.sympify(expr))
    out: list[sp.Expr] = []
    for term in sp.Add.make_args(e):
        if term.is_commutative:
            out.append(term)
            continue
        c_part, nc_part = term.args_cnc()
        out.append(sp.Mul(*c_part) * _order_word(_word(nc_part)))
    return sp.expand(sp.Add(*out))


def dagger(expr: sp.Expr) -> sp.Expr:
    """Hermitian adjoint ``(c A B)^dag = c^* B^dag A^dag``: reverses products, daggers operators, conjugates numbers."""
    e = sp.sympify(expr)
    if e.is_Add:
        return sp.Add(*[dagger(x) for x in e.args])
    if e.is_Mul:
        c_part, nc_part = e.args_cnc()
        return sp.Mul(*[sp.conjugate(x) for x in c_part]) * sp.Mul(*[dagger(x) for x in reversed(nc_part)])
    if e.is_Pow and not e.is_commutative:
        return dagger(e.base) ** e.exp
    if e in _PARTNER:
        return _PARTNER[e]
    if e == OPS.rho:
        return e
    if e.is_commutative:
        return sp.conjugate(e)
    raise TypeError(f"cannot take the adjoint of {e!r}")


def commutator(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """``[x, y] = x y - y x`` in normal-ordered form."""
    return normal_order(x * y - y * x)


def collect_operators(expr: sp.Expr) -> dict[sp.Expr, sp.Expr]:
    """Map each operator monomial of the normal-ordered ``expr`` to its c-number coefficient (1 for c-numbers)."""
    out: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(normal_order(expr)):
        if term.is_commutative:
            key: sp.Expr = sp.Integer(1)
            coeff = term
        else:
            c_part, nc_part = term.args_cnc()
            key, coeff = sp.Mul(*nc_part), sp.Mul(*c_part)
        out[key] = out.get(key, sp.Integer(0)) + coeff
    return {k: v for k, v in out.items() if v != 0}


def is_zero_operator(expr: sp.Expr) -> bool:
    """``True`` iff every coefficient of the normal-ordered ``expr`` simplifies to zero (``expr = 0`` as operator)."""
    return all(sp.simplify(c) == 0 for c in collect_operators(expr).values())


# --------------------------------------------------------------------------- monomials
def operator_word(term: sp.Expr) -> tuple[sp.Symbol, ...]:
    """The operator factors of a monomial, left to right, powers expanded (``()`` for a c-number)."""
    if term.is_commutative:
        return ()
    return _word(term.args_cnc()[1])


def fluctuation_order(term: sp.Expr) -> int:
    """Number of bosonic fluctuation operators (``delta a``, ``delta b^dag``, ...) in a monomial."""
    return sum(1 for op in operator_word(term) if _OP_INFO[op].fluctuation)


def excitation_charge(term: sp.Expr, modes: Iterable[str]) -> int:
    """``q`` with ``[N, T] = q T`` for ``N`` the number operator of ``modes`` (e.g. ``("a", "atom")``).

    ``q`` = (number of creation operators) - (number of annihilation operators) of those modes in the monomial.
    """
    keys = set(modes)
    return sum((1 if _OP_INFO[op].creation else -1) for op in operator_word(term) if _OP_INFO[op].mode in keys)


def has_atom(term: sp.Expr) -> bool:
    """``True`` if the monomial contains ``sigma`` or ``sigma^dag``."""
    return any(_OP_INFO[op].kind == "atom" for op in operator_word(term))


def _has_boson(term: sp.Expr) -> bool:
    return any(_OP_INFO[op].kind == "boson" for op in operator_word(term))


def atom_part(expr: sp.Expr) -> sp.Expr:
    """Sum of the monomials of ``expr`` (normal-ordered) that contain atom operators only (S12 from S11)."""
    e = normal_order(expr)
    return sp.Add(*[x for x in sp.Add.make_args(e) if has_atom(x) and not _has_boson(x)])


def rho_sides(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Split a superoperator expression (one ``rho`` per term) as ``A rho + rho B + rest``.

    Returns ``(A, B, rest)``; ``rest`` holds the sandwich terms ``X rho Y`` with operators on both sides.
    """
    A, B, rest = [], [], []
    for term in sp.Add.make_args(sp.expand(expr)):
        c_part, nc_part = term.args_cnc()
        word = _word(nc_part)
        k = word.index(OPS.rho)
        left, right = word[:k], word[k + 1 :]
        c = sp.Mul(*c_part)
        if not right:
            A.append(c * sp.Mul(*left))
        elif not left:
            B.append(c * sp.Mul(*right))
        else:
            rest.append(term)
    return sp.Add(*A), sp.Add(*B), sp.Add(*rest)
