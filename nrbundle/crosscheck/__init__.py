"""Cross-validation: analytic claims vs exact diagonalization vs the master equation."""

from .checks import ORANGE_TRANSITIONS, PAPER_TRANSITIONS, TOLERANCES, Check, CrosscheckReport, run_checks

__all__ = ["Check", "CrosscheckReport", "run_checks", "TOLERANCES", "PAPER_TRANSITIONS", "ORANGE_TRANSITIONS"]
