"""The LaTeX derivation document: equation labels, names, the effective-section wiring, pdflatex compilation."""

from __future__ import annotations

import re
import shutil
import time
import types

import pytest
import sympy as sp

import nrbundle.analytic.latex.document as document_mod
from nrbundle.analytic import symbols as s
from nrbundle.analytic.effective import corrected_resonance
from nrbundle.analytic.latex import LatexError, derivation_document, effective_section, to_latex, write_latex
from nrbundle.analytic.linearization import alpha
from nrbundle.analytic.operators import OPS
from nrbundle.errors import InputError, NrbundleError
from nrbundle.params import get_preset

#: Budget for building the derivation part of the document from cold caches (the full document must stay well
#: under 60 s on one core; ours takes a few seconds, the rest is reserved for the effective-coupling section).
BUILD_BUDGET_S = 20.0

HAVE_PDFLATEX = shutil.which("pdflatex") is not None


def test_symbol_names() -> None:
    assert to_latex(s.Delta_ad) == r"\Delta_{ad}"
    assert to_latex(s.Delta_sa) == r"\Delta_{\sigma a}"
    assert to_latex(s.lambdap_ab) == r"\lambda'_{ab}"
    assert to_latex(s.lambda_as) == r"\lambda_{a\sigma}"
    assert to_latex(s.c_plus) == r"c_{+}"
    assert to_latex(s.Delta_F_abs) == r"|\Delta_F|"
    assert to_latex(OPS.a_dag * OPS.a) == r"a^{\dagger} a"
    assert to_latex(OPS.da_dag) == r"\delta a^{\dagger}"
    assert to_latex(sp.conjugate(alpha)) == r"\alpha^{*}"


def test_document_has_every_equation_label() -> None:
    doc = derivation_document()
    for k in range(1, 23):
        assert doc.count(f"\\tag{{S{k}}}") == 1, f"S{k}"
    assert doc.startswith(r"\documentclass")
    assert doc.rstrip().endswith(r"\end{document}")
    packages = re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", doc)
    assert packages == ["amsmath"]


def test_document_content() -> None:
    doc = derivation_document()
    assert "magnon mode" in doc  # NOTES misprint 6 stated correctly
    assert r"\kappa_a" in doc and "Erratum" in doc  # S8 erratum
    assert "1(d), orange" in doc  # NOTES misprint 5
    # the fig1 closed forms appear in the table
    for value in ("1.319087", "1.347803", "1.376610"):
        assert value in doc
    assert "Effective super-Rabi couplings and level shifts" in doc  # the effective-coupling section is part of it


def test_effective_section_is_wired(monkeypatch) -> None:
    calls = []

    def fake_section(params, shift_order=4):
        calls.append((params.preset, shift_order))
        return "\\section{Effective coupling}\nFAKE-EFFECTIVE-SECTION\n"

    def fake_corrected(params, target, direction, shift_order=4):
        return types.SimpleNamespace(
            Delta_ad=1.25,
            g_eff=5e-4,
            g_eff_order=3,
            shift_order=shift_order,
            closed_form=1.3,
            valid=direction == "left",
        )

    monkeypatch.setattr(document_mod, "effective_section", fake_section)
    monkeypatch.setattr(document_mod, "corrected_resonance", fake_corrected)
    doc = derivation_document(get_preset("physical"), shift_order=3)
    assert "FAKE-EFFECTIVE-SECTION" in doc
    assert calls == [("physical", 3)]
    assert "$1.250000$" in doc and r"$5.000\times10^{-4}$" in doc
    assert "not valid" in doc  # the right-drive rows are flagged
    assert r"2\pi\,\mathrm{GHz}" in doc


def test_input_errors(tmp_path) -> None:
    with pytest.raises(InputError, match="shift_order"):
        derivation_document(shift_order=0)
    with pytest.raises(InputError, match="params"):
        derivation_document(params={"xi": 1.0})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="path"):
        write_latex(tmp_path / "doc.pdf")
    out = write_latex(tmp_path / "sub" / "doc")
    assert out.suffix == ".tex" and out.read_text().startswith(r"\documentclass")


def test_missing_pdflatex_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(document_mod.shutil, "which", lambda name: None)
    with pytest.raises(LatexError, match="pdflatex not found"):
        write_latex(tmp_path / "doc.tex", pdf=True)
    assert issubclass(LatexError, NrbundleError)


def test_effective_section_has_the_couplings_and_the_table() -> None:
    fig1 = get_preset("fig1")
    tex = effective_section(fig1, 4)
    assert r"\lambda_{a\sigma}^{2}" in tex and r"\tilde{\Delta}" in tex
    assert tex.count(r"\begin{align}") == tex.count(r"\end{align}") == 2
    assert tex.count("&") > 20 and r"\begin{tabular}" in tex
    assert f"{corrected_resonance(fig1, (1, 1, 0), 'right', 4).Delta_ad:.6f}" in tex
    assert r"\begin{tabular}" not in effective_section(None)


@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")
def test_latex_failure_quotes_first_error(tmp_path, monkeypatch) -> None:
    broken = "\\documentclass{article}\n\\begin{document}\n\\undefinedmacro\n\\end{document}\n"
    monkeypatch.setattr(document_mod, "derivation_document", lambda params=None, shift_order=4: broken)
    with pytest.raises(LatexError, match="Undefined control sequence"):
        write_latex(tmp_path / "broken.tex", pdf=True)


@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")
def test_document_compiles(tmp_path) -> None:
    pdf = write_latex(tmp_path / "derivation.tex", pdf=True, keep_log=True)
    assert pdf.suffix == ".pdf" and pdf.exists() and pdf.stat().st_size > 10_000
    log = (tmp_path / "derivation.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log  # every equation fits the text width


def test_derivation_builds_quickly_from_cold_caches() -> None:
    from nrbundle.analytic import dressed, linearization, operators, resonances
    from nrbundle.analytic.latex import derivation_sections

    for f in (
        linearization.derive_linearization,
        operators._order_word,
        operators._order_bosons,
        dressed.dressed_atom,
        resonances._solve,
        resonances._free_coefficients,
        resonances._closed_form_function,
        resonances.prove_orange_coincidence,
        derivation_sections.derivation_sections,
        derivation_sections._misprint_norm,
    ):
        f.cache_clear()
    t0 = time.perf_counter()
    derivation_document()
    assert time.perf_counter() - t0 < BUILD_BUDGET_S


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")
def test_full_document_with_effective_section_compiles(tmp_path) -> None:
    """Integration with nrbundle.analytic.effective (its section and the corrected-resonance columns)."""
    pdf = write_latex(tmp_path / "full.tex", pdf=True)
    assert pdf.stat().st_size > 10_000
