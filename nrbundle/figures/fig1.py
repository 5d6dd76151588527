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

__all__ = ["make_fig1", "figure1", "draw_fig1", "SHADE_HALF_WIDTH", "MARKER_LABELS"]

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.legend_handler import HandlerTuple

from ..params import Params, get_preset
from ..provenance import write_arrays
from ..study.resonances import resonance_summary
from ..study.spectra import excitation_spectra
from ..transitions import PAPER_TRANSITIONS, REGIME_NAMES, transition_key
from . import style

#: Legend text of the resonance markers: closed forms S18-S22 (dotted), fourth-order corrected (dashed), exact
#: diagonalization, the avoided-crossing minimum (triangles).
MARKER_LABELS: Mapping[str, str] = {"closed_form": "closed form", "corrected": "4th order", "ed": "exact (ED)"}

#: Half-width of the shaded regime areas in units of omega_b (about the resonance half-width at kappa = 0.005).
SHADE_HALF_WIDTH: float = 0.006


def _cutoff_summary(data: Mapping[str, Any]) -> str:
    """One line for the report: the Fock cutoff of the spectra and how it was chosen."""
    sel = data["cutoff_selection"]
    how = sel.get("rule") or (f"convergence-checked (rtol {sel['rtol']:g}) at the three regimes' Delta_ad"
                              if "rtol" in sel else "chosen by the convergence rule")
    return f"{style.cutoff_text([data['cutoff']])} over the whole spectrum; {how}"


def _ladder_coincide(ladder: Mapping[str, np.ndarray], k1: str, k2: str) -> bool:
    """Whether two S16 ladder lines coincide on the plotted window (to within 1e-9 of their range)."""
    a, b = np.asarray(ladder[k1]), np.asarray(ladder[k2])
    scale = max(float(np.ptp(a)), float(np.ptp(b)), 1e-300)
    return bool(np.max(np.abs(a - b)) <= 1e-9 * scale)


def draw_fig1(data: Mapping[str, Any], params: Params, *, quick: bool = False) -> Any:
    """Draw Fig. 1(c-e) from :func:`nrbundle.study.spectra.excitation_spectra` data; return the Figure.

    Call inside :func:`nrbundle.figures.style.figure_style`. ``quick`` stamps the figure
    (:func:`nrbundle.figures.style.stamp_quick`).
    """
    res, regimes = data["resonances"], data["regimes"]
    x, n = data["Delta_ad"], data["n"]
    ladder_x, ladder = data["ladder_Delta_ad"], data["ladder"]
    lo, hi = data["window"]
    w = params.omega_b
    units = params.units
    fig, axes = style.new_figure(3, 1, height=6.6, sharex=True,
                                 gridspec_kw={"height_ratios": [1.0, 1.0, 0.9]})
    ed_style = {"marker": "v", "ms": 4.0, "mfc": "k", "mec": "k", "ls": "none", "clip_on": False}
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
                       label=MARKER_LABELS["closed_form"] if first else None)
            ax.axvline(res[k]["corrected"], **style.MARKER_STYLES["corrected"],
                       label=MARKER_LABELS["corrected"] if first else None)
            # the exact (ED avoided-crossing) resonance: a triangle on the upper edge
            ax.plot([res[k]["ed"]], [1.0], transform=ax.get_xaxis_transform(), **ed_style,
                    label=MARKER_LABELS["ed"] if first else None)
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
    mode_labels = [rf"$\langle {m}^\dagger {m}\rangle$" for m in "abm"]
    marks = list(MARKER_LABELS.values())
    # column-major fill: row 1 the three modes, row 2 the three resonance markers
    order = [t for pair in zip(mode_labels, marks, strict=True) for t in pair]
    fig.legend([by[t] for t in order], order, loc="outside upper center", ncol=3,
               fontsize=style.SMALL_FONT_SIZE - 1, handlelength=1.6, columnspacing=1.0)

    # (e) the uncoupled S16 ladder
    ax = axes[2]
    h000 = ax.plot(ladder_x, ladder["000+"], color="k", lw=1.0)[0]
    lines = []  # (key, colour, linestyle, label)
    for d, ls in (("left", "-"), ("right", (0, (3, 2)))):
        for target, mode in (((1, 0, 1), "m"), ((1, 1, 0), "b")):
            k = transition_key(target, d)
            lines.append((k, style.MODE_COLORS[mode], ls,
                          rf"$|{''.join(map(str, target))}-\rangle$ {'LD' if d == 'left' else 'RD'}"))
    labels = {k: lab for k, _, _, lab in lines}
    # at fig1 |110-> LD and |101-> RD coincide (S19 = S21: omega_m - omega_b = 2|Delta_F|): one legend entry
    # names both, drawn as the solid line of one with the dashes of the other on top
    left110, right101 = transition_key((1, 1, 0), "left"), transition_key((1, 0, 1), "right")
    merged = _ladder_coincide(ladder, left110, right101)
    handles: dict[str, Any] = {}
    for k, col, ls, _ in lines:
        handles[k] = ax.plot(ladder_x, ladder[k], color=col, lw=0.9,
                             ls=(0, (3, 3)) if (merged and k == right101) else ls)[0]
    entries: list[tuple[Any, str]] = [(h000, r"$|000+\rangle$")]
    for k, _, _, lab in lines:
        if merged and k == right101:
            continue
        if merged and k == left110:
            entries.append(((handles[left110], handles[right101]), f"{lab} = {labels[right101]}"))
        else:
            entries.append((handles[k], lab))
    for t in PAPER_TRANSITIONS:
        xc, xe = res[t.key]["closed_form"], res[t.key]["ed"]
        ax.plot([xc], [float(np.interp(xc, ladder_x, ladder["000+"]))], "o", ms=3.5, mfc="none", mec="k", mew=0.7)
        ax.plot([xe], [float(np.interp(xe, ladder_x, ladder["000+"]))], **{**ed_style, "clip_on": True})
    entries.append((style.Line2D([], [], marker="o", ms=3.5, mfc="none", mec="k", mew=0.7, ls="none"),
                    "crossing (closed form)"))
    entries.append((style.Line2D([], [], **{**ed_style, "clip_on": True}), MARKER_LABELS["ed"]))
    ax.legend([h for h, _ in entries], [t for _, t in entries], loc="upper left", ncol=2,
              fontsize=style.SMALL_FONT_SIZE - 1.5, handlelength=1.8, columnspacing=0.8,
              handler_map={tuple: HandlerTuple(ndivide=None, pad=0.0)})
    ax.set_ylabel(r"$E$ (S16) $/\omega_b$" if units == "omega_b" else r"$E/2\pi$ (GHz)")
    ax.set_xlabel(style.freq_label(r"\Delta_{ad}", units))
    style.panel_label(ax, "(e)", loc="lower right")
    ax.set_xlim(lo, hi)
    if quick:
        style.stamp_quick(fig)
    return fig


def figure1(
    params: Params | None = None,
    *,
    out_dir: str | os.PathLike[str],
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    cutoff: Sequence[int] | None = None,
    grid: Sequence[float] | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> Any:
    """Fig. 1(c-e) as a :class:`matplotlib.figure.Figure` (nothing but checkpoints is written; save it with
    :func:`nrbundle.figures.style.save_figure`).

    Parameters are those of :func:`make_fig1`; ``out_dir`` only keeps the sweep checkpoints and caches (its
    ``work/`` folder): pass the figures folder of a ``reproduce`` run to reuse its sweeps.
    """
    params = get_preset("fig1") if params is None else params
    data = excitation_spectra(out_dir, params=params, quick=quick, executor=executor, workers=workers,
                              cutoff=cutoff, grid=grid, resonances=resonances)
    with style.figure_style():
        return draw_fig1(data, params, quick=quick)


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
        fig = draw_fig1(data, params, quick=quick)
    paths = style.save_figure(fig, out, "fig1", vector=not quick)

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
        "cutoff_summary": _cutoff_summary(data),
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
