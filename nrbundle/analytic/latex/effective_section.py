"""The effective-coupling section of the LaTeX document: g_eff and the level shifts of the paper's pair resonances.

Printed from :func:`nrbundle.analytic.schrieffer_wolff.effective_hamiltonian` (through fourth order) for the
paper's two targets (:data:`nrbundle.transitions.PAPER_TARGETS`), with a table of the corrected resonances of
:func:`nrbundle.analytic.effective.corrected_resonance`. Expressions use ``tilde-Delta = Delta_ad + Delta_F``.
"""

from __future__ import annotations

import sympy as sp

from ...params import Params
from ...transitions import PAPER_TARGETS
from .. import symbols as s
from ..effective import check_shift_order, corrected_resonance
from ..schrieffer_wolff import effective_hamiltonian, group_by_coupling
from .printing import ket

__all__ = ["effective_section"]

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


def _tex(expr: sp.Expr, tidy: bool = True) -> str:
    """LaTeX of an expression with Delta_ad + Delta_F written as tilde-Delta (linear forms collapse on their own)."""
    e = expr.xreplace({s.Delta_ad: _Dt - s.Delta_F})
    if tidy:
        e = group_by_coupling(e)
    return sp.latex(e, symbol_names=_LATEX_NAMES)


def _tex_long(expr: sp.Expr, per_line: int = 3) -> str:
    """LaTeX of prefactor * (t_1 + t_2 + ...) broken after every ``per_line`` terms (for an align row)."""
    e = group_by_coupling(expr.xreplace({s.Delta_ad: _Dt - s.Delta_F}))
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


def effective_section(params: Params | None = None, shift_order: int = 4) -> str:
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
    K = check_shift_order(shift_order)
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
    for tgt in PAPER_TARGETS:
        H = effective_hamiltonian(tgt, 4)
        lines.append(rf"\paragraph{{Target ${ket(tgt, '-')}$.}}")
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
        for tgt in PAPER_TARGETS:
            for direction in ("left", "right"):
                res = corrected_resonance(params, tgt, direction, K)
                if res.valid:
                    row = f"{res.closed_form:.6f} & {res.Delta_ad:.6f} & {res.g_eff:.4e}"
                else:
                    row = r"-- & -- & --"
                lines.append(rf"${ket(tgt, '-')}$ & {direction} & {row} \\")
        lines.append(r"\hline")
        lines.append(r"\end{tabular}")
        lines.append(
            rf"\caption{{Pair resonances $|000+\rangle\leftrightarrow$ target: closed forms (S18--S22) and the roots "
            rf"of the shifted condition; $g_{{\mathrm{{eff}}}}$ at the corrected root (sign from the phases of "
            rf"Eq.~(S14)). Frequencies in {unit} (preset \texttt{{{params.preset}}}).}}"
        )
        lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
