"""The analytic layer (SymPy, no QuTiP): the derivation S1-S22, the effective super-Rabi couplings, the LaTeX document.

Modules, in the order of the derivation:

- :mod:`.symbols` (every model symbol), :mod:`.operators` (the non-commutative operator algebra);
- :mod:`.linearization` (S1 -> S11 = Eq. 1, a chain of named steps), :mod:`.dressed` (S12-S15),
  :mod:`.resonances` (S16-S22 for any target);
- :mod:`.dressed_states` (the dressed basis of the perturbation theory), :mod:`.schrieffer_wolff` (the effective
  Hamiltonian order by order), :mod:`.effective` (g_eff and the shifted resonances at a parameter set),
  :mod:`.predict` (the table of ``nrbundle resonances``);
- :mod:`.numeric_bridge` (lambdify: the only exit to numbers), :mod:`.latex` (the document).

This facade exports what a user calls; the modules hold the rest.
"""

from __future__ import annotations

__all__ = [
    "derive_linearization",
    "dressed_atom",
    "solve_resonance",
    "closed_form",
    "closed_form_function",
    "prove_orange_coincidence",
    "effective_hamiltonian",
    "g_eff",
    "corrected_resonance",
    "effective_crossing",
    "predict_transition",
    "resonance_table",
    "derivation_document",
    "write_latex",
    "lambdify_expr",
]

from .dressed import dressed_atom
from .effective import corrected_resonance, effective_crossing, g_eff
from .latex import derivation_document, write_latex
from .linearization import derive_linearization
from .numeric_bridge import lambdify_expr
from .predict import predict_transition, resonance_table
from .resonances import closed_form, closed_form_function, prove_orange_coincidence, solve_resonance
from .schrieffer_wolff import effective_hamiltonian
