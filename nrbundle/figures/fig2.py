"""Fig. 2: super-Rabi oscillations (a-c, closed system Eq. 1) and one quantum trajectory (d-g, Eq. 2).

Panels
------
(a) blue regime: P_000+ and P_101- for left driving; inset: right driving at the same Delta_ad (no transfer).
(b) pink regime: P_000+ and P_110- for right driving; inset: left driving.
(c) orange regime, one Delta_ad: P_110- for left driving (photon-phonon) and P_101- for right driving
    (photon-magnon), with P_000+ of both.
(d-g) one Monte Carlo trajectory of Eq. (2) (qutip.mcsolve, fixed seed) in the blue regime, left driving, at the
    preset's kappa: (d) P_000+ and P_000-, (e) P_101-, (f) P_100- and P_001- (one quantum left after the first
    emission of a bundle), (g) the jumps, one row per channel (a photon, b phonon, m magnon, sigma atom), also
    drawn as faint vertical lines in (d-f).

P_{n_a n_b n_m l} = |<n_a n_b n_m l|psi(t)>|^2 with l = +- the dressed states of S14 at the run's Delta_ad.
Every panel sits on the exact-diagonalization resonance (:mod:`nrbundle.study.resonances`), NOT on the closed
forms S18-S22, which lie ~20 avoided-crossing widths away: there the transfer is below 1e-2.
The data come from :func:`nrbundle.study.dynamics.super_rabi_study` (closed runs by exact spectral propagation,
checked against one Fock level less per mode; the largest difference is recorded in ``fig2.json``); this module
draws them.
"""

from __future__ import annotations

__all__ = ["make_fig2", "figure2", "draw_fig2", "PANELS"]

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from ..params import Params, get_preset
from ..provenance import write_arrays
from ..study.dynamics import CLOSED_POPULATIONS, super_rabi_study
from ..study.resonances import resonance_summary
from ..transitions import REGIMES
from . import style

#: Panel letter of each regime's closed run.
PANELS: Mapping[str, str] = {"a": "blue", "b": "pink", "c": "orange"}


def draw_fig2(data: Mapping[str, Any], params: Params, *, quick: bool = False) -> Any:
    """Draw Fig. 2(a-g) from :func:`nrbundle.study.dynamics.super_rabi_study` data; return the Figure.

    Call inside :func:`nrbundle.figures.style.figure_style`. ``quick`` stamps the figure
    (:func:`nrbundle.figures.style.stamp_quick`).
    """
    runs, traj = data["runs"], data["trajectory"]
    units = params.units
    tl = style.time_label(units)
    colors = {"000+": "k", "101-": style.MODE_COLORS["m"], "110-": style.MODE_COLORS["b"]}
    names = {k: rf"$P_{{{k[:3]}{k[3]}}}$" for k in ("000+", "000-", "101-", "110-", "100-", "100+", "001-")}
    fig = style.Figure(figsize=(style.DOUBLE_WIDTH, 6.4), layout="constrained")
    gs = fig.add_gridspec(5, 3, height_ratios=[1.7, 0.75, 0.75, 0.75, 0.6])
    for j, (panel, regime) in enumerate(PANELS.items()):
        ax = fig.add_subplot(gs[0, j])
        r = runs[regime]
        t = r["tlist"]
        if regime == "orange":
            ax.plot(t, r["left"]["000+"], color="k", lw=1.0, label=r"$P_{000+}$ LD")
            ax.plot(t, r["left"]["110-"], color=colors["110-"], lw=1.0, label=r"$P_{110-}$ LD")
            ax.plot(t, r["right"]["000+"], color="0.45", lw=1.0, ls="--", label=r"$P_{000+}$ RD")
            ax.plot(t, r["right"]["101-"], color=colors["101-"], lw=1.0, ls="--", label=r"$P_{101-}$ RD")
            ax.legend(loc="upper center", ncol=2, fontsize=style.SMALL_FONT_SIZE - 1.5, bbox_to_anchor=(0.5, 1.0),
                      columnspacing=0.6, handlelength=1.6)
            ax.set_ylim(-0.02, 1.42)
        else:
            d_on = REGIMES[regime].transitions[0][1]  # the resonant direction; the inset shows the other
            d_off = "right" if d_on == "left" else "left"
            for k in CLOSED_POPULATIONS:
                ax.plot(t, r[d_on][k], color=colors[k], lw=1.0, label=names[k])
            ax.legend(loc="upper center", ncol=3, fontsize=style.SMALL_FONT_SIZE - 1.5, bbox_to_anchor=(0.5, 1.0),
                      columnspacing=0.6, handlelength=1.4)
            ins = ax.inset_axes([0.52, 0.63, 0.45, 0.22])
            for k in CLOSED_POPULATIONS:
                ins.plot(t, r[d_off][k], color=colors[k], lw=0.8)
            ins.set_ylim(-0.05, 1.05)
            ins.set_xticks([])
            ins.set_yticks([0, 1])
            ins.tick_params(labelsize=style.SMALL_FONT_SIZE - 2)
            ins.text(0.03, 0.5, "LD" if d_off == "left" else "RD", transform=ins.transAxes, ha="left",
                     va="center", fontsize=style.SMALL_FONT_SIZE - 2)
            ax.set_ylim(-0.02, 1.75)
            ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_xlim(t[0], t[-1])
        ax.set_xlabel(tl)
        if j == 0:
            ax.set_ylabel("population")
        ax.set_title(f"({panel}) {regime}, " + ("LD" if regime == "blue" else "RD" if regime == "pink" else "LD & RD")
                     + "\n" + style.freq_value(r"\Delta_{ad}", r["Delta_ad"], units), fontsize=style.SMALL_FONT_SIZE,
                     color=style.REGIME_COLORS[regime], **style.TITLE_AT_TOP)
        # plain tick labels (no "1e4" offset text): a few round numbers of t omega_b
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(ScalarFormatter(useOffset=False, useMathText=False))
        ax.ticklabel_format(axis="x", style="plain")

    t = traj["tlist"]
    sets = [("(d)", ("000+", "000-")), ("(e)", ("101-",)), ("(f)", ("100-", "001-"))]
    tr_cols = {"000+": "k", "000-": "0.55", "101-": style.MODE_COLORS["m"], "100-": style.MODE_COLORS["a"],
               "001-": style.MODE_COLORS["m"]}
    tr_ls = {"001-": "--"}
    first = None
    for i, (lab, keys) in enumerate(sets):
        ax = fig.add_subplot(gs[1 + i, :], sharex=first)
        first = first or ax
        for c, ts in traj["jumps"].items():
            for tj in ts:
                ax.axvline(tj, color=style.CHANNEL_COLORS[c], lw=0.5, alpha=0.35, zorder=0)
        for k in keys:
            ax.plot(t, traj["populations"][k], color=tr_cols[k], ls=tr_ls.get(k, "-"), lw=0.9, label=names[k])
        top = max(float(np.max(traj["populations"][k])) for k in keys)
        ax.set_ylim(-0.05 * max(top, 1e-3), 1.3 * max(top, 1e-3))
        ax.tick_params(labelbottom=False)
        ax.legend(loc="upper right", ncol=len(keys), fontsize=style.SMALL_FONT_SIZE - 1, handlelength=1.6,
                  frameon=True, framealpha=0.85, edgecolor="none")
        style.panel_label(ax, lab, loc="upper left")
        if i == 1:
            ax.set_ylabel("population (one trajectory)")
    ax = fig.add_subplot(gs[4, :], sharex=first)
    chans = [c for c in ("a", "b", "m", "sigma") if c in traj["jumps"]]
    for row, c in enumerate(chans):
        ts = traj["jumps"][c]
        ax.vlines(ts, row - 0.4, row + 0.4, color=style.CHANNEL_COLORS[c], lw=1.2)
    ax.set_yticks(range(len(chans)))
    ax.set_yticklabels([{"a": "$a$", "b": "$b$", "m": "$m$", "sigma": r"$\sigma$"}[c] for c in chans])
    ax.set_ylim(-0.7, len(chans) - 0.3)
    ax.set_xlim(t[0], t[-1])
    ax.set_xlabel(tl)
    ax.set_ylabel("jumps")
    style.panel_label(ax, "(g)", loc="upper left")
    if quick:
        style.stamp_quick(fig)
    return fig


def figure2(
    params: Params | None = None,
    *,
    out_dir: str | os.PathLike[str],
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    trajectory_time: float | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> Any:
    """Fig. 2(a-g) as a :class:`matplotlib.figure.Figure` (save it with
    :func:`nrbundle.figures.style.save_figure`).

    Parameters are those of :func:`make_fig2` (``executor`` and ``workers`` are accepted for a uniform interface);
    ``out_dir`` only keeps the caches (its ``work/`` folder).
    """
    params = get_preset("fig1") if params is None else params
    data = super_rabi_study(out_dir, params=params, quick=quick, trajectory_time=trajectory_time,
                            resonances=resonances)
    with style.figure_style():
        return draw_fig2(data, params, quick=quick)


def make_fig2(
    out_dir: str | os.PathLike[str],
    *,
    params: Params | None = None,
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    trajectory_time: float | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Draw Fig. 2(a-g) into ``out_dir``: ``fig2.pdf``, ``fig2.png``, ``fig2.npz`` and ``fig2.json``.

    Parameters
    ----------
    out_dir
        Output folder.
    params
        Parameter set (default preset ``fig1``); its kappa and gamma are used for the trajectory.
    quick
        Closed runs at cutoff (4, 4, 4) and a shorter trajectory (recorded).
    executor, workers
        Accepted for a uniform interface; Fig. 2 runs a few cheap evolutions in this process.
    trajectory_time
        Override of the trajectory duration (testing).
    resonances
        The run's resonance table; located (or read from the cache in ``out_dir/work``) when ``None``.

    Returns
    -------
    list of Path
        The PDF and PNG written.
    """
    t0 = time.perf_counter()
    params = get_preset("fig1") if params is None else params
    out = Path(out_dir)
    data = super_rabi_study(out, params=params, quick=quick, trajectory_time=trajectory_time, resonances=resonances)
    with style.figure_style():
        fig = draw_fig2(data, params, quick=quick)
    paths = style.save_figure(fig, out, "fig2", vector=not quick)

    runs, traj = data["runs"], data["trajectory"]
    arrays: dict[str, Any] = {}
    for regime, r in runs.items():
        arrays[f"{regime}_t"] = r["tlist"]
        for d in ("left", "right"):
            for k in CLOSED_POPULATIONS:
                arrays[f"{regime}_{d}_P{k}"] = r[d][k]
    arrays["traj_t"] = traj["tlist"]
    for k, v in traj["populations"].items():
        arrays[f"traj_P{k}"] = v
    for c, v in traj["jumps"].items():
        arrays[f"traj_jumps_{c}"] = v
    prov = {
        "description": "Fig. 2(a-c) closed super-Rabi dynamics from |000+> (exact spectral propagation of Eq. 1); "
                       "(d-g) one quantum trajectory of Eq. (2), blue regime, left drive",
        "params": params.to_dict(),
        "quick": bool(quick),
        "resonances": resonance_summary(data["resonances"]),
        "closed_runs": {k: {kk: vv for kk, vv in v.items() if kk not in ("tlist", "left", "right")}
                        for k, v in runs.items()},
        "closed_cutoff": data["closed_cutoff"],
        "cutoff_summary": f"closed runs {style.cutoff_text([data['closed_cutoff']])}"
                          + ("" if quick else " (checked against one Fock level less per mode)")
                          + f"; trajectory {style.cutoff_text([traj['cutoff']])}",
        "closed_form_check": data["closed_form_check"],
        "note": "Delta_ad are the ED avoided-crossing resonances (orange: midpoint of |110-> LD and |101-> RD); "
                "on the closed forms S18-S22 the target population stays below the value in closed_form_check",
        "trajectory": {k: v for k, v in traj.items() if k not in ("tlist", "populations", "jumps")},
        "trajectory_jump_counts": {c: int(len(v)) for c, v in traj["jumps"].items()},
        "wall_time_s": time.perf_counter() - t0,
    }
    write_arrays(out, "fig2", arrays, prov)
    return paths
