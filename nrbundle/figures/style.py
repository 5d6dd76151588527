"""One shared figure style for every nrbundle figure: sizes, fonts, colours, labels, shading, saving.

All figures are drawn without pyplot (``matplotlib.figure.Figure``, rendered by Agg when saved, so the caller's
backend and pyplot state are untouched) at journal column width (:data:`COLUMN_WIDTH`, 3.4 in)
or double width (:data:`DOUBLE_WIDTH`, 7.0 in), with 8-9 pt text, and saved as PDF and PNG (:data:`DPI`). The data
each figure plots is written next to it by :func:`nrbundle.provenance.write_arrays` (``<name>.npz`` + ``<name>.json``).

Colours
-------
- Drive direction: :data:`DIRECTION_COLORS` (left = dark blue, right = dark red).
- Modes and atom: :data:`MODE_COLORS` (a = photon, b = phonon, m = magnon, sigma = atom).
- The paper's three resonance regimes (Fig. 1(c,d) shaded areas): :data:`REGIME_COLORS` (blue, pink, orange).

No equation of the paper is implemented here.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.image
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from ..provenance import atomic_write_bytes

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
    "EMPHASIS",
    "TITLE_AT_TOP",
    "emphasis_handles",
    "RC_PARAMS",
    "figure_style",
    "new_figure",
    "Figure",
    "Line2D",
    "panel_label",
    "save_figure",
    "raster_pdf",
    "stamp_quick",
    "QUICK_STAMP",
    "freq_label",
    "freq_value",
    "time_label",
    "cutoff_text",
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
MODE_LABELS: dict[str, str] = {
    "a": r"$a$ (photon)", "b": r"$b$ (phonon)", "m": r"$m$ (magnon)", "sigma": r"$\sigma$ (atom)"
}
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
CHANNEL_COLORS: dict[str, str] = {c: MODE_COLORS[c] for c in ("a", "b", "m", "sigma")}

#: Line weight of a curve of the pair resonant in that drive direction and of the other pair (Figs. 3 and 4).
EMPHASIS: dict[str, dict[str, float]] = {"resonant": {"lw": 1.3, "alpha": 1.0}, "other": {"lw": 0.8, "alpha": 0.5}}

#: ``Axes.set_title`` keyword for a title at the top of its axes that matplotlib does not search to move up: it moves
#: a title only above tick labels or an x label at the top, which these figures never have (ticks point inwards,
#: labels below), so the image is the same (checked pixel for pixel on Figs. 2 and 3) and the search, a
#: tight-bbox pass over every axis of the figure, is saved (~0.3 s per figure).
TITLE_AT_TOP: dict[str, float] = {"y": 1.0}

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
    # every figure asks for its layout; these rc layouts off make set_layout_engine(None) mean "none" (save_figure)
    "figure.autolayout": False,
    "figure.constrained_layout.use": False,
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
    """Write an ``(a)``-style panel label: inside the axes corner ``loc`` (``"upper left"``, ``"lower right"``, ...)
    or, with ``loc="outside"``, just above the axes' upper-left corner, where no curve can lie under it (the
    constrained layout makes room for it)."""
    if loc == "outside":
        ax.annotate(text, (0.0, 1.0), xycoords="axes fraction", xytext=(0.0, 2.5), textcoords="offset points",
                    ha="left", va="bottom", fontsize=FONT_SIZE, fontweight="bold")
        return
    x, ha = (0.03, "left") if "left" in loc else (0.97, "right")
    y, va = (0.96, "top") if "upper" in loc else (0.04, "bottom")
    ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=FONT_SIZE, fontweight="bold")


#: Text of the stamp on every figure of a quick run (:func:`stamp_quick`).
QUICK_STAMP: str = "QUICK run: coarse grid, a preview - not converged"


def emphasis_handles(color: str = "0.25") -> tuple[list[Any], list[str]]:
    """Legend entries that explain :data:`EMPHASIS`: a bold line for the pair resonant in that drive direction and
    a faint one for the other pair (colour-neutral, so the colour entries can stay neutral too)."""
    handles = [Line2D([], [], color=color, **EMPHASIS["resonant"]), Line2D([], [], color=color, **EMPHASIS["other"])]
    return handles, ["pair resonant in that drive", "other pair (faint)"]


def stamp_quick(fig: Any, detail: str = QUICK_STAMP) -> None:
    """Stamp a figure of a quick run: a red line of text under everything (``Figure.supxlabel``, so the constrained
    layout keeps it clear of the panels; the top belongs to the figure legends, which a suptitle would overlap)
    and a faint diagonal "QUICK" across the figure."""
    fig.supxlabel(detail, color="#c00000", fontsize=SMALL_FONT_SIZE, fontweight="bold")
    fig.text(0.5, 0.5, "QUICK", transform=fig.transFigure, ha="center", va="center", rotation=30,
             fontsize=64, fontweight="bold", color="#c00000", alpha=0.08, zorder=100, in_layout=False)


def save_figure(fig: Any, out_dir: str | os.PathLike[str], name: str, *, vector: bool = True) -> list[Path]:
    """Write ``<name>.pdf`` and ``<name>.png`` (:data:`DPI`) of ``fig`` into ``out_dir``; return both paths.

    Writing is separate from drawing: every figure function returns its ``Figure``; this call (inside the shared
    style, so the PDF embeds its fonts as Type 42 whatever the caller's settings) writes it.

    Parameters
    ----------
    fig, out_dir, name
        The figure, the folder and the file name without suffix.
    vector
        ``True`` (default): the PDF is drawn as vector graphics. ``False`` (the figures of a quick run, stamped
        QUICK): the PDF is the PNG's pixels on a page of the same size (:func:`raster_pdf`, lossless), which costs
        ~0.05 s instead of a third drawing pass and the font subsetting (0.3-1 s per figure).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pdf, png = out / f"{name}.pdf", out / f"{name}.png"
    engine = fig.get_layout_engine()
    with figure_style():
        # A save with a layout engine draws the figure twice (a layout pass, then the rendering). The layout is
        # computed once, by the pixels, and kept for the PDF: with no engine the PDF is drawn once (3 passes, not 4).
        # The pixels are drawn once and written as the PNG by matplotlib's own PNG writer (the bytes of
        # savefig(format="png")); a raster PDF takes them as they are, without decoding the PNG again.
        rgba = _pixels(fig, DPI)
        buf = io.BytesIO()
        matplotlib.image.imsave(buf, rgba, format="png", dpi=DPI)
        atomic_write_bytes(png, buf.getvalue(), durable=False)
        if vector:
            fig.set_layout_engine(None)  # no engine (RC_PARAMS turn the rc layouts off): the layout stays as drawn
            buf = io.BytesIO()
            fig.savefig(buf, format="pdf")
            atomic_write_bytes(pdf, buf.getvalue(), durable=False)
        else:
            atomic_write_bytes(pdf, raster_pdf(rgba, DPI, title=name), durable=False)
        fig.set_layout_engine(engine)  # the figure goes back to the caller as it was (None stays None in here)
    return [pdf, png]


def _pixels(fig: Any, dpi: float) -> np.ndarray:
    """The figure drawn at ``dpi`` (as ``savefig`` draws it, layout engine included): an (h, w, 4) RGBA uint8 array."""
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=dpi)
    old = fig.dpi
    try:  # the size in pixels as the canvas computes it at that dpi
        fig.dpi = dpi
        w, h = fig.canvas.get_width_height(physical=True)
    finally:
        fig.dpi = old
    return np.frombuffer(buf.getvalue(), dtype=np.uint8).reshape(h, w, 4)


def raster_pdf(image: bytes | np.ndarray, dpi: float, *, title: str = "") -> bytes:
    """A one-page PDF that shows an image at ``dpi``: the page is the image's size (pixels * 72 / dpi points), the
    image its RGB pixels (alpha composited on white) compressed without loss (FlateDecode).

    The quick run's PDFs (:func:`save_figure` with ``vector=False``): previews stamped QUICK, which no one sends to a
    journal; the full run's PDFs are vector graphics.

    Parameters
    ----------
    image
        A PNG file's bytes, or the pixels as an (h, w, 4) RGBA uint8 array.
    dpi
        Its resolution (pixels per inch), which sets the page size.
    title
        The document title (ASCII letters, digits, space, ``_-.`` are kept).

    Returns
    -------
    bytes
        The PDF file (version 1.4, one page, one image).
    """
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 4 and np.all(image[..., 3] == 255):
        height, width = image.shape[:2]  # opaque (a figure on its white face): the colours as they are
        pixels = zlib.compress(np.ascontiguousarray(image[..., :3]).tobytes(), 6)
    else:
        with Image.fromarray(image) if isinstance(image, np.ndarray) else Image.open(io.BytesIO(image)) as im:
            rgba = im.convert("RGBA")
        page = Image.new("RGBA", rgba.size, "white")
        page.alpha_composite(rgba)
        width, height = page.size
        pixels = zlib.compress(page.convert("RGB").tobytes(), 6)
    w_pt, h_pt = width * 72.0 / dpi, height * 72.0 / dpi
    text = "".join(ch for ch in title if ch.isascii() and (ch.isalnum() or ch in " _-."))
    content = f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w_pt:.4f} {h_pt:.4f}] /Resources << /XObject << /Im0 4 0 R >> "
        ">> /Contents 5 0 R >>".encode(),
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB "
        f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(pixels)} >>\nstream\n".encode() + pixels
        + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        f"<< /Title ({text}) /Creator (nrbundle: raster copy of {text}.png at {dpi:g} dpi) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for k, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def shade_regions(ax: Any, spans: Sequence[tuple[float, float, str]], **kwargs: Any) -> None:
    """Shade x-intervals ``(lo, hi, colour)`` behind the data."""
    for lo, hi, color in spans:
        ax.axvspan(lo, hi, color=color, lw=0, zorder=0, **kwargs)


def freq_label(symbol: str, units: str = "omega_b") -> str:
    """Axis label of a frequency: ``$\\Delta_{ad}/\\omega_b$`` (units of omega_b) or ``$\\Delta_{ad}/2\\pi$ (GHz)``."""
    if units == "GHz":
        return f"${symbol}/2\\pi$ (GHz)"
    return f"${symbol}/\\omega_b$"


def freq_value(symbol: str, value: float, units: str = "omega_b", *, digits: int = 6) -> str:
    """A frequency with its unit for titles: ``$\\Delta_{ad}=1.340775\\,\\omega_b$`` or
    ``$\\Delta_{ad}/2\\pi=2.681550$ GHz``."""
    if units == "GHz":
        return f"${symbol}/2\\pi={value:.{digits}f}$ GHz"
    return f"${symbol}={value:.{digits}f}\\,\\omega_b$"


def time_label(units: str = "omega_b") -> str:
    """Axis label of time: ``$t\\,\\omega_b$`` or ``$t$ (1/GHz, angular units)``."""
    if units == "GHz":
        return "$t$ (units of 1/GHz)"
    return "$t\\,\\omega_b$"


def cutoff_text(cutoffs: Iterable[Sequence[int]]) -> str:
    """The distinct Fock cutoffs ``(N_a, N_b, N_m)`` among ``cutoffs``, sorted, as ``"(6, 5, 5), (7, 5, 5)"``."""
    distinct = sorted({tuple(int(n) for n in c) for c in cutoffs})
    return ", ".join(str(c) for c in distinct) if distinct else "none"


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
