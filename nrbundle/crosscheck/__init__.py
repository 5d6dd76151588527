"""Cross-validation: analytic claims vs exact diagonalization vs the master equation."""

__all__ = ["Check", "CrosscheckReport", "run_checks", "TOLERANCES"]

from .checks import TOLERANCES, Check, CrosscheckReport, run_checks
