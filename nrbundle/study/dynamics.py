"""Super-Rabi oscillations at each regime's Delta_ad and one quantum trajectory in the blue regime: Fig. 2.

Closed runs (Eq. 1) start in |000+> and use the exact spectral propagation (``solver="eig"``) at each regime's
Delta_ad (:func:`nrbundle.study.resonances.regime_Delta_ad`) for both drive directions; each is repeated at one
Fock level less per mode and the largest population difference is recorded. The trajectory is one Monte Carlo
run of Eq. (2) (fixed seed) in the blue regime, left drive, at the preset's kappa, with its jumps and bundle
statistics. :func:`closed_form_check` records how little population moves on the closed form S18 instead of the
ED resonance.
"""

from __future__ import annotations

__all__ = [
    "DYNAMICS_CUTOFF",
    "QUICK_DYNAMICS_CUTOFF",
    "TRAJECTORY_CUTOFF",
    "QUICK_TRAJECTORY_CUTOFF",
    "TRAJECTORY_SEED",
    "TRAJECTORY_TIME",
    "CLOSED_POPULATIONS",
    "TRAJECTORY_POPULATIONS",
    "closed_runs",
    "regime_trajectory",
    "closed_form_check",
    "super_rabi_study",
]

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..numeric.dynamics import evolve
from ..numeric.trajectories import detect_bundles, trajectory
from ..params import Params
from ..transitions import REGIME_NAMES, transition_key
from .resonances import locate_resonances, regime_Delta_ad
from .work import work_dir

#: Fock cutoff of the closed runs: at fig1 the populations differ from those at (5, 5, 5) by < 7e-4 over the whole
#: window (recorded per run as ``check.max_abs_diff``); (4, 4, 4) against (5, 5, 5) still differs by ~3e-2.
DYNAMICS_CUTOFF: tuple[int, int, int] = (6, 6, 6)
#: Fock cutoff of the closed runs of a quick run (populations within ~3e-2 of those at (5, 5, 5)).
QUICK_DYNAMICS_CUTOFF: tuple[int, int, int] = (4, 4, 4)
#: Fock cutoff of the trajectory (a few quanta at most are present between jumps).
TRAJECTORY_CUTOFF: tuple[int, int, int] = (4, 4, 4)
#: Fock cutoff of the trajectory of a quick run.
QUICK_TRAJECTORY_CUTOFF: tuple[int, int, int] = (3, 3, 3)
#: Seed of the trajectory (any fixed seed; this one shows several bundles in the window).
TRAJECTORY_SEED: int = 1
#: Duration of the trajectory in units of 1/omega_b (full, quick).
TRAJECTORY_TIME: Mapping[bool, float] = {False: 20000.0, True: 6000.0}
#: Populations of the closed runs: |000+> and the two pair states.
CLOSED_POPULATIONS: tuple[str, ...] = ("000+", "101-", "110-")
#: Populations of the trajectory: |000+-> and the pair and one-quantum states of the photon-magnon bundle.
TRAJECTORY_POPULATIONS: tuple[str, ...] = ("000+", "000-", "101-", "100-", "100+", "001-")


def closed_runs(
    params: Params,
    resonances: Mapping[str, Any],
    *,
    cutoff: Sequence[int] = DYNAMICS_CUTOFF,
    n_t: int = 1500,
    periods: float = 2.25,
) -> dict[str, Any]:
    """Closed evolution from |000+> at each regime's Delta_ad for both directions (exact, ``solver="eig"``).

    The time window is ``periods`` full super-Rabi periods pi / g_eff of the slowest transition of the regime
    (g_eff = the ED half-splitting).

    Returns
    -------
    dict
        ``regime -> {"Delta_ad", "tlist", "half_splittings", "<direction>": {label: P(t)}, "check": {"cutoff",
        "compared_with", "max_abs_diff"}}``.
    """
    cut = tuple(int(n) for n in cutoff)
    lower = tuple(max(3, n - 1) for n in cut)
    out: dict[str, Any] = {}
    for regime in REGIME_NAMES:
        where = regime_Delta_ad(resonances, regime)
        x = float(where["Delta_ad"])
        gs = [resonances[k]["half_splitting"] for k in where["detuning"]]
        tmax = periods * math.pi / min(gs)
        t = np.linspace(0.0, tmax, n_t)
        rec: dict[str, Any] = {"Delta_ad": x, "tlist": t, "half_splittings": gs}
        worst = 0.0
        for d in ("left", "right"):
            dyn = evolve(params, d, x, t, cutoff=cut, populations=CLOSED_POPULATIONS, solver="eig")
            ref = evolve(params, d, x, t, cutoff=lower, populations=CLOSED_POPULATIONS, solver="eig")
            rec[d] = {k: np.asarray(v) for k, v in dyn.populations.items()}
            worst = max(worst, max(float(np.max(np.abs(dyn.populations[k] - ref.populations[k])))
                                   for k in CLOSED_POPULATIONS))
        rec["check"] = {"cutoff": list(cut), "compared_with": list(lower), "max_abs_diff": worst}
        out[regime] = rec
    return out


def regime_trajectory(params: Params, Delta_ad: float, T: float, *, cutoff: Sequence[int], seed: int,
                      n_t: int) -> dict[str, Any]:
    """One quantum trajectory of Eq. (2), left drive, from t = 0 to ``T``, with its jumps and photon-magnon bundles.

    Returns
    -------
    dict
        ``{"tlist", "populations": {label: P(t)}, "jumps": {channel: times}, "bundles": {"pair", "window",
        "n_bundles", "n_jumps", "pair_fraction"}, "cutoff", "seed", "Delta_ad", "kappa"}``.
    """
    t = np.linspace(0.0, T, n_t)
    tr = trajectory(params, "left", Delta_ad, t, cutoff=tuple(cutoff), seed=seed, ntraj=1,
                    populations=TRAJECTORY_POPULATIONS)
    rec = tr.jumps[0]
    stats = detect_bundles(tr, ("a", "m"))
    return {
        "tlist": t,
        "populations": {k: np.asarray(v[0]) for k, v in tr.populations.items()},
        "jumps": {c: np.asarray(v) for c, v in rec.times.items()},
        "bundles": {"pair": list(stats.pair), "window": stats.window, "n_bundles": stats.n_bundles,
                    "n_jumps": stats.n_jumps, "pair_fraction": stats.pair_fraction},
        "cutoff": list(tr.cutoff),
        "seed": tr.seed,
        "Delta_ad": Delta_ad,
        "kappa": params.kappa,
    }


def closed_form_check(params: Params, resonances: Mapping[str, Any], tlist: np.ndarray) -> dict[str, Any]:
    """Largest P_101- of the closed run on the closed form S18 of |101-> (left) instead of its ED resonance.

    Returns ``{"101-left": {"Delta_ad", "max_P_101-"}}`` (cutoff (4, 4, 4)): the closed forms miss the resonance,
    so almost nothing is transferred there.
    """
    out = {}
    k = transition_key((1, 0, 1), "left")
    dyn = evolve(params, "left", resonances[k]["closed_form"], tlist, cutoff=(4, 4, 4), populations=("101-",),
                 solver="eig")
    out[k] = {"Delta_ad": resonances[k]["closed_form"], "max_P_101-": float(np.max(dyn.populations["101-"]))}
    return out


def super_rabi_study(
    out_dir: str | os.PathLike[str],
    *,
    params: Params,
    quick: bool = False,
    trajectory_time: float | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The data of Fig. 2: closed runs of every regime, the blue-regime trajectory, the closed-form check.

    Parameters
    ----------
    out_dir
        Figure folder (the resonance cache is read from ``out_dir/work``).
    params
        Parameter set; its kappa and gamma are used for the trajectory.
    quick
        Closed runs at :data:`QUICK_DYNAMICS_CUTOFF` with fewer times, a shorter trajectory at
        :data:`QUICK_TRAJECTORY_CUTOFF`.
    trajectory_time
        Override of the trajectory duration in units of 1/omega_b (testing).
    resonances
        The run's resonance table; located (or read from the cache) when ``None``.

    Returns
    -------
    dict
        ``{"resonances", "closed_cutoff", "runs" (:func:`closed_runs`), "trajectory" (:func:`regime_trajectory`),
        "closed_form_check"}``.
    """
    res = locate_resonances(params, quick=quick, work=work_dir(out_dir)) if resonances is None else resonances
    cut = QUICK_DYNAMICS_CUTOFF if quick else DYNAMICS_CUTOFF
    runs = closed_runs(params, res, cutoff=cut, n_t=600 if quick else 1500)
    x_blue = float(runs["blue"]["Delta_ad"])
    T = (TRAJECTORY_TIME[bool(quick)] if trajectory_time is None else float(trajectory_time)) / params.omega_b
    traj = regime_trajectory(params, x_blue, T, cutoff=QUICK_TRAJECTORY_CUTOFF if quick else TRAJECTORY_CUTOFF,
                             seed=TRAJECTORY_SEED, n_t=600 if quick else 2000)
    return {
        "resonances": res,
        "closed_cutoff": list(cut),
        "runs": runs,
        "trajectory": traj,
        "closed_form_check": closed_form_check(params, res, runs["blue"]["tlist"]),
    }
