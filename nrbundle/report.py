"""The human-readable report of a run: its Markdown tables and the ``index.html`` page that shows everything.

A run of :func:`nrbundle.reproduce.reproduce` writes JSON records (``headline.json``, ``resonances.json``,
``crosscheck.json``, ``figures/figN.json``, ``reproduce.json``); this module turns them into text for people:

- :class:`Table`: one table, rendered as Markdown (:meth:`Table.markdown`, every cell escaped: a ``|`` inside a
  cell is written ``\\|`` so it never splits the cell) or as HTML (:meth:`Table.html`, every cell HTML-escaped).
  Each report table is defined once (:func:`headline_table`, :func:`resonance_table`, :func:`crosscheck_table`)
  and rendered both ways, so ``headline.md`` and the page show the same rows.
- :func:`headline_markdown`, :func:`resonance_markdown`, :func:`crosscheck_markdown`: the ``.md`` files.
- :func:`write_index`: ``index.html``, built from the JSON records (no Markdown is parsed or shown raw). Every
  section names its preset and units; every figure says what it is (quick or full run, preset, units, Fock
  cutoffs, from its own ``figN.json``) and is shown at its natural width (its size in inches at 96 CSS pixels per
  inch, never wider than the page); every file of the run is linked.

A leaf module: it imports nothing from nrbundle but :mod:`nrbundle.provenance` (so the crosscheck layer can write
its Markdown through it). No equation of the paper is implemented here.
"""

from __future__ import annotations

__all__ = [
    "Cell",
    "Table",
    "FIGURE_CAPTIONS",
    "FIGURE_NAMES",
    "EXTRA_FIGURE_NAMES",
    "units_text",
    "headline_table",
    "headline_markdown",
    "resonance_table",
    "resonance_markdown",
    "crosscheck_table",
    "crosscheck_markdown",
    "png_size",
    "write_index",
]

import html
import math
import os
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .provenance import atomic_write_text, read_json

#: The figures of a run, in page order.
FIGURE_NAMES: tuple[str, ...] = ("fig1", "fig2", "fig3", "fig4")
#: Figures beyond the paper's, shown after them when the run made them (``docs/beyond.md``).
EXTRA_FIGURE_NAMES: tuple[str, ...] = ("beyond",)

#: What each figure shows (the page adds what kind of run made it, its preset, units and cutoffs).
FIGURE_CAPTIONS: Mapping[str, str] = {
    "fig1": "Fig. 1(c,d): steady-state mean excitation numbers versus Delta_ad for left (c) and right (d) driving; "
            "dotted: closed forms S18-S22, dashed: fourth-order corrected resonances, triangles: the exact (ED "
            "avoided-crossing) resonances; shaded: the blue, pink and orange regimes. (e): the uncoupled dressed "
            "ladder S16, circles at the closed-form crossings, triangles at the exact resonances.",
    "fig2": "Fig. 2(a-c): closed super-Rabi oscillations from |000+> at the exact (ED) resonances - not the closed "
            "forms, which lie ~20 avoided-crossing widths away; insets: the other drive direction. (d-g): one "
            "quantum trajectory (blue regime, left drive) with its jumps per channel.",
    "fig3": "Fig. 3: g1 (solid) and bundle g2 (dashed, Eq. 3) at tau = 0 versus kappa; (a-c) left, (d-f) right drive; "
            "columns: blue, pink, orange regimes (the paper's caption calls the last pair (f,g); it is (c,f)); bold: "
            "the pair resonant in that drive, faint: the other pair. Shaded: g1 > 1 and g2 < 1. (g): g2_am(tau), "
            "the first delays resolved (the antibunching dip at tau = 0 and the oscillation at the dressed-atom "
            "splitting); inset: the whole record, recovering to 1.",
    "fig4": "Fig. 4: entanglement witnesses D1 (Eq. 4) versus kappa in the orange regime; bold: the pair resonant in "
            "that drive, faint: the other pair; shaded: the antibunched regime of the resonant pair (Fig. 3(c,f)).",
    "beyond": "Beyond the paper (docs/beyond.md): (a-c) photon-magnon |101-> with left drive, (d-f) photon-phonon "
              "|110-> with right drive, over Delta_F and kappa in the run's preset (units of omega_b for fig1, GHz "
              "as omega/2pi for physical), Delta_ad on the analytic corrected resonance at every point: isolation "
              "ratio I = P_B(resonant drive)/P_B(other drive) (log10), bundle g2 of the resonant drive (log10; blue "
              "antibunched) and bundle purity; black outline: I > 10 and g2 < 1; dots: exact-diagonalization "
              "check of the placement (red cross: off by more than a tenth of the line width). (g-i) preset "
              "physical (GHz), kappa/2pi = 0.016 GHz: bundle g2, isolation ratio and purity versus temperature in "
              "mK; dotted: the temperature at which the antibunching is lost.",
}

#: Files of a run folder that the page does not list (the sweep checkpoints and caches).
_SKIP_DIRS: tuple[str, ...] = ("work",)


# ------------------------------------------------------------------------------------------------ tables
@dataclass(frozen=True)
class Cell:
    """A table cell: its text and how to show it (``""`` plain, ``"code"``, ``"strong"``, ``"fail"``)."""

    text: str
    kind: str = ""


def _cell(value: str | Cell) -> Cell:
    return value if isinstance(value, Cell) else Cell(str(value))


def _markdown_text(text: str) -> str:
    """One Markdown table cell: on one line, every ``|`` escaped (a bare ``|`` would start a new cell)."""
    return " ".join(str(text).split()).replace("|", "\\|")


@dataclass
class Table:
    """A table of text cells, rendered as Markdown or HTML with every cell escaped for its format.

    Attributes
    ----------
    header
        Column names.
    rows
        Rows of cells (``str`` or :class:`Cell`); each row has at most ``len(header)`` cells (shorter rows are
        padded with empty cells).
    """

    header: Sequence[str]
    rows: list[Sequence[str | Cell]] = field(default_factory=list)

    def _padded(self) -> list[list[Cell]]:
        n = len(self.header)
        out = []
        for r in self.rows:
            if len(r) > n:
                raise ValueError(f"rows: a row has {len(r)} cells, the header {n}")
            out.append([_cell(c) for c in r] + [Cell("")] * (n - len(r)))
        return out

    def markdown(self) -> str:
        """GitHub-flavoured Markdown: header, separator, one line per row (``|`` in cells escaped as ``\\|``)."""
        def md(c: Cell) -> str:
            t = _markdown_text(c.text)
            if not t:
                return t
            if c.kind == "code":
                return f"`{t}`"
            if c.kind in ("strong", "fail"):
                return f"**{t}**"
            return t

        lines = ["| " + " | ".join(_markdown_text(h) for h in self.header) + " |",
                 "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in self._padded()]
        return "\n".join(lines)

    def html(self, *, css_class: str = "") -> str:
        """An HTML ``<table>`` with a ``<thead>`` row and every cell HTML-escaped, in a ``div.table-wrap`` that
        scrolls sideways where the screen is narrower than the table's narrowest layout."""
        def td(c: Cell) -> str:
            t = html.escape(c.text)
            if c.kind == "code":  # identifiers may break after _ , [ (a long name never widens the page)
                for ch in ("_", ",", "["):
                    t = t.replace(ch, ch + "<wbr>")
                return f"<td><code>{t}</code></td>"
            if c.kind == "strong":
                return f"<td><strong>{t}</strong></td>"
            if c.kind == "fail":
                return f"<td class='fail'><strong>{t}</strong></td>"
            return f"<td>{t}</td>"

        cls = f" class='{html.escape(css_class)}'" if css_class else ""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "\n".join("<tr>" + "".join(td(c) for c in row) + "</tr>" for row in self._padded())
        # the wrapper scrolls a table sideways on a screen too narrow for it, instead of widening the page
        return (f"<div class='table-wrap'><table{cls}><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>"
                "</table></div>")


def units_text(units: str) -> str:
    """How a record's frequencies are given: ``"units of omega_b"`` or ``"GHz (values omega/2pi)"``."""
    return "GHz (values omega/2pi)" if units == "GHz" else "units of omega_b"


def _num(x: Any, fmt: str) -> str:
    """A number for a table; ``-`` where it is undefined (``None`` or not finite), never a made-up value."""
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return format(v, fmt) if math.isfinite(v) else "-"


# ------------------------------------------------------------------------------------------------ headline
def headline_table(h: Mapping[str, Any]) -> Table:
    """The headline numbers (:func:`nrbundle.study.headline.headline_numbers`) as a table."""
    t = Table(["pair", "transition", "drive", "regime", "Delta_ad", "g2(0)", "g1(0)", "cutoff",
               "truncation error"])
    for r in h["rows"]:
        t.rows.append([r["pair"], f"|{r['transition']}>", r["direction"], r["regime"], _num(r["Delta_ad"], ".6f"),
                       _num(r["g2"], ".3f"), _num(r["g1"], ".2f"), str(tuple(r["cutoff"])),
                       _num(r["truncation_error"], ".1e")])
    return t


def _headline_title(h: Mapping[str, Any]) -> str:
    return f"preset `{h['preset']}` (frequencies in {units_text(h['units'])}, kappa = {h['kappa']:g})"


def headline_markdown(h: Mapping[str, Any]) -> str:
    """``headline.md``: the headline numbers next to the paper's claims, with the verdicts."""
    lines = [f"# Headline numbers: {_headline_title(h)}", "", headline_table(h).markdown(), "",
             "Paper: main text g2_ab = 0.49, g2_am = 0.29; Supplement g2_ab = 0.29, g2_am = 0.49.", ""]
    lines += [f"- {v}" for v in h.get("verdict", [])]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------ resonances
def resonance_table(table: Mapping[str, Any]) -> Table:
    """The resonance report (:func:`nrbundle.study.resonances.resonance_report`) as a table."""
    t = Table(["target", "drive", "closed form (S18-S22)", "corrected (4th order)", "ED (avoided crossing)",
               "g_eff (analytic)", "ED half-splitting", "(ED - closed)/half-splitting"])
    for r in table["transitions"]:
        half = r.get("ed_half_splitting")
        ratio = None if not half else (r["ed"] - r["closed_form"]) / half
        t.rows.append([f"|{''.join(map(str, r['target']))}->", r["direction"], _num(r["closed_form"], ".6f"),
                       _num(r["corrected"], ".6f"), _num(r["ed"], ".6f"),
                       _num(None if r.get("g_eff") is None else abs(r["g_eff"]), ".3e"), _num(half, ".3e"),
                       _num(ratio, ".1f")])
    return t


def resonance_markdown(table: Mapping[str, Any]) -> str:
    """``resonances.md``: closed form, corrected and exact resonances of every paper transition."""
    return (f"# Resonances of |000+> <-> |target->: preset `{table['preset']}` (frequencies in "
            f"{units_text(table['units'])})\n\n{resonance_table(table).markdown()}\n")


# ------------------------------------------------------------------------------------------------ crosscheck
def _verdict(c: Mapping[str, Any]) -> Cell:
    if c.get("passed"):
        return Cell("pass")
    return Cell("FAIL", "fail") if c.get("expected", True) else Cell("finding (expected)")


def crosscheck_table(report: Mapping[str, Any]) -> Table:
    """The crosscheck report (``CrosscheckReport.to_dict()`` / ``crosscheck.json``) as a table; notes may contain
    ``|`` (absolute values) and stay one cell."""
    t = Table(["check", "analytic", "numeric", "error", "tolerance", "verdict", "note"])
    for c in report["checks"]:
        t.rows.append([Cell(c["name"], "code"), _num(c.get("analytic"), ".8g"), _num(c.get("numeric"), ".8g"),
                       _num(c.get("error"), ".3g"), _num(c.get("tolerance"), ".3g"), _verdict(c),
                       c.get("note") or ""])
    return t


def _crosscheck_overall(report: Mapping[str, Any]) -> str:
    return f"{'passed' if report.get('passed') else 'failed'} in {float(report.get('elapsed') or 0.0):.1f} s"


def crosscheck_markdown(report: Mapping[str, Any]) -> str:
    """``crosscheck.md``: every check with its verdict and note, and the overall verdict."""
    units = report.get("units", "omega_b")
    return (f"# Crosscheck report: preset `{report['preset']}` (frequencies in {units_text(units)})\n\n"
            f"{crosscheck_table(report).markdown()}\n\nOverall: **{_crosscheck_overall(report)}**.\n")


# ------------------------------------------------------------------------------------------------ index.html
def png_size(path: str | os.PathLike[str]) -> tuple[int, int, float | None]:
    """Width and height in pixels of a PNG file and its resolution in dots per inch (``None`` when the file has no
    ``pHYs`` chunk in metres), read from the file's chunks."""
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError(f"path: {str(path)!r} is not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    dpi = None
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"pHYs" and length >= 9:
            ppx, _, unit = struct.unpack(">IIB", data[pos + 8:pos + 17])
            if unit == 1 and ppx > 0:
                dpi = ppx * 0.0254
            break
        if kind in (b"IDAT", b"IEND"):
            break
        pos += 12 + length
    return int(width), int(height), dpi


#: CSS pixels per inch: a figure is shown at its printed size.
_CSS_DPI: float = 96.0

_STYLE = """
body{font-family:sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;line-height:1.4}
h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:0.6em 0;font-size:0.88em}
td,th{border:1px solid #bbb;padding:2px 6px;vertical-align:top}
th{background:#eee;text-align:left}
table.crosscheck td:last-child,table.stages td:last-child{overflow-wrap:anywhere}
.meta{color:#333;background:#f4f4f4;padding:4px 8px;border-left:4px solid #888}
.quick{color:#b00;font-weight:bold}.fail{color:#b00}
figure{margin:1.5em 0;display:flex;flex-wrap:wrap;gap:0 1.2em;align-items:flex-start}
figure>a{max-width:100%}img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:0.9em;color:#333;flex:1 1 320px;min-width:0}
ul.files{columns:2;font-size:0.9em}td{overflow-wrap:break-word}
""".strip()


def _link(out: Path, rel: str, text: str | None = None) -> str:
    """``<a>`` to ``rel`` inside ``out`` when that file exists, else the name marked missing."""
    label = html.escape(text or rel)
    if (out / rel).exists():
        return f"<a href='{html.escape(rel)}'>{label}</a>"
    return f"<span class='fail'>{label} (missing)</span>"


def _read(path: Path) -> Any:
    """A JSON record of the run, or ``None`` when it is missing or unreadable (the page says so)."""
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def _meta(text: str) -> str:
    return f"<p class='meta'>{text}</p>"


def _preset_units(preset: Any, units: Any) -> str:
    return f"preset <code>{html.escape(str(preset))}</code>, frequencies in {html.escape(units_text(str(units)))}"


def _headline_section(out: Path, run_preset: Any) -> list[str]:
    parts = ["<h2 id='headline'>Headline numbers</h2>"]
    h = _read(out / "headline.json")
    if h is None:
        return parts + ["<p class='fail'>not produced</p>"]
    other = "" if h["preset"] == run_preset else (
        f" - <strong>not the run's preset <code>{html.escape(str(run_preset))}</code></strong>: the paper states its "
        "headline numbers for the physical parameters")
    parts.append(_meta(f"{_preset_units(h['preset'], h['units'])}, kappa = {h['kappa']:g}{other}. "
                       f"Files: {_link(out, 'headline.json')}, {_link(out, 'headline.md')}."))
    parts.append(headline_table(h).html())
    parts.append("<p>Paper: main text g2_ab = 0.49, g2_am = 0.29; Supplement g2_ab = 0.29, g2_am = 0.49.</p>")
    if h.get("verdict"):
        parts.append("<ul>" + "".join(f"<li>{html.escape(v)}</li>" for v in h["verdict"]) + "</ul>")
    return parts


def _resonance_section(out: Path) -> list[str]:
    parts = ["<h2 id='resonances'>Resonances</h2>"]
    r = _read(out / "resonances.json")
    if r is None:
        return parts + ["<p class='fail'>not produced</p>"]
    parts.append(_meta(f"{_preset_units(r['preset'], r['units'])}. Resonances of |000+&gt; &lt;-&gt; "
                       f"|target-&gt; in Delta_ad. Files: {_link(out, 'resonances.json')}, "
                       f"{_link(out, 'resonances.md')}."))
    parts.append(resonance_table(r).html())
    return parts


def _figure_what(prov: Mapping[str, Any] | None) -> str:
    """What a figure is, from its provenance: quick or full run, preset, units, Fock cutoffs."""
    if prov is None:
        return "<span class='fail'>no provenance (figN.json missing): what made this figure is unknown</span>"
    params = prov.get("params") or {}
    kind = ("<span class='quick'>QUICK run</span> (coarse grid and loose tolerances: a preview, not converged numbers)"
            if prov.get("quick") else "full run")
    cut = prov.get("cutoff_summary") or (str(tuple(prov["cutoff"])) if "cutoff" in prov else "see the provenance")
    return (f"{kind}; {_preset_units(params.get('preset', '?'), params.get('units', 'omega_b'))}; "
            f"Fock cutoffs (N_a, N_b, N_m): {html.escape(str(cut))}")


def _figure_section(out: Path) -> list[str]:
    parts = ["<h2 id='figures'>Figures</h2>"]
    extra = tuple(n for n in EXTRA_FIGURE_NAMES if (out / "figures" / f"{n}.png").exists())
    for name in FIGURE_NAMES + extra:
        rel = f"figures/{name}.png"
        png = out / rel
        if not png.exists():
            parts.append(f"<p class='fail'>{name}: not produced</p>")
            continue
        try:
            w, h, dpi = png_size(png)
        except (OSError, ValueError):
            w, h, dpi = 0, 0, None
        scale = _CSS_DPI / dpi if dpi else 1.0
        size = f" width='{round(w * scale)}' height='{round(h * scale)}'" if w and h else ""
        prov = _read(out / "figures" / f"{name}.json")
        files = ", ".join(_link(out, f"figures/{name}.{ext}", label) for ext, label in
                          (("pdf", "PDF"), ("png", "PNG"), ("npz", "data (.npz)"), ("json", "provenance (.json)")))
        parts.append(
            f"<figure id='{name}'><a href='{html.escape(rel)}'><img src='{html.escape(rel)}' alt='{name}'{size}></a>"
            f"<figcaption><p class='meta'>{_figure_what(prov)}</p><p>{html.escape(FIGURE_CAPTIONS[name])}</p>"
            f"<p>Files: {files}.</p></figcaption></figure>"
        )
    return parts


def _derivation_section(out: Path, record: Mapping[str, Any]) -> list[str]:
    parts = ["<h2 id='derivation'>Derivation</h2>"]
    der = record.get("derivation") or {}
    if not der.get("tex"):
        return parts + ["<p class='fail'>not produced</p>"]
    links = [_link(out, der["tex"])]
    if der.get("pdf"):
        links.append(_link(out, der["pdf"]))
    parts.append(_meta(f"{_preset_units(record.get('preset', '?'), _run_units(out, record))}. "
                       f"Files: {', '.join(links)}."))
    if der.get("pdf_error"):
        parts.append(f"<p class='fail'>PDF not written: {html.escape(str(der['pdf_error']))}</p>")
    return parts


def _crosscheck_section(out: Path) -> list[str]:
    parts = ["<h2 id='crosscheck'>Crosscheck</h2>"]
    c = _read(out / "crosscheck.json")
    if c is None:
        return parts + ["<p class='fail'>not produced</p>"]
    overall = _crosscheck_overall(c)
    cls = "" if c.get("passed") else " class='fail'"
    parts.append(_meta(f"{_preset_units(c['preset'], c.get('units', 'omega_b'))}. Overall: <strong{cls}>"
                       f"{html.escape(overall)}</strong>. Files: {_link(out, 'crosscheck.json')}, "
                       f"{_link(out, 'crosscheck.md')}."))
    parts.append(crosscheck_table(c).html(css_class="crosscheck"))
    return parts


def _stage_section(out: Path, record: Mapping[str, Any]) -> list[str]:
    t = Table(["stage", "status", "time (s)", "error"])
    for name, st in (record.get("stages") or {}).items():
        ok = st.get("status") == "ok"
        t.rows.append([name, Cell(str(st.get("status", "")), "" if ok else "fail"), _num(st.get("time_s", 0), ".1f"),
                       str(st.get("error", ""))])
    return ["<h2 id='stages'>Stages</h2>", _meta(f"What ran and how long it took. File: "
                                                  f"{_link(out, 'reproduce.json')}."), t.html(css_class="stages")]


def _files_section(out: Path) -> list[str]:
    items = []
    for root, dirs, files in os.walk(out):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for f in sorted(files):
            rel = Path(root, f).relative_to(out).as_posix()
            if rel == "index.html" or f.startswith("."):
                continue
            size = Path(root, f).stat().st_size
            items.append(f"<li>{_link(out, rel)} ({size / 1024:.0f} kB)</li>" if size >= 1024 else
                         f"<li>{_link(out, rel)} ({size} B)</li>")
    return ["<h2 id='files'>Files of this run</h2>",
            _meta("Every file the run wrote (the sweep checkpoints and caches under <code>figures/work/</code> "
                  "are not listed)."),
            "<ul class='files'>" + "".join(items) + "</ul>"]


def _run_units(out: Path, record: Mapping[str, Any]) -> str:
    """Units of the run's preset, from the resonance record (written for that preset)."""
    r = _read(out / "resonances.json")
    if r is not None and r.get("preset") == record.get("preset"):
        return str(r.get("units", "omega_b"))
    return "GHz" if record.get("preset") == "physical" else "omega_b"


def write_index(out: str | os.PathLike[str], record: Mapping[str, Any]) -> Path:
    """Write ``out/index.html`` from the run's records: headline numbers, resonances, figures, derivation,
    crosscheck, stages and every file.

    Parameters
    ----------
    out
        The run folder (holds ``headline.json``, ``resonances.json``, ``crosscheck.json``, ``figures/``).
    record
        The run record written to ``reproduce.json`` (``preset``, ``quick``, ``finished``, ``total_time_s``,
        ``stages``, ``derivation``).

    Returns
    -------
    Path
        ``out/index.html``.
    """
    out = Path(out)
    preset = record.get("preset")
    kind = ("<span class='quick'>QUICK run</span>: coarse grids and loose tolerances - a preview, not converged "
            "numbers" if record.get("quick") else "full run")
    failed = [n for n, st in (record.get("stages") or {}).items() if st.get("status") != "ok"]
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>nrbundle reproduction</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Nonreciprocal bundle emission of entangled pairs: reproduction</h1>",
        _meta(f"{kind}; run {_preset_units(preset, _run_units(out, record))} (the headline numbers use "
              f"<code>physical</code>); written {html.escape(str(record.get('finished', '')))}; total "
              f"{float(record.get('total_time_s') or 0.0):.0f} s."),
    ]
    if failed:
        parts.append(f"<p class='fail'>Failed stages: {html.escape(', '.join(failed))} (see "
                     f"<a href='#stages'>Stages</a>).</p>")
    parts += _headline_section(out, preset)
    parts += _resonance_section(out)
    parts += _figure_section(out)
    parts += _derivation_section(out, record)
    parts += _crosscheck_section(out)
    parts += _stage_section(out, record)
    parts += _files_section(out)
    parts.append("</body></html>")
    return atomic_write_text(out / "index.html", "\n".join(parts) + "\n", durable=False)
