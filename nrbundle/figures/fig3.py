"""Fig. 3: cross correlation g1_oo'(0) and bundle correlation g2_oo'(0) (Eq. 3) versus kappa, plus g2(tau).

Panels
------
(a-c) left drive, (d-f) right drive; columns: the blue (|101->, pair (a, m)), pink (|110->, pair (a, b)) and
orange regimes (both pairs), each at its Delta_ad (:func:`nrbundle.study.resonances.regime_Delta_ad`). The paper's
caption names the third pair of panels "(f,g)"; it is (c,f) (``docs/errata.md``).
g1_oo'(0) = <o^dag o o'^dag o'> / (<o^dag o><o'^dag o'>) (solid), g2_oo'(0) = Eq. (3) at tau = 0 with the bundle
operator o o' (dashed). Shaded: g1 > 1 and g2 < 1 (antibunched, correlated pairs) for the pair resonant in that
direction (the regime's pair where none is). Thin grey line: 1.
(g) g2_am(tau) of the photon-magnon bundle (Eq. 3 with delay, quantum regression theorem) in the blue regime,
left drive, at the preset's kappa (:func:`nrbundle.study.g2tau.blue_g2_tau`).

The kappa sweeps (kappa_a = kappa_b = kappa_m = kappa, gamma fixed; Fock cutoffs converged per kappa band) are
:func:`nrbundle.study.kappa.kappa_sweeps`; the cutoffs and their convergence record are in ``fig3.json``, with the
uniform-cutoff table (:func:`nrbundle.study.cutoffs.uniform_cutoff_table`). This module draws them.
"""

from __future__ import annotations

__all__ = ["make_fig3", "figure3", "draw_fig3", "LABELS"]

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..numeric.steady import OBSERVABLE_NAMES
from ..params import Params, get_preset
from ..provenance import write_arrays
from ..study.cutoffs import cutoff_for_kappa, uniform_cutoff_table
from ..study.g2tau import blue_g2_tau
from ..study.kappa import kappa_sweeps
from ..study.resonances import resonance_summary
from ..study.work import work_dir
from ..transitions import REGIME_NAMES, REGIMES
from . import style


def _cutoff_summary(data: Mapping[str, Any], tau_info: Mapping[str, Any]) -> str:
    """One line for the report: the Fock cutoffs of the kappa sweeps and of panel (g), and how they were chosen."""
    cuts, rules = [], set()
    for reg in data["regimes"].values():
        bands = reg["bands"]
        for per_dir in (bands.values() if isinstance(bands, Mapping) else [bands]):
            cuts += [c for _, c in per_dir]
        rules.add(reg["cutoff_selection"].get("rule", "convergence-checked per regime, direction and kappa band"))
    return (f"(a-f) {style.cutoff_text(cuts)} ({'; '.join(sorted(rules))}); "
            f"(g) {style.cutoff_text([tau_info['cutoff']])}")


def _primary_pair(regime: str, direction: str) -> str:
    """The pair whose antibunched region is shaded: the one resonant in ``direction``, else the regime's first."""
    reg = REGIMES[regime]
    return reg.resonant_pair.get(direction, reg.pairs[0])


#: Legend text of the plotted correlations (Eq. 3 at tau = 0; g1 is the normalised cross correlation).
LABELS: Mapping[str, str] = {"g1_ab": r"$g^{(2)}_{1,ab}(0)$", "g2_ab": r"$g^{(2)}_{2,ab}(0)$",
                             "g1_am": r"$g^{(2)}_{1,am}(0)$", "g2_am": r"$g^{(2)}_{2,am}(0)$"}


def _draw_g2_tau(axg: Any, tau_info: Mapping[str, Any], params: Params) -> None:
    """Panel (g): g2_am(tau). With the resolved first stretch (``tau_zoom``), that is the main plot (the dip at
    tau = 0 and the oscillation at the dressed-atom splitting) and the long, coarsely sampled record showing the
    recovery to 1 is the inset; without it, the record itself."""
    units = params.units
    tau_lab = style.time_label(units).replace("$t", r"$\tau")
    col = style.MODE_COLORS["m"]
    ylab = r"$g^{(2)}_{2,am}(\tau)$"
    axg.axhline(1.0, color="0.5", lw=0.6)
    cut = f"cutoff {tuple(tau_info['cutoff'])}"
    if "tau_zoom" in tau_info:
        tz, gz = np.asarray(tau_info["tau_zoom"]), np.asarray(tau_info["g2_zoom"])
        axg.plot(tz, gz, color=col, lw=0.8, label=cut)
        axg.set_xlim(0.0, float(tz[-1]))
        ins = axg.inset_axes([0.3, 0.56, 0.66, 0.3])
        tl, gl = np.asarray(tau_info["tau"]), np.asarray(tau_info["g2"])
        ins.axhline(1.0, color="0.5", lw=0.5)
        ins.plot(tl, gl, ".", ms=1.6, color=col)
        ins.axvspan(0.0, float(tz[-1]), color="0.85", lw=0, zorder=0)
        ins.set_xlim(0.0, float(tl[-1]))
        ins.set_ylim(0.0, 1.15)
        ins.set_yticks([0.0, 0.5, 1.0])
        ins.tick_params(labelsize=style.SMALL_FONT_SIZE - 2, pad=1)
        ins.set_xlabel(tau_lab, fontsize=style.SMALL_FONT_SIZE - 2, labelpad=0)
        ins.set_ylabel(r"$g^{(2)}_{2,am}$", fontsize=style.SMALL_FONT_SIZE - 2, labelpad=1)
        step = f", every {float(tl[1] - tl[0]) * params.omega_b:g}" + (r"$/\omega_b$" if units == "omega_b" else "")
        ins.set_title("whole record" + (step if len(tl) > 1 else ""), fontsize=style.SMALL_FONT_SIZE - 2, pad=2,
                      **style.TITLE_AT_TOP)
    else:
        axg.plot(tau_info["tau"], tau_info["g2"], ".-", ms=2.5, lw=0.6, color=col, label=cut)
    if "g2_0_converged" in tau_info:
        axg.plot([0.0], [tau_info["g2_0_converged"]], "o", ms=4, mfc="none", mec="k", mew=0.8, clip_on=False,
                 label=f"$\\tau=0$, cutoff {tuple(tau_info['g2_0_converged_cutoff'])}")
    axg.legend(loc="upper right", fontsize=style.SMALL_FONT_SIZE - 1.5, handlelength=1.2, markerscale=1.2,
               bbox_to_anchor=(1.0, 0.42))
    axg.set_xlabel(tau_lab)
    axg.set_ylabel(ylab)
    axg.set_ylim(0.0, 1.3)
    axg.set_yticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    kap = (f"$\\kappa={tau_info['kappa'] / params.omega_b:g}\\,\\omega_b$" if units == "omega_b"
           else f"$\\kappa/2\\pi={tau_info['kappa']:g}$ GHz")
    axg.set_title(f"blue LD, {kap}", fontsize=style.SMALL_FONT_SIZE, color=style.REGIME_COLORS["blue"], pad=14,
                  **style.TITLE_AT_TOP)
    style.panel_label(axg, "(g)", loc="outside")


def draw_fig3(data: Mapping[str, Any], tau_info: Mapping[str, Any], params: Params, *, quick: bool = False) -> Any:
    """Draw Fig. 3(a-g) from :func:`nrbundle.study.kappa.kappa_sweeps` and :func:`nrbundle.study.g2tau.blue_g2_tau`
    data; return the Figure. Call inside :func:`nrbundle.figures.style.figure_style`; ``quick`` stamps the figure.

    Panel letters sit above the axes' corners (never on a curve). Line weight says whether a pair is the one
    resonant in that drive direction (bold) or not (faint, the orange panels), and the legend says so.
    """
    ks = data["kappa"]
    units = params.units
    fig = style.Figure(figsize=(style.DOUBLE_WIDTH, 4.2), layout="constrained")
    gs = fig.add_gridspec(2, 4, width_ratios=[1, 1, 1, 1.05])
    axes = np.empty((2, 3), dtype=object)
    for i in range(2):
        for j in range(3):
            axes[i, j] = fig.add_subplot(gs[i, j], sharex=axes[0, 0] if (i or j) else None,
                                         sharey=axes[0, 0] if (i or j) else None)
    letters = [["(a)", "(b)", "(c)"], ["(d)", "(e)", "(f)"]]
    pairs_drawn: list[str] = []
    for j, r in enumerate(REGIME_NAMES):
        sw = data["regimes"][r]["sweep"]
        for i, d in enumerate(("left", "right")):
            ax = axes[i, j]
            primary = _primary_pair(r, d)
            g1p, g2p = np.asarray(sw[f"g1_{primary}"])[i], np.asarray(sw[f"g2_{primary}"])[i]
            for lo, hi in style.mask_spans(ks, (g1p > 1) & (g2p < 1)):
                ax.axvspan(lo, hi, color=style.REGIME_SHADES[r], lw=0, zorder=0)
            ax.axhline(1.0, color="0.5", lw=0.6, zorder=1)
            for pair in REGIMES[r].pairs:
                strong = pair == REGIMES[r].resonant_pair.get(d) or len(REGIMES[r].pairs) == 1
                emph = style.EMPHASIS["resonant" if strong else "other"]
                col = style.MODE_COLORS[pair[1]]
                ax.loglog(ks, np.asarray(sw[f"g1_{pair}"])[i], color=col, ls="-", **emph)
                ax.loglog(ks, np.asarray(sw[f"g2_{pair}"])[i], color=col, ls="--", **emph)
                if pair not in pairs_drawn:
                    pairs_drawn.append(pair)
            style.panel_label(ax, letters[i][j], loc="outside")
            if i == 0:
                ax.set_title(f"{r}: " + ("$|101-\\rangle$" if r == "blue" else "$|110-\\rangle$" if r == "pink"
                                         else "$|110-\\rangle$ LD, $|101-\\rangle$ RD"),
                             fontsize=style.SMALL_FONT_SIZE, color=style.REGIME_COLORS[r], pad=14,
                             **style.TITLE_AT_TOP)
            if j == 0:
                ax.set_ylabel(f"{'LD' if d == 'left' else 'RD'}:  $g^{{(2)}}(0)$")
            else:
                ax.tick_params(labelleft=False)
            if i == 1:
                ax.set_xlabel(style.freq_label(r"\kappa", units))
            else:
                ax.tick_params(labelbottom=False)
    axes[0, 0].set_xlim(ks.min(), ks.max())
    _draw_g2_tau(fig.add_subplot(gs[:, 3]), tau_info, params)

    # legend: colour and dash name the correlation (drawn at a neutral weight); the weight entries explain bold/faint
    handles, labels = [], []
    for pair in sorted(pairs_drawn, key=lambda p: ("am", "ab").index(p) if p in ("am", "ab") else 2):
        for kind, ls in (("g1", "-"), ("g2", "--")):
            handles.append(style.Line2D([], [], color=style.MODE_COLORS[pair[1]], ls=ls, lw=1.1))
            labels.append(LABELS[f"{kind}_{pair}"])
    eh, el = style.emphasis_handles()
    fig.legend(handles + eh, labels + el, loc="outside upper center", ncol=3, fontsize=style.SMALL_FONT_SIZE - 0.5,
               handlelength=2.2, columnspacing=1.4)
    if quick:
        style.stamp_quick(fig)
    return fig


def figure3(
    params: Params | None = None,
    *,
    out_dir: str | os.PathLike[str],
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    kappas: Sequence[float] | None = None,
    cutoff: Sequence[int] | None = None,
    tau: Sequence[float] | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> Any:
    """Fig. 3(a-g) as a :class:`matplotlib.figure.Figure` (save it with
    :func:`nrbundle.figures.style.save_figure`).

    Parameters are those of :func:`make_fig3`; ``out_dir`` only keeps the sweep checkpoints and caches (its
    ``work/`` folder): pass the figures folder of a ``reproduce`` run to reuse its sweeps.
    """
    params = get_preset("fig1") if params is None else params
    data = kappa_sweeps(out_dir, params=params, quick=quick, executor=executor, workers=workers, kappas=kappas,
                        cutoff=cutoff, resonances=resonances)
    tau_info = blue_g2_tau(params, data, quick=quick, tau=tau, cutoff=cutoff, work=work_dir(out_dir))
    with style.figure_style():
        return draw_fig3(data, tau_info, params, quick=quick)


def make_fig3(
    out_dir: str | os.PathLike[str],
    *,
    params: Params | None = None,
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    kappas: Sequence[float] | None = None,
    cutoff: Sequence[int] | None = None,
    tau: Sequence[float] | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Draw Fig. 3(a-g) into ``out_dir``: ``fig3.pdf``, ``fig3.png``, ``fig3.npz`` and ``fig3.json``.

    Parameters
    ----------
    out_dir
        Output folder (sweep checkpoints under ``out_dir/work``).
    params
        Parameter set (default preset ``fig1``); its kappa is the one of panel (g).
    quick
        7 kappa values, cutoff (4, 4, 4) unchecked, a short g2(tau) record.
    executor, workers
        Sweep executor and worker processes.
    kappas, cutoff, tau
        Overrides (testing): kappa values, one fixed cutoff, the delays of panel (g).
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
    data = kappa_sweeps(out, params=params, quick=quick, executor=executor, workers=workers, kappas=kappas,
                        cutoff=cutoff, resonances=resonances)
    ks = data["kappa"]
    work = work_dir(out)

    # uniform-cutoff table at the preset kappa (documentation of the truncation dependence)
    if quick or cutoff is not None:
        table: list[dict[str, Any]] | str = "skipped (quick run or fixed cutoff)"
    else:
        pts = [(r, d, float(data["regimes"][r]["Delta_ad"]["Delta_ad"]))
               for r in REGIME_NAMES for d in ("left", "right")]
        table = uniform_cutoff_table(params, pts, work=work)

    # panel (g): g2_am(tau), blue regime, left drive, at the preset kappa
    tau_info = blue_g2_tau(params, data, quick=quick, tau=tau, cutoff=cutoff, work=work)

    with style.figure_style():
        fig = draw_fig3(data, tau_info, params, quick=quick)
    paths = style.save_figure(fig, out, "fig3", vector=not quick)

    arrays: dict[str, Any] = {"kappa": ks, "directions": np.array(["left", "right"])}
    for r in REGIME_NAMES:
        reg = data["regimes"][r]
        for name in OBSERVABLE_NAMES:
            arrays[f"{r}_{name}"] = np.asarray(reg["sweep"][name])
        arrays[f"{r}_cutoff"] = np.array([[list(cutoff_for_kappa(reg["bands"], k, d)) for k in ks]
                                          for d in ("left", "right")])
        arrays[f"{r}_residual"] = reg["sweep"].meta("residual")
    arrays["tau"] = tau_info["tau"]
    arrays["g2_am_tau"] = tau_info["g2"]
    if "tau_zoom" in tau_info:
        arrays["tau_zoom"] = tau_info["tau_zoom"]
        arrays["g2_am_tau_zoom"] = tau_info["g2_zoom"]
    prov = {
        "description": "Fig. 3: g1 and bundle g2 (Eq. 3) at tau=0 versus kappa, both directions, three regimes; "
                       "(g) g2_am(tau), blue regime, left drive",
        "caption_erratum": "the paper's caption says panels (f,g) for the orange regime; they are (c,f)",
        "params": params.to_dict(),
        "quick": bool(quick),
        "kappa_note": "kappa_a = kappa_b = kappa_m = kappa on the axis; gamma fixed",
        "resonances": resonance_summary(data["resonances"]),
        "regimes": {r: {k: v for k, v in data["regimes"][r].items() if k != "sweep"} for r in data["regimes"]},
        "sweeps": {r: {"path": str(data["regimes"][r]["sweep"].path), "summary": data["regimes"][r]["sweep"].summary(),
                       "wall_time_s": data["regimes"][r]["sweep"].provenance.get("wall_time_s"),
                       "n_recomputed": data["regimes"][r]["sweep"].n_recomputed,
                       "workers": data["regimes"][r]["sweep"].provenance.get("workers")}
                   for r in data["regimes"]},
        "uniform_cutoff_table": table,
        "cutoff_summary": _cutoff_summary(data, tau_info),
        "g2_tau": {k: v for k, v in tau_info.items() if k not in ("tau", "g2", "tau_zoom", "g2_zoom")},
        "executor": executor,
        "wall_time_s": time.perf_counter() - t0,
    }
    write_arrays(out, "fig3", arrays, prov)
    return paths
