"""A standalone LaTeX document of the derivation (S1-S22), the effective couplings and a table of numbers.

The document uses the ``article`` class and ``amsmath`` only (both in TeX Live's ``texlive-latex-base``). Every
equation carries the paper's number as ``\\tag{Sn}``. Expressions are printed from the derived SymPy objects
(:mod:`.linearization`, :mod:`.dressed`, :mod:`.resonances`); the section on the effective super-Rabi coupling
and the level shifts is supplied by :func:`nrbundle.analytic.effective.latex_section` when that module is present.
"""

from __future__ import annotations

import functools
import math
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..errors import InputError, NrbundleError
from ..params import Params, get_preset
from . import symbols as s
from .dressed import dressed_atom, main_text_coefficients
from .linearization import alpha, beta, collect_operators, derive_linearization, mu
from .resonances import (
    PAPER_TRANSITIONS,
    closed_form,
    ladder_energy_general,
    n_a,
    n_b,
    n_m,
    prove_orange_coincidence,
    solve_resonance,
)

__all__ = [
    "LatexError",
    "to_latex",
    "operator_latex",
    "derivation_document",
    "write_latex",
    "PDFLATEX_TIMEOUT",
]

#: Seconds allowed for one pdflatex run (the document compiles in about a second).
PDFLATEX_TIMEOUT = 120.0


class LatexError(NrbundleError, RuntimeError):
    """pdflatex is missing, failed or timed out; the message quotes the first LaTeX error line."""


# --------------------------------------------------------------------------- printing
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
            arg = r"\left(%s\right)" % arg
        tex = arg + "^{*}"
        return r"\left(%s\right)^{%s}" % (tex, exp) if exp is not None else tex


_PRINTER = _Printer({"mul_symbol": None})


def to_latex(expr: Any) -> str:
    """LaTeX of a SymPy object with the paper's names (``\\Delta_{ad}``, ``\\lambda'_{ab}``, ``c_{+}``, daggers)."""
    return _PRINTER.doprint(expr)


def _display(c: sp.Expr) -> sp.Expr:
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
        c = _display(coeffs[mono])
        key = next((g for g in groups if sp.expand(g - c) == 0 and (1 in groups[g]) == (mono == 1)), c)
        groups.setdefault(key, []).append(mono)
    atoms: list[str] = []
    for c, monos in groups.items():
        if monos == [sp.Integer(1)]:
            atoms.extend(_signed_terms(c))
            continue
        ops = " + ".join(to_latex(mn) for mn in monos)
        ops = ops if len(monos) == 1 else r"\left(%s\right)" % ops
        if c == 1 or c == -1:
            atoms.append(("+ " if c == 1 else "- ") + ops)
        elif c.is_Add:
            inner = to_latex(c)
            if _visible_len(inner) + _visible_len(ops) < width:
                atoms.append(r"+ \left(%s\right) %s" % (inner, ops))
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


def _eq(body: str, tag: str | None = None, split: bool = True) -> str:
    tag_s = f"\\tag{{{tag}}}\\label{{eq:{tag}}}" if tag else ""
    env = "equation" if tag else "equation*"
    if split:
        return f"\\begin{{{env}}}\n\\begin{{split}}\n{body}\n\\end{{split}}{tag_s}\n\\end{{{env}}}\n"
    return f"\\begin{{{env}}}\n{body}{tag_s}\n\\end{{{env}}}\n"


def _ket(target: Iterable[int], label: str) -> str:
    return r"|%s%s\rangle" % ("".join(str(n) for n in target), label)


def _frac_paper(expr: sp.Expr) -> str:
    """Print a rational root as \\frac{num}{2(...)} when the denominator has content 2 (S18-S22 layout)."""
    num, den = sp.fraction(sp.together(expr))
    content, prim = sp.expand(den).as_content_primitive()
    if content == 2 and prim.is_Add:
        return r"\frac{%s}{2\left(%s\right)}" % (to_latex(num), to_latex(prim))
    return to_latex(expr)


# --------------------------------------------------------------------------- sections
def _linearization_section() -> str:
    L = derive_linearization()
    st = {step.equation: step for step in L.steps}
    out: list[str] = [r"\section{Linearization: from (S1) to Eq.~(1) = (S11)}"]
    out.append(
        "All operator algebra below is done by SymPy with non-commuting operators: bosons obey "
        r"$[o,o^{\dagger}]=1$ ($o=a,b,m$), different modes commute, the atom operators "
        r"$\sigma=|g\rangle\langle e|$, $\sigma^{\dagger}$ commute with the bosons and obey the two-level "
        "algebra. Every Hamiltonian is printed in normal order, monomials with equal coefficients grouped.\n"
    )
    out.append(r"\subsection*{Lab frame}")
    out.append(
        r"The driven cavity (Fizeau-shifted by $\Delta_F$), the mechanical mode $b$, the magnon mode $m$ and the "
        r"atom, driven at $\omega_d$ with amplitudes $\xi_d$ (cavity) and $\xi_p$ (atom):" + "\n"
    )
    out.append(_eq(operator_latex(st["S1"].exprs["H"], "H_t"), "S1"))
    out.append(r"\subsection*{Rotating frame}")
    out.append(
        r"With $U=\exp[i\omega_d t(a^{\dagger}a+\sigma^{\dagger}\sigma)]$ and $N=a^{\dagger}a+\sigma^{\dagger}\sigma$, "
        r"every monomial $T$ of (S1) satisfies $[N,T]=qT$ (checked by normal ordering; $q=+1$ for "
        r"$a^{\dagger},\sigma^{\dagger}$, $-1$ for $a,\sigma$, added over the factors of $T$), hence "
        r"$UTU^{\dagger}=e^{iq\omega_d t}T$ by the Baker--Campbell--Hausdorff series, and "
        r"$H\to UHU^{\dagger}+i\dot U U^{\dagger}=UHU^{\dagger}-\omega_d N$. The drive phases cancel:" + "\n"
    )
    out.append(_eq(operator_latex(L.H_S2, "H_t"), "S2"))
    out.append(r"\subsection*{Master equation}")
    out.append(
        r"With $\mathcal{D}[o]\rho=\tfrac12(2o\rho o^{\dagger}-o^{\dagger}o\rho-\rho o^{\dagger}o)$ and "
        r"separate decay rates (Eq.~(2) of the main text has $\kappa_a=\kappa_b=\kappa_m=\kappa$):" + "\n"
    )
    out.append(
        _eq(
            r"\dot\rho=-i[H_t,\rho]+\kappa_a\mathcal{D}[a]\rho+\kappa_b\mathcal{D}[b]\rho"
            r"+\kappa_m\mathcal{D}[m]\rho+\gamma\mathcal{D}[\sigma]\rho.",
            "S3",
            split=False,
        )
    )
    out.append(r"\subsection*{Displacement inside the master equation}")
    out.append(
        r"The optical, phonon and magnon modes are shifted by their mean values, $a=\alpha+\delta a$, "
        r"$b=\beta+\delta b$, $m=\mu+\delta m$ (the Supplement's text reads ``optical, phonon, and mechanical "
        r"modes''; the third is the magnon mode). In each displaced dissipator the $c$-number part cancels, the "
        r"quadratic part is $\kappa_o\mathcal{D}[\delta o]\rho$, and the linear part is" + "\n"
    )
    lin = st["S4"].exprs["dissipator_linear"]
    out.append(_eq(operator_latex(lin, r"\mathcal{L}_1\rho"), None))
    out.append(r"which is a commutator, $\mathcal{L}_1\rho=-i[H_\kappa,\rho]$, with" + "\n")
    out.append(_eq(operator_latex(L.H_kappa, r"H_\kappa"), None))
    out.append(
        _eq(
            r"\dot\rho=-i[H_1+H_2,\rho]+\sum_{o=a,b,m}\kappa_o\mathcal{D}[\delta o]\rho+\gamma\mathcal{D}[\sigma]\rho,",
            "S4",
            split=False,
        )
    )
    out.append(
        r"where the displaced Hamiltonian plus $H_\kappa$ is split by order in the bosonic fluctuations: "
        r"$H_1$ holds the $c$-number and the linear terms without atom operators, $H_2$ the rest (the atom is not "
        r"displaced, so every term containing $\sigma$ stays in $H_2$):" + "\n"
    )
    out.append(_eq(operator_latex(L.H1, "H_1"), "S5"))
    out.append(_eq(operator_latex(L.H2, "H_2"), "S6"))
    out.append(r"\subsection*{Renaming of the couplings; phase convention}")
    res = st["S7"].exprs["residual_for_phi"]
    out.append(
        r"Write $\alpha=|\alpha|e^{i\varphi}$ and apply the gauge transformation "
        r"$\delta a\to e^{i\varphi}\delta a$, $\sigma\to e^{i\varphi}\sigma$ (it leaves the Lindblad terms "
        r"invariant). It removes $\varphi$ from every term of $H_2$ except the atomic pump, which leaves" + "\n"
    )
    out.append(_eq(operator_latex(res, r"\Delta H_\varphi"), None))
    out.append(
        r"on top of the form below. We adopt $\varphi=0$ ($\alpha$ real and positive, i.e.\ the atomic pump "
        r"phase-locked to the intracavity field); for $\xi_p=0$ the phase is irrelevant. With "
        + ", ".join(f"${to_latex(k)}={to_latex(v)}$" for k, v in list(L.definitions.items())[:4])
        + ":\n"
    )
    out.append(_eq(operator_latex(L.H_S7, "H_2"), "S7"))
    out.append(r"\subsection*{Mean-field equations}")
    out.append(
        r"The linear part of $H_1$ is $\sum_o(E_o\,\delta o^{\dagger}+E_o^{*}\,\delta o)$, so it vanishes "
        r"exactly when $E_\alpha=E_\beta=E_\mu=0$:" + "\n"
    )
    mf = L.mean_field_equations
    body = r" \\ ".join(f"0 &= {to_latex(_display(mf[k]))}" for k in ("alpha", "beta", "mu"))
    out.append(_eq(body, "S8"))
    out.append(
        r"\emph{Erratum.} The first line of (S8) in the Supplement carries $\kappa$; the derivation gives "
        r"$\kappa_a$ (they agree only for $\kappa_a=\kappa$)." + "\n"
    )
    out.append(
        r"With (S8) the linear part of $H_1$ vanishes, and its $c$-number part commutes with $\rho$:" + "\n"
    )
    out.append(
        _eq(
            r"\dot\rho=-i[H_2,\rho]+\sum_{o=a,b,m}\kappa_o\mathcal{D}[\delta o]\rho+\gamma\mathcal{D}[\sigma]\rho.",
            "S9",
            split=False,
        )
    )
    out.append(r"\subsection*{Strong drive}")
    out.append(r"For $|\alpha|\gg1$ the cubic terms" + "\n")
    out.append(_eq(operator_latex(L.dropped_terms, r"H_{\mathrm{dropped}}"), None))
    out.append(r"are neglected:" + "\n")
    out.append(_eq(operator_latex(L.H_eff, r"H_{\mathrm{eff}}"), "S10"))
    out.append(r"\subsection*{Eq.~(1)}")
    d = L.definitions
    out.append(
        r"Renaming $\delta o\to o$ and defining "
        f"${to_latex(s.Delta_ad)}={to_latex(d[s.Delta_ad])}$ and ${to_latex(s.Delta_sa)}={to_latex(d[s.Delta_sa])}$ "
        r"(so that $\omega_\sigma-\omega_d=\Delta_{ad}+\Delta_{\sigma a}=\Delta_{\sigma d}$) gives Eq.~(1) of the "
        r"main text ($\Delta_F>0$ for the left drive, $\Delta_F<0$ for the right drive):" + "\n"
    )
    out.append(_eq(operator_latex(L.H_final, "H"), "S11"))
    return "\n".join(out)


def _dressed_section() -> str:
    A = dressed_atom()
    sh = A.shorthand
    out = [r"\section{Dressed atom (S12--S15)}"]
    out.append(
        r"The atomic part of (S11), in the basis $(|e\rangle,|g\rangle)$ with $\sigma=|g\rangle\langle e|$, "
        r"and its eigen-decomposition by SymPy ($D=\Delta_{\sigma a}+\Delta_{ad}$):" + "\n"
    )
    out.append(
        _eq(
            f"H_\\sigma = {operator_latex(A.H_sigma_operator, width=10**6)[2:]} = {to_latex(A.H_sigma)},",
            "S12",
            split=False,
        )
    )
    out.append(
        _eq(
            f"E_{{+}} = {to_latex(sp.factor(sh['E_plus']))}, \\qquad E_{{-}} = {to_latex(sp.factor(sh['E_minus']))},",
            "S13",
            split=False,
        )
    )
    out.append(
        _eq(
            r"|+\rangle = c_{+}|g\rangle + c_{-}|e\rangle, \qquad |-\rangle = c_{-}|g\rangle - c_{+}|e\rangle,",
            "S14",
            split=False,
        )
    )
    out.append(
        _eq(
            f"c_{{+}} = {to_latex(sh['c_plus'])}, \\qquad c_{{-}} = {to_latex(sh['c_minus'])},",
            "S15",
            split=False,
        )
    )
    out.append(
        r"with $c_{+}^2+c_{-}^2=1$ (eigenvectors normalised with a positive $|g\rangle$ component). "
        r"\emph{Erratum.} The main text prints $c_\pm=\sqrt{2\xi}/[\,\cdots]^{1/2}$, which has the dimension "
        r"(frequency)$^{-1/2}$ and gives $c_{+}^2+c_{-}^2=" + to_latex(_misprint_norm()) + r"$; (S15) is correct."
        + "\n"
    )
    return "\n".join(out)


@functools.lru_cache(maxsize=1)
def _misprint_norm() -> sp.Expr:
    cp, cm = main_text_coefficients()
    D = sp.Symbol("D_tmp", real=True)
    e = (cp**2 + cm**2).subs(s.Delta_sa, D - s.Delta_ad)
    return sp.simplify(sp.radsimp(sp.together(e)))


def _resonance_section() -> str:
    out = [r"\section{Multiquanta resonances (S16--S22)}"]
    out.append(
        r"Ignoring the JC and linear couplings, the ladder energies are the free part of (S11) plus (S13):" + "\n"
    )
    out.append(
        _eq(
            r"E_{|n_a n_b n_m \pm\rangle} = "
            + to_latex(sp.collect(sp.expand(ladder_energy_general("+") - dressed_atom().E_plus), [n_a, n_b, n_m]))
            + r" + E_{\pm}.",
            "S16",
            split=False,
        )
    )
    out.append(
        r"The resonance $E_{|000+\rangle}=E_{|n_a n_b n_m -\rangle}$ reads "
        r"$u(\Delta_{ad})=R(\Delta_{ad})$ with $u=n_a(\Delta_{ad}+\Delta_F)+n_b\omega_b+n_m\omega_m$ and "
        r"$R=\sqrt{(\Delta_{\sigma a}+\Delta_{ad})^2+4\xi^2}$. SymPy squares and solves it; a root of the "
        r"squared equation is a resonance only if $u>0$ there. With $K=u(0)$: for $n_a=0$ there are two "
        r"resonances $\Delta_{ad}=-\Delta_{\sigma a}\mp\sqrt{K^2-4\xi^2}$ (if $K\ge2\xi$); for $n_a=1$ one, "
        r"$\Delta_{ad}=(\Delta_{\sigma a}^2+4\xi^2-K^2)/[2(K-\Delta_{\sigma a})]$, valid iff $K>\Delta_{\sigma a}$; "
        r"for $n_a=k\ge2$ the squared equation has one resonant and one extraneous root ($u=-R$), rejected." + "\n"
    )
    out.append(r"\subsection*{The paper's four transitions}")
    for pt in PAPER_TRANSITIONS:
        sol = solve_resonance(pt.target, pt.direction)
        drive = "left drive, $\\Delta_F=+|\\Delta_F|$" if pt.direction == "left" else "right drive, $\\Delta_F=-|\\Delta_F|$"
        out.append(
            f"\\paragraph{{${_ket((0, 0, 0), '+')}\\leftrightarrow{_ket(pt.target, '-')}$, {drive}.}} "
            f"{pt.figure}. Valid for ${to_latex(sol.condition)}$.\n"
        )
        if pt.unsquared_equation:
            out.append(_eq(f"{to_latex(sol.unsquared)} = 0,", pt.unsquared_equation, split=False))
        out.append(_eq(f"\\Delta_{{ad}} = {_frac_paper(sol.solutions[0])}.", pt.equation, split=False))
        if pt.note:
            out.append(r"\emph{Note.} " + _tex_text(pt.note) + "\n")
    out.append(r"\subsection*{Examples beyond the paper}")
    for target, direction in (((2, 0, 2), "left"), ((0, 1, 1), "left")):
        sol = solve_resonance(target, direction)
        out.append(
            f"\\paragraph{{${_ket((0, 0, 0), '+')}\\leftrightarrow{_ket(target, '-')}$, {direction} drive.}} "
            + (
                "Exists for all parameters."
                if sol.condition is sp.true
                else f"Resonant for ${to_latex(sol.condition)}$."
            )
            + "\n"
        )
        body = r" \\ ".join(f"\\Delta_{{ad}} &= {to_latex(r)}" for r in sol.solutions)
        out.append(_eq(body, None))
        if sol.rejected:
            out.append(
                "Rejected (extraneous, $u<0$): $\\Delta_{ad}="
                + ",\\;".join(to_latex(r) for r in sol.rejected)
                + "$.\n"
            )
    proof = prove_orange_coincidence()
    out.append(r"\subsection*{The orange areas: (S19) = (S21)}")
    out.append(
        r"SymPy factorises the difference of the right-hand sides of (S19) and (S21) as" + "\n"
    )
    out.append(
        _eq(
            r"\mathrm{(S19)}-\mathrm{(S21)} = \left(" + to_latex(proof.factor) + r"\right)\cdot"
            + r"\left(" + to_latex(proof.cofactor_in_margins) + r"\right),",
            None,
            split=False,
        )
    )
    out.append(
        "with the margins "
        + ", ".join(f"${to_latex(k)}={to_latex(v)}$" for k, v in proof.margins.items())
        + r" of the two existence conditions. Both margins are positive whenever both resonances exist, so the "
        r"second factor is " + ("negative" if proof.cofactor_sign < 0 else "positive") + r" and never vanishes. "
        r"Hence (S19) = (S21) "
        r"if and only if $\omega_m-\omega_b=2|\Delta_F|$, which holds at the parameters of Fig.~1 "
        r"($\omega_m-\omega_b=0.05\,\omega_b$, $|\Delta_F|=0.025\,\omega_b$)." + "\n"
    )
    return "\n".join(out)


def _tex_text(text: str) -> str:
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


@functools.lru_cache(maxsize=1)
def _derivation_sections() -> str:
    return "\n".join([_linearization_section(), _dressed_section(), _resonance_section()])


def _load_effective() -> ModuleType | None:
    """The effective-coupling module, or None if it (or its API) is not available."""
    try:
        from . import effective  # type: ignore[attr-defined]
    except ImportError:
        return None
    if not hasattr(effective, "latex_section"):
        return None
    return effective


def _effective_section(params: Params | None, shift_order: int) -> str:
    eff = _load_effective()
    head = r"\section{Effective super-Rabi coupling and level shifts}" + "\n"
    if eff is not None:
        try:
            return eff.latex_section(params, shift_order)
        except NotImplementedError:
            pass
    return head + (
            "The resonances (S17)--(S22) ignore the level shifts caused by the JC and linear couplings; the "
            "effective coupling between $|000+\\rangle$ and the pair states, which first appears at third order, "
            "and the shifts to order " + str(shift_order) + " are not included in this build of the document.\n"
    )


def _fmt(x: Any, digits: int = 6) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "--"
    if not math.isfinite(v):
        return "--"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4):
        mant, exp = f"{v:.3e}".split("e")
        return f"${mant}\\times10^{{{int(exp)}}}$"
    return f"${v:.{digits}f}$"


def _numbers_section(params: Params, shift_order: int) -> str:
    eff = _load_effective()
    corrected = getattr(eff, "corrected_resonance", None) if eff is not None else None
    unit = r"\omega_b" if params.units == "omega_b" else r"2\pi\,\mathrm{GHz}"
    out = [r"\section{Numbers at the preset \texttt{" + _tex_text(params.preset) + "}}"]
    out.append("All frequencies in units of $" + unit + "$.\n")
    out.append(r"\begin{center}\begin{tabular}{ll}\hline parameter & value\\\hline")
    for name, sym in (
        ("omega_b", s.omega_b),
        ("omega_m", s.omega_m),
        ("Delta_sa", s.Delta_sa),
        ("Delta_F", s.Delta_F_abs),
        ("lambda_as", s.lambda_as),
        ("lambda_ab", s.lambda_ab),
        ("lambda_am", s.lambda_am),
        ("xi", s.xi),
    ):
        out.append(f"${to_latex(sym)}$ & {_fmt(getattr(params, name), 4)}\\\\")
    rates = params.rates
    for name, sym in (("kappa_a", s.kappa_a), ("kappa_b", s.kappa_b), ("kappa_m", s.kappa_m), ("gamma", s.gamma)):
        out.append(f"${to_latex(sym)}$ & {_fmt(rates[name], 4)}\\\\")
    out.append(r"\hline\end{tabular}\end{center}")
    cols = "llll" + ("lll" if corrected is not None else "")
    head = r"transition & drive & Eq. & $\Delta_{ad}$ (closed form)"
    if corrected is not None:
        head += r" & $\Delta_{ad}$ (shifted, order " + str(shift_order) + r") & $g_{\mathrm{eff}}$ & order"
    out.append(r"\begin{center}\begin{tabular}{" + cols + r"}\hline " + head + r"\\\hline")
    flagged = False
    for pt in PAPER_TRANSITIONS:
        try:
            cf = closed_form(params, pt.target, pt.direction)
        except InputError:
            cf = float("nan")
        row = f"${_ket((0, 0, 0), '+')}\\leftrightarrow{_ket(pt.target, '-')}$ & {pt.direction} & ({pt.equation}) & {_fmt(cf)}"
        if corrected is not None:
            try:
                cr = corrected(params, pt.target, pt.direction, shift_order=shift_order)
                valid = bool(getattr(cr, "valid", True))
                flagged = flagged or not valid
                dad = _fmt(getattr(cr, "Delta_ad", float("nan"))) + ("" if valid else "$^{\\dagger}$")
                g = _fmt(getattr(cr, "g_eff", float("nan")))
                order = str(getattr(cr, "g_eff_order", "--"))
            except (InputError, NotImplementedError, ArithmeticError, ValueError) as exc:
                dad, g, order = "--", "--", _tex_text(type(exc).__name__)
            row += f" & {dad} & {g} & {order}"
        out.append(row + r"\\")
    out.append(r"\hline\end{tabular}\end{center}")
    if flagged:
        out.append(r"$^{\dagger}$: the perturbative result is flagged as not valid at these parameters." + "\n")
    if corrected is None:
        out.append("Level-shift corrected resonances are not included in this build of the document.\n")
    return "\n".join(out)


# --------------------------------------------------------------------------- the document
def _check_shift_order(shift_order: int) -> int:
    if isinstance(shift_order, bool) or not isinstance(shift_order, int) or shift_order < 1:
        raise InputError(f"shift_order: expected a positive integer, got {shift_order!r}")
    return shift_order


def derivation_document(params: Params | None = None, shift_order: int = 4) -> str:
    """The full derivation as a standalone LaTeX document (article class, amsmath only).

    Parameters
    ----------
    params
        Parameter set for the table of numbers (default: the ``fig1`` preset).
    shift_order
        Order of the level shifts passed to :func:`nrbundle.analytic.effective.latex_section` and
        ``corrected_resonance`` (when that module is available).

    Returns
    -------
    str
        LaTeX source. Equations carry the paper's numbers S1-S22 as ``\\tag``s.
    """
    _check_shift_order(shift_order)
    if params is None:
        params = get_preset("fig1")
    if not isinstance(params, Params):
        raise InputError(f"params: expected a Params instance or None, got {type(params).__name__}")
    parts = [
        r"\documentclass[10pt]{article}",
        r"\usepackage{amsmath}",
        r"\allowdisplaybreaks",
        r"\setlength{\textwidth}{16cm}\setlength{\oddsidemargin}{0.2cm}\setlength{\evensidemargin}{0.2cm}",
        r"\setlength{\textheight}{23cm}\setlength{\topmargin}{-1.2cm}",
        r"\title{Nonreciprocal bundle emission of entangled pairs:\\ derivation of the model and of the "
        r"resonance conditions}",
        r"\author{generated by nrbundle}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        r"Equation numbers (S1)--(S22) refer to the Supplemental Material of the paper; Eq.~(1) is (S11). "
        r"$\hbar=1$. Every expression below was derived and printed by SymPy.",
        "",
        _derivation_sections(),
        _effective_section(params, shift_order),
        _numbers_section(params, shift_order),
        r"\end{document}",
        "",
    ]
    return "\n".join(parts)


def _first_latex_error(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("!"):
            return line.strip()
    return "no '!' error line in the log"


def write_latex(
    path: str | Path,
    params: Params | None = None,
    shift_order: int = 4,
    pdf: bool = False,
    timeout: float = PDFLATEX_TIMEOUT,
) -> Path:
    """Write :func:`derivation_document` to ``path`` (a ``.tex`` file) and optionally compile it.

    Parameters
    ----------
    path
        Target ``.tex`` file (the suffix is added if missing); its directory is created.
    params, shift_order
        As for :func:`derivation_document`.
    pdf
        Also run ``pdflatex`` twice (``-interaction=nonstopmode -halt-on-error``) in the target directory.
    timeout
        Seconds allowed per pdflatex run.

    Returns
    -------
    Path
        The ``.tex`` file, or the ``.pdf`` file when ``pdf`` is true.

    Raises
    ------
    InputError
        ``path`` has a suffix other than ``.tex``.
    LatexError
        pdflatex is not installed, fails (the first ``!`` line of the log is quoted) or times out.
    """
    p = Path(path)
    if p.suffix == "":
        p = p.with_suffix(".tex")
    if p.suffix != ".tex":
        raise InputError(f"path: expected a .tex file, got {str(path)!r}")
    text = derivation_document(params, shift_order)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    if not pdf:
        return p
    exe = shutil.which("pdflatex")
    if exe is None:
        raise LatexError("pdflatex not found on PATH (install texlive-latex-base) - or call with pdf=False")
    for _ in range(2):
        try:
            proc = subprocess.run(
                [exe, "-interaction=nonstopmode", "-halt-on-error", p.name],
                cwd=p.parent,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise LatexError(f"pdflatex timed out after {timeout:g} s on {p}") from None
        if proc.returncode != 0:
            log_path = p.with_suffix(".log")
            log = log_path.read_text(errors="replace") if log_path.exists() else proc.stdout.decode(errors="replace")
            raise LatexError(f"pdflatex failed on {p}: {_first_latex_error(log)} (see {log_path})")
    out = p.with_suffix(".pdf")
    if not out.exists() or out.stat().st_size == 0:
        raise LatexError(f"pdflatex produced no PDF for {p}")
    return out
