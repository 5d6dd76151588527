"""Named checks: every analytic claim of the paper and of nrbundle's analytic layer held against exact numerics.

A :class:`Check` carries an analytic value, a numeric value, the error, the tolerance with the reason for it, and a
verdict. Some checks document a *finding* rather than a property of the tool: the closed forms S18-S22 are expected
to miss the true resonance by many splitting widths; such checks have ``expected=False`` and do not make the report
fail.
"""

from __future__ import annotations

__all__ = [
    "Check",
    "CrosscheckReport",
    "run_checks",
    "TOLERANCES",
]

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..analytic import symbols as s
from ..analytic.dressed import dressed_atom
from ..analytic.effective import corrected_resonance
from ..analytic.resonances import closed_form
from ..errors import InputError, error_line, shorten
from ..numeric.dynamics import evolve, super_rabi_frequency
from ..numeric.spectrum import avoided_crossing, avoided_crossing_converged
from ..numeric.steady import model_observables, solve_steady, steady_observables
from ..numeric.witness import witness as entanglement_witness
from ..params import Params
from ..report import crosscheck_markdown
from ..transitions import ORANGE_TRANSITIONS, PAIR_MODES, PAPER_TRANSITIONS, paper_transition

#: Named tolerances and why.
TOLERANCES: dict[str, tuple[float, str]] = {
    "dressed": (1e-12, "S13/S15 are exact; only round-off separates them from numpy.linalg.eigh"),
    "position": (
        0.05,
        "resonance position in units of the avoided-crossing width 2|g_eff| (issue acceptance: 5%)",
    ),
    "g_eff": (0.03, "relative error of |g_eff| against half the minimum ED splitting (issue acceptance: 3%)"),
    "super_rabi": (
        0.05,
        "relative error of |g_eff| against the super-Rabi frequency of the closed dynamics; the frequency is "
        "extracted from a finite time trace and the off-resonant admixtures (~1%) modulate it",
    ),
    "orange": (
        1.0,
        "|Delta_ad(110-,left) - Delta_ad(101-,right)| in units of g_eff(110) + g_eff(101): the two avoided "
        "crossings overlap, so one Delta_ad drives both",
    ),
    "nonreciprocity": (
        10.0,
        "minimum ratio of the target-mode excitation for the resonant over the non-resonant drive direction",
    ),
    "truncation": (1e-2, "relative change of the steady-state observables between the last two cutoffs"),
    "witness": (0.0, "D1 = max(0, W1) must be > 0"),
}


@dataclass(frozen=True)
class Check:
    """One claim held against numerics.

    Attributes
    ----------
    name
        Stable identifier, e.g. ``"corrected_resonance[101-,left]"``.
    analytic, numeric
        The two values compared (``None`` for a purely numeric criterion).
    error
        The measure compared with ``tolerance`` (its definition is in ``note``).
    tolerance
        Threshold; ``passed`` means ``error <= tolerance`` unless ``note`` says otherwise.
    passed
        Verdict.
    note
        How the numbers were obtained (cutoff, solver residual, convergence) and why the tolerance.
    expected
        False for a documented finding that is expected to fail (the closed forms S18-S22).
    group
        Topic: ``dressed``, ``resonance``, ``coupling``, ``orange``, ``nonreciprocity``, ``witness``, ``truncation``.
    """

    name: str
    analytic: float | None
    numeric: float | None
    error: float | None
    tolerance: float | None
    passed: bool
    note: str
    expected: bool = True
    group: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the CLI contract keys (plus ``expected`` and ``group``)."""
        return asdict(self)


@dataclass
class CrosscheckReport:
    """All checks for one parameter set."""

    preset: str
    units: str
    checks: list[Check] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def passed(self) -> bool:
        """True when every check that is expected to pass passes."""
        return all(c.passed for c in self.checks if c.expected)

    def to_dict(self) -> dict[str, Any]:
        """``{"preset", "checks": [...], "passed"}`` (CLI contract) plus ``units`` and ``elapsed``."""
        return {
            "preset": self.preset,
            "units": self.units,
            "checks": [c.to_dict() for c in self.checks],
            "passed": self.passed,
            "elapsed": self.elapsed,
        }

    def table(self) -> str:
        """A readable fixed-width table (a check that could not be computed shows its reason after the verdict)."""
        lines = [
            f"crosscheck, preset {self.preset} (frequencies in units of {self.units})",
            f"{'check':<44} {'analytic':>13} {'numeric':>13} {'error':>10} {'tol':>8}  verdict",
        ]
        for c in self.checks:
            verdict = "pass" if c.passed else ("FAIL" if c.expected else "finding (expected to fail)")
            if not c.passed and c.error is None:  # no number to show: say why
                verdict += f": {shorten(c.note, 200)}"
            lines.append(
                f"{c.name:<44} {_fmt(c.analytic):>13} {_fmt(c.numeric):>13} {_fmt(c.error, 3):>10} "
                f"{_fmt(c.tolerance, 3):>8}  {verdict}"
            )
        lines.append(f"overall: {'PASSED' if self.passed else 'FAILED'} ({self.elapsed:.1f} s)")
        return "\n".join(lines)

    def markdown(self) -> str:
        """The report as a Markdown table with the notes (:func:`nrbundle.report.crosscheck_markdown`: every cell
        escaped, so a ``|`` in a note stays inside its cell)."""
        return crosscheck_markdown(self.to_dict())


def _fmt(x: Any, digits: int = 8) -> str:
    if x is None:
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    x = float(x)
    if not math.isfinite(x):
        return "nan"
    return f"{x:.{digits}g}"


def _label(target: tuple[int, int, int]) -> str:
    return "".join(map(str, target)) + "-"


def _failed(name: str, group: str, exc: BaseException) -> Check:
    note = f"the check could not be computed: {error_line(exc)}"
    return Check(name, None, None, None, None, False, note, True, group)


# ---------------------------------------------------------------- the checks
def check_dressed_atom(params: Params) -> list[Check]:
    """S13-S15 (derived by SymPy) against numpy.linalg.eigh of the 2x2 driven atom S12."""
    da = dressed_atom()
    args = (s.Delta_ad, s.Delta_sa, s.xi)
    f = {k: sp.lambdify(args, getattr(da, k), "numpy") for k in ("E_plus", "E_minus", "c_plus", "c_minus")}
    errs_E, errs_c = [], []
    for Delta_ad in np.linspace(-4.0, 6.0, 21) * (1.0 / params.scale):
        D = params.Delta_sa + Delta_ad
        Hs = np.array([[D, params.xi], [params.xi, 0.0]])  # basis (|e>, |g>), sigma = |g><e|
        w, v = np.linalg.eigh(Hs)
        Ep, Em = (f[k](Delta_ad, params.Delta_sa, params.xi) for k in ("E_plus", "E_minus"))
        cp, cm = (f[k](Delta_ad, params.Delta_sa, params.xi) for k in ("c_plus", "c_minus"))
        errs_E.append(max(abs(w[1] - Ep), abs(w[0] - Em)) / params.xi)
        # |+> = c+|g> + c-|e> -> (c-, c+) in (e, g); compare up to a global sign
        plus = v[:, 1] * np.sign(v[1, 1])
        errs_c.append(max(abs(plus[0] - cm), abs(plus[1] - cp)))
    tol, why = TOLERANCES["dressed"]
    eE, ec = float(max(errs_E)), float(max(errs_c))
    return [
        Check("dressed_energies_S13", None, None, eE, tol, eE <= tol,
              f"max |E_pm(S13) - eigh| / xi over 21 Delta_ad values; {why}", True, "dressed"),
        Check("dressed_coefficients_S15", None, None, ec, tol, ec <= tol,
              f"max |c_pm(S15) - eigenvector component| over 21 Delta_ad values; {why}", True, "dressed"),
    ]


def check_transition(params: Params, target: tuple[int, int, int], direction: str, *, cutoffs=(4, 5),
                     dynamics: bool = True) -> tuple[list[Check], Any]:
    """Closed form, corrected resonance and g_eff of one transition against exact diagonalization."""
    lab = f"{_label(target)},{direction}"
    ac = avoided_crossing_converged(params, target, direction, cutoffs=cutoffs)
    conv = ac.convergence or {}
    width = 2.0 * ac.half_splitting
    closed = float(closed_form(params, target, direction))
    corr = corrected_resonance(params, target, direction, shift_order=4)
    tol_pos, why_pos = TOLERANCES["position"]
    ed_note = (
        f"ED minimum splitting at cutoff {tuple(ac.cutoff)} (change vs previous cutoff: "
        f"{_fmt(conv.get('resonance_change'), 2)} in Delta_ad, {_fmt(conv.get('half_splitting_change'), 2)} in g)"
    )
    checks = []
    e_closed = abs(closed - ac.resonance) / width
    checks.append(Check(
        f"closed_form_resonance[{lab}]", closed, ac.resonance, e_closed, tol_pos, e_closed <= tol_pos,
        f"error in units of 2|g_eff| = {width:.4g}; S18-S22 ignore the level shifts, so this is a documented "
        f"finding, expected to fail; {ed_note}", False, "resonance"))
    e_corr = abs(corr.Delta_ad - ac.resonance) / width
    checks.append(Check(
        f"corrected_resonance[{lab}]", corr.Delta_ad, ac.resonance, e_corr, tol_pos,
        bool(corr.valid) and e_corr <= tol_pos,
        f"fourth-order level shifts; error in units of 2|g_eff|; {why_pos}; {ed_note}", True, "resonance"))
    tol_g, why_g = TOLERANCES["g_eff"]
    g = abs(corr.g_eff)
    e_g = abs(g - ac.half_splitting) / ac.half_splitting
    checks.append(Check(
        f"g_eff_vs_splitting[{lab}]", g, ac.half_splitting, e_g, tol_g, e_g <= tol_g,
        f"order-{corr.g_eff_order} g_eff at the corrected resonance vs half the minimum ED splitting; {why_g}",
        True, "coupling"))
    if dynamics:
        checks.append(_check_super_rabi(params, target, direction, ac, g, lab))
    return checks, ac


def _check_super_rabi(params: Params, target, direction, ac, g: float, lab: str) -> Check:
    name = f"g_eff_vs_super_rabi[{lab}]"
    cutoff = (4, 4, 4)  # cutoff 3 misplaces the resonance by about one width; 4 agrees with 5 to ~1e-2 widths
    try:
        conv = ac.convergence or {}
        if cutoff in conv.get("cutoffs", ()):  # reuse the ED ladder's result at this cutoff
            i = conv["cutoffs"].index(cutoff)
            resonance, half = conv["resonances"][i], conv["half_splittings"][i]
        else:
            ac4 = avoided_crossing(params, target, direction, cutoff=cutoff)
            resonance, half = ac4.resonance, ac4.half_splitting
        period = math.pi / (2.0 * half)
        tlist = np.linspace(0.0, 2.2 * period, 1500)
        dyn = evolve(params, direction, resonance, tlist, cutoff=cutoff, solver="eig")  # exact, ~100x cheaper
        freq = float(super_rabi_frequency(dyn, label=_label(target)))
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        return _failed(name, "coupling", exc)
    tol, why = TOLERANCES["super_rabi"]
    e = abs(g - freq) / freq
    return Check(name, g, freq, e, tol, e <= tol,
                 f"closed dynamics (exact spectral propagation, cutoff {cutoff}) from |000+> at the ED resonance of "
                 f"that cutoff; {why}",
                 True, "coupling")


def check_orange(params: Params, crossings: dict) -> list[Check]:
    """S19 = S21 (proved symbolically when omega_m - omega_b = 2|Delta_F|) seen in exact diagonalization."""
    (t1, d1), (t2, d2) = ORANGE_TRANSITIONS
    a1, a2 = crossings.get((t1, d1)), crossings.get((t2, d2))
    if a1 is None or a2 is None:
        return []
    tol, why = TOLERANCES["orange"]
    coincide = math.isclose(params.omega_m - params.omega_b, 2 * params.Delta_F, rel_tol=1e-12, abs_tol=1e-15)
    c1, c2 = closed_form(params, t1, d1), closed_form(params, t2, d2)
    err = abs(a1.resonance - a2.resonance) / (a1.half_splitting + a2.half_splitting)
    return [
        Check("orange_coincidence_closed_form", float(c1), float(c2), abs(c1 - c2), 1e-12 * max(1.0, abs(c1)),
              abs(c1 - c2) <= 1e-12 * max(1.0, abs(c1)),
              "S21 (|110->, left) vs S19 (|101->, right); equal iff omega_m - omega_b = 2|Delta_F| "
              f"(holds here: {coincide})", coincide, "orange"),
        Check("orange_coincidence_ED", a1.resonance, a2.resonance, err, tol, err <= tol,
              f"ED resonances of |110-> left and |101-> right; {why}", coincide, "orange"),
    ]


def check_nonreciprocity(params: Params, target, direction, pair: str, Delta_ad: float) -> tuple[list[Check], Any]:
    """Steady state at a transition's resonance: target excitation for the resonant direction only.

    Returns the checks and the steady state of the resonant direction (reused by the witness checks).
    """
    other = "right" if direction == "left" else "left"
    lab = f"{_label(target)},{direction}"
    mode = f"n_{PAIR_MODES[pair][1]}"  # the pair's second mode: b (phonon) or m (magnon)
    # converge what this check uses: the pair's occupations and correlations
    observables = ("n_a", mode, f"g1_{pair}", f"g2_{pair}")
    rtol = TOLERANCES["truncation"][0]  # converged to the tolerance that the truncation checks below state
    res = solve_steady(params, direction, Delta_ad, cutoff="auto", observables=observables, rtol=rtol)
    off = solve_steady(params, other, Delta_ad, cutoff="auto", observables=("n_a", mode), rtol=rtol)
    o_res, o_off = steady_observables(res), steady_observables(off)
    ratio = o_res[mode] / max(o_off[mode], 1e-300)
    tol, why = TOLERANCES["nonreciprocity"]
    g1, g2 = o_res[f"g1_{pair}"], o_res[f"g2_{pair}"]
    checks = [
        Check(f"nonreciprocity[{lab}]", None, ratio, ratio, tol, ratio >= tol,
              f"<{mode[2:]}'{mode[2:]}> {direction} / {other} at Delta_ad = {Delta_ad:.8f} (ED resonance); "
              f"{why} (passes when error >= tolerance); cutoffs {o_res['cutoff']} / {o_off['cutoff']}, "
              f"residuals {o_res['residual']:.1e} / {o_off['residual']:.1e}", True, "nonreciprocity"),
        Check(f"bundle_correlations[{lab}]", None, g2, g1, 1.0, bool(g1 > 1.0),
              f"steady state at the resonance: g1_{pair}(0) = {g1:.4g} (error column; must exceed 1: strong "
              f"photon-{'magnon' if pair == 'am' else 'phonon'} correlation), bundle g2_{pair}(0) = {g2:.4g} "
              "(numeric column; < 1 means antibunched bundles, which depends on kappa: see docs/claims.md)",
              True, "nonreciprocity"),
    ]
    tol_t, why_t = TOLERANCES["truncation"]
    for o, tag in ((o_res, direction), (o_off, other)):
        te = o["truncation_error"]
        checks.append(Check(
            f"truncation[{lab},{tag} drive]", None, te, te, tol_t, te is not None and te <= tol_t,
            f"cutoff auto -> {o['cutoff']}; {why_t}", True, "truncation"))
    return checks, res


WITNESS_KAPPA_FACTORS: tuple[float, ...] = (0.5, 1.0, 2.0)


def check_witness(st: Any, pair: str) -> list[Check]:
    """Fig. 4: D1 > 0 in the antibunched-bundle regime, for the pair the paper names for this direction.

    ``st`` is the converged steady state at that regime's resonance at the preset's kappa
    (:class:`~nrbundle.numeric.steady.SteadyState`). The regime is sampled at kappa times
    :data:`WITNESS_KAPPA_FACTORS`; a point belongs to the antibunched-bundle regime when g2 < 1 and g1 > 1 (Fig. 3
    shading). Two claims are checked per partition: D1 > 0 somewhere in the regime (the tool's verdict on Fig. 4),
    and D1 > 0 at every sampled antibunched point (the paper's wording; a documented finding where it fails).
    """
    direction, Delta_ad, params = st.direction, st.Delta_ad, st.params
    o = PAIR_MODES[pair][1]
    samples = []
    for factor in WITNESS_KAPPA_FACTORS:
        if factor == 1.0:
            s_k = st
        else:
            p_k = params.replace(kappa=params.kappa * factor, kappa_a=None, kappa_b=None, kappa_m=None)
            s_k = solve_steady(p_k, direction, Delta_ad, cutoff="auto", rtol=1e-2,
                               observables=("n_a", f"n_{o}", f"g1_{pair}", f"g2_{pair}"))
        obs = model_observables(s_k.model, s_k.rho_ss, (f"g1_{pair}", f"g2_{pair}"))
        samples.append((s_k, obs[f"g1_{pair}"], obs[f"g2_{pair}"]))
    out = []
    for parties in (("a", o), ("a", o, "sigma")):
        tag = f"{''.join(p[0] for p in parties)},{direction}"
        rows = []
        for s_k, g1v, g2v in samples:
            w = entanglement_witness(s_k.rho_ss, parties, optimise_w2=False)  # W1 is what is checked
            rows.append((s_k.params.kappa, g1v, g2v, w.W1, tuple(s_k.cutoff)))
        anti = [r for r in rows if r[2] < 1.0 < r[1]]
        table = "; ".join(
            f"kappa={k:.4g}: g1={a:.3g}, g2={b:.3g}, W1={w:.3g}, cutoff {c}" for k, a, b, w, c in rows
        )
        best = max((r[3] for r in anti), default=float("nan"))
        worst = min((r[3] for r in anti), default=float("nan"))
        out.append(Check(
            f"witness_D1_in_regime[{tag}]", None, best, max(0.0, best) if anti else None, 0.0,
            bool(anti) and best > 0.0,
            f"W1 = max eig(Q - 4 Gamma) (Eq. 4, errata 2) at Delta_ad = {Delta_ad:.8f}; largest W1 over the "
            f"antibunched points (passes when D1 = max(0, W1) > 0 there): {table}", True, "witness"))
        out.append(Check(
            f"witness_D1_everywhere_in_regime[{tag}]", None, worst, max(0.0, worst) if anti else None, 0.0,
            bool(anti) and worst > 0.0,
            "paper's wording (Fig. 4: entangled throughout the antibunched regime); smallest W1 over the antibunched "
            "points; a documented finding where it fails (see docs/claims.md)", False, "witness"))
    return out


def run_checks(params: Params, *, dynamics: bool = True, steady: bool = True, witness: bool = True,
               cutoffs: Iterable[int] = (4, 5), progress: Callable[[str], None] | None = None) -> CrosscheckReport:
    """Run every check for ``params``.

    Parameters
    ----------
    params
        Parameter set (its preset name and units go into the report).
    dynamics, steady, witness
        Include the closed-dynamics, master-equation and entanglement-witness checks (the slow parts).
    cutoffs
        Cutoffs of the exact-diagonalization convergence ladder.
    progress
        Called with the name of each stage (e.g. ``print`` or a tqdm ``write``).
    """
    if not isinstance(params, Params):
        raise InputError("params: expected a Params instance")
    t0 = time.perf_counter()
    report = CrosscheckReport(preset=params.preset, units=params.units)
    say = progress or (lambda _msg: None)
    say("dressed atom")
    try:
        report.checks += check_dressed_atom(params)
    except Exception as exc:  # noqa: BLE001
        report.checks.append(_failed("dressed_atom", "dressed", exc))
    crossings: dict = {}
    for t in PAPER_TRANSITIONS:
        target, direction = t.target, t.direction
        say(f"transition |{_label(target)}> {direction}")
        try:
            checks, ac = check_transition(params, target, direction, cutoffs=tuple(cutoffs), dynamics=dynamics)
            crossings[(target, direction)] = ac
            report.checks += checks
        except Exception as exc:  # noqa: BLE001
            report.checks.append(_failed(f"transition[{_label(target)},{direction}]", "resonance", exc))
    report.checks += check_orange(params, crossings)
    states: dict = {}
    if steady:
        for t in PAPER_TRANSITIONS:
            target, direction, pair = t.target, t.direction, t.pair
            ac = crossings.get((target, direction))
            if ac is None:
                continue
            say(f"steady state |{_label(target)}> {direction}")
            try:
                checks, states[(target, direction)] = check_nonreciprocity(
                    params, target, direction, pair, ac.resonance
                )
                report.checks += checks
            except Exception as exc:  # noqa: BLE001
                report.checks.append(_failed(f"nonreciprocity[{_label(target)},{direction}]", "nonreciprocity", exc))
    if steady and witness:
        for target, direction in ORANGE_TRANSITIONS:
            st = states.get((target, direction))
            if st is None:
                continue
            pair = paper_transition(target, direction).pair
            say(f"witness {pair} {direction}")
            try:
                report.checks += check_witness(st, pair)
            except Exception as exc:  # noqa: BLE001
                report.checks.append(_failed(f"witness[{pair},{direction}]", "witness", exc))
    report.elapsed = time.perf_counter() - t0
    return report
