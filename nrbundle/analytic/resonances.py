"""Multiquanta resonance conditions (S16-S22), solved by SymPy for any target state.

The ladder energies of S16 are built from the derived pieces: the free part of Eq. (1) (coefficients of
``a^dag a``, ``b^dag b``, ``m^dag m``) plus the dressed-atom eigenvalues of S13. The resonance
``E(|000+>) = E(|n_a n_b n_m ->)`` reads (S17, S20 for the paper's cases)

    n_a (Delta_ad + Delta_F) + n_b omega_b + n_m omega_m - R(Delta_ad) = 0,  R = sqrt((Delta_sa + Delta_ad)^2 + 4 xi^2),

because ``E_+ - E_- = R``. It is squared and solved for ``Delta_ad``; a root of the squared equation is a
resonance only if the left-hand side ``u = n_a (Delta_ad + Delta_F) + n_b omega_b + n_m omega_m`` is positive
there (``u = +R``, not ``-R``). Structure of the solutions (proved by the sign analysis in :func:`solve_resonance`):

* ``n_a = 0``: ``u`` is a positive constant; two resonances ``Delta_ad = -Delta_sa +- sqrt(u^2 - 4 xi^2)``,
  real iff ``u >= 2 xi``.
* ``n_a = 1``: the squared equation is linear (S18, S19, S21, S22); its root is a resonance iff
  ``n_b omega_b + n_m omega_m + Delta_F - Delta_sa > 0``.
* ``n_a >= 2``: two roots; exactly one has ``u > 0``, the other (``u = -R``) is extraneous and rejected.

Sign convention: left drive ``Delta_F = +|Delta_F|``, right drive ``Delta_F = -|Delta_F|``. Targets are validated
by :func:`nrbundle.params.parse_target`; the paper's four transitions (S18, S19, S21, S22) are the records of
:data:`nrbundle.transitions.PAPER_TRANSITIONS`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import sympy as sp

from ..errors import InputError
from ..params import Params, check_direction, fizeau_sign, parse_target
from ..transitions import paper_transition
from . import symbols as s
from .dressed import dressed_atom
from .linearization import derive_linearization
from .numeric_bridge import NumericFunction, lambdify_expr
from .operators import OPS, collect_operators

__all__ = [
    "ResonanceSolution",
    "OrangeCoincidence",
    "ladder_energy",
    "ladder_energy_general",
    "n_a",
    "n_b",
    "n_m",
    "solve_resonance",
    "closed_form",
    "closed_form_function",
    "prove_orange_coincidence",
    "normalise_counts",
]


@dataclass(frozen=True)
class ResonanceSolution:
    """Solution of ``E(|000+>) = E(|target ->)`` for Delta_ad (S16-S22).

    Attributes
    ----------
    target
        ``(n_a, n_b, n_m)``.
    direction
        ``"left"``, ``"right"`` (Delta_F replaced by +-|Delta_F|) or ``None`` (signed ``Delta_F`` kept).
    solutions
        The resonant values of Delta_ad (roots of the squared condition with ``u > 0``, or whose sign could not
        be decided and is stated in ``condition``), lowest branch first.
    condition
        When the listed solutions exist and are resonances (SymPy boolean; ``True`` if always).
    paper_equation
        ``"S18"``, ``"S19"``, ``"S21"``, ``"S22"`` for the paper's four transitions, else ``None``.
    rejected
        Roots of the squared condition that are extraneous (``u = -R < 0`` proved).
    unsquared
        ``u - R`` as an expression in Delta_ad (S17, S20): zero at a resonance.
    squared
        ``u^2 - R^2`` (the polynomial that was solved).
    lhs
        ``u`` as an expression in Delta_ad.
    """

    target: tuple[int, int, int]
    direction: str | None
    solutions: tuple[sp.Expr, ...]
    condition: sp.Basic
    paper_equation: str | None
    rejected: tuple[sp.Expr, ...]
    unsquared: sp.Expr
    squared: sp.Expr
    lhs: sp.Expr


@dataclass(frozen=True)
class OrangeCoincidence:
    """Proof that S19 (|101->, right) and S21 (|110->, left) coincide iff omega_m - omega_b = 2|Delta_F|.

    Attributes
    ----------
    difference
        S19 - S21, factored.
    factor
        ``omega_m - omega_b - 2|Delta_F|``.
    cofactor
        ``difference / factor``.
    assumptions
        The existence conditions of the two resonances (from :func:`solve_resonance`).
    cofactor_sign
        -1 or +1: the sign of the cofactor, proved under ``assumptions`` (so it never vanishes).
    cofactor_in_margins
        The cofactor in the positive margins ``p_m``, ``p_b`` of the two existence conditions.
    margins
        ``{p_m: omega_m - |Delta_F| - Delta_sa, p_b: omega_b + |Delta_F| - Delta_sa}``.
    statement
        ``Equivalent(Eq(S19, S21), Eq(omega_m - omega_b, 2|Delta_F|))``.
    proven
        ``difference == factor * cofactor`` identically and the cofactor has a definite sign.
    """

    difference: sp.Expr
    factor: sp.Expr
    cofactor: sp.Expr
    assumptions: sp.Basic
    cofactor_sign: int
    statement: sp.Basic
    proven: bool
    cofactor_in_margins: sp.Expr
    margins: Mapping[sp.Symbol, sp.Expr]


# --------------------------------------------------------------------------- helpers
def _is_positive(expr: sp.Expr, depth: int = 0) -> bool:
    """Prove ``expr > 0`` from the symbol assumptions (``True`` only if proved).

    Tries SymPy's assumptions, then factors, then (for a polynomial of degree 2 in some symbol with positive
    leading coefficient) a negative discriminant.
    """
    e = sp.factor(sp.together(sp.sympify(expr)))
    if e.is_positive:
        return True
    if depth > 3:
        return False
    num, den = sp.fraction(e)
    if den != 1:
        return (_is_positive(num, depth + 1) and _is_positive(den, depth + 1)) or (
            _is_negative(num, depth + 1) and _is_negative(den, depth + 1)
        )
    factors = sp.Mul.make_args(num)
    if len(factors) > 1:
        neg = 0
        for f in factors:
            if _is_positive(f, depth + 1):
                continue
            if _is_negative(f, depth + 1):
                neg += 1
                continue
            return False
        return neg % 2 == 0
    ex = sp.expand(num)
    for x in sorted(ex.free_symbols, key=lambda z: z.name):
        poly = sp.Poly(ex, x)
        if poly.degree() == 2:
            a, b, c = poly.all_coeffs()
            if _is_positive(a, depth + 1) and _is_negative(sp.expand(b**2 - 4 * a * c), depth + 1):
                return True
    return False


def _is_negative(expr: sp.Expr, depth: int = 0) -> bool:
    return _is_positive(-sp.sympify(expr), depth)


def _sign_condition(expr: sp.Expr, strict: bool = True) -> sp.Basic:
    """``expr > 0`` (or ``>= 0``) with provably positive factors removed and negative ones flipping the sense."""
    e = sp.factor(sp.together(expr))
    if _is_positive(e):
        return sp.true
    if _is_negative(e):
        return sp.false
    num, den = sp.fraction(e)
    keep: list[sp.Expr] = []
    flips = 0
    for f in sp.Mul.make_args(num) + sp.Mul.make_args(den):
        if _is_positive(f):
            continue
        if _is_negative(f):
            flips += 1
            continue
        keep.append(f)
    body = sp.Mul(*keep)
    if flips % 2:
        body = -body
    content, body = sp.expand(body).as_content_primitive()
    if content < 0:
        body = -body
    return sp.StrictGreaterThan(body, 0) if strict else sp.GreaterThan(body, 0)


@functools.lru_cache(maxsize=1)
def _free_coefficients() -> dict[str, sp.Expr]:
    coeffs = collect_operators(derive_linearization().H_final)
    o = OPS
    return {
        "a": coeffs[o.a_dag * o.a],
        "b": coeffs[o.b_dag * o.b],
        "m": coeffs[o.m_dag * o.m],
    }


def ladder_energy(n_a: int, n_b: int, n_m: int, label: str) -> sp.Expr:
    """Energy of the dressed ladder state ``|n_a n_b n_m label>`` (S16), ``label`` in ``"+"``, ``"-"``.

    The free frequencies are the coefficients of ``a^dag a``, ``b^dag b``, ``m^dag m`` in the derived Eq. (1)
    (``Delta_ad + Delta_F``, ``omega_b``, ``omega_m``; ``Delta_F`` signed), the atomic part the dressed
    eigenvalue of S13. The JC and linear couplings are ignored, as in S16.
    """
    n = normalise_counts(n_a, n_b, n_m)
    if label not in ("+", "-"):
        raise InputError(f"label: expected '+' or '-' (dressed states of S14), got {label!r}")
    free = _free_coefficients()
    atom = dressed_atom()
    E_atom = atom.E_plus if label == "+" else atom.E_minus
    return n[0] * free["a"] + n[1] * free["b"] + n[2] * free["m"] + E_atom


#: Symbolic occupation numbers for :func:`ladder_energy_general`.
n_a, n_b, n_m = sp.symbols("n_a n_b n_m", integer=True, nonnegative=True)


def ladder_energy_general(label: str) -> sp.Expr:
    """S16 with symbolic occupation numbers :data:`n_a`, :data:`n_b`, :data:`n_m` (``label`` ``"+"``/``"-"``)."""
    if label not in ("+", "-"):
        raise InputError(f"label: expected '+' or '-' (dressed states of S14), got {label!r}")
    free = _free_coefficients()
    atom = dressed_atom()
    E_atom = atom.E_plus if label == "+" else atom.E_minus
    return n_a * free["a"] + n_b * free["b"] + n_m * free["m"] + E_atom


def normalise_counts(n_a: int, n_b: int, n_m: int) -> tuple[int, int, int]:
    """Validate three occupation numbers (non-negative ints; all zero allowed)."""
    out = []
    for name, v in (("n_a", n_a), ("n_b", n_b), ("n_m", n_m)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise InputError(f"{name}: expected a non-negative integer, got {v!r}")
        out.append(int(v))
    return tuple(out)  # type: ignore[return-value]


def _direction_subs(direction: str | None) -> dict[sp.Symbol, sp.Expr]:
    if direction is None:
        return {}
    return {s.Delta_F: fizeau_sign(check_direction(direction)) * s.Delta_F_abs}


def _nice(expr: sp.Expr) -> sp.Expr:
    return sp.factor(sp.together(expr))


def _presentable(root: sp.Expr, u: sp.Expr, n_a: int, sign: int = 1) -> sp.Expr:
    """Rewrite a solved root in the paper's grouping (proved equal to ``root``, else ``root`` is returned).

    With ``K = u(Delta_ad = 0)`` (``= n_a Delta_F + n_b omega_b + n_m omega_m``):
    ``n_a = 0``: ``-Delta_sa -+ sqrt(K^2 - 4 xi^2)``; ``n_a = 1``: ``(Delta_sa^2 + 4 xi^2 - K^2) / (2 (K - Delta_sa))``
    (S18-S22); ``n_a = k >= 2``: ``[+-k sqrt(P^2 + 4 (k^2 - 1) xi^2) - P - (k^2 - 1) K] / (k (k^2 - 1))`` with
    ``P = K - k Delta_sa`` (``+`` for the resonance, ``-`` for the extraneous root).
    """
    K = u.subs(s.Delta_ad, 0)
    k = n_a
    if k == 0:
        rad = sp.sqrt(K**2 - 4 * s.xi**2)
        candidates = [-s.Delta_sa - rad, -s.Delta_sa + rad]
    elif k == 1:
        candidates = [(s.Delta_sa**2 + 4 * s.xi**2 - K**2) / (2 * (K - s.Delta_sa))]
    else:
        P = K - k * s.Delta_sa
        rad = sp.sqrt(P**2 + 4 * (k**2 - 1) * s.xi**2)
        candidates = [(sign * k * rad - P - (k**2 - 1) * K) / (k * (k**2 - 1))]
    for cand in candidates:
        if sp.simplify(sp.expand(cand - root)) == 0:
            return cand
    return root


# --------------------------------------------------------------------------- the solver
@functools.lru_cache(maxsize=64)
def _solve(target: tuple[int, int, int], direction: str | None) -> ResonanceSolution:
    n_a, n_b, n_m = target
    subs = _direction_subs(direction)
    x = s.Delta_ad
    # xreplace, not subs: every key is a symbol that its value does not contain, so the two agree, and the
    # structural replacement is ~30x faster than subs on these expressions
    eq = sp.expand((ladder_energy(0, 0, 0, "+") - ladder_energy(n_a, n_b, n_m, "-")).xreplace(subs))
    R = dressed_atom().R_expr
    # eq = R - u(x): isolate the radical
    u = sp.expand(R - eq)
    if any(a.is_Pow and a.exp.is_Rational and not a.exp.is_Integer for a in sp.preorder_traversal(u)):
        raise AssertionError("the left-hand side still contains the radical")
    unsquared = u - R
    squared = sp.expand(u**2 - R**2)

    solutions: list[sp.Expr] = []
    rejected: list[sp.Expr] = []
    conditions: list[sp.Basic] = []
    if n_a == 0:
        # u is a positive constant; both roots of the squared equation are resonances when real
        if not _is_positive(u):
            raise AssertionError("u should be a positive constant for n_a = 0")
        poly = sp.Poly(squared, x)
        c2, c1, c0 = poly.all_coeffs()
        disc = _nice(c1**2 - 4 * c2 * c0)
        conditions.append(_sign_condition(disc, strict=False))
        r_minus = sp.simplify((-c1 - sp.sqrt(disc)) / (2 * c2))
        r_plus = sp.simplify((-c1 + sp.sqrt(disc)) / (2 * c2))
        # lower branch first
        solutions.extend([r_plus, r_minus] if _is_negative(c2) else [r_minus, r_plus])
    else:
        # change variable to y = u (u is linear in Delta_ad with slope n_a): Delta_ad = (y - K) / n_a
        y = sp.Dummy("u", real=True)
        K = sp.expand(u.xreplace({x: 0}))
        slope = sp.expand(u.coeff(x))
        if slope != n_a:
            raise AssertionError("unexpected slope of u")
        x_of_y = (y - K) / n_a
        q = sp.Poly(sp.expand(squared.xreplace({x: x_of_y})), y)
        if q.degree() == 1:
            q1, q0 = q.all_coeffs()
            y_root = _nice(-q0 / q1)
            cond = _sign_condition(y_root)
            if cond is sp.false:
                rejected.append(_nice(x_of_y.subs(y, y_root)))
            else:
                solutions.append(_nice(x_of_y.subs(y, y_root)))
                conditions.append(cond)
        elif q.degree() == 2:
            q2, q1, q0 = q.all_coeffs()
            disc = _nice(q1**2 - 4 * q2 * q0)
            conditions.append(_sign_condition(disc, strict=False))
            y_hi = (-q1 + sp.sqrt(disc)) / (2 * q2)
            y_lo = (-q1 - sp.sqrt(disc)) / (2 * q2)
            if _is_negative(q2):
                y_hi, y_lo = y_lo, y_hi
            product = _nice(q0 / q2)
            classified: list[tuple[sp.Expr, bool | None]] = []
            if _is_negative(product):
                # roots of opposite sign: the larger one is u = +R, the smaller u = -R (extraneous)
                classified = [(y_lo, False), (y_hi, True)]
            else:
                for yr in (y_lo, y_hi):
                    if _is_positive(yr):
                        classified.append((yr, True))
                    elif _is_negative(yr):
                        classified.append((yr, False))
                    else:
                        classified.append((yr, None))
            for yr, ok in classified:
                root = sp.simplify(x_of_y.subs(y, yr))
                if ok is False:
                    rejected.append(root)
                else:
                    solutions.append(root)
                    if ok is None:
                        conditions.append(_sign_condition(yr))
        else:
            raise AssertionError(f"unexpected degree {q.degree()} of the squared resonance condition")

    solutions = [_presentable(r, u, n_a) for r in solutions]
    rejected = [_presentable(r, u, n_a, sign=-1) for r in rejected]
    condition = sp.And(*conditions) if conditions else sp.true
    paper = paper_transition(target, direction)
    return ResonanceSolution(
        target=target,
        direction=direction,
        solutions=tuple(solutions),
        condition=condition,
        paper_equation=paper.equation if paper else None,
        rejected=tuple(rejected),
        unsquared=unsquared,
        squared=squared,
        lhs=u,
    )


def solve_resonance(target: str | Sequence[int], direction: str | None) -> ResonanceSolution:
    """Solve ``E(|000+>) = E(|n_a n_b n_m ->)`` (S16) for Delta_ad (S17-S22 and any other target).

    Parameters
    ----------
    target
        ``(n_a, n_b, n_m)`` or ``"NA,NB,NM"``.
    direction
        ``"left"`` (Delta_F -> +|Delta_F|), ``"right"`` (Delta_F -> -|Delta_F|), or ``None`` to keep the
        signed ``Delta_F``.

    Returns
    -------
    ResonanceSolution
        Valid roots, rejected (extraneous) roots and the validity condition. For the paper's four transitions
        the single solution is S18, S19, S21 or S22.
    """
    tgt = parse_target(target)
    if direction is not None:
        check_direction(direction)
    return _solve(tgt, direction)


def _pick(sol: ResonanceSolution, root: int | None) -> sp.Expr:
    n = len(sol.solutions)
    if n == 0:
        ket = "".join(map(str, sol.target))
        raise InputError(f"target: |{ket}-> has no resonance with |000+> ({sol.direction} drive)")
    if root is None:
        if n > 1:
            raise InputError(
                f"root: |{''.join(map(str, sol.target))}-> has {n} resonance branches; pass root=0 (lower) .. {n - 1}"
            )
        return sol.solutions[0]
    if isinstance(root, bool) or not isinstance(root, (int, np.integer)) or not 0 <= root < n:
        raise InputError(f"root: expected an integer in 0..{n - 1}, got {root!r}")
    return sol.solutions[int(root)]


@functools.lru_cache(maxsize=64)
def _closed_form_function(target: tuple[int, int, int], direction: str, root: int | None) -> NumericFunction:
    sol = _solve(target, direction)
    expr = _pick(sol, root)
    # validity: u > 0 at the root and the root real (the radicand is checked through the condition)
    u_at = sol.lhs.subs(s.Delta_ad, expr)
    guarded = sp.Piecewise((expr, sp.And(sol.condition, u_at > 0)), (sp.nan, True))
    nf = lambdify_expr(guarded)
    raw = nf.func

    def func(*values: object) -> object:
        with np.errstate(all="ignore"):
            return raw(*values)

    return NumericFunction(expr=nf.expr, args=nf.args, func=func)


def closed_form_function(target: str | Sequence[int], direction: str, root: int | None = None) -> NumericFunction:
    """Vectorised closed-form resonance ``Delta_ad(params)`` (S18-S22 for the paper's four).

    Returns a :class:`~nrbundle.analytic.numeric_bridge.NumericFunction` in the canonical argument order
    (call ``.at(params)``); it gives NaN wherever the resonance does not exist (validity condition false or
    ``u <= 0`` at the root). ``root`` selects the branch when there are two (``n_a = 0``: 0 lower, 1 upper).
    """
    tgt = parse_target(target)
    check_direction(direction)
    _pick(_solve(tgt, direction), root)  # validates root
    return _closed_form_function(tgt, direction, None if root is None else int(root))


def closed_form(params: Params, target: str | Sequence[int], direction: str, root: int | None = None) -> float:
    """Closed-form resonant Delta_ad at ``params`` (S18, S19, S21, S22 for the paper's four transitions).

    Raises
    ------
    InputError
        If the resonance does not exist at these parameters (the validity condition fails), naming ``target``;
        or if ``root`` is needed (two branches) or out of range.
    """
    f = closed_form_function(target, direction, root)
    value = float(f.at(params, direction))
    if not np.isfinite(value):
        sol = solve_resonance(target, direction)
        raise InputError(
            f"target: no resonance |000+> <-> |{''.join(map(str, sol.target))}-> ({direction} drive) at these "
            f"parameters; it requires {sol.condition}"
        )
    return value


@functools.lru_cache(maxsize=1)
def prove_orange_coincidence() -> OrangeCoincidence:
    """Prove that S19 = S21 exactly when ``omega_m - omega_b = 2|Delta_F|`` (the "orange" areas of Fig. 1).

    ``S19 - S21 = (omega_m - omega_b - 2|Delta_F|) * C`` with ``C = -[1/2 + 2 xi^2 / (p_m p_b)]``,
    ``p_m = omega_m - |Delta_F| - Delta_sa``, ``p_b = omega_b + |Delta_F| - Delta_sa``. Both ``p`` are positive
    whenever the two resonances exist (their validity conditions), so ``C < 0`` never vanishes and the
    equivalence holds in both directions.
    """
    r19 = solve_resonance((1, 0, 1), "right")
    r21 = solve_resonance((1, 1, 0), "left")
    diff = _nice(r19.solutions[0] - r21.solutions[0])
    fac = s.omega_m - s.omega_b - 2 * s.Delta_F_abs
    cof = _nice(diff / fac)
    identity = sp.simplify(diff - fac * cof) == 0 and not sp.simplify(cof).has(sp.zoo)
    assumptions = sp.And(r19.condition, r21.condition)
    # prove the sign of the cofactor under the assumptions: introduce positive symbols for the conditions
    p = [sp.Symbol("p_m", positive=True), sp.Symbol("p_b", positive=True)]
    cof_sub = cof
    margins = {}
    for k, (cond, var) in enumerate(((r19.condition, s.omega_m), (r21.condition, s.omega_b))):
        if not isinstance(cond, sp.StrictGreaterThan) or not cond.lhs.has(var):
            raise AssertionError(f"unexpected validity condition {cond}")
        g = cond.lhs - cond.rhs
        val = sp.solve(sp.Eq(g, p[k]), var)[0]
        cof_sub = cof_sub.subs(var, val)
        margins[p[k]] = g
    cof_sub = _nice(cof_sub)
    if _is_negative(cof_sub):
        sign = -1
    elif _is_positive(cof_sub):
        sign = 1
    else:
        sign = 0
    statement = sp.Equivalent(
        sp.Eq(r19.solutions[0], r21.solutions[0]), sp.Eq(s.omega_m - s.omega_b, 2 * s.Delta_F_abs)
    )
    return OrangeCoincidence(
        difference=diff,
        factor=fac,
        cofactor=cof,
        assumptions=assumptions,
        cofactor_sign=sign,
        statement=statement,
        proven=bool(identity and sign != 0),
        cofactor_in_margins=cof_sub,
        margins=MappingProxyType(margins),
    )
