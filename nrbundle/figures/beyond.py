"""Beyond the paper: design maps of nonreciprocal bundle emission and their loss with temperature.

Panels of :func:`figure_beyond` (data from :func:`nrbundle.study.beyond.beyond_study`)
------------------------------------------------------------------------------------------
(a-c) |101-> (photon-magnon), left drive, and (d-f) |110-> (photon-phonon), right drive, over (Delta_F, kappa) in
the run's preset, with Delta_ad on the analytic corrected resonance at every point: (a, d) the isolation ratio
I = P_B(d)/P_B(-d), log10; (b, e) the bundle g2 of the resonant direction, log10 (blue: antibunched, g2 < 1);
(c, f) the bundle purity. Black outline: nonreciprocal (I above the threshold) and antibunched (g2 < 1). Markers:
where the placement was checked against exact diagonalization, a grey dot where it agrees within a tenth of the
line width and a red cross where it does not. (g-i) the ``physical`` preset versus temperature (mK): bundle g2,
isolation ratio and purity of both transitions, dotted lines where antibunching is lost.

:func:`figure_map` draws one map (three panels) for ``nrbundle map``. The figures only draw; the numbers come from
the study layer (:mod:`nrbundle.study.design_map`).
"""

from __future__ import annotations

__all__ = ["figure_beyond", "make_beyond", "draw_beyond", "figure_map", "make_map_figure", "axis_label"]

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize

from ..params import FREQUENCY_NAMES, Params, get_preset
from ..provenance import write_arrays
from ..study.beyond import beyond_study
from ..study.design_map import DesignMap
from . import style

#: Colour of each target's curves (the colour of its second mode: magnon for |101->, phonon for |110->).
TARGET_COLORS: dict[str, str] = {"101": style.MODE_COLORS["m"], "110": style.MODE_COLORS["b"]}
#: Panel titles of the three map quantities.
_QUANTITIES: tuple[tuple[str, str], ...] = (
    ("isolation", r"isolation $\log_{10} I$"),
    ("g2_B", r"bundle $\log_{10} g^{(2)}_{2,B}(0)$"),
    ("purity_B", r"purity $\pi_B$"),
)
_GREEK = ("Delta", "kappa", "gamma", "lambda", "omega", "xi")


def axis_label(name: str, units: str) -> str:
    """Axis label of a map parameter: a frequency in the preset's units, or the temperature in mK."""
    if name == "temperature":
        return r"$T$ (mK)"
    head, _, sub = name.partition("_")
    sym = f"\\{head}" if head in _GREEK else head
    if sub:
        sym += "_{" + re.sub(r"^(" + "|".join(_GREEK) + r")$", r"\\\1", sub) + "}"
    if name in FREQUENCY_NAMES:
        return style.freq_label(sym, units)
    return f"${sym}$"


def _scale(name: str) -> float:
    """Display factor of an axis (kelvin -> mK)."""
    return 1e3 if name == "temperature" else 1.0


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around grid centres (geometric midpoints on a log axis, half a step beyond the ends)."""
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return np.array([v[0] / 1.25, v[0] * 1.25]) if log else np.array([v[0] - 0.5, v[0] + 0.5])
    u = np.log(v) if log else v
    mid = 0.5 * (u[1:] + u[:-1])
    e = np.concatenate([[u[0] - (mid[0] - u[0])], mid, [u[-1] + (u[-1] - mid[-1])]])
    return np.exp(e) if log else e


def _is_log(values: np.ndarray) -> bool:
    """A positive axis with geometric (not linear) steps; two points spanning a decade or more."""
    v = np.asarray(values, dtype=float)
    if v.size < 2 or np.any(v <= 0):
        return False
    if v.size == 2:  # two points: no spacing to judge by; a span of a decade or more reads better on a log axis
        return bool(v.max() >= 10 * v.min())
    dl, dv = np.diff(np.log(v)), np.diff(v)
    return bool(np.allclose(dl, dl[0], rtol=1e-6) and not np.allclose(dv, dv[0], rtol=1e-6))


def _outline(ax: Any, xe: np.ndarray, ye: np.ndarray, mask: np.ndarray, **kwargs: Any) -> None:
    """Draw the boundary of the cells where ``mask`` (shape (nx, ny)) holds, along the cell edges."""
    nx, ny = mask.shape
    segs = []
    padded = np.zeros((nx + 2, ny + 2), dtype=bool)
    padded[1:-1, 1:-1] = mask
    for i in range(nx + 1):  # vertical edges between x cells i-1 and i
        for j in range(ny):
            if padded[i, j + 1] != padded[i + 1, j + 1]:
                segs.append([(xe[i], ye[j]), (xe[i], ye[j + 1])])
    for j in range(ny + 1):
        for i in range(nx):
            if padded[i + 1, j] != padded[i + 1, j + 1]:
                segs.append([(xe[i], ye[j]), (xe[i + 1], ye[j])])
    if segs:
        ax.add_collection(LineCollection(segs, **kwargs))


def _map_panels(axes: Sequence[Any], dm: DesignMap, fig: Any, *, last_row: bool) -> None:
    """Draw the three quantity maps of ``dm`` into ``axes`` (isolation, g2_B, purity)."""
    sx, sy = _scale(dm.x_name), _scale(dm.y_name)
    xlog, ylog = _is_log(dm.x), _is_log(dm.y)
    xe, ye = _edges(dm.x, xlog) * sx, _edges(dm.y, ylog) * sy
    checked = np.isfinite(dm.arrays["ed_flag"])
    flagged = dm.flagged
    X, Y = np.meshgrid(dm.x * sx, dm.y * sy, indexing="ij")
    for ax, (key, title) in zip(axes, _QUANTITIES, strict=True):
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.asarray(dm.arrays[key], dtype=float)
            if key == "isolation":
                vals, cmap, norm = np.log10(a), "viridis", None
            elif key == "g2_B":
                vals = np.log10(a)
                span = max(0.3, float(np.nanmax(np.abs(vals)))) if np.isfinite(vals).any() else 1.0
                cmap, norm = "RdBu_r", Normalize(-span, span)
            else:
                vals, cmap, norm = a, "magma", Normalize(0.0, 1.0)
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(vals).T, cmap=cmap, norm=norm, shading="flat")
        cb = fig.colorbar(mesh, ax=ax, pad=0.03, aspect=15)
        cb.ax.tick_params(labelsize=style.SMALL_FONT_SIZE - 1)
        cb.set_label(title, fontsize=style.SMALL_FONT_SIZE)
        _outline(ax, xe, ye, dm.both, colors="k", linewidths=1.4)
        if checked.any():
            ok = checked & ~flagged
            ax.plot(X[ok], Y[ok], ls="none", marker="o", ms=2.5, mfc="0.85", mec="0.2", mew=0.5)
            ax.plot(X[flagged], Y[flagged], ls="none", marker="x", ms=5, color="#e00000", mew=1.3)
        if xlog:
            ax.set_xscale("log")
        if ylog:
            ax.set_yscale("log")
        ax.set_xlim(xe[0], xe[-1])
        ax.set_ylim(ye[0], ye[-1])
        if last_row:
            ax.set_xlabel(axis_label(dm.x_name, dm.params.units))
    axes[0].set_ylabel(axis_label(dm.y_name, dm.params.units))


def _row_label(dm: DesignMap) -> str:
    tgt = "".join(map(str, dm.target))
    return f"$|{tgt}-\\rangle$, {style.DIRECTION_LABELS[dm.direction].split()[0]}, {dm.params.preset}"


def _label(ax: Any, text: str) -> None:
    """A bold panel label just above the upper-left corner. Only a short transparent stand-in takes part in the
    constrained layout (it reserves the height), so a long label may run over the empty top margin of the next
    panel instead of squeezing its own."""
    style.panel_label(ax, "(a)", loc="outside")
    ax.texts[-1].set_color("none")
    ann = ax.annotate(text, (0.0, 1.0), xycoords="axes fraction", xytext=(0.0, 2.5), textcoords="offset points",
                      ha="left", va="bottom", fontsize=style.FONT_SIZE, fontweight="bold")
    ann.set_in_layout(False)


def _legend(fig: Any, threshold: float) -> None:
    handles = [style.Line2D([], [], color="k", lw=1.4),
               style.Line2D([], [], ls="none", marker="o", ms=3, mfc="0.85", mec="0.2", mew=0.5),
               style.Line2D([], [], ls="none", marker="x", ms=5, color="#e00000", mew=1.3)]
    labels = [f"$I>{threshold:g}$ and $g_2<1$", "ED agrees (< 0.1 width)", "ED differs (> 0.1 width)"]
    fig.legend(handles, labels, loc="outside upper center", ncol=3, fontsize=style.SMALL_FONT_SIZE - 1,
               handlelength=1.6, columnspacing=1.0)


def figure_map(dm: DesignMap, *, quick: bool | None = None) -> Any:
    """One design map as a Figure: isolation ratio (log10), bundle g2 (log10) and purity over the grid, the
    nonreciprocal (I > threshold) and antibunched (g2_B < 1) region outlined, the ED checks marked
    (``nrbundle map``); ``quick`` (default: the map's own) stamps it."""
    quick = dm.quick if quick is None else quick
    with style.figure_style():
        fig, axes = style.new_figure(1, 3, width="double", height=2.6)
        _map_panels(axes, dm, fig, last_row=True)
        _label(axes[0], _row_label(dm))
        _legend(fig, dm.ratio_threshold)
        if quick:
            style.stamp_quick(fig)
    return fig


def make_map_figure(dm: DesignMap, out_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Write :func:`figure_map` of ``dm`` as ``design_map.pdf`` and ``design_map.png`` (into ``dm.path``)."""
    folder = dm.path if out_dir is None else Path(out_dir)
    if folder is None:
        raise ValueError("out_dir: the map has no folder; give one")
    return style.save_figure(figure_map(dm), folder, "design_map")


def draw_beyond(data: Mapping[str, Any], *, quick: bool = False) -> Any:
    """Draw the "beyond the paper" figure from :func:`~nrbundle.study.beyond.beyond_study` data."""
    maps, curves = data["maps"], data.get("temperature") or {}
    rows = len(maps) + (1 if curves else 0)
    fig, axes = style.new_figure(rows, 3, width="double", height=2.2 * rows + 0.4)
    axes = np.atleast_2d(axes)
    threshold = next(iter(maps.values())).ratio_threshold
    letters = iter("abcdefghi")
    for r, dm in enumerate(maps.values()):
        _map_panels(axes[r], dm, fig, last_row=r == len(maps) - 1)
        for c, ax in enumerate(axes[r]):
            _label(ax, f"({next(letters)})" + (f" {_row_label(dm)}" if c == 0 else ""))
    if curves:
        _temperature_row(axes[-1], curves, threshold, data.get("findings") or {}, letters)
    _legend(fig, threshold)
    if quick:
        style.stamp_quick(fig)
    return fig


def _temperature_row(axes: Sequence[Any], curves: Mapping[str, DesignMap], threshold: float,
                     findings: Mapping[str, Any], letters: Any) -> None:
    """(g) bundle g2, (h) isolation ratio, (i) purity versus temperature, both transitions."""
    for key, dm in curves.items():
        T = dm.x * 1e3
        color = TARGET_COLORS.get(key, "k")
        label = f"$|{key}-\\rangle$, {style.DIRECTION_LABELS[dm.direction]}"
        for ax, name in zip(axes, ("g2_B", "isolation", "purity_B"), strict=True):
            ax.plot(T, dm.arrays[name][:, 0], color=color, marker="o", ms=2.5, label=label)
        lost = (findings.get(key) or {}).get("T_antibunching_lost")
        if lost is not None:
            for ax in axes:
                ax.axvline(lost * 1e3, color=color, ls=":", lw=0.9)
    axes[0].axhline(1.0, color="0.4", lw=0.6, ls="--")
    axes[1].axhline(threshold, color="0.4", lw=0.6, ls="--")
    ylabels = (r"bundle $g^{(2)}_{2,B}(0)$", r"isolation ratio $I$", r"purity $\pi_B$")
    first = next(iter(curves.values()))
    for c, (ax, yl) in enumerate(zip(axes, ylabels, strict=True)):
        ax.set_xscale("log")
        ax.set_xlabel(axis_label("temperature", "GHz"))
        ax.set_ylabel(yl)
        _label(ax, f"({next(letters)})" + (f" {first.params.preset}" if c == 0 else ""))
    axes[0].text(0.04, 0.96, f"$\\kappa/2\\pi={first.params.kappa:g}$ GHz", transform=axes[0].transAxes, ha="left",
                 va="top", fontsize=style.SMALL_FONT_SIZE - 1)
    axes[0].set_ylim(bottom=0)
    axes[1].set_yscale("log")
    axes[2].set_ylim(0, 1)
    axes[2].legend(loc="upper right", fontsize=style.SMALL_FONT_SIZE - 1)


def figure_beyond(
    params: Params | None = None,
    *,
    out_dir: str | os.PathLike[str],
    quick: bool = False,
    executor: str = "serial",
    workers: int | None = None,
    temperature: bool = True,
) -> Any:
    """The "beyond the paper" figure as a :class:`matplotlib.figure.Figure` (module docstring).

    Parameters
    ----------
    params
        Preset of the maps (default ``fig1``); the temperature curves always use ``physical``.
    out_dir
        Keeps the caches and the map checkpoints (``out_dir/work``).
    quick
        The quick grids and cutoffs of :data:`nrbundle.study.beyond.BEYOND_GRIDS` (stamped QUICK).
    executor, workers
        Where the map points run (:func:`nrbundle.sweep.run_sweep`).
    temperature
        Draw the temperature row (g-i).

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = beyond_study(out_dir, params=params, quick=quick, executor=executor, workers=workers,
                        temperature=temperature)
    with style.figure_style():
        return draw_beyond(data, quick=quick)


def make_beyond(
    out_dir: str | os.PathLike[str],
    *,
    params: Params | None = None,
    quick: bool = False,
    executor: str = "serial",
    workers: int | None = None,
    temperature: bool = True,
) -> list[Path]:
    """Draw :func:`figure_beyond` into ``out_dir``: ``beyond.pdf``, ``beyond.png``, ``beyond.npz``, ``beyond.json``.

    Parameters are those of :func:`figure_beyond`. ``beyond.json`` holds the parameters, the summary of every map
    and curve (:meth:`~nrbundle.study.design_map.DesignMap.summary`), the findings
    (:func:`~nrbundle.study.beyond.beyond_findings`) and the cutoffs; ``beyond.npz`` the plotted arrays.

    Returns
    -------
    list of Path
        The PDF and PNG written.
    """
    t0 = time.perf_counter()
    params = get_preset("fig1") if params is None else params
    out = Path(out_dir)
    data = beyond_study(out, params=params, quick=quick, executor=executor, workers=workers,
                        temperature=temperature)
    with style.figure_style():
        fig = draw_beyond(data, quick=quick)
    paths = style.save_figure(fig, out, "beyond", vector=not quick)
    arrays: dict[str, Any] = {}
    cutoffs = []
    for group, prefix in (("maps", "map"), ("temperature", "T")):
        for key, dm in (data.get(group) or {}).items():
            arrays[f"{prefix}{key}_{dm.x_name}"] = dm.x
            arrays[f"{prefix}{key}_{dm.y_name}"] = dm.y
            for name in ("Delta_ad", "isolation", "g2_B", "purity_B", "ed_flag", "truncation_error"):
                arrays[f"{prefix}{key}_{name}"] = dm.arrays[name]
            cutoffs.append(tuple(dm.cutoff))
    first = next(iter(data["maps"].values()))
    prov = {
        "description": "beyond the paper: (Delta_F, kappa) design maps of |101-> (left) and |110-> (right) in the "
                       "run's preset; bundle g2, isolation ratio and purity versus temperature in preset physical",
        "params": params.to_dict(),
        "quick": bool(quick),
        "cutoff_summary": f"maps {style.cutoff_text(cutoffs[:2])}, temperature curves {style.cutoff_text(cutoffs[2:])}"
                          " (fixed; truncation estimate recorded at the checked points)",
        "maps": {k: dm.summary() for k, dm in data["maps"].items()},
        "temperature": {k: dm.summary() for k, dm in (data.get("temperature") or {}).items()},
        "findings": data.get("findings"),
        "ratio_threshold": first.ratio_threshold,
        "wall_time_s": time.perf_counter() - t0,
    }
    write_arrays(out, "beyond", arrays, prov)
    return paths
