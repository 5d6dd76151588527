"""Fig. 1(c,d): steady-state excitation spectra versus Delta_ad for left and right driving; Fig. 1(e): dressed ladder.

Panels
------
(c), (d)
    Mean excitation numbers <a^dag a>, <b^dag b>, <m^dag m> in the steady state of Eq. (2) (log axis) versus the
    drive detuning Delta_ad, for left (c) and right (d) driving, at the preset's kappa. The grid is coarse over the
    window and locally refined around each exact-diagonalization (ED) resonance (the resonances are a few 1e-3
    wide). Vertical lines: closed-form resonances S18-S22 (dotted) and fourth-order corrected resonances (dashed)
    of the transitions resonant for that direction. Shaded: the paper's blue, pink and orange areas, centred on
    the Delta_ad each regime is evaluated at (:mod:`nrbundle.figures.regimes`).
(e)
    The uncoupled dressed ladder of S16: E(|000+>) = E_+, E(|101->) = E_- + (Delta_ad + Delta_F) + omega_m and
    E(|110->) = E_- + (Delta_ad + Delta_F) + omega_b for both drive directions (Delta_F = +-|Delta_F|); their
    crossings are the closed forms S18-S22 (circles).

The Fock cutoff is chosen by :func:`nrbundle.figures.regimes.choose_cutoff` (occupations converged to 1e-2 at the
resonances) and recorded in ``fig1.json``.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..params import Params, get_preset
from . import style
from .regimes import (
    REGIME_NAMES,
    TRANSITIONS,
    choose_cutoff,
    figure_sweep,
    locate_resonances,
    point_observables,
    regime_Delta_ad,
    short_hash,
    transition_key,
    work_dir,
    cached_json,
)

__all__ = ["make_fig1", "spectrum_point", "spectrum_grid", "ladder_energies", "FIG1_OBSERVABLES"]

#: Occupations whose convergence decides the Fig. 1 cutoff.
FIG1_OBSERVABLES: tuple[str, ...] = ("n_a", "n_b", "n_m")
#: Coarse grid step and refined step / half-width around each ED resonance, in units of omega_b (full, quick).
_GRID = {False: (2e-3, 4e-4, 0.012), True: (5e-3, 1e-3, 0.006)}
#: Half-width of the shaded regime areas in units of omega_b (about the resonance half-width at kappa = 0.005).
SHADE_HALF_WIDTH: float = 0.006


def spectrum_point(point: dict[str, Any], *, params: Params, cutoff: Sequence[int]) -> dict[str, Any]:
    """Sweep point of Fig. 1(c,d): the steady state of Eq. (2) at ``point = {"direction", "Delta_ad"}``."""
    return point_observables(params, str(point["direction"]), float(point["Delta_ad"]), cutoff)


def spectrum_grid(centres: Sequence[float], lo: float, hi: float, *, coarse: float, fine: float, half_width: float) -> np.ndarray:
    """Sorted union of a uniform grid on [lo, hi] (step ``coarse``) and grids of step ``fine`` on
    ``centre +- half_width`` (centre included exactly); points closer than 1e-9 are merged."""
    parts = [np.linspace(lo, hi, int(round((hi - lo) / coarse)) + 1)]
    for c in centres:
        k = int(round(half_width / fine))
        parts.append(c + fine * np.arange(-k, k + 1))
    g = np.sort(np.concatenate(parts))
    keep = np.concatenate([[True], np.diff(g) > 1e-9])
    return g[keep]


def ladder_energies(params: Params, Delta_ad: np.ndarray) -> dict[str, np.ndarray]:
    """S16 energies of |000+>, |101->, |110-> for both directions: keys ``"000+"``, ``"101-left"``, ...

    Lambdified from the SymPy expressions of :func:`nrbundle.analytic.resonances.ladder_energy`.
    """
    from ..analytic.numeric_bridge import lambdify_expr
    from ..analytic.resonances import ladder_energy

    x = np.asarray(Delta_ad, dtype=float)
    out = {"000+": np.broadcast_to(lambdify_expr(ladder_energy(0, 0, 0, "+")).at(params, "left", Delta_ad=x), x.shape).copy()}
    for target in ((1, 0, 1), (1, 1, 0)):
        f = lambdify_expr(ladder_energy(*target, "-"))
        for d in ("left", "right"):
            out[transition_key(target, d)] = np.broadcast_to(f.at(params, d, Delta_ad=x), x.shape).copy()
    return out


def _peak(x: np.ndarray, y: np.ndarray, centre: float, half: float) -> float:
    """Position of the maximum of y near ``centre`` (parabola through the grid maximum and its neighbours)."""
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


def make_fig1(
    out_dir: str | os.PathLike[str],
    *,
    params: Params | None = None,
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    cutoff: Sequence[int] | None = None,
    grid: Sequence[float] | None = None,
) -> list[Path]:
    """Draw Fig. 1(c-e) into ``out_dir``: ``fig1.pdf``, ``fig1.png`` and the data ``fig1.npz`` + ``fig1.json``.

    Parameters
    ----------
    out_dir
        Output folder (checkpoints of the sweep go to ``out_dir/work``; a rerun resumes).
    params
        Parameter set (default: preset ``fig1``).
    quick
        Coarse grid and cutoff (4, 4, 4) without a convergence check (recorded in the JSON).
    executor, workers
        Sweep executor (``"serial"``, ``"process"``, ``"dask"``) and worker count (default: all cores).
    cutoff
        Override of the Fock cutoff (skips the convergence check; recorded).
    grid
        Override of the Delta_ad grid (testing).

    Returns
    -------
    list of Path
        The PDF and PNG written.
    """
    t0 = time.perf_counter()
    params = get_preset("fig1") if params is None else params
    out = Path(out_dir)
    work = work_dir(out)
    res = locate_resonances(params, quick=quick, cache=work / f"resonances-{short_hash([params.to_dict(), quick])}.json")
    regimes = {r: regime_Delta_ad(res, r) for r in REGIME_NAMES}
    w = params.omega_b

    if cutoff is not None:
        cut = [int(n) for n in cutoff]
        conv: dict[str, Any] = {"cutoff": cut, "rule": "given by the caller (not checked)"}
    elif quick:
        cut = [4, 4, 4]
        conv = {"cutoff": cut, "rule": "quick: fixed (4, 4, 4), not convergence-checked"}
    else:
        pts = [(d, regimes[r]["Delta_ad"]) for r in REGIME_NAMES for d in ("left", "right")]
        key = {"what": "fig1-cutoff", "params": params.to_dict(), "points": pts, "observables": FIG1_OBSERVABLES}
        conv = cached_json(work / f"fig1-cutoff-{short_hash(key)}.json", key,
                           lambda: choose_cutoff(params, pts, FIG1_OBSERVABLES))
        cut = list(conv["cutoff"])

    eds = [res[transition_key(t, d)]["ed"] for t, d in TRANSITIONS]
    lo, hi = min(eds) - 0.04 * w, max(eds) + 0.03 * w
    if grid is None:
        coarse, fine, half = (v * w for v in _GRID[bool(quick)])
        centres = sorted(regimes[r]["Delta_ad"] for r in REGIME_NAMES)
        x = spectrum_grid(centres, lo, hi, coarse=coarse, fine=fine, half_width=half)
    else:
        x = np.asarray(grid, dtype=float)
    sweep = figure_sweep(spectrum_point, {"direction": ["left", "right"], "Delta_ad": x},
                         {"params": params, "cutoff": cut}, out, "fig1", executor=executor, workers=workers)
    n = {k: np.asarray(sweep[k]) for k in ("n_a", "n_b", "n_m", "n_atom")}
    residual = sweep.meta("residual")
    ladder_x = np.linspace(lo, hi, 400)
    ladder = ladder_energies(params, ladder_x)

    # steady-state peak positions next to the ED resonances (they differ by kappa-dependent shifts)
    peaks = {}
    for target, d in TRANSITIONS:
        k = transition_key(target, d)
        mode = "n_m" if target == (1, 0, 1) else "n_b"
        i = 0 if d == "left" else 1
        pk = _peak(x, n[mode][i], res[k]["ed"], 0.01 * w)
        peaks[k] = {"observable": mode, "peak": pk, "peak_minus_ed": pk - res[k]["ed"]}

    units = params.units
    with style.figure_style():
        fig, axes = style.new_figure(3, 1, height=6.4, sharex=True,
                                     gridspec_kw={"height_ratios": [1.0, 1.0, 0.9]})
        for i, (ax, d, lab) in enumerate(zip(axes[:2], ("left", "right"), ("(c)", "(d)"))):
            for r in REGIME_NAMES:
                c = regimes[r]["Delta_ad"]
                ax.axvspan(c - SHADE_HALF_WIDTH * w, c + SHADE_HALF_WIDTH * w, color=style.REGIME_SHADES[r], lw=0, zorder=0)
            for mode in ("a", "b", "m"):
                ax.semilogy(x, n[f"n_{mode}"][i], color=style.MODE_COLORS[mode], lw=0.9,
                            label=rf"$\langle {mode}^\dagger {mode}\rangle$")
            first = True
            for target, dd in TRANSITIONS:
                if dd != d:
                    continue
                k = transition_key(target, d)
                ax.axvline(res[k]["closed_form"], **style.MARKER_STYLES["closed_form"],
                           label="closed form S18–S22" if first else None)
                ax.axvline(res[k]["corrected"], **style.MARKER_STYLES["corrected"],
                           label="4th-order corrected" if first else None)
                first = False
                ymax = np.nanmax(n["n_a"][i])
                ax.annotate(rf"$|{''.join(map(str, target))}-\rangle$", (res[k]["ed"], ymax), xytext=(3, 2),
                            textcoords="offset points", fontsize=style.SMALL_FONT_SIZE - 1, ha="left", va="bottom")
            ymin = max(np.nanmin([np.nanmin(n[f"n_{m}"][i]) for m in "abm"]), 1e-8)
            ax.set_ylim(ymin / 3, 6 * np.nanmax(n["n_a"][i]))
            ax.set_ylabel("mean excitation number")
            style.panel_label(ax, f"{lab} {style.DIRECTION_LABELS[d]}", loc="upper left")
        hs, ls_ = axes[0].get_legend_handles_labels()
        by = dict(zip(ls_, hs))
        blank = style.Line2D([], [], lw=0)
        mode_labels = [rf"$\langle {m}^\dagger {m}\rangle$" for m in "abm"]
        marks = ["closed form S18–S22", "4th-order corrected"]
        # column-major fill: row 1 the three modes, row 2 the two resonance markers
        order = [(by[mode_labels[0]], mode_labels[0]), (by[marks[0]], marks[0]),
                 (by[mode_labels[1]], mode_labels[1]), (by[marks[1]], marks[1]),
                 (by[mode_labels[2]], mode_labels[2]), (blank, "")]
        fig.legend([h for h, _ in order], [t for _, t in order], loc="outside upper center", ncol=3,
                   fontsize=style.SMALL_FONT_SIZE - 1, handlelength=1.6, columnspacing=1.0)
        ax = axes[2]
        ax.plot(ladder_x, ladder["000+"], color="k", lw=1.0, label=r"$|000+\rangle$")
        # solid (left) first, dashed (right) on top: at fig1 |101-> RD and |110-> LD coincide (S19 = S21)
        for d, ls in (("left", "-"), ("right", (0, (3, 2)))):
            for target, mode in (((1, 0, 1), "m"), ((1, 1, 0), "b")):
                k = transition_key(target, d)
                ax.plot(ladder_x, ladder[k], color=style.MODE_COLORS[mode], ls=ls, lw=0.9,
                        label=rf"$|{''.join(map(str, target))}-\rangle$ {'LD' if d == 'left' else 'RD'}")
                xc = res[k]["closed_form"]
                yc = float(np.interp(xc, ladder_x, ladder["000+"]))
                ax.plot([xc], [yc], "o", ms=3.5, mfc="none", mec="k", mew=0.7)
        ax.set_ylabel(r"$E$ (S16) $/\omega_b$" if units == "omega_b" else r"$E/2\pi$ (GHz)")
        ax.set_xlabel(style.freq_label(r"\Delta_{ad}", units))
        ax.legend(loc="upper left", ncol=2, fontsize=style.SMALL_FONT_SIZE - 1.5, handlelength=1.6, columnspacing=0.8)
        style.panel_label(ax, "(e)", loc="lower right")
        ax.set_xlim(lo, hi)
        paths = style.save_figure(fig, out, "fig1")

    arrays = {
        "Delta_ad": x,
        "directions": np.array(["left", "right"]),
        **{k: v for k, v in n.items()},
        "residual": residual,
        "ladder_Delta_ad": ladder_x,
        **{f"ladder_{k}": v for k, v in ladder.items()},
    }
    prov = {
        "description": "Fig. 1(c,d) steady-state excitation spectra (Eq. 2) and (e) the S16 dressed ladder",
        "params": params.to_dict(),
        "quick": bool(quick),
        "cutoff": cut,
        "cutoff_selection": conv,
        "resonances": res,
        "regimes": regimes,
        "shade_half_width": SHADE_HALF_WIDTH * w,
        "steady_state_peaks": peaks,
        "grid_points": int(x.size),
        "max_residual": float(np.nanmax(residual)),
        "sweep": {"path": str(sweep.path), "summary": sweep.summary(), "wall_time_s": sweep.provenance.get("wall_time_s"),
                  "executor": executor, "workers": sweep.provenance.get("workers")},
        "wall_time_s": time.perf_counter() - t0,
    }
    style.write_data(out, "fig1", arrays, prov)
    return paths
