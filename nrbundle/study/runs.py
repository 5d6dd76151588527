"""Single runs behind ``nrbundle dynamics`` and ``nrbundle trajectory``: the evolution, its arrays and provenance.

A run sits at a given Delta_ad or at the exact resonance (ED avoided crossing) of a target at the run's cutoff
(:func:`resolve_delta_ad`; the closed forms S18-S22 are many widths off). :func:`dynamics_run` evolves |000+>
(closed, Eq. 1, or open, Eq. 2) and fits the super-Rabi frequency (Fig. 2(a-c)); :func:`trajectory_run` follows
one quantum trajectory of Eq. (2) with its jumps and bundle statistics (Fig. 2(d-g)). Both return a record
(:class:`Run`) that :mod:`nrbundle.runs` writes and :mod:`nrbundle.figures.runs` draws.
"""

from __future__ import annotations

__all__ = [
    "Run",
    "resolve_delta_ad",
    "default_t_max",
    "time_grid",
    "dynamics_name",
    "trajectory_name",
    "dynamics_run",
    "trajectory_run",
]

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError, NrbundleError
from ..limits import MAX_DEFAULT_T_MAX, TIME_POINT_BYTES, check_integration, check_memory, hamiltonian_bound
from ..numeric.dynamics import evolve, super_rabi_frequency
from ..numeric.model import Model
from ..numeric.spectrum import avoided_crossing
from ..numeric.trajectories import detect_bundles, trajectory
from ..params import Params, check_direction, check_finite, check_integer


@dataclass
class Run:
    """One single run: what to write (arrays, provenance) and what to draw.

    Attributes
    ----------
    name
        File stem (``dynamics_left_closed``, ``trajectory_left_seed1``).
    params, direction, Delta_ad
        Where the run sits.
    arrays
        The data written to ``<name>.npz`` (``tlist``, ``P_<label>``, ``norm`` or ``jumps_<channel>``).
    provenance
        The JSON sidecar (parameters, cutoff, solver, Delta_ad and where it came from, results).
    result
        The numeric result (:class:`nrbundle.numeric.dynamics.Dynamics` or the trajectory result).
    extra
        Run-specific numbers the plot uses (e.g. bundle statistics).
    """

    name: str
    params: Params
    direction: str
    Delta_ad: float
    arrays: dict[str, Any]
    provenance: dict[str, Any]
    result: Any
    extra: dict[str, Any] = field(default_factory=dict)


def resolve_delta_ad(
    params: Params, direction: str, Delta_ad: float | None, target: Sequence[int] | None, cutoff: Sequence[int]
) -> tuple[float, float | None, str]:
    """The drive detuning of a run: given, or the exact resonance (ED avoided crossing) of ``target``.

    Returns ``(Delta_ad, half_splitting or None, how)``. The closed forms S18-S22 are many widths off, so a target
    is located by exact diagonalization at the run's cutoff.

    Raises
    ------
    InputError
        Neither ``Delta_ad`` nor ``target`` given, or ``Delta_ad`` not finite.
    """
    if Delta_ad is not None:
        return check_finite("Delta_ad", Delta_ad), None, "given"
    if target is None:
        raise InputError("Delta_ad: give Delta_ad or a target whose resonance to sit on")
    ac = avoided_crossing(params, tuple(target), direction, cutoff=tuple(cutoff))
    return ac.resonance, ac.half_splitting, f"ED resonance of |{''.join(map(str, target))}-> at cutoff {tuple(cutoff)}"


def default_t_max(half_splitting: float | None, params: Params) -> float:
    """2.5 super-Rabi transfer times pi / (2 g_eff) with g_eff the ED half-splitting; 5e3 / omega_b without one.

    Raises
    ------
    InputError
        ``t_max``, when a tiny g_eff makes the default longer than :data:`nrbundle.limits.MAX_DEFAULT_T_MAX`
        / omega_b (give ``t_max`` explicitly).
    """
    if half_splitting:
        t = 2.5 * math.pi / (2.0 * half_splitting)
        if t * params.omega_b > MAX_DEFAULT_T_MAX:
            raise InputError(
                f"t_max: the default (2.5 super-Rabi transfer times pi/(2 g), ED half-splitting g = "
                f"{half_splitting:.3g}) is {t:.3g}, above {MAX_DEFAULT_T_MAX:.0e}/omega_b; give t_max explicitly"
            )
        return t
    return 5.0e3 / params.omega_b


def time_grid(t_max: float, points: int) -> np.ndarray:
    """Output times 0..t_max (``points`` >= 10 of them, t_max finite and > 0; their memory is checked first)."""
    points = check_integer("points", points)
    if points < 10:
        raise InputError(f"points: need at least 10 time points, got {points}")
    check_memory(points * TIME_POINT_BYTES, f"a run with {points} output times", param="points",
                 hint="use fewer points")
    T = check_finite("t_max", t_max)
    if T <= 0:
        raise InputError(f"t_max: must be > 0, got {T}")
    return np.linspace(0.0, T, int(points))


def dynamics_name(direction: str, open_system: bool) -> str:
    """File stem of a dynamics run: ``dynamics_<direction>_<open|closed>``."""
    return f"dynamics_{direction}_{'open' if open_system else 'closed'}"


def trajectory_name(direction: str, seed: int) -> str:
    """File stem of a trajectory run: ``trajectory_<direction>_seed<seed>``."""
    return f"trajectory_{direction}_seed{seed}"


def _check_work(
    params: Params, direction: str, Delta_ad: float, cutoff: Sequence[int], tlist: np.ndarray, open_system: bool,
    ket: bool = False,
) -> None:
    """Refuse an integration too long to finish (:func:`nrbundle.limits.check_integration`), naming ``t_max``."""
    model = Model(params, direction, tuple(cutoff))
    size = model.dimension if ket or not open_system else model.dimension**2
    what = "a quantum trajectory" if ket else ("the master equation" if open_system else "the closed evolution")
    check_integration(float(tlist[-1] - tlist[0]), hamiltonian_bound(model.H(Delta_ad)), size, what=what)


def dynamics_run(
    params: Params,
    direction: str,
    *,
    Delta_ad: float | None = None,
    target: Sequence[int] | None = (1, 0, 1),
    t_max: float | None = None,
    points: int = 1000,
    cutoff: Sequence[int] = (4, 4, 4),
    open_system: bool = False,
    name: str | None = None,
) -> Run:
    """Super-Rabi dynamics from |000+> (Fig. 2(a-c)), closed (Eq. 1) or open (Eq. 2).

    ``t_max`` defaults to :func:`default_t_max`; for a closed run on a target the super-Rabi coupling g_eff is
    fitted from the population of the target (``super_rabi_g_eff``; ``None`` when the record is too short).
    """
    check_direction(direction)
    x, g, how = resolve_delta_ad(params, direction, Delta_ad, target, cutoff)
    tlist = time_grid(default_t_max(g, params) if t_max is None else t_max, points)
    _check_work(params, direction, x, cutoff, tlist, open_system)
    dyn = evolve(params, direction, x, tlist, cutoff=cutoff, open_system=open_system)
    label = None if target is None else "".join(map(str, target)) + "-"
    freq = None
    if label and not open_system:
        try:
            freq = float(super_rabi_frequency(dyn, label=label))
        except (NrbundleError, ValueError, RuntimeError):  # too short a record for a fit: reported as null
            freq = None
    prov = {
        "params": params.to_dict(),
        "direction": direction,
        "Delta_ad": x,
        "Delta_ad_from": how,
        "cutoff": list(dyn.cutoff),
        "solver": dyn.solver,
        "options": dyn.options,
        "open_system": open_system,
        "super_rabi_g_eff": freq,
        "ed_half_splitting": g,
        "max_norm_error": float(np.max(np.abs(dyn.norm - 1.0))),
    }
    arrays = {"tlist": dyn.tlist, **{f"P_{k}": v for k, v in dyn.populations.items()}, "norm": dyn.norm}
    name = name or dynamics_name(direction, open_system)
    return Run(name, params, direction, x, arrays, prov, dyn)


def trajectory_run(
    params: Params,
    direction: str,
    *,
    Delta_ad: float | None = None,
    target: Sequence[int] | None = (1, 0, 1),
    t_max: float = 2.0e4,
    points: int = 2000,
    cutoff: Sequence[int] = (3, 3, 3),
    seed: int = 1,
    window: float | None = None,
    name: str | None = None,
) -> Run:
    """One quantum trajectory of Eq. (2) with its jumps (Fig. 2(d-g)) and the bundle statistics of the pair
    (a, m) (target |n_a n_b n_m-> with n_m > 0, or no target) or (a, b)."""
    check_direction(direction)
    if int(seed) < 0:
        raise InputError(f"seed: must be >= 0, got {seed}")
    tlist = time_grid(t_max, points)
    x, _, how = resolve_delta_ad(params, direction, Delta_ad, target, cutoff)
    _check_work(params, direction, x, cutoff, tlist, True, ket=True)
    tr = trajectory(params, direction, x, tlist, cutoff=cutoff, seed=int(seed))
    partner = "m" if target is None or tuple(target)[2] > 0 else "b"
    stats = detect_bundles(tr, pair=("a", partner), window=window)
    rec = tr.jumps[0]
    prov = {
        "params": params.to_dict(),
        "direction": direction,
        "Delta_ad": x,
        "Delta_ad_from": how,
        "cutoff": list(tr.cutoff),
        "seed": int(seed),
        "options": tr.options,
        "channels": list(tr.channels),
        "jump_counts": rec.counts(),
        "bundles": {
            "pair": list(stats.pair),
            "window": stats.window,
            "n_bundles": stats.n_bundles,
            "bundle_fraction": stats.bundle_fraction,
            "mean_delay": stats.mean_delay,
            "order_counts": stats.order_counts,
        },
    }
    arrays = {"tlist": tr.tlist, **{f"P_{k}": v[0] for k, v in tr.populations.items()}}
    arrays.update({f"jumps_{c}": np.asarray(rec.times.get(c, [])) for c in tr.channels})
    name = name or trajectory_name(direction, seed)
    return Run(name, params, direction, x, arrays, prov, tr,
               extra={"seed": int(seed), "partner": partner, "n_bundles": stats.n_bundles})
