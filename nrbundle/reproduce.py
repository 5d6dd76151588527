"""End-to-end reproduction: derivation, resonance table, crosscheck report, Figs. 1-4 and the headline numbers.

``reproduce(out_dir)`` writes everything into one folder::

    out_dir/
      index.html              all of it on one page (tables + <img> of every figure)
      reproduce.json          what ran, how long each stage took, versions, failures
      derivation/derivation.tex (+ .pdf when pdflatex works; a failure is recorded, not raised)
      resonances.json, resonances.md   closed form S18-S22, 4th-order corrected, ED resonance, g_eff
      crosscheck.md, crosscheck.json   nrbundle.crosscheck report
      headline.json, headline.md       g2_ab, g2_am at the physical preset vs the paper's claims
      figures/fig1..4.{pdf,png,npz,json}, figures/work/ (sweep checkpoints: an interrupted run resumes)

This module composes: the numbers come from the study layer (:mod:`nrbundle.study`; the resonance table is
located once and handed to the resonance report and every figure), the figures from :mod:`nrbundle.figures`, and
every file is written through :mod:`nrbundle.provenance`. Every stage is isolated: a failing stage is recorded in
``reproduce.json`` and on the page, and the others run.
"""

from __future__ import annotations

__all__ = ["reproduce", "write_index"]

import html
import os
import platform
import re
import shutil
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .analytic.latex import write_latex
from .crosscheck import run_checks
from .errors import InputError
from .figures import make_figures
from .params import Params, get_preset
from .provenance import atomic_write_text, utc_now, versions, write_json
from .study.headline import headline_numbers
from .study.resonances import locate_resonances, resonance_report
from .study.work import work_dir
from .sweep import EXECUTORS


def _stage(record: dict[str, Any], name: str, fn: Callable[[], Any]) -> Any:
    """Run one stage; record its wall time and status; never raise (except KeyboardInterrupt)."""
    t0 = time.perf_counter()
    try:
        value = fn()
        record[name] = {"status": "ok", "time_s": time.perf_counter() - t0}
        return value
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - every stage is isolated, its failure recorded
        record[name] = {
            "status": "failed",
            "time_s": time.perf_counter() - t0,
            "error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
            "traceback": traceback.format_exc(limit=6),
        }
        return None


def _write_text(path: Path, text: str) -> None:
    atomic_write_text(path, text if text.endswith("\n") else text + "\n", durable=False)


# -------------------------------------------------------------------------------------------- headline
def _headline_markdown(h: dict[str, Any]) -> str:
    unit = "GHz (values omega/2pi)" if h["units"] == "GHz" else "omega_b"
    lines = [
        f"# Headline numbers: preset `{h['preset']}` (frequencies in {unit}, kappa = {h['kappa']:g})",
        "",
        "| pair | transition | drive | regime | Delta_ad | g2(0) | g1(0) | cutoff | truncation error |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in h["rows"]:
        lines.append(
            f"| {r['pair']} | \\|{r['transition']}> | {r['direction']} | {r['regime']} | {r['Delta_ad']:.6f} | "
            f"{r['g2']:.3f} | {r['g1']:.2f} | {tuple(r['cutoff'])} | {r['truncation_error']:.1e} |"
        )
    lines += ["", "Paper: main text g2_ab = 0.49, g2_am = 0.29; Supplement g2_ab = 0.29, g2_am = 0.49.", ""]
    lines += [f"- {v}" for v in h["verdict"]]
    return "\n".join(lines) + "\n"


def _headline_stage(out: Path, quick: bool) -> dict[str, Any]:
    h = headline_numbers(preset="physical", quick=quick, work=work_dir(out / "figures"))
    write_json(out / "headline.json", h)
    _write_text(out / "headline.md", _headline_markdown(h))
    return {"rows": h["rows"], "verdict": h["verdict"]}


# -------------------------------------------------------------------------------------------- resonances
def _resonance_markdown(params: Params, table: Mapping[str, Any]) -> str:
    unit = "GHz" if params.units == "GHz" else "omega_b"
    lines = [
        f"# Resonances of \\|000+> <-> \\|target->: preset `{params.preset}` (units of {unit})",
        "",
        "| target | drive | closed form (S18-S22) | corrected (4th order) | ED (avoided crossing) | g_eff (analytic) "
        "| ED half-splitting | (ED - closed)/half-splitting |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table["transitions"]:
        lines.append(
            f"| \\|{''.join(map(str, r['target']))}-> | {r['direction']} | {r['closed_form']:.6f} | "
            f"{r['corrected']:.6f} | "
            f"{r['ed']:.6f} | {abs(r['g_eff']):.3e} | {r['ed_half_splitting']:.3e} | "
            f"{(r['ed'] - r['closed_form']) / r['ed_half_splitting']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _resonance_stage(params: Params, out: Path, quick: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Locate the run's resonances (once; cached in ``figures/work``) and write ``resonances.json``/``.md``.

    Returns the resonance table (for the figures) and the report written to ``resonances.json``.
    """
    resonances = locate_resonances(params, quick=quick, work=work_dir(out / "figures"))
    table = resonance_report(params, resonances)
    write_json(out / "resonances.json", table)
    _write_text(out / "resonances.md", _resonance_markdown(params, table))
    return resonances, table


def _crosscheck_stage(params: Params, out: Path) -> dict[str, Any]:
    report = run_checks(params)
    _write_text(out / "crosscheck.md", report.markdown())
    write_json(out / "crosscheck.json", report.to_dict())
    return {"available": True, "passed": bool(report.passed), "n_checks": len(report.checks)}


def _derivation_stage(params: Params, out: Path) -> dict[str, Any]:
    d = out / "derivation"
    tex = write_latex(d / "derivation.tex", params)
    info: dict[str, Any] = {"tex": str(tex.relative_to(out)), "pdf": None}
    if shutil.which("pdflatex") is None:
        info["pdf_error"] = "pdflatex not found on PATH"
        return info
    try:
        pdf = write_latex(d / "derivation.tex", params, pdf=True)
        info["pdf"] = str(pdf.relative_to(out))
    except Exception as exc:  # noqa: BLE001 - a LaTeX failure is recorded, the run goes on
        info["pdf_error"] = f"{type(exc).__name__}: {exc}"
    return info


# -------------------------------------------------------------------------------------------- index.html
_CAPTIONS = {
    "fig1": "Fig. 1(c,d): steady-state mean excitation numbers versus Delta_ad for left (c) and right (d) driving; "
            "dotted: closed forms S18-S22, dashed: fourth-order corrected resonances; shaded: the blue, pink and "
            "orange regimes. (e): the uncoupled dressed ladder S16, circles at the closed-form crossings.",
    "fig2": "Fig. 2(a-c): closed super-Rabi oscillations from |000+> at the exact (ED) resonances - not the closed "
            "forms, which lie ~20 avoided-crossing widths away; insets: the other drive direction. (d-g): one "
            "quantum trajectory (blue regime, left drive) with its jumps per channel.",
    "fig3": "Fig. 3: g1 (solid) and bundle g2 (dashed, Eq. 3) at tau = 0 versus kappa; (a-c) left, (d-f) right drive; "
            "columns: blue, pink, orange regimes (the paper's caption calls the last pair (f,g); it is (c,f)). "
            "Shaded: g1 > 1 and g2 < 1. (g): g2_am(tau).",
    "fig4": "Fig. 4: entanglement witnesses D1 (Eq. 4) versus kappa in the orange regime; shaded: the antibunched "
            "regime of the resonant pair (Fig. 3(c,f)).",
}


def _md_table_to_html(md: str) -> str:
    """Minimal Markdown (headings, pipe tables, bullets, paragraphs) to HTML for the index page."""
    out, rows = [], []

    def flush() -> None:
        if rows:
            out.append("<table>")
            for i, r in enumerate(rows):
                tag = "th" if i == 0 else "td"
                out.append("<tr>" + "".join(f"<{tag}>{html.escape(c.strip().strip('`'))}</{tag}>" for c in r) + "</tr>")
            out.append("</table>")
            rows.clear()

    for line in md.splitlines():
        s = line.strip()
        if not s.startswith("|"):
            s = s.replace("\\|", "|")
        if s.startswith("|"):
            inner = s.strip().removeprefix("|").removesuffix("|")
            cells = [c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]
            if all(set(c.strip()) <= set("-: ") for c in cells):
                continue
            rows.append(cells)
            continue
        flush()
        if s.startswith("#"):
            level = min(len(s) - len(s.lstrip("#")) + 2, 5)
            out.append(f"<h{level}>{html.escape(s.lstrip('#').strip())}</h{level}>")
        elif s.startswith("- "):
            out.append(f"<p>&bull; {html.escape(s[2:])}</p>")
        elif s.startswith("```"):
            continue
        elif s:
            out.append(f"<p>{html.escape(s)}</p>")
    flush()
    return "\n".join(out)


def write_index(out: Path, record: dict[str, Any]) -> Path:
    """Write ``out/index.html``: headline numbers, resonance table, figures, crosscheck report, stage table."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>nrbundle reproduction</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.35}"
        "table{border-collapse:collapse;margin:0.6em 0;font-size:0.9em}td,th{border:1px solid #bbb;padding:2px 6px}"
        "th{background:#eee}img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}"
        "figcaption{font-size:0.9em;color:#333}.fail{color:#b00}</style></head><body>",
        "<h1>Nonreciprocal bundle emission of entangled pairs: reproduction</h1>",
        f"<p>Preset <code>{html.escape(str(record.get('preset')))}</code>, "
        f"{'quick run (coarse grids, small cutoffs)' if record.get('quick') else 'full run'}; "
        f"written {html.escape(str(record.get('finished', '')))}; total {record.get('total_time_s', 0):.0f} s.</p>",
    ]
    for name, title in (("headline.md", "Headline numbers"), ("resonances.md", "Resonances")):
        p = out / name
        parts.append(f"<h2>{title}</h2>")
        parts.append(_md_table_to_html(p.read_text()) if p.exists() else "<p class='fail'>not produced</p>")
    parts.append("<h2>Figures</h2>")
    for fig in ("fig1", "fig2", "fig3", "fig4"):
        png = out / "figures" / f"{fig}.png"
        if png.exists():
            parts.append(
                f"<figure><img src='figures/{fig}.png' alt='{fig}'><figcaption>{html.escape(_CAPTIONS[fig])} "
                f"[<a href='figures/{fig}.pdf'>PDF</a>, <a href='figures/{fig}.npz'>data</a>, "
                f"<a href='figures/{fig}.json'>provenance</a>]</figcaption></figure>"
            )
        else:
            parts.append(f"<p class='fail'>{fig}: not produced</p>")
    der = record.get("derivation") or {}
    parts.append("<h2>Derivation</h2>")
    if der.get("tex"):
        link = f"<a href='{html.escape(der['tex'])}'>derivation.tex</a>"
        if der.get("pdf"):
            link += f", <a href='{html.escape(der['pdf'])}'>derivation.pdf</a>"
        parts.append(f"<p>{link}</p>")
        if der.get("pdf_error"):
            parts.append(f"<p class='fail'>PDF: {html.escape(der['pdf_error'])}</p>")
    else:
        parts.append("<p class='fail'>not produced</p>")
    parts.append("<h2>Crosscheck</h2>")
    cc = out / "crosscheck.md"
    parts.append(_md_table_to_html(cc.read_text()) if cc.exists() else "<p class='fail'>not produced</p>")
    parts.append("<h2>Stages</h2><table><tr><th>stage</th><th>status</th><th>time (s)</th><th>error</th></tr>")
    for name, st in record.get("stages", {}).items():
        cls = "" if st.get("status") == "ok" else " class='fail'"
        parts.append(f"<tr><td>{html.escape(name)}</td><td{cls}>{html.escape(st.get('status', ''))}</td>"
                     f"<td>{st.get('time_s', 0):.1f}</td><td>{html.escape(st.get('error', ''))}</td></tr>")
    parts.append("</table></body></html>")
    return atomic_write_text(out / "index.html", "\n".join(parts) + "\n", durable=False)


# -------------------------------------------------------------------------------------------- main
def reproduce(
    out_dir: str | os.PathLike[str] = "nrbundle-out",
    *,
    quick: bool = False,
    preset: str = "fig1",
    executor: str = "process",
    workers: int | None = None,
) -> Path:
    """Regenerate everything the project can: derivation, resonance table, crosscheck, Figs. 1-4, headline numbers.

    Parameters
    ----------
    out_dir
        Output folder (created). Rerunning into the same folder resumes the figure sweeps from their checkpoints
        and reuses cached resonance searches and convergence checks.
    quick
        Coarse grids and small, recorded cutoffs for the figures (a few minutes on 2 cores).
    preset
        Parameter preset of the derivation, resonance table, crosscheck and figures (``fig1`` or ``physical``).
        The headline numbers always use ``physical`` (the paper states them for it).
    executor, workers
        Sweep executor (``"serial"``, ``"process"``, ``"dask"``) and worker processes (default: all cores).

    Returns
    -------
    Path
        The output folder (open ``index.html`` in it).
    """
    params = get_preset(preset)
    if executor not in EXECUTORS:
        choices = f"{', '.join(map(repr, EXECUTORS[:-1]))} or {EXECUTORS[-1]!r}"
        raise InputError(f"executor: expected {choices}, got {executor!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    stages: dict[str, Any] = {}
    record: dict[str, Any] = {"preset": preset, "quick": bool(quick), "executor": executor, "workers": workers,
                              "stages": stages, "platform": platform.platform(), "cpu_count": os.cpu_count()}

    record["derivation"] = _stage(stages, "derivation", lambda: _derivation_stage(params, out))
    located = _stage(stages, "resonances", lambda: _resonance_stage(params, out, quick))
    # the one resonance table of the run; if its stage failed, the figures locate the resonances themselves
    resonances, record["resonances"] = (None, None) if located is None else located
    record["crosscheck"] = _stage(stages, "crosscheck", lambda: _crosscheck_stage(params, out))
    figs = {}
    for k in (1, 2, 3, 4):
        paths = _stage(stages, f"fig{k}", lambda k=k: make_figures([k], out / "figures", quick=quick, params=params,
                                                                  executor=executor, workers=workers,
                                                                  resonances=resonances))
        figs[f"fig{k}"] = [str(Path(p).relative_to(out)) for p in (paths or [])]
    record["figures"] = figs
    record["headline"] = _stage(stages, "headline", lambda: _headline_stage(out, quick))
    record["total_time_s"] = time.perf_counter() - t0
    record["finished"] = utc_now()
    record["versions"] = versions()
    write_json(out / "reproduce.json", record)
    write_index(out, record)
    return out
