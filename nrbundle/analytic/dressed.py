"""The dressed atom (S12-S15), derived by SymPy from the atomic part of Eq. (1) = (S11).

Basis order (shared with the numeric layer): index 0 = |e>, index 1 = |g>, ``sigma = |g><e|``, so
``sigma^dag sigma = |e><e|`` and ``H_sigma = [[D, xi], [xi, 0]]`` with ``D = Delta_sa + Delta_ad``.

The eigen-decomposition gives ``E_pm = (D +- R)/2`` (S13), ``R = sqrt(D^2 + 4 xi^2)``, and the eigenvectors,
normalised with a positive |g> component, are (S14) ``|+> = c_+|g> + c_-|e>``, ``|-> = c_-|g> - c_+|e>`` with
``c_pm = sqrt(2 xi^2 / (D^2 + 4 xi^2 +- D R))`` (S15). The main text prints ``sqrt(2 xi)`` in the numerator, which
is dimensionally wrong (:func:`main_text_coefficients`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import sympy as sp

from . import symbols as s
from .linearization import derive_linearization
from .operators import OPS, atom_part, collect_operators

__all__ = ["DressedAtom", "dressed_atom", "main_text_coefficients", "BASIS"]

#: Basis order of every 2x2 atom matrix: index 0 = |e>, index 1 = |g> (as in the numeric layer).
BASIS: tuple[str, str] = ("e", "g")


@dataclass(frozen=True)
class DressedAtom:
    """The strongly driven atom of S12-S15.

    Attributes
    ----------
    H_sigma_operator
        S12 as an operator expression, taken from the atomic part of the derived Eq. (1).
    H_sigma
        S12 as a 2x2 matrix in the basis (|e>, |g>).
    E_plus, E_minus
        Eigenvalues (S13), in ``Delta_sa``, ``Delta_ad``, ``xi``.
    c_plus, c_minus
        Coefficients of S15 (positive), in ``Delta_sa``, ``Delta_ad``, ``xi``.
    ket_plus, ket_minus
        Eigenvectors (S14) as 2x1 matrices in the basis (|e>, |g>): ``(c_-, c_+)`` and ``(-c_+, c_-)``.
    shorthand
        The same quantities in the shorthands ``D`` and ``xi`` (keys ``E_plus``, ``E_minus``, ``c_plus``,
        ``c_minus``); substitute ``D -> Delta_sa + Delta_ad`` to recover the explicit forms.
    D_expr, R_expr
        ``D = Delta_sa + Delta_ad`` and ``R = sqrt(D^2 + 4 xi^2)``.
    """

    H_sigma_operator: sp.Expr
    H_sigma: sp.Matrix
    E_plus: sp.Expr
    E_minus: sp.Expr
    c_plus: sp.Expr
    c_minus: sp.Expr
    ket_plus: sp.Matrix
    ket_minus: sp.Matrix
    shorthand: Mapping[str, sp.Expr]
    D_expr: sp.Expr
    R_expr: sp.Expr


def _operator_to_matrix(op_expr: sp.Expr) -> sp.Matrix:
    """Matrix of an atom-only operator in the basis (|e>, |g>)."""
    units = {
        sp.Integer(1): sp.eye(2),
        OPS.sigma_dag * OPS.sigma: sp.Matrix([[1, 0], [0, 0]]),
        OPS.sigma_dag: sp.Matrix([[0, 1], [0, 0]]),
        OPS.sigma: sp.Matrix([[0, 0], [1, 0]]),
    }
    M = sp.zeros(2, 2)
    for mono, coeff in collect_operators(op_expr).items():
        M += coeff * units[mono]
    return M


@functools.lru_cache(maxsize=1)
def dressed_atom() -> DressedAtom:
    """Eigen-decomposition of the dressed atom, S12-S15 (cached).

    S12 is the atom-only part of the derived Eq. (1); its 2x2 matrix is diagonalised by SymPy with the
    shorthand ``D`` (so that S13 and S15 come out in the paper's form), and ``D -> Delta_sa + Delta_ad``
    is substituted at the end. Eigenvalues are identified by ``E_+ - E_- = R > 0``; eigenvectors are normalised
    with a positive |g> component (the S14 phase convention), and the structure of S14 (the same ``c_-`` as |e>
    component of |+> and as |g> component of |->) is checked.
    """
    H_op = atom_part(derive_linearization().H_final)
    M = _operator_to_matrix(H_op)
    D_expr = s.Delta_sa + s.Delta_ad
    if sp.expand(M[0, 0] - D_expr) != 0 or M[1, 1] != 0:
        raise AssertionError(f"unexpected atom Hamiltonian {M}")
    Ds = s.D
    M_short = M.subs(M[0, 0], Ds)
    pairs = [(val, vecs[0]) for val, mult, vecs in M_short.eigenvects()]
    if len(pairs) != 2:
        raise AssertionError("the dressed atom must have two distinct eigenvalues")
    (v1, k1), (v2, k2) = pairs
    if sp.simplify(v1 - v2).is_positive:
        (Ep, kp), (Em, km) = (v1, k1), (v2, k2)
    elif sp.simplify(v2 - v1).is_positive:
        (Ep, kp), (Em, km) = (v2, k2), (v1, k1)
    else:
        raise AssertionError("could not order the dressed eigenvalues")

    def normalised(E: sp.Expr, k: sp.Matrix) -> tuple[sp.Expr, sp.Expr]:
        # Eigenvector with positive |g> component: (E/xi, 1) up to normalisation; |g> weight xi^2/(E^2 + xi^2)
        ratio = sp.simplify(k[0] / k[1])
        if sp.simplify(ratio - E / s.xi) != 0:
            raise AssertionError("unexpected eigenvector")
        g2 = sp.cancel(s.xi**2 / sp.expand(E**2 + s.xi**2))
        num, den = sp.fraction(g2)
        g = sp.sqrt(num) / sp.sqrt(den)
        return ratio * g, g

    e_p, c_plus_short = normalised(Ep, kp)
    e_m, c_minus_short = normalised(Em, km)
    # S14 structure: e-component of |+> is +c_-, e-component of |-> is -c_+
    Rsym = s.R
    to_R = {sp.sqrt(Ds**2 + 4 * s.xi**2): Rsym}

    def vanishes(expr: sp.Expr) -> bool:
        e = sp.expand(expr).subs(to_R)
        e = e.subs(s.xi, sp.sqrt(Rsym**2 - Ds**2) / 2)
        return sp.simplify(e) == 0

    if not vanishes(e_p**2 - c_minus_short**2) or not vanishes(e_m**2 - c_plus_short**2):
        raise AssertionError("eigenvectors do not have the S14 structure")
    shorthand = {"E_plus": Ep, "E_minus": Em, "c_plus": c_plus_short, "c_minus": c_minus_short}
    explicit = {k: v.subs(Ds, D_expr) for k, v in shorthand.items()}
    c_p, c_m = explicit["c_plus"], explicit["c_minus"]
    return DressedAtom(
        H_sigma_operator=H_op,
        H_sigma=M,
        E_plus=explicit["E_plus"],
        E_minus=explicit["E_minus"],
        c_plus=c_p,
        c_minus=c_m,
        ket_plus=sp.Matrix([c_m, c_p]),
        ket_minus=sp.Matrix([-c_p, c_m]),
        shorthand=MappingProxyType(shorthand),
        D_expr=D_expr,
        R_expr=sp.sqrt(D_expr**2 + 4 * s.xi**2),
    )


def main_text_coefficients() -> tuple[sp.Expr, sp.Expr]:
    """The dressed-state coefficients as printed in the main text (a misprint; NOTES misprint 1).

    ``c_pm = sqrt(2 xi) / [Delta_sd^2 + 4 xi^2 +- Delta_sd sqrt(Delta_sd^2 + 4 xi^2)]^(1/2)`` with
    ``Delta_sd = D = Delta_sa + Delta_ad``. It has dimension (frequency)^(-1/2) and gives
    ``c_+^2 + c_-^2 = 1/xi``; S15 (``2 xi^2`` under the root) is the correct form.
    """
    D = s.Delta_sa + s.Delta_ad
    R = sp.sqrt(D**2 + 4 * s.xi**2)
    cp = sp.sqrt(2 * s.xi) / sp.sqrt(D**2 + 4 * s.xi**2 + D * R)
    cm = sp.sqrt(2 * s.xi) / sp.sqrt(D**2 + 4 * s.xi**2 - D * R)
    return cp, cm
