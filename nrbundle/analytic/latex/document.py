"""The standalone LaTeX document (derivation S1-S22, effective couplings, numbers) and its pdflatex compilation.

The document uses the ``article`` class and ``amsmath`` only (both in TeX Live's ``texlive-latex-base``). It joins
:func:`~nrbundle.analytic.latex.derivation_sections.derivation_sections` (S1-S22),
:func:`~nrbundle.analytic.latex.effective_section.effective_section` (g_eff and the level shifts) and a table of
numbers at a parameter preset.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ...errors import InputError, NrbundleError
from ...outputs import check_output_file, check_replace_pdf, check_replace_tex, tex_header
from ...params import Params, get_preset
from ...provenance import atomic_write_bytes, atomic_write_text
from ...transitions import PAPER_TRANSITIONS
from .. import symbols as s
from ..effective import corrected_resonance
from ..resonances import closed_form
from .derivation_sections import derivation_sections
from .effective_section import effective_section
from .printing import ket, tex_text, to_latex

__all__ = ["LatexError", "PDFLATEX_TIMEOUT", "derivation_document", "write_latex"]

#: Seconds allowed for one pdflatex run (the document compiles in about a second).
PDFLATEX_TIMEOUT = 120.0


class LatexError(NrbundleError, RuntimeError):
    """pdflatex is missing, failed or timed out; the message quotes the first LaTeX error line."""


def _fmt(x: Any, digits: int = 6) -> str:
    """``$1.234567$`` (or ``$1.234\\times10^{-4}$``); ``--`` for a non-number or a non-finite value."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "--"
    if not math.isfinite(v):
        return "--"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4):
        mant, exp = f"{v:.3e}".split("e")
        return f"${mant}\\times10^{{{int(exp)}}}$"
    return f"${v:.{digits}f}$"


def _numbers_section(params: Params, shift_order: int) -> str:
    """Parameters, closed forms (S18-S22) and shifted resonances with g_eff at ``params`` (two tables)."""
    unit = r"\omega_b" if params.units == "omega_b" else r"2\pi\,\mathrm{GHz}"
    out = [r"\section{Numbers at the preset \texttt{" + tex_text(params.preset) + "}}"]
    out.append("All frequencies in units of $" + unit + "$.\n")
    out.append(r"\begin{center}\begin{tabular}{ll}\hline parameter & value\\\hline")
    for name, sym in (
        ("omega_b", s.omega_b),
        ("omega_m", s.omega_m),
        ("Delta_sa", s.Delta_sa),
        ("Delta_F", s.Delta_F_abs),
        ("lambda_as", s.lambda_as),
        ("lambda_ab", s.lambda_ab),
        ("lambda_am", s.lambda_am),
        ("xi", s.xi),
    ):
        out.append(f"${to_latex(sym)}$ & {_fmt(getattr(params, name), 4)}\\\\")
    rates = params.rates
    for name, sym in (("kappa_a", s.kappa_a), ("kappa_b", s.kappa_b), ("kappa_m", s.kappa_m), ("gamma", s.gamma)):
        out.append(f"${to_latex(sym)}$ & {_fmt(rates[name], 4)}\\\\")
    out.append(r"\hline\end{tabular}\end{center}")
    head = r"transition & drive & Eq. & $\Delta_{ad}$ (closed form)"
    head += r" & $\Delta_{ad}$ (shifted, order " + str(shift_order) + r") & $g_{\mathrm{eff}}$ & order"
    # \small and narrower column gaps keep the seven columns inside the 16 cm text width
    out.append(r"\begin{center}\small\setlength{\tabcolsep}{3pt}\begin{tabular}{lllllll}\hline " + head + r"\\\hline")
    flagged = False
    for pt in PAPER_TRANSITIONS:
        try:
            cf = closed_form(params, pt.target, pt.direction)
        except InputError:
            cf = float("nan")
        transition = f"${ket((0, 0, 0), '+')}\\leftrightarrow{ket(pt.target, '-')}$"
        row = f"{transition} & {pt.direction} & ({pt.equation}) & {_fmt(cf)}"
        try:
            cr = corrected_resonance(params, pt.target, pt.direction, shift_order=shift_order)
            flagged = flagged or not cr.valid
            dad = _fmt(cr.Delta_ad) + ("" if cr.valid else "$^{\\dagger}$")
            g = _fmt(cr.g_eff)
            order = str(cr.g_eff_order)
        except (InputError, ArithmeticError, ValueError) as exc:
            dad, g, order = "--", "--", tex_text(type(exc).__name__)
        row += f" & {dad} & {g} & {order}"
        out.append(row + r"\\")
    out.append(r"\hline\end{tabular}\end{center}")
    if flagged:
        out.append(r"$^{\dagger}$: the perturbative result is flagged as not valid at these parameters." + "\n")
    return "\n".join(out)


# --------------------------------------------------------------------------- the document
def _check_shift_order(shift_order: int) -> int:
    if isinstance(shift_order, bool) or not isinstance(shift_order, int) or shift_order < 1:
        raise InputError(f"shift_order: expected a positive integer, got {shift_order!r}")
    return shift_order


def derivation_document(params: Params | None = None, shift_order: int = 4) -> str:
    """The full derivation as a standalone LaTeX document (article class, amsmath only).

    Parameters
    ----------
    params
        Parameter set for the table of numbers (default: the ``fig1`` preset).
    shift_order
        Order of the level shifts of the effective-coupling section and of the shifted resonances in the
        table of numbers (:func:`nrbundle.analytic.effective.corrected_resonance`).

    Returns
    -------
    str
        LaTeX source. Equations carry the paper's numbers S1-S22 as ``\\tag``s.
    """
    _check_shift_order(shift_order)
    if params is None:
        params = get_preset("fig1")
    if not isinstance(params, Params):
        raise InputError(f"params: expected a Params instance or None, got {type(params).__name__}")
    parts = [
        r"\documentclass[10pt]{article}",
        r"\usepackage{amsmath}",
        r"\allowdisplaybreaks",
        r"\setlength{\textwidth}{16cm}\setlength{\oddsidemargin}{0.2cm}\setlength{\evensidemargin}{0.2cm}",
        r"\setlength{\textheight}{23cm}\setlength{\topmargin}{-1.2cm}",
        r"\title{Nonreciprocal bundle emission of entangled pairs:\\ derivation of the model and of the "
        r"resonance conditions}",
        r"\author{generated by nrbundle}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        r"Equation numbers (S1)--(S22) refer to the Supplemental Material of the paper; Eq.~(1) is (S11). "
        r"$\hbar=1$. Every expression below was derived and printed by SymPy.",
        "",
        derivation_sections(),
        effective_section(params, shift_order),
        _numbers_section(params, shift_order),
        r"\end{document}",
        "",
    ]
    return "\n".join(parts)


def _first_latex_error(log: str) -> str:
    """The first ``!`` line of a pdflatex log, with the source line it names (``l.12 \\undefinedmacro``)."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            where = next((w.strip() for w in lines[i + 1:i + 12] if w.startswith("l.")), "")
            return line.strip() + (f" at {where}" if where else "")
    return "no '!' error line in the log"


def write_latex(
    path: str | Path,
    params: Params | None = None,
    shift_order: int = 4,
    pdf: bool = False,
    timeout: float = PDFLATEX_TIMEOUT,
    force: bool = False,
    keep_log: bool = False,
) -> Path:
    """Write :func:`derivation_document` to ``path`` (a ``.tex`` file) and optionally compile it.

    Parameters
    ----------
    path
        Target ``.tex`` file (the suffix is added if missing); its directory is created.
    params, shift_order
        As for :func:`derivation_document`.
    pdf
        Also compile it: ``pdflatex`` runs twice (``-interaction=nonstopmode -halt-on-error``) in a temporary
        folder, and only the PDF is put beside ``path`` (same name, ``.pdf``; atomically). No ``.aux``/``.log``
        file is left anywhere.
    timeout
        Seconds allowed per pdflatex run.
    force
        Replace an existing ``.tex`` (or, with ``pdf``, ``.pdf``) file that nrbundle did not write
        (:func:`nrbundle.outputs.is_nrbundle_tex`, :func:`nrbundle.outputs.is_nrbundle_pdf`); without it such a
        file is refused before anything is computed.
    keep_log
        With ``pdf``: also put pdflatex's log beside the PDF (``.log``), e.g. to look for overfull lines.

    Returns
    -------
    Path
        The ``.tex`` file, or the ``.pdf`` file when ``pdf`` is true.

    Raises
    ------
    InputError
        ``path`` has a suffix other than ``.tex``, is a folder, or is a file nrbundle did not write (without
        ``force``).
    PermissionError
        The folder of ``path`` cannot be written (checked before the document is built).
    LatexError
        pdflatex is not installed, fails (the first ``!`` line of the log is quoted) or times out.
    """
    p = Path(path)
    if p.suffix == "":
        p = p.with_suffix(".tex")
    if p.suffix != ".tex":
        raise InputError(f"path: expected a .tex file, got {str(path)[:200]!r}")
    check_output_file(p, "path")
    check_replace_tex(p, force=force, param="path")
    if pdf:
        check_replace_pdf(p.with_suffix(".pdf"), force=force, param="path")
    first, _, rest = derivation_document(params, shift_order).partition("\n")
    text = f"{first}\n{tex_header()}{rest}"
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(p, text, durable=False)
    if not pdf:
        return p
    exe = shutil.which("pdflatex")
    if exe is None:
        raise LatexError("pdflatex not found on PATH (install texlive-latex-base) - or call with pdf=False")
    with tempfile.TemporaryDirectory(prefix="nrbundle-latex-") as tmp:
        work = Path(tmp) / p.name
        work.write_text(text, encoding="utf-8")
        for _ in range(2):
            try:
                proc = subprocess.run(
                    [exe, "-interaction=nonstopmode", "-halt-on-error", work.name],
                    cwd=tmp,
                    capture_output=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise LatexError(f"pdflatex timed out after {timeout:g} s on {p}") from None
            log_path = work.with_suffix(".log")
            log = log_path.read_text(errors="replace") if log_path.exists() else proc.stdout.decode(errors="replace")
            if proc.returncode != 0:
                raise LatexError(f"pdflatex failed on {p}: {_first_latex_error(log)}")
        built = work.with_suffix(".pdf")
        if not built.exists() or built.stat().st_size == 0:
            raise LatexError(f"pdflatex produced no PDF for {p}")
        out = p.with_suffix(".pdf")
        atomic_write_bytes(out, built.read_bytes(), durable=False)
        if keep_log:
            atomic_write_text(p.with_suffix(".log"), log, durable=False)
    return out
