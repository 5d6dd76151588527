"""The derivation sections of the LaTeX document: linearization (S1-S11), dressed atom (S12-S15), resonances (S16-S22).

Every expression is printed from the derived SymPy objects of :mod:`nrbundle.analytic.linearization`,
:mod:`nrbundle.analytic.dressed` and :mod:`nrbundle.analytic.resonances`; each equation carries the paper's number
as ``\\tag{Sn}``.
"""

from __future__ import annotations

import functools

import sympy as sp

from ...transitions import PAPER_TRANSITIONS
from .. import symbols as s
from ..dressed import dressed_atom, main_text_coefficients
from ..linearization import derive_linearization
from ..resonances import ladder_energy_general, n_a, n_b, n_m, prove_orange_coincidence, solve_resonance
from .printing import display_coefficient, equation, frac_paper, ket, operator_latex, tex_text, to_latex

__all__ = ["derivation_sections"]


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
    out.append(equation(operator_latex(st["S1"].exprs["H"], "H_t"), "S1"))
    out.append(r"\subsection*{Rotating frame}")
    out.append(
        r"With $U=\exp[i\omega_d t(a^{\dagger}a+\sigma^{\dagger}\sigma)]$ and $N=a^{\dagger}a+\sigma^{\dagger}\sigma$, "
        r"every monomial $T$ of (S1) satisfies $[N,T]=qT$ (checked by normal ordering; $q=+1$ for "
        r"$a^{\dagger},\sigma^{\dagger}$, $-1$ for $a,\sigma$, added over the factors of $T$), hence "
        r"$UTU^{\dagger}=e^{iq\omega_d t}T$ by the Baker--Campbell--Hausdorff series, and "
        r"$H\to UHU^{\dagger}+i\dot U U^{\dagger}=UHU^{\dagger}-\omega_d N$. The drive phases cancel:" + "\n"
    )
    out.append(equation(operator_latex(L.H_S2, "H_t"), "S2"))
    out.append(r"\subsection*{Master equation}")
    out.append(
        r"With $\mathcal{D}[o]\rho=\tfrac12(2o\rho o^{\dagger}-o^{\dagger}o\rho-\rho o^{\dagger}o)$ and "
        r"separate decay rates (Eq.~(2) of the main text has $\kappa_a=\kappa_b=\kappa_m=\kappa$):" + "\n"
    )
    out.append(
        equation(
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
    out.append(equation(operator_latex(lin, r"\mathcal{L}_1\rho"), None))
    out.append(r"which is a commutator, $\mathcal{L}_1\rho=-i[H_\kappa,\rho]$, with" + "\n")
    out.append(equation(operator_latex(L.H_kappa, r"H_\kappa"), None))
    out.append(
        equation(
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
    out.append(equation(operator_latex(L.H1, "H_1"), "S5"))
    out.append(equation(operator_latex(L.H2, "H_2"), "S6"))
    out.append(r"\subsection*{Renaming of the couplings; phase convention}")
    res = st["S7"].exprs["residual_for_phi"]
    out.append(
        r"Write $\alpha=|\alpha|e^{i\varphi}$ and apply the gauge transformation "
        r"$\delta a\to e^{i\varphi}\delta a$, $\sigma\to e^{i\varphi}\sigma$ (it leaves the Lindblad terms "
        r"invariant). It removes $\varphi$ from every term of $H_2$ except the atomic pump, which leaves" + "\n"
    )
    out.append(equation(operator_latex(res, r"\Delta H_\varphi"), None))
    out.append(
        r"on top of the form below. We adopt $\varphi=0$ ($\alpha$ real and positive, i.e.\ the atomic pump "
        r"phase-locked to the intracavity field); for $\xi_p=0$ the phase is irrelevant. With "
        + ", ".join(f"${to_latex(k)}={to_latex(v)}$" for k, v in list(L.definitions.items())[:4])
        + ":\n"
    )
    out.append(equation(operator_latex(L.H_S7, "H_2"), "S7"))
    out.append(r"\subsection*{Mean-field equations}")
    out.append(
        r"The linear part of $H_1$ is $\sum_o(E_o\,\delta o^{\dagger}+E_o^{*}\,\delta o)$, so it vanishes "
        r"exactly when $E_\alpha=E_\beta=E_\mu=0$:" + "\n"
    )
    mf = L.mean_field_equations
    body = r" \\ ".join(f"0 &= {to_latex(display_coefficient(mf[k]))}" for k in ("alpha", "beta", "mu"))
    out.append(equation(body, "S8"))
    out.append(
        r"\emph{Erratum.} The first line of (S8) in the Supplement carries $\kappa$; the derivation gives "
        r"$\kappa_a$ (they agree only for $\kappa_a=\kappa$)." + "\n"
    )
    out.append(
        r"With (S8) the linear part of $H_1$ vanishes, and its $c$-number part commutes with $\rho$:" + "\n"
    )
    out.append(
        equation(
            r"\dot\rho=-i[H_2,\rho]+\sum_{o=a,b,m}\kappa_o\mathcal{D}[\delta o]\rho+\gamma\mathcal{D}[\sigma]\rho.",
            "S9",
            split=False,
        )
    )
    out.append(r"\subsection*{Strong drive}")
    out.append(r"For $|\alpha|\gg1$ the cubic terms" + "\n")
    out.append(equation(operator_latex(L.dropped_terms, r"H_{\mathrm{dropped}}"), None))
    out.append(r"are neglected:" + "\n")
    out.append(equation(operator_latex(L.H_eff, r"H_{\mathrm{eff}}"), "S10"))
    out.append(r"\subsection*{Eq.~(1)}")
    d = L.definitions
    out.append(
        r"Renaming $\delta o\to o$ and defining "
        f"${to_latex(s.Delta_ad)}={to_latex(d[s.Delta_ad])}$ and ${to_latex(s.Delta_sa)}={to_latex(d[s.Delta_sa])}$ "
        r"(so that $\omega_\sigma-\omega_d=\Delta_{ad}+\Delta_{\sigma a}=\Delta_{\sigma d}$) gives Eq.~(1) of the "
        r"main text ($\Delta_F>0$ for the left drive, $\Delta_F<0$ for the right drive):" + "\n"
    )
    out.append(equation(operator_latex(L.H_final, "H"), "S11"))
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
        equation(
            f"H_\\sigma = {operator_latex(A.H_sigma_operator, width=10**6)[2:]} = {to_latex(A.H_sigma)},",
            "S12",
            split=False,
        )
    )
    out.append(
        equation(
            f"E_{{+}} = {to_latex(sp.factor(sh['E_plus']))}, \\qquad E_{{-}} = {to_latex(sp.factor(sh['E_minus']))},",
            "S13",
            split=False,
        )
    )
    out.append(
        equation(
            r"|+\rangle = c_{+}|g\rangle + c_{-}|e\rangle, \qquad |-\rangle = c_{-}|g\rangle - c_{+}|e\rangle,",
            "S14",
            split=False,
        )
    )
    out.append(
        equation(
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
        equation(
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
        sign = "+" if pt.direction == "left" else "-"
        drive = f"{pt.direction} drive, $\\Delta_F={sign}|\\Delta_F|$"
        out.append(
            f"\\paragraph{{${ket((0, 0, 0), '+')}\\leftrightarrow{ket(pt.target, '-')}$, {drive}.}} "
            f"{pt.figure}. Valid for ${to_latex(sol.condition)}$.\n"
        )
        if pt.unsquared_equation:
            out.append(equation(f"{to_latex(sol.unsquared)} = 0,", pt.unsquared_equation, split=False))
        out.append(equation(f"\\Delta_{{ad}} = {frac_paper(sol.solutions[0])}.", pt.equation, split=False))
        if pt.note:
            out.append(r"\emph{Note.} " + tex_text(pt.note) + "\n")
    out.append(r"\subsection*{Examples beyond the paper}")
    for target, direction in (((2, 0, 2), "left"), ((0, 1, 1), "left")):
        sol = solve_resonance(target, direction)
        out.append(
            f"\\paragraph{{${ket((0, 0, 0), '+')}\\leftrightarrow{ket(target, '-')}$, {direction} drive.}} "
            + (
                "Exists for all parameters."
                if sol.condition is sp.true
                else f"Resonant for ${to_latex(sol.condition)}$."
            )
            + "\n"
        )
        body = r" \\ ".join(f"\\Delta_{{ad}} &= {to_latex(r)}" for r in sol.solutions)
        out.append(equation(body, None))
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
        equation(
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



@functools.lru_cache(maxsize=1)
def derivation_sections() -> str:
    """The sections S1-S11, S12-S15 and S16-S22 of the document (cached: they do not depend on the parameters)."""
    return "\n".join([_linearization_section(), _dressed_section(), _resonance_section()])
