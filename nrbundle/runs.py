"""Single runs behind ``nrbundle dynamics`` and ``nrbundle trajectory``: compute, write .npz + JSON provenance, plot.

Each run writes ``<out>/<name>.npz`` (the arrays), ``<out>/<name>.json`` (parameters, cutoff, solver, versions,
command line) and ``<out>/<name>.pdf``/``.png`` (a figure in the shared style of :mod:`nrbundle.figures.style`).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import InputError
from .params import Params, check_direction, check_finite

__all__ = ["resolve_delta_ad", "run_dynamics", "run_trajectory"]

_CHANNEL_COLOURS = {"a": "tab:red", "b": "tab:green", "m": "tab:blue", "sigma": "0.4"}


def resolve_delta_ad(
    params: Params, direction: str, Delta_ad: float | None, target: Sequence[int] | None, cutoff: Sequence[int]
) -> tuple[float, float | None, str]:
    """The drive detuning of a run: given, or the exact resonance (ED avoided crossing) of ``target``.

    Returns ``(Delta_ad, half_splitting or None, how)``. The closed forms S18-S22 are many widths off, so a target
    is located by exact diagonalization at the run's cutoff.
    """
    if Delta_ad is not None:
        return check_finite("Delta_ad", Delta_ad), None, "given"
    if target is None:
        raise InputError("--delta-ad: give Delta_ad or a --target whose resonance to sit on")
    from .numeric.spectrum import avoided_crossing

    ac = avoided_crossing(params, tuple(target), direction, cutoff=tuple(cutoff))
    return ac.resonance, ac.half_splitting, f"ED resonance of |{''.join(map(str, target))}-> at cutoff {tuple(cutoff)}"


def _default_t_max(half_splitting: float | None, params: Params) -> float:
    if half_splitting:
        return 2.5 * math.pi / (2.0 * half_splitting)  # 2.5 transfer times of the super-Rabi oscillation
    return 5.0e3 / params.omega_b


def _time_grid(t_max: float, points: int) -> np.ndarray:
    """Validated output times 0..t_max."""
    if points < 10:
        raise InputError(f"--points: need at least 10 time points, got {points}")
    T = check_finite("t_max", t_max)
    if T <= 0:
        raise InputError(f"--t-max: must be > 0, got {T}")
    return np.linspace(0.0, T, int(points))


def run_dynamics(
    params: Params,
    direction: str,
    out: str | Path,
    *,
    Delta_ad: float | None = None,
    target: Sequence[int] | None = (1, 0, 1),
    t_max: float | None = None,
    points: int = 1000,
    cutoff: Sequence[int] = (4, 4, 4),
    open_system: bool = False,
    name: str | None = None,
) -> list[Path]:
    """Super-Rabi dynamics from |000+> (Fig. 2(a-c)); returns the written paths (npz, json, pdf, png)."""
    from .figures.style import figure_style, new_figure, save_figure, time_label, write_data
    from .numeric.dynamics import evolve, super_rabi_frequency

    check_direction(direction)
    x, g, how = resolve_delta_ad(params, direction, Delta_ad, target, cutoff)
    tlist = _time_grid(_default_t_max(g, params) if t_max is None else t_max, points)
    dyn = evolve(params, direction, x, tlist, cutoff=cutoff, open_system=open_system)
    label = None if target is None else "".join(map(str, target)) + "-"
    freq = None
    if label and not open_system:
        try:
            freq = float(super_rabi_frequency(dyn, label=label))
        except Exception:  # noqa: BLE001 - too short a record; reported as null
            freq = None
    name = name or f"dynamics_{direction}_{'open' if open_system else 'closed'}"
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
        "command": sys.argv,
    }
    arrays = {"tlist": dyn.tlist, **{f"P_{k}": v for k, v in dyn.populations.items()}, "norm": dyn.norm}
    paths = write_data(out, name, arrays, prov)
    with figure_style():
        fig, ax = new_figure(width=4.6, height=2.6)
        for k, v in dyn.populations.items():
            if np.max(v) > 1e-2:
                ax.plot(dyn.tlist, v, label=f"$P_{{{k}}}$")
        ax.set_xlabel(time_label(params.units))
        ax.set_ylabel("population")
        ax.set_title(f"{direction} drive, $\\Delta_{{ad}}$ = {x:.6f}", fontsize=8)
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        paths += save_figure(fig, out, name)
    return paths


def run_trajectory(
    params: Params,
    direction: str,
    out: str | Path,
    *,
    Delta_ad: float | None = None,
    target: Sequence[int] | None = (1, 0, 1),
    t_max: float = 2.0e4,
    points: int = 2000,
    cutoff: Sequence[int] = (3, 3, 3),
    seed: int = 1,
    window: float | None = None,
    name: str | None = None,
) -> list[Path]:
    """One quantum trajectory with its jumps (Fig. 2(d-g)) and bundle statistics; returns the written paths."""
    from .figures.style import figure_style, new_figure, save_figure, time_label, write_data
    from .numeric.trajectories import detect_bundles, trajectory

    check_direction(direction)
    if int(seed) < 0:
        raise InputError(f"--seed: must be >= 0, got {seed}")
    tlist = _time_grid(t_max, points)
    x, _, how = resolve_delta_ad(params, direction, Delta_ad, target, cutoff)
    tr = trajectory(params, direction, x, tlist, cutoff=cutoff, seed=int(seed))
    partner = "m" if target is None or tuple(target)[2] > 0 else "b"
    stats = detect_bundles(tr, pair=("a", partner), window=window)
    rec = tr.jumps[0]
    name = name or f"trajectory_{direction}_seed{seed}"
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
        "command": sys.argv,
    }
    arrays = {"tlist": tr.tlist, **{f"P_{k}": v[0] for k, v in tr.populations.items()}}
    arrays.update({f"jumps_{c}": np.asarray(rec.times.get(c, [])) for c in tr.channels})
    paths = write_data(out, name, arrays, prov)
    with figure_style():
        fig, ax = new_figure(width="double", height=2.6)
        for k, v in tr.populations.items():
            if np.max(v[0]) > 5e-2:
                ax.plot(tr.tlist, v[0], lw=0.8, label=f"$P_{{{k}}}$")
        for c in tr.channels:
            for t in rec.times.get(c, []):
                ax.axvline(t, color=_CHANNEL_COLOURS.get(c, "k"), lw=0.6, ls=":", zorder=0)
        for c in tr.channels:
            ax.plot([], [], color=_CHANNEL_COLOURS.get(c, "k"), ls=":", label=f"jump {c}")
        ax.set_xlabel(time_label(params.units))
        ax.set_ylabel("population")
        ax.set_title(f"{direction} drive, seed {seed}: {stats.n_bundles} a-{partner} bundles", fontsize=8)
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        paths += save_figure(fig, out, name)
    return paths
