"""LaTeX printing of the analytic layer's objects: the paper's symbol names, operator sums, tagged equations.

Every section of the derivation document prints through :func:`to_latex` (SymPy's printer with the paper's names,
``x^*`` for complex conjugates, daggers on operators) and :func:`operator_latex` (operator sums in normal order,
monomials grouped by coefficient, broken into amsmath ``split`` lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .. import symbols as s
from ..linearization import alpha, beta, mu
from ..operators import collect_operators

__all__ = ["to_latex", "operator_latex", "display_coefficient", "equation", "ket", "frac_paper", "tex_text"]


_NAMES: dict[str, str] = {
    "Delta_sa": r"\Delta_{\sigma a}",
    "Delta_sd": r"\Delta_{\sigma d}",
    "Delta_F_abs": r"|\Delta_F|",
    "Delta_F": r"\Delta_F",
    "lambda_as": r"\lambda_{a\sigma}",
    "lambda'_as": r"\lambda'_{a\sigma}",
    "lambda'_ab": r"\lambda'_{ab}",
    "lambda'_am": r"\lambda'_{am}",
    "omega_sigma": r"\omega_{\sigma}",
    "alpha_abs": r"|\alpha|",
    "phi_alpha": r"\varphi",
    "E_+": r"E_{+}",
    "E_-": r"E_{-}",
    "c_+": r"c_{+}",
    "c_-": r"c_{-}",
}


class _Printer(LatexPrinter):
    """LaTeX printer with the paper's symbol names and ``x^*`` for complex conjugates."""

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:  # noqa: N802 (SymPy API)
        if expr.name in _NAMES:
            return _NAMES[expr.name]
        return super()._print_Symbol(expr, style=style)

    def _print_conjugate(self, expr: Any, exp: Any = None) -> str:  # noqa: N802 (SymPy API)
        arg = self._print(expr.args[0])
        if not expr.args[0].is_Symbol:
            arg = r"\left(" + arg + r"\right)"
        tex = arg + "^{*}"
        return r"\left(" + tex + r"\right)^{" + str(exp) + "}" if exp is not None else tex


_PRINTER = _Printer({"mul_symbol": None})


def to_latex(expr: Any) -> str:
    """LaTeX of a SymPy object with the paper's names (``\\Delta_{ad}``, ``\\lambda'_{ab}``, ``c_{+}``, daggers)."""
    return _PRINTER.doprint(expr)


def display_coefficient(c: sp.Expr) -> sp.Expr:
    """Display form of a c-number coefficient: |alpha|^2 for alpha alpha^*, collected by the mean values."""
    c = sp.expand(c)
    c = c.subs({v * sp.conjugate(v): sp.Abs(v) ** 2 for v in (alpha, beta, mu)})
    c = sp.collect(c, [alpha, sp.conjugate(alpha), sp.Abs(alpha) ** 2])
    if c.is_Add:
        c = sp.Add(*[sp.collect(a, [s.lambdap_ab, s.lambdap_am]) for a in sp.Add.make_args(c)])
    return c


def _signed_terms(c: sp.Expr) -> list[str]:
    out = []
    for term in c.as_ordered_terms():
        if term.could_extract_minus_sign():
            out.append("- " + to_latex(-term))
        else:
            out.append("+ " + to_latex(term))
    return out


def _word_class(mono: sp.Expr) -> tuple[int, str]:
    if mono == 1:
        return (0, "")
    factors = mono.args if mono.is_Mul else (mono,)
    n = sum(int(f.exp) if f.is_Pow else 1 for f in factors)
    is_number = n == 2 and len(factors) == 2 and factors[0].name == factors[1].name + "_dag"
    rank = {2: 2, 3: 3, 1: 4}.get(n, 5)
    return (1 if is_number else rank, str(mono))


def _visible_len(tex: str) -> int:
    """Rough number of printed characters of a LaTeX math string (commands count as one glyph)."""
    tex = re.sub(r"\\(left|right|bigl|bigr)\b", "", tex)
    tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: max(m.group(1), m.group(2), key=len), tex)
    tex = re.sub(r"\\[a-zA-Z]+", "x", tex)
    tex = re.sub(r"[{}^_ ]", "", tex)
    return len(tex)


def operator_latex(expr: sp.Expr, lhs: str = "", width: int = 64) -> str:
    """Body of an amsmath ``split``: ``lhs ={}& terms \\\\ &+ ...``, operator monomials grouped by coefficient.

    Monomials sharing a coefficient are written as ``coefficient (m1 + m2 + ...)``; the order is: c-number,
    number operators, other quadratic, cubic and linear monomials. Lines are broken after about ``width``
    printed characters (long coefficients are split inside ``\\bigl( ... \\bigr)``).
    """
    coeffs = collect_operators(expr)
    groups: dict[sp.Expr, list[sp.Expr]] = {}
    for mono in sorted(coeffs, key=_word_class):
        c = display_coefficient(coeffs[mono])
        key = next((g for g in groups if sp.expand(g - c) == 0 and (1 in groups[g]) == (mono == 1)), c)
        groups.setdefault(key, []).append(mono)
    atoms: list[str] = []
    for c, monos in groups.items():
        if monos == [sp.Integer(1)]:
            atoms.extend(_signed_terms(c))
            continue
        ops = " + ".join(to_latex(mn) for mn in monos)
        ops = ops if len(monos) == 1 else r"\left(" + ops + r"\right)"
        if c == 1 or c == -1:
            atoms.append(("+ " if c == 1 else "- ") + ops)
        elif c.is_Add:
            inner = to_latex(c)
            if _visible_len(inner) + _visible_len(ops) < width:
                atoms.append(r"+ \left(" + inner + r"\right) " + ops)
            else:
                terms = _signed_terms(c)
                first = terms[0][2:] if terms[0].startswith("+ ") else terms[0]
                terms[0] = r"+ \bigl(" + first
                terms[-1] = terms[-1] + r"\bigr) " + ops
                atoms.extend(terms)
        elif c.could_extract_minus_sign():
            atoms.append("- " + to_latex(-c) + " " + ops)
        else:
            atoms.append("+ " + to_latex(c) + " " + ops)
    if not atoms:
        atoms = ["+ 0"]
    lines: list[str] = []
    cur = ""
    for a in atoms:
        if cur and _visible_len(cur) + _visible_len(a) > width:
            lines.append(cur)
            cur = ""
        cur = f"{cur} {a}" if cur else a
    lines.append(cur)
    first_line = lines[0][2:] if lines[0].startswith("+ ") else lines[0]
    out = f"{lhs} ={{}}& {first_line}" if lhs else f"& {first_line}"
    for ln in lines[1:]:
        out += f" \\\\\n &{ln}"
    return out


def equation(body: str, tag: str | None = None, split: bool = True) -> str:
    """An ``equation`` (``equation*`` if no ``tag``) with ``body``, in ``split`` if asked; ``tag`` as ``\\tag{Sn}``."""
    tag_s = f"\\tag{{{tag}}}\\label{{eq:{tag}}}" if tag else ""
    env = "equation" if tag else "equation*"
    if split:
        return f"\\begin{{{env}}}\n\\begin{{split}}\n{body}\n\\end{{split}}{tag_s}\n\\end{{{env}}}\n"
    return f"\\begin{{{env}}}\n{body}{tag_s}\n\\end{{{env}}}\n"


def ket(target: Iterable[int], label: str) -> str:
    """``|n_a n_b n_m l\\rangle`` for ``target = (n_a, n_b, n_m)`` and ``label`` ``"+"``/``"-"``."""
    return "|" + "".join(str(n) for n in target) + label + r"\rangle"


def frac_paper(expr: sp.Expr) -> str:
    """Print a rational root as \\frac{num}{2(...)} when the denominator has content 2 (S18-S22 layout)."""
    num, den = sp.fraction(sp.together(expr))
    content, prim = sp.expand(den).as_content_primitive()
    if content == 2 and prim.is_Add:
        return r"\frac{" + to_latex(num) + r"}{2\left(" + to_latex(prim) + r"\right)}"
    return to_latex(expr)


def tex_text(text: str) -> str:
    """Escape plain text for LaTeX (article class, OT1 encoding)."""
    rep = {
        "\\": r"\textbackslash{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "{": r"\{",
        "}": r"\}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
        "<": r"\textless{}",
        ">": r"\textgreater{}",
        "|": r"\textbar{}",
    }
    return "".join(rep.get(ch, ch) for ch in text)
