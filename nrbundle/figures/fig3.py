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

__all__ = ["make_fig3", "draw_fig3"]

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


def _primary_pair(regime: str, direction: str) -> str:
    """The pair whose antibunched region is shaded: the one resonant in ``direction``, else the regime's first."""
    reg = REGIMES[regime]
    return reg.resonant_pair.get(direction, reg.pairs[0])


def draw_fig3(data: Mapping[str, Any], tau_info: Mapping[str, Any], params: Params) -> Any:
    """Draw Fig. 3(a-g) from :func:`nrbundle.study.kappa.kappa_sweeps` and :func:`nrbundle.study.g2tau.blue_g2_tau`
    data; return the Figure. Call inside :func:`nrbundle.figures.style.figure_style`."""
    ks = data["kappa"]
    units = params.units
    fig = style.Figure(figsize=(style.DOUBLE_WIDTH, 3.9), layout="constrained")
    gs = fig.add_gridspec(2, 4, width_ratios=[1, 1, 1, 1.05])
    axes = np.empty((2, 3), dtype=object)
    for i in range(2):
        for j in range(3):
            axes[i, j] = fig.add_subplot(gs[i, j], sharex=axes[0, 0] if (i or j) else None,
                                         sharey=axes[0, 0] if (i or j) else None)
    letters = [["(a)", "(b)", "(c)"], ["(d)", "(e)", "(f)"]]
    handles = {}
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
                col = style.MODE_COLORS[pair[1]]
                lw = 1.2 if strong else 0.8
                alpha = 1.0 if strong else 0.55
                h1, = ax.loglog(ks, np.asarray(sw[f"g1_{pair}"])[i], color=col, lw=lw, alpha=alpha, ls="-")
                h2, = ax.loglog(ks, np.asarray(sw[f"g2_{pair}"])[i], color=col, lw=lw, alpha=alpha, ls="--")
                handles.setdefault(f"g1_{pair}", h1)
                handles.setdefault(f"g2_{pair}", h2)
            style.panel_label(ax, letters[i][j], loc="upper left")
            if i == 0:
                ax.set_title(f"{r}: " + ("$|101-\\rangle$" if r == "blue" else "$|110-\\rangle$" if r == "pink"
                                         else "$|110-\\rangle$ LD, $|101-\\rangle$ RD"),
                             fontsize=style.SMALL_FONT_SIZE, color=style.REGIME_COLORS[r])
            if j == 0:
                ax.set_ylabel(f"{'LD' if d == 'left' else 'RD'}:  $g^{{(2)}}(0)$")
            else:
                ax.tick_params(labelleft=False)
            if i == 1:
                ax.set_xlabel(style.freq_label(r"\kappa", units))
            else:
                ax.tick_params(labelbottom=False)
    axes[0, 0].set_xlim(ks.min(), ks.max())
    lab = {"g1_ab": r"$g^{(2)}_{1,ab}(0)$", "g2_ab": r"$g^{(2)}_{2,ab}(0)$",
           "g1_am": r"$g^{(2)}_{1,am}(0)$", "g2_am": r"$g^{(2)}_{2,am}(0)$"}
    order = [k for k in ("g1_am", "g2_am", "g1_ab", "g2_ab") if k in handles]
    axg = fig.add_subplot(gs[:, 3])
    axg.axhline(1.0, color="0.5", lw=0.6)
    axg.plot(tau_info["tau"], tau_info["g2"], ".", ms=2.0, color=style.MODE_COLORS["m"],
             label=f"cutoff {tuple(tau_info['cutoff'])}")
    if "tau_zoom" in tau_info:
        ins = axg.inset_axes([0.42, 0.12, 0.54, 0.3])
        ins.plot(tau_info["tau_zoom"], tau_info["g2_zoom"], color=style.MODE_COLORS["m"], lw=0.7)
        ins.set_xlim(0, tau_info["tau_zoom"][-1])
        ins.tick_params(labelsize=style.SMALL_FONT_SIZE - 2, pad=1)
        ins.set_xlabel(style.time_label(units).replace("$t", r"$\tau"), fontsize=style.SMALL_FONT_SIZE - 2,
                       labelpad=0)
    if "g2_0_converged" in tau_info:
        axg.plot([0.0], [tau_info["g2_0_converged"]], "o", ms=4, mfc="none", mec="k", mew=0.8, clip_on=False,
                 label=f"$\\tau=0$, cutoff {tuple(tau_info['g2_0_converged_cutoff'])}")
    axg.legend(loc="upper right", fontsize=style.SMALL_FONT_SIZE - 1.5, handlelength=1.0, markerscale=1.5)
    axg.set_xlabel(style.time_label(units).replace("$t", r"$\tau"))
    axg.set_ylabel(r"$g^{(2)}_{2,am}(\tau)$")
    axg.set_ylim(0.0, 1.3)
    axg.set_yticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axg.set_title(f"(g) blue LD, $\\kappa={tau_info['kappa'] / params.omega_b:g}\\omega_b$"
                  if units == "omega_b" else f"(g) blue LD, $\\kappa/2\\pi={tau_info['kappa']:g}$ GHz",
                  fontsize=style.SMALL_FONT_SIZE, color=style.REGIME_COLORS["blue"])
    fig.legend([handles[k] for k in order], [lab[k] for k in order], loc="outside upper center", ncol=4,
               fontsize=style.SMALL_FONT_SIZE, handlelength=2.2)
    return fig


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
        paths = style.save_figure(draw_fig3(data, tau_info, params), out, "fig3")

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
        "g2_tau": {k: v for k, v in tau_info.items() if k not in ("tau", "g2", "tau_zoom", "g2_zoom")},
        "executor": executor,
        "wall_time_s": time.perf_counter() - t0,
    }
    write_arrays(out, "fig3", arrays, prov)
    return paths
