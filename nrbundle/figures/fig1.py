"""Fig. 1(c,d): steady-state excitation spectra versus Delta_ad for left and right driving; Fig. 1(e): dressed ladder.

Panels
------
(c), (d)
    Mean excitation numbers <a^dag a>, <b^dag b>, <m^dag m> in the steady state of Eq. (2) (log axis) versus the
    drive detuning Delta_ad, for left (c) and right (d) driving, at the preset's kappa. The grid is coarse over the
    window and locally refined around each regime's Delta_ad (the resonances are a few 1e-3 wide). Vertical lines:
    closed-form resonances S18-S22 (dotted) and fourth-order corrected resonances (dashed) of the transitions
    resonant for that direction. Shaded: the paper's blue, pink and orange areas, centred on the Delta_ad each
    regime is evaluated at (:mod:`nrbundle.study.resonances`).
(e)
    The uncoupled dressed ladder of S16: E(|000+>) = E_+, E(|101->) = E_- + (Delta_ad + Delta_F) + omega_m and
    E(|110->) = E_- + (Delta_ad + Delta_F) + omega_b for both drive directions (Delta_F = +-|Delta_F|); their
    crossings are the closed forms S18-S22 (circles).

The data come from :func:`nrbundle.study.spectra.excitation_spectra` (the Fock cutoff chosen by the project's
convergence rule and recorded in ``fig1.json``); this module draws them.
"""

from __future__ import annotations

__all__ = ["make_fig1", "draw_fig1", "SHADE_HALF_WIDTH"]

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..params import Params, get_preset
from ..provenance import write_arrays
from ..study.resonances import resonance_summary
from ..study.spectra import excitation_spectra
from ..transitions import PAPER_TRANSITIONS, REGIME_NAMES, transition_key
from . import style

#: Half-width of the shaded regime areas in units of omega_b (about the resonance half-width at kappa = 0.005).
SHADE_HALF_WIDTH: float = 0.006


def draw_fig1(data: Mapping[str, Any], params: Params) -> Any:
    """Draw Fig. 1(c-e) from :func:`nrbundle.study.spectra.excitation_spectra` data; return the Figure.

    Call inside :func:`nrbundle.figures.style.figure_style`.
    """
    res, regimes = data["resonances"], data["regimes"]
    x, n = data["Delta_ad"], data["n"]
    ladder_x, ladder = data["ladder_Delta_ad"], data["ladder"]
    lo, hi = data["window"]
    w = params.omega_b
    units = params.units
    fig, axes = style.new_figure(3, 1, height=6.4, sharex=True,
                                 gridspec_kw={"height_ratios": [1.0, 1.0, 0.9]})
    for i, (ax, d, lab) in enumerate(zip(axes[:2], ("left", "right"), ("(c)", "(d)"), strict=True)):
        for r in REGIME_NAMES:
            c = regimes[r]["Delta_ad"]
            ax.axvspan(c - SHADE_HALF_WIDTH * w, c + SHADE_HALF_WIDTH * w, color=style.REGIME_SHADES[r], lw=0, zorder=0)
        for mode in ("a", "b", "m"):
            ax.semilogy(x, n[f"n_{mode}"][i], color=style.MODE_COLORS[mode], lw=0.9,
                        label=rf"$\langle {mode}^\dagger {mode}\rangle$")
        first = True
        for t in PAPER_TRANSITIONS:
            if t.direction != d:
                continue
            k, target = t.key, t.target
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
    by = dict(zip(ls_, hs, strict=True))
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
    return fig


def make_fig1(
    out_dir: str | os.PathLike[str],
    *,
    params: Params | None = None,
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    cutoff: Sequence[int] | None = None,
    grid: Sequence[float] | None = None,
    resonances: Mapping[str, Any] | None = None,
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
    resonances
        The run's resonance table (:func:`nrbundle.study.resonances.locate_resonances` for ``params`` and
        ``quick``); located (or read from the cache in ``out_dir/work``) when ``None``.

    Returns
    -------
    list of Path
        The PDF and PNG written.
    """
    t0 = time.perf_counter()
    params = get_preset("fig1") if params is None else params
    out = Path(out_dir)
    data = excitation_spectra(out, params=params, quick=quick, executor=executor, workers=workers, cutoff=cutoff,
                              grid=grid, resonances=resonances)
    with style.figure_style():
        paths = style.save_figure(draw_fig1(data, params), out, "fig1")

    x, sweep = data["Delta_ad"], data["sweep"]
    arrays = {
        "Delta_ad": x,
        "directions": np.array(["left", "right"]),
        **dict(data["n"]),
        "residual": data["residual"],
        "ladder_Delta_ad": data["ladder_Delta_ad"],
        **{f"ladder_{k}": v for k, v in data["ladder"].items()},
    }
    prov = {
        "description": "Fig. 1(c,d) steady-state excitation spectra (Eq. 2) and (e) the S16 dressed ladder",
        "params": params.to_dict(),
        "quick": bool(quick),
        "cutoff": data["cutoff"],
        "cutoff_selection": data["cutoff_selection"],
        "resonances": resonance_summary(data["resonances"]),
        "regimes": data["regimes"],
        "shade_half_width": SHADE_HALF_WIDTH * params.omega_b,
        "steady_state_peaks": data["peaks"],
        "grid_points": int(x.size),
        "max_residual": float(np.nanmax(data["residual"])),
        "sweep": {"path": str(sweep.path), "summary": sweep.summary(),
                  "wall_time_s": sweep.provenance.get("wall_time_s"), "executor": executor,
                  "workers": sweep.provenance.get("workers")},
        "wall_time_s": time.perf_counter() - t0,
    }
    write_arrays(out, "fig1", arrays, prov)
    return paths
