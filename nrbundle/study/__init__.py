"""The study layer: what the figures, the report and the single runs compute from the physics.

Between the physics (:mod:`nrbundle.analytic`, :mod:`nrbundle.numeric`) and the output (:mod:`nrbundle.figures`
plots only; :mod:`nrbundle.reproduce` and :mod:`nrbundle.runs` compose). The paper's transitions and regimes are
the table :mod:`nrbundle.transitions`.

Modules
-------
resonances
    The resonance table of a run (closed form, corrected, ED; computed once, cached) and each regime's Delta_ad.
cutoffs
    Checked Fock cutoffs (the project's rule), kappa bands, the uniform-cutoff record.
points
    The one steady-state sweep point function; steady states computed once per run (cached by their inputs).
work
    A figure run's work folder: caches and checkpointed sweeps.
spectra
    Fig. 1: steady-state excitation spectra versus Delta_ad, the S16 ladder.
dynamics
    Fig. 2: closed super-Rabi runs per regime, one quantum trajectory.
kappa
    Figs. 3/4: the kappa sweeps (g1, bundle g2, witnesses).
g2tau
    Fig. 3(g): g2_am(tau).
headline
    The paper's headline g2 numbers at the physical parameters.
design_map
    Beyond the paper: design maps of nonreciprocal bundle emission (isolation ratio, bundle g2, purity) over two
    parameters at the analytic resonance, and the "beyond the paper" stage of ``nrbundle reproduce``.
runs
    The single runs of ``nrbundle dynamics`` / ``nrbundle trajectory``.
progress
    The per-process progress hook that runners install and the study functions report to.
"""

from __future__ import annotations

__all__ = [
    "locate_resonances",
    "regime_Delta_ad",
    "resonance_report",
    "resonance_summary",
    "CONVERGENCE_RTOL",
    "QUICK_RTOL",
    "converged_cutoff",
    "choose_cutoff",
    "cutoff_for_kappa",
    "cutoff_bands",
    "steady_point",
    "steady_values",
    "work_dir",
    "figure_sweep",
    "excitation_spectra",
    "super_rabi_study",
    "kappa_sweeps",
    "kappa_point",
    "blue_g2_tau",
    "headline_numbers",
    "PAPER_CLAIMS",
    "DesignMap",
    "design_map",
    "beyond_study",
    "dynamics_run",
    "trajectory_run",
]

from .beyond import beyond_study
from .cutoffs import CONVERGENCE_RTOL, QUICK_RTOL, choose_cutoff, converged_cutoff, cutoff_bands, cutoff_for_kappa
from .design_map import DesignMap, design_map
from .dynamics import super_rabi_study
from .g2tau import blue_g2_tau
from .headline import PAPER_CLAIMS, headline_numbers
from .kappa import kappa_point, kappa_sweeps
from .points import steady_point, steady_values
from .resonances import locate_resonances, regime_Delta_ad, resonance_report, resonance_summary
from .runs import dynamics_run, trajectory_run
from .spectra import excitation_spectra
from .work import figure_sweep, work_dir
