"""Steady-state excitation spectra versus Delta_ad for both drive directions, and the S16 ladder: Fig. 1(c-e).

The steady state of Eq. (2) is swept over a Delta_ad window spanning the four ED resonances, at one Fock cutoff
checked by the project's rule at the three regimes' Delta_ad and at both ends of the window, for both directions
(:func:`nrbundle.study.cutoffs.choose_cutoff` on :data:`FIG1_OBSERVABLES`). The grid is put where the lines are
(:func:`spectrum_grid`): the analytic layer and the resonance table say where each resonance is and how wide its
steady-state line is (:func:`line_widths`), so the points sit densely across each line and sparsely on the smooth
background between them. The steady-state peaks are located next to the ED resonances (they differ by
kappa-dependent shifts, :func:`peak_position`). The uncoupled dressed ladder of S16 comes from the analytic layer
(:func:`ladder_energies`).
"""

from __future__ import annotations

__all__ = [
    "FIG1_OBSERVABLES",
    "LINE_SPACING",
    "LINE_CORE",
    "TAIL_SPACING",
    "BACKGROUND_STEP",
    "line_widths",
    "spectrum_grid",
    "ladder_energies",
    "peak_position",
    "spectrum_point",
    "excitation_spectra",
]

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..analytic.numeric_bridge import lambdify_expr
from ..analytic.resonances import ladder_energy
from ..params import Params
from ..provenance import cached_json, short_hash
from ..transitions import PAPER_TARGETS, PAPER_TRANSITIONS, REGIME_NAMES, transition_key
from . import progress
from .cutoffs import CONVERGENCE_RTOL, QUICK_RTOL, choose_cutoff
from .points import steady_values
from .resonances import locate_resonances, regime_Delta_ad
from .work import figure_sweep, work_dir

#: Occupations whose convergence decides the Fig. 1 cutoff (the plotted ones).
FIG1_OBSERVABLES: tuple[str, ...] = ("n_a", "n_b", "n_m")
#: Grid spacing across the top of each resonance's line (|Delta_ad - resonance| <= :data:`LINE_CORE` half-widths), in
#: units of its half-width (:func:`line_widths`): full run, quick run. 0.2 half-widths keep a log-linear
#: interpolation between grid points within ~0.3 % there and the parabolic peak position within ~1e-3 half-widths.
LINE_SPACING: Mapping[bool, float] = {False: 0.2, True: 0.6}
#: Half-width of the uniformly resolved top of each line, in units of its half-width.
LINE_CORE: float = 2.0
#: Beyond the top, the spacing grows in proportion to the distance from the nearest line, by this fraction of it (a
#: Lorentzian tail falls as a power of the distance, so such a spacing keeps the log-linear interpolation error
#: the same everywhere: ~0.5 % at 0.15, ~5 % at 0.45): full run, quick run.
TAIL_SPACING: Mapping[bool, float] = {False: 0.15, True: 0.45}
#: Largest spacing anywhere in the window, in units of omega_b (guards the background between lines): full, quick.
BACKGROUND_STEP: Mapping[bool, float] = {False: 5e-3, True: 1e-2}


def line_widths(params: Params, resonances: Mapping[str, Any]) -> dict[str, float]:
    """Half-width at half maximum, in Delta_ad, of each paper transition's steady-state line (Fig. 1(c,d)).

    Near its resonance the transition |000+> <-> |n_a n_b n_m -> is a driven two-level system with coupling g_eff
    (the ED half-splitting) whose upper state decays at Gamma = n_a kappa_a + n_b kappa_b + n_m kappa_m; its
    population is a Lorentzian in the detuning delta with half-width sqrt(Gamma^2/4 + 2 g_eff^2). The detuning
    moves with Delta_ad at the slope s = d(E_target - E_000+)/dDelta_ad of the S16 ladder (:func:`ladder_energies`),
    so the half-width in Delta_ad is sqrt(Gamma^2/4 + 2 g_eff^2) / |s|.

    Returns
    -------
    dict
        ``"101-left" -> half-width`` (units of ``params``) for every transition of
        :data:`nrbundle.transitions.PAPER_TRANSITIONS`.
    """
    rates = params.rates
    out = {}
    for t in PAPER_TRANSITIONS:
        r = resonances[t.key]
        x = float(r["ed"])
        h = 1e-6 * params.omega_b
        E = ladder_energies(params, np.array([x - h, x + h]))
        gap = E[t.key] - E["000+"]
        slope = float(gap[1] - gap[0]) / (2 * h)
        gamma = sum(n * rates[f"kappa_{o}"] for n, o in zip(t.target, ("a", "b", "m"), strict=True))
        g = float(r["half_splitting"])
        out[t.key] = math.sqrt(0.25 * gamma**2 + 2.0 * g**2) / abs(slope)
    return out


def spectrum_grid(
    lines: Sequence[tuple[float, float]], lo: float, hi: float, *, spacing: float, tail: float, background: float,
    keep: Sequence[float] = (),
) -> np.ndarray:
    """Delta_ad grid on [lo, hi] where the lines are: dense across each line, sparser with the distance from it.

    Spacing ``spacing * w`` within ``LINE_CORE * w`` of each line ``(centre, half-width w)``, growing beyond by
    ``tail`` times the distance from the top, at most ``background`` anywhere; the line centres and the points
    ``keep`` (e.g. the regime Delta_ad) included exactly.

    The grid is marched outward from every line centre to both ends of the window, each step the local spacing
    (the smallest any line asks for there; it grows by a fraction < 1 of the distance to a line, so no line is
    stepped over), keeping each point from the march of the line that sets the spacing there, so that each line's
    top is sampled symmetrically about its centre; where two marches meet, a point closer than 3/4 of the local
    spacing to the one kept before it is dropped (exact points are kept) and a gap wider than the local spacing is
    filled.
    """
    cs = np.array([float(c) for c, _ in lines])
    ws = np.array([float(w) for _, w in lines])

    def steps(x: float) -> np.ndarray:
        far = np.maximum(np.abs(x - cs) - LINE_CORE * ws, 0.0)
        return np.minimum(background, spacing * ws + tail * far)

    def step(x: float) -> float:
        return float(np.min(steps(x))) if cs.size else background

    exact = {float(v) for v in (*cs, *keep) if lo <= v <= hi} | {float(lo), float(hi)}
    pts = set(exact)
    for i, c in enumerate(cs):
        for sign in (1.0, -1.0):
            x = float(c)
            while True:
                x += sign * step(x)
                if not lo < x < hi:
                    break
                if steps(x)[i] <= step(x) * (1 + 1e-12):  # keep the points of the line that sets the spacing here
                    pts.add(x)
    if cs.size == 0:
        pts |= set(np.linspace(lo, hi, int(np.ceil((hi - lo) / background)) + 1).tolist())
    kept: list[float] = []
    for x in sorted(pts):
        if kept and x - kept[-1] < 0.75 * step(x):
            if x in exact and kept[-1] not in exact:
                kept[-1] = x
            elif x in exact:
                kept.append(x)
            continue
        kept.append(x)
    grid = kept[:1]
    for x in kept[1:]:
        while x - grid[-1] > step(0.5 * (x + grid[-1])) * (1 + 1e-9):  # where marches met: fill the gap
            grid.append(grid[-1] + min(step(grid[-1]), 0.5 * (x - grid[-1])))
        grid.append(x)
    return np.array(grid)


def ladder_energies(params: Params, Delta_ad: np.ndarray) -> dict[str, np.ndarray]:
    """S16 energies of |000+>, |101->, |110-> for both directions: keys ``"000+"``, ``"101-left"``, ...

    E(|000+>) = E_+ and E(|n_a n_b n_m ->) = E_- + n_a (Delta_ad + Delta_F) + n_b omega_b + n_m omega_m, lambdified
    from the SymPy expressions of :func:`nrbundle.analytic.resonances.ladder_energy`.
    """
    x = np.asarray(Delta_ad, dtype=float)
    e0 = lambdify_expr(ladder_energy(0, 0, 0, "+")).at(params, "left", Delta_ad=x)
    out = {"000+": np.broadcast_to(e0, x.shape).copy()}
    for target in PAPER_TARGETS:
        f = lambdify_expr(ladder_energy(*target, "-"))
        for d in ("left", "right"):
            out[transition_key(target, d)] = np.broadcast_to(f.at(params, d, Delta_ad=x), x.shape).copy()
    return out


def peak_position(x: np.ndarray, y: np.ndarray, centre: float, half: float) -> float:
    """Position of the maximum of ``y`` within ``centre +- half``: the vertex of the parabola through log(y) at the
    grid maximum and its two neighbours (the grid maximum itself at an edge or without curvature; NaN with fewer
    than three points in the window)."""
    sel = np.flatnonzero(np.abs(x - centre) <= half)
    if sel.size < 3:
        return math.nan
    k = sel[int(np.argmax(y[sel]))]
    if k == 0 or k == x.size - 1:
        return float(x[k])
    x0, x1, x2 = x[k - 1:k + 2]
    y0, y1, y2 = np.log(y[k - 1:k + 2])
    den = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / den
    b = (x2**2 * (y0 - y1) + x1**2 * (y2 - y0) + x0**2 * (y1 - y2)) / den
    return float(-b / (2 * a)) if a < 0 else float(x1)


def spectrum_point(point: Mapping[str, Any], *, params: Params, cutoff: Sequence[int],
                   work: str | None = None) -> dict[str, Any]:
    """Sweep point of Fig. 1 at ``point = {"direction", "Delta_ad"}``: the steady state of Eq. (2) at ``cutoff``.

    :func:`nrbundle.study.points.steady_values` at the checked cutoff, shared with the cutoff checks through
    ``work``.
    """
    r = steady_values(params, str(point["direction"]), float(point["Delta_ad"]), cutoff, work=work)
    progress.point_done()
    return r


def excitation_spectra(
    out_dir: str | os.PathLike[str],
    *,
    params: Params,
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    cutoff: Sequence[int] | None = None,
    grid: Sequence[float] | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The data of Fig. 1(c-e): steady-state occupations versus Delta_ad (both directions) and the S16 ladder.

    Parameters
    ----------
    out_dir
        Figure folder; the sweep checkpoints and caches go to ``out_dir/work`` (a rerun resumes).
    params
        Parameter set.
    quick
        A coarser grid (:data:`LINE_SPACING`, :data:`TAIL_SPACING`, :data:`BACKGROUND_STEP`); the cutoff checked to
        :data:`~nrbundle.study.cutoffs.QUICK_RTOL`.
    executor, workers
        Sweep executor and worker count.
    cutoff
        Override of the Fock cutoff (skips the convergence check; recorded).
    grid
        Override of the Delta_ad grid (testing).
    resonances
        The run's resonance table (:func:`~nrbundle.study.resonances.locate_resonances` for ``params`` and
        ``quick``); located (or read from the work folder's cache) when ``None``.

    Returns
    -------
    dict
        ``{"resonances", "regimes" (name -> regime_Delta_ad record), "cutoff", "cutoff_selection", "window":
        (lo, hi), "Delta_ad" (grid), "n": {"n_a", "n_b", "n_m", "n_atom"} (arrays (direction, Delta_ad)),
        "residual", "sweep", "ladder_Delta_ad", "ladder", "peaks"}``.
    """
    work = work_dir(out_dir)
    res = locate_resonances(params, quick=quick, work=work) if resonances is None else resonances
    regimes = {r: regime_Delta_ad(res, r) for r in REGIME_NAMES}
    w = params.omega_b

    eds = [res[t.key]["ed"] for t in PAPER_TRANSITIONS]
    lo, hi = min(eds) - 0.04 * w, max(eds) + 0.03 * w
    if cutoff is not None:
        cut = [int(n) for n in cutoff]
        conv: dict[str, Any] = {"cutoff": cut, "rule": "given by the caller (not checked)"}
    else:
        # the lines (at the regime Delta_ad) and the ends of the window, where the off-resonant background is largest
        pts = [(d, x) for x in (*(regimes[r]["Delta_ad"] for r in REGIME_NAMES), lo, hi) for d in ("left", "right")]
        rtol = QUICK_RTOL if quick else CONVERGENCE_RTOL
        key = {"what": "fig1-cutoff", "params": params.to_dict(), "points": pts, "observables": FIG1_OBSERVABLES,
               "rtol": rtol, "version": 6}
        conv = cached_json(work / f"fig1-cutoff-{short_hash(key)}.json", key,
                           lambda: choose_cutoff(params, pts, FIG1_OBSERVABLES, rtol=rtol, work=work))
        cut = list(conv["cutoff"])
        progress.note(f"Fig. 1 cutoff {tuple(cut)} (checked to {conv['rtol']:g} at the regime Delta_ad and the ends "
                      "of the window)")

    widths = line_widths(params, res)
    if grid is None:
        lines = [(float(res[t.key]["ed"]), widths[t.key]) for t in PAPER_TRANSITIONS]
        x = spectrum_grid(lines, lo, hi, spacing=LINE_SPACING[bool(quick)], tail=TAIL_SPACING[bool(quick)],
                          background=BACKGROUND_STEP[bool(quick)] * w,
                          keep=[regimes[r]["Delta_ad"] for r in REGIME_NAMES])
    else:
        x = np.asarray(grid, dtype=float)
    # the cutoff was chosen above (or is the override): no per-point truncation estimate; points shared with the
    # cutoff checks (the regime Delta_ad) come from the run's point cache
    sweep = figure_sweep(spectrum_point, {"direction": ["left", "right"], "Delta_ad": x},
                         {"params": params, "cutoff": cut, "work": str(work)}, out_dir, "fig1",
                         executor=executor, workers=workers)
    n = {k: np.asarray(sweep[k]) for k in ("n_a", "n_b", "n_m", "n_atom")}
    ladder_x = np.linspace(lo, hi, 400)

    # steady-state peak positions next to the ED resonances (they differ by kappa-dependent shifts)
    peaks = {}
    for t in PAPER_TRANSITIONS:
        mode = "n_m" if t.pair == "am" else "n_b"
        i = 0 if t.direction == "left" else 1
        ed = res[t.key]["ed"]
        pk = peak_position(x, n[mode][i], ed, 0.01 * w)
        peaks[t.key] = {"observable": mode, "peak": pk, "peak_minus_ed": pk - ed}

    return {
        "resonances": res,
        "regimes": regimes,
        "cutoff": cut,
        "cutoff_selection": conv,
        "window": (lo, hi),
        "Delta_ad": x,
        "n": n,
        "residual": sweep.meta("residual"),
        "sweep": sweep,
        "ladder_Delta_ad": ladder_x,
        "ladder": ladder_energies(params, ladder_x),
        "line_half_widths": widths,
        "peaks": peaks,
    }
