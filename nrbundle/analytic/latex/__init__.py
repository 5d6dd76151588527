"""The LaTeX writer of the analytic layer: every section of the derivation document and its compilation.

Modules: :mod:`.printing` (the paper's names, operator sums, tagged equations), :mod:`.derivation_sections`
(S1-S22), :mod:`.effective_section` (g_eff and the level shifts), :mod:`.document` (the standalone document, the
table of numbers, pdflatex).
"""

from __future__ import annotations

__all__ = [
    "LatexError",
    "PDFLATEX_TIMEOUT",
    "derivation_document",
    "write_latex",
    "effective_section",
    "to_latex",
    "operator_latex",
]

from .document import PDFLATEX_TIMEOUT, LatexError, derivation_document, write_latex
from .effective_section import effective_section
from .printing import operator_latex, to_latex
