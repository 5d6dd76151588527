"""One shared figure style for every nrbundle figure: sizes, fonts, colours, and the writers of figure files.

All figures are drawn without pyplot (``matplotlib.figure.Figure``, rendered by Agg when saved, so the caller's
backend and pyplot state are untouched) at journal column width (:data:`COLUMN_WIDTH`, 3.4 in)
or double width (:data:`DOUBLE_WIDTH`, 7.0 in), with 8-9 pt text, and saved as PDF and PNG (:data:`DPI`). Each
figure writes the data it plots next to it: ``<name>.npz`` (arrays) and ``<name>.json`` (provenance: parameters,
cutoffs, resonance positions, solver diagnostics, package versions, run time).

Colours
-------
- Drive direction: :data:`DIRECTION_COLORS` (left = dark blue, right = dark red).
- Modes and atom: :data:`MODE_COLORS` (a = photon, b = phonon, m = magnon, sigma = atom).
- The paper's three resonance regimes (Fig. 1(c,d) shaded areas): :data:`REGIME_COLORS` (blue, pink, orange).

No equation of the paper is implemented here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.metadata
import json
import math
import os
import platform
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = [
    "COLUMN_WIDTH",
    "DOUBLE_WIDTH",
    "FONT_SIZE",
    "SMALL_FONT_SIZE",
    "DPI",
    "DIRECTION_COLORS",
    "DIRECTION_LABELS",
    "MODE_COLORS",
    "MODE_LABELS",
    "PAIR_LABELS",
    "REGIME_COLORS",
    "REGIME_SHADES",
    "MARKER_STYLES",
    "CHANNEL_COLORS",
    "RC_PARAMS",
    "figure_style",
    "new_figure",
    "Figure",
    "Line2D",
    "panel_label",
    "save_figure",
    "write_data",
    "to_json",
    "versions",
    "now",
    "freq_label",
    "time_label",
    "shade_regions",
    "mask_spans",
]

#: Journal single-column width in inches.
COLUMN_WIDTH: float = 3.4
#: Journal double-column width in inches.
DOUBLE_WIDTH: float = 7.0
#: Base text size (axis labels) in points.
FONT_SIZE: float = 9.0
#: Tick labels, legends and panel annotations in points.
SMALL_FONT_SIZE: float = 8.0
#: Resolution of the PNG files (the PDF is vector).
DPI: int = 300

#: Colour of each drive direction.
DIRECTION_COLORS: dict[str, str] = {"left": "#1f3b8c", "right": "#b2182b"}
#: Legend text of each drive direction.
DIRECTION_LABELS: dict[str, str] = {"left": "LD (left)", "right": "RD (right)"}
#: Colour of each mode (a photon, b phonon, m magnon) and of the atom.
MODE_COLORS: dict[str, str] = {"a": "#2166ac", "b": "#1b9e77", "m": "#d95f02", "sigma": "#6a3d9a"}
#: Mathtext labels of the modes.
MODE_LABELS: dict[str, str] = {"a": r"$a$ (photon)", "b": r"$b$ (phonon)", "m": r"$m$ (magnon)", "sigma": r"$\sigma$ (atom)"}
#: Mathtext subscript of each bundle pair.
PAIR_LABELS: dict[str, str] = {"ab": "ab", "am": "am"}
#: Colour of each resonance regime (the paper's blue, pink and orange areas of Fig. 1(c,d)).
REGIME_COLORS: dict[str, str] = {"blue": "#4f8fd6", "pink": "#e377c2", "orange": "#f28e2b"}
#: Light fill of each regime for shaded areas.
REGIME_SHADES: dict[str, str] = {"blue": "#cfe0f5", "pink": "#f7d3ec", "orange": "#fde0c2"}
#: Line styles of the resonance markers: closed forms S18-S22, fourth-order corrected, exact diagonalization.
MARKER_STYLES: dict[str, dict[str, Any]] = {
    "closed_form": {"ls": ":", "lw": 0.9, "color": "0.35"},
    "corrected": {"ls": "--", "lw": 0.9, "color": "0.1"},
    "ed": {"ls": "-", "lw": 0.6, "color": "0.55"},
}
#: Colour of each decay channel of Eq. (2) (quantum-jump markers).
CHANNEL_COLORS: dict[str, str] = {"a": MODE_COLORS["a"], "b": MODE_COLORS["b"], "m": MODE_COLORS["m"], "sigma": MODE_COLORS["sigma"]}

#: Matplotlib settings of every nrbundle figure.
RC_PARAMS: dict[str, Any] = {
    "font.size": FONT_SIZE,
    "axes.labelsize": FONT_SIZE,
    "axes.titlesize": FONT_SIZE,
    "xtick.labelsize": SMALL_FONT_SIZE,
    "ytick.labelsize": SMALL_FONT_SIZE,
    "legend.fontsize": SMALL_FONT_SIZE - 1,
    "legend.frameon": False,
    "legend.handlelength": 1.6,
    "legend.borderaxespad": 0.3,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.1,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.minor.width": 0.4,
    "ytick.minor.width": 0.4,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "mathtext.fontset": "dejavuserif",
    "font.family": "DejaVu Serif",
    "savefig.dpi": DPI,
    "figure.dpi": 100,
    "pdf.fonttype": 42,
    "axes.formatter.useoffset": False,
}


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Context in which the nrbundle style is active (restores the caller's matplotlib settings afterwards)."""
    with matplotlib.rc_context(RC_PARAMS):
        yield


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    width: str | float = "single",
    height: float | None = None,
    **kwargs: Any,
) -> tuple[Any, Any]:
    """A :class:`~matplotlib.figure.Figure` with a grid of axes at journal width (``Figure.subplots``).

    Parameters
    ----------
    nrows, ncols
        Panel grid.
    width
        ``"single"`` (:data:`COLUMN_WIDTH`), ``"double"`` (:data:`DOUBLE_WIDTH`) or inches.
    height
        Inches; default 0.75 * single width per row.
    kwargs
        Passed to ``Figure.subplots`` (``sharex``, ``gridspec_kw``, ...); the layout is ``constrained``.
    """
    w = {"single": COLUMN_WIDTH, "double": DOUBLE_WIDTH}.get(width, width) if isinstance(width, str) else float(width)
    if isinstance(w, str):
        raise ValueError(f"width: expected 'single', 'double' or inches, got {width!r}")
    h = 0.75 * COLUMN_WIDTH * nrows if height is None else float(height)
    fig = Figure(figsize=(w, h), layout="constrained")
    return fig, fig.subplots(nrows, ncols, **kwargs)


def panel_label(ax: Any, text: str, *, loc: str = "upper left") -> None:
    """Write ``(a)``-style panel labels inside the axes corner."""
    x, ha = (0.03, "left") if "left" in loc else (0.97, "right")
    y, va = (0.96, "top") if "upper" in loc else (0.04, "bottom")
    ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=FONT_SIZE, fontweight="bold")


def save_figure(fig: Any, out_dir: str | os.PathLike[str], name: str) -> list[Path]:
    """Write ``<name>.pdf`` and ``<name>.png`` (:data:`DPI`) into ``out_dir``; return both paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.pdf", out / f"{name}.png"]
    fig.savefig(paths[0])
    fig.savefig(paths[1], dpi=DPI)
    return paths


def to_json(value: Any) -> Any:
    """Convert provenance values (NumPy scalars/arrays, tuples, dataclasses with ``to_dict``, Paths) to JSON."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, np.generic):
        return to_json(value.item())
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_json(value.to_dict())
    return repr(value)


def versions() -> dict[str, str | None]:
    """Versions of the packages that produced a figure."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("nrbundle", "numpy", "scipy", "qutip", "sympy", "matplotlib"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def now() -> str:
    """UTC time stamp (ISO 8601)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def write_data(
    out_dir: str | os.PathLike[str],
    name: str,
    arrays: Mapping[str, Any],
    provenance: Mapping[str, Any],
) -> list[Path]:
    """Write the plotted data as ``<name>.npz`` and its provenance as ``<name>.json``; return both paths.

    ``arrays`` values are converted with ``np.asarray`` (string arrays are allowed). The JSON also records the
    package versions and a time stamp.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    npz, js = out / f"{name}.npz", out / f"{name}.json"
    np.savez_compressed(npz, **{k: np.asarray(v) for k, v in arrays.items()})
    prov = {"figure": name, **dict(provenance), "arrays": sorted(arrays), "versions": versions(), "written": now()}
    js.write_text(json.dumps(to_json(prov), indent=1, sort_keys=False) + "\n")
    return [npz, js]


def shade_regions(ax: Any, spans: Sequence[tuple[float, float, str]], **kwargs: Any) -> None:
    """Shade x-intervals ``(lo, hi, colour)`` behind the data."""
    for lo, hi, color in spans:
        ax.axvspan(lo, hi, color=color, lw=0, zorder=0, **kwargs)


def freq_label(symbol: str, units: str = "omega_b") -> str:
    """Axis label of a frequency: ``$\\Delta_{ad}/\\omega_b$`` (units of omega_b) or ``$\\Delta_{ad}/2\\pi$ (GHz)``."""
    if units == "GHz":
        return f"${symbol}/2\\pi$ (GHz)"
    return f"${symbol}/\\omega_b$"


def time_label(units: str = "omega_b") -> str:
    """Axis label of time: ``$t\\,\\omega_b$`` or ``$t$ (1/GHz, angular units)``."""
    if units == "GHz":
        return "$t$ (units of 1/GHz)"
    return "$t\\,\\omega_b$"


def mask_spans(x: Sequence[float], mask: Sequence[bool], *, log: bool = True) -> list[tuple[float, float]]:
    """Intervals of ``x`` (ascending grid) where ``mask`` holds, each extended to the (geometric if ``log``)
    midpoints towards its neighbours outside the interval, so that shading meets the curves' crossings."""
    xs = np.asarray(x, dtype=float)
    ms = np.asarray(mask, dtype=bool)
    spans: list[tuple[float, float]] = []
    i, n = 0, xs.size

    def mid(u: float, v: float) -> float:
        return math.sqrt(u * v) if log and u > 0 and v > 0 else 0.5 * (u + v)

    while i < n:
        if not ms[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and ms[j + 1]:
            j += 1
        lo = xs[i] if i == 0 else mid(xs[i - 1], xs[i])
        hi = xs[j] if j == n - 1 else mid(xs[j], xs[j + 1])
        spans.append((float(lo), float(hi)))
        i = j + 1
    return spans
