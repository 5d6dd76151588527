"""Numerics of Eq. (1)-(2) with QuTiP, NumPy and SciPy: the facade of the numeric layer.

Modules
-------
model
    Eq. (1) and the Lindblad terms of Eq. (2) in a truncated Fock space (:class:`Model`).
labels
    State labels |n_a n_b n_m l>, dressed product vectors (S14), eigenstate labelling.
spectrum
    Exact diagonalization of Eq. (1) and the avoided crossings of S17-S22.
dynamics, trajectories
    Closed/open population dynamics (Fig. 2(a-c)); quantum-jump trajectories and bundle detection (Fig. 2(d-g)).
liouvillian, no_jump_inverse
    The matrix-level Liouvillian solve: steady state of any Lindblad master equation with an error estimate; its
    preconditioner, the exact inverse of the no-jump part (NoJumpInverse).
steady
    The model-level steady state of Eq. (2) with Fock-truncation control, and its observables.
correlations, witness
    the cross correlation g^(2)_1 (cross_g2), the bundle correlation Eq. (3) and g2(tau); the entanglement
    witness of Fig. 4.
bundles, bundle_purity
    Bundles of any size |n_a n_b n_m ->: g1_B, g2_B, g2_B(tau), emission rate and purity (steady state); purity from
    clusters of trajectory jumps within a window.
"""

from __future__ import annotations

__all__ = [
    "Model",
    "spectrum",
    "avoided_crossing",
    "avoided_crossing_converged",
    "evolve",
    "trajectory",
    "detect_bundles",
    "steady_state",
    "steadystate",
    "SteadyStateResult",
    "solve_steady",
    "SteadyState",
    "steady_observables",
    "cross_g2",
    "bundle_g2",
    "g2_tau",
    "witness",
    "BundleStatistics",
    "bundle_statistics",
    "solve_bundle_steady",
    "g1_bundle",
    "g2_bundle",
    "TrajectoryPurity",
    "trajectory_purity",
    "cluster_purity",
]

from .bundle_purity import TrajectoryPurity, cluster_purity, trajectory_purity
from .bundles import BundleStatistics, bundle_statistics, g1_bundle, g2_bundle, solve_bundle_steady
from .correlations import bundle_g2, cross_g2, g2_tau
from .dynamics import evolve
from .liouvillian import SteadyStateResult, steady_state, steadystate
from .model import Model
from .spectrum import avoided_crossing, avoided_crossing_converged, spectrum
from .steady import SteadyState, solve_steady, steady_observables
from .trajectories import detect_bundles, trajectory
from .witness import witness
