"""Fig. 4: entanglement witnesses D1 = max(0, W1) (Eq. 4, S23-S27) versus kappa in the orange regime.

Panels
------
(a) left drive, (b) right drive, at the orange regime's Delta_ad (:mod:`nrbundle.study.resonances`), the parameter
regime of Fig. 3(c,f). Curves: the bipartite photon-phonon D1^{ab} and photon-magnon D1^{am} witnesses and the
tripartite D1^{ab sigma}, D1^{am sigma} (with the atom), all from the steady state of Eq. (2)
(:func:`nrbundle.numeric.witness.witness`: W1 = largest eigenvalue of Q - 4 Gamma with the local covariance
matrix Gamma, i.e. Eq. (4)/(S23); S25 omits the factor 4 - ``docs/errata.md``). The pair resonant in that
direction (left: (a, b); right: (a, m)) is drawn bold. Shaded: the antibunched-bundle regime of that pair,
g1 > 1 and g2 < 1, taken from the Fig. 3 data of the same sweep.

The steady states are those of the Fig. 3 orange sweep (:func:`nrbundle.study.kappa.kappa_sweeps`; same
checkpoints: drawing Fig. 4 after Fig. 3 costs no new solves), at the same convergence-checked cutoffs. This module
draws them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..params import Params, get_preset
from ..provenance import write_arrays
from ..study.cutoffs import cutoff_for_kappa
from ..study.kappa import WITNESS_PARTIES, kappa_sweeps
from ..study.resonances import resonance_summary
from ..transitions import REGIMES
from . import style

__all__ = ["make_fig4", "figure4", "draw_fig4"]

_LABELS = {"ab": r"$D_1^{ab}$", "am": r"$D_1^{am}$", "absigma": r"$D_1^{ab\sigma}$", "amsigma": r"$D_1^{am\sigma}$"}


def draw_fig4(ks: np.ndarray, arrays: Mapping[str, np.ndarray], params: Params, *,
              quick: bool = False) -> tuple[Any, dict[str, Any]]:
    """Draw Fig. 4(a,b) from the orange-regime arrays (``D1_<p>``, ``g1_<pair>``, ``g2_<pair>``, shape (direction,
    kappa)); return the Figure and the shaded antibunched spans per direction. Call inside
    :func:`nrbundle.figures.style.figure_style`; ``quick`` stamps the figure.

    Colour and dash name the witness; the weight says whether its pair is the one resonant in that panel's drive
    direction (bold) or not (faint). The legend shows the colours at a neutral weight and explains the weights, so
    it reads the same for both panels.
    """
    units = params.units
    spans_rec: dict[str, Any] = {}
    fig, axes = style.new_figure(2, 1, height=4.6, sharex=True)
    for i, (ax, d, lab) in enumerate(zip(axes, ("left", "right"), ("(a)", "(b)"), strict=True)):
        pair = REGIMES["orange"].resonant_pair[d]
        g1, g2 = arrays[f"g1_{pair}"][i], arrays[f"g2_{pair}"][i]
        spans = style.mask_spans(ks, (g1 > 1) & (g2 < 1))
        spans_rec[d] = {"pair": pair, "spans": spans}
        for lo, hi in spans:
            ax.axvspan(lo, hi, color=style.REGIME_SHADES["orange"], lw=0, zorder=0)
        for p in WITNESS_PARTIES:
            emph = style.EMPHASIS["resonant" if p.startswith(pair) else "other"]
            ax.semilogx(ks, arrays[f"D1_{p}"][i], color=style.MODE_COLORS[p[1]],
                        ls="--" if p.endswith("sigma") else "-", **emph)
        ax.set_ylabel(r"$D_1=\max(0,W_1)$")
        ax.set_ylim(bottom=0)
        style.panel_label(ax, f"{lab} {style.DIRECTION_LABELS[d]}: ({pair[0]}, {pair[1]}) resonant", loc="outside")
    handles = [style.Line2D([], [], color=style.MODE_COLORS[p[1]], ls="--" if p.endswith("sigma") else "-", lw=1.1)
               for p in WITNESS_PARTIES]
    eh, el = style.emphasis_handles()
    fig.legend(handles + eh, [_LABELS[p] for p in WITNESS_PARTIES] + el, loc="outside upper center", ncol=3,
               fontsize=style.SMALL_FONT_SIZE - 1, handlelength=2.0, columnspacing=0.9)
    axes[1].set_xlabel(style.freq_label(r"\kappa", units))
    axes[1].set_xlim(ks.min(), ks.max())
    if quick:
        style.stamp_quick(fig)
    return fig, spans_rec


def figure4(
    params: Params | None = None,
    *,
    out_dir: str | os.PathLike[str],
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    kappas: Sequence[float] | None = None,
    cutoff: Sequence[int] | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> Any:
    """Fig. 4(a,b) as a :class:`matplotlib.figure.Figure` (save it with
    :func:`nrbundle.figures.style.save_figure`).

    Parameters are those of :func:`make_fig4`; ``out_dir`` only keeps the sweep checkpoints and caches (its
    ``work/`` folder, shared with Fig. 3).
    """
    params = get_preset("fig1") if params is None else params
    ks, arrays, _ = _orange_arrays(out_dir, params, quick, executor, workers, kappas, cutoff, resonances)
    with style.figure_style():
        return draw_fig4(ks, arrays, params, quick=quick)[0]


def _orange_arrays(out_dir: str | os.PathLike[str], params: Params, quick: bool, executor: str,
                   workers: int | None, kappas: Sequence[float] | None, cutoff: Sequence[int] | None,
                   resonances: Mapping[str, Any] | None) -> tuple[np.ndarray, dict[str, Any], dict[str, Any]]:
    """The orange-regime sweep of Fig. 3 (same checkpoints) as the arrays Fig. 4 plots and writes."""
    data = kappa_sweeps(out_dir, params=params, quick=quick, executor=executor, workers=workers, regimes=("orange",),
                        kappas=kappas, cutoff=cutoff, resonances=resonances)
    ks = data["kappa"]
    reg = data["regimes"]["orange"]
    sw = reg["sweep"]
    arrays: dict[str, Any] = {"kappa": ks, "directions": np.array(["left", "right"])}
    for p in WITNESS_PARTIES:
        arrays[f"D1_{p}"] = np.asarray(sw[f"D1_{p}"])
        arrays[f"W1_{p}"] = np.asarray(sw[f"W1_{p}"])
    for k in ("g1_ab", "g2_ab", "g1_am", "g2_am"):
        arrays[k] = np.asarray(sw[k])
    arrays["cutoff"] = np.array([[list(cutoff_for_kappa(reg["bands"], k, d)) for k in ks] for d in ("left", "right")])
    return ks, arrays, data


def make_fig4(
    out_dir: str | os.PathLike[str],
    *,
    params: Params | None = None,
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    kappas: Sequence[float] | None = None,
    cutoff: Sequence[int] | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Draw Fig. 4(a,b) into ``out_dir``: ``fig4.pdf``, ``fig4.png``, ``fig4.npz`` and ``fig4.json``.

    Parameters
    ----------
    out_dir
        Output folder (shares the orange-regime sweep of Fig. 3 under ``out_dir/work``).
    params
        Parameter set (default preset ``fig1``).
    quick
        7 kappa values, cutoff (4, 4, 4) unchecked (recorded).
    executor, workers
        Sweep executor and worker processes.
    kappas, cutoff
        Overrides (testing).
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
    ks, arrays, data = _orange_arrays(out, params, quick, executor, workers, kappas, cutoff, resonances)
    reg = data["regimes"]["orange"]
    sw = reg["sweep"]
    with style.figure_style():
        fig, spans_rec = draw_fig4(ks, arrays, params, quick=quick)
    paths = style.save_figure(fig, out, "fig4", vector=not quick)

    prov = {
        "description": "Fig. 4: QFI entanglement witnesses D1 (Eq. 4 / S23, factor 4 kept) versus kappa, orange regime",
        "params": params.to_dict(),
        "quick": bool(quick),
        "kappa_note": "kappa_a = kappa_b = kappa_m = kappa on the axis; gamma fixed",
        "Delta_ad": reg["Delta_ad"],
        "bands": reg["bands"],
        "cutoff_selection": reg["cutoff_selection"],
        "cutoff_summary": f"{style.cutoff_text(arrays['cutoff'].reshape(-1, 3))} per direction and kappa band ("
                          + reg["cutoff_selection"].get("rule", "convergence-checked, the cutoffs of Fig. 3(c,f)")
                          + ")",
        "antibunched_spans": spans_rec,
        "resonances": resonance_summary(data["resonances"]),
        "sweep": {"path": str(sw.path), "summary": sw.summary(), "n_recomputed": sw.n_recomputed},
        "witness_convention": "W1 = max eigenvalue of Q - 4 Gamma (Gamma: local covariances), D1 = max(0, W1)",
        "wall_time_s": time.perf_counter() - t0,
    }
    write_arrays(out, "fig4", arrays, prov)
    return paths
