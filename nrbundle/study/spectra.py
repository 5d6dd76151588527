"""Steady-state excitation spectra versus Delta_ad for both drive directions, and the S16 ladder: Fig. 1(c-e).

The steady state of Eq. (2) is swept over a Delta_ad window spanning the four ED resonances, on a coarse grid
refined around each regime's Delta_ad (:func:`spectrum_grid`), at one Fock cutoff chosen by the project's
convergence rule at the three regimes' Delta_ad (:func:`nrbundle.study.cutoffs.choose_cutoff` on
:data:`FIG1_OBSERVABLES`). The steady-state peaks are located next to the ED resonances (they differ by
kappa-dependent shifts, :func:`peak_position`). The uncoupled dressed ladder of S16 comes from the analytic
layer (:func:`ladder_energies`).
"""

from __future__ import annotations

__all__ = [
    "FIG1_OBSERVABLES",
    "SPECTRUM_GRID",
    "spectrum_grid",
    "ladder_energies",
    "peak_position",
    "excitation_spectra",
]

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..analytic.numeric_bridge import lambdify_expr
from ..analytic.resonances import ladder_energy
from ..params import Params
from ..provenance import cached_json, short_hash
from ..transitions import PAPER_TARGETS, PAPER_TRANSITIONS, REGIME_NAMES, transition_key
from .cutoffs import QUICK_CUTOFF, choose_cutoff
from .points import steady_point
from .resonances import locate_resonances, regime_Delta_ad
from .work import figure_sweep, work_dir

#: Occupations whose convergence decides the Fig. 1 cutoff.
FIG1_OBSERVABLES: tuple[str, ...] = ("n_a", "n_b", "n_m")
#: Coarse grid step, refined step and half-width of the refinement around each regime's Delta_ad, in units of
#: omega_b: full run, quick run.
SPECTRUM_GRID: Mapping[bool, tuple[float, float, float]] = {False: (2e-3, 4e-4, 0.012), True: (5e-3, 1e-3, 0.006)}


def spectrum_grid(centres: Sequence[float], lo: float, hi: float, *, coarse: float, fine: float,
                  half_width: float) -> np.ndarray:
    """Sorted union of a uniform grid on [lo, hi] (step ``coarse``) and grids of step ``fine`` on
    ``centre +- half_width`` (centre included exactly); points closer than 1e-9 are merged."""
    parts = [np.linspace(lo, hi, int(round((hi - lo) / coarse)) + 1)]
    for c in centres:
        k = int(round(half_width / fine))
        parts.append(c + fine * np.arange(-k, k + 1))
    g = np.sort(np.concatenate(parts))
    keep = np.concatenate([[True], np.diff(g) > 1e-9])
    return g[keep]


def ladder_energies(params: Params, Delta_ad: np.ndarray) -> dict[str, np.ndarray]:
    """S16 energies of |000+>, |101->, |110-> for both directions: keys ``"000+"``, ``"101-left"``, ...

    E(|000+>) = E_+ and E(|n_a n_b n_m ->) = E_- + n_a (Delta_ad + Delta_F) + n_b omega_b + n_m omega_m, lambdified
    from the SymPy expressions of :func:`nrbundle.analytic.resonances.ladder_energy`.
    """
    x = np.asarray(Delta_ad, dtype=float)
    e0 = lambdify_expr(ladder_energy(0, 0, 0, "+")).at(params, "left", Delta_ad=x)
    out = {"000+": np.broadcast_to(e0, x.shape).copy()}
    for target in PAPER_TARGETS:
        f = lambdify_expr(ladder_energy(*target, "-"))
        for d in ("left", "right"):
            out[transition_key(target, d)] = np.broadcast_to(f.at(params, d, Delta_ad=x), x.shape).copy()
    return out


def peak_position(x: np.ndarray, y: np.ndarray, centre: float, half: float) -> float:
    """Position of the maximum of ``y`` within ``centre +- half``: the vertex of the parabola through log(y) at the
    grid maximum and its two neighbours (the grid maximum itself at an edge or without curvature; NaN with fewer
    than three points in the window)."""
    sel = np.flatnonzero(np.abs(x - centre) <= half)
    if sel.size < 3:
        return math.nan
    k = sel[int(np.argmax(y[sel]))]
    if k == 0 or k == x.size - 1:
        return float(x[k])
    x0, x1, x2 = x[k - 1:k + 2]
    y0, y1, y2 = np.log(y[k - 1:k + 2])
    den = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / den
    b = (x2**2 * (y0 - y1) + x1**2 * (y2 - y0) + x0**2 * (y1 - y2)) / den
    return float(-b / (2 * a)) if a < 0 else float(x1)


def excitation_spectra(
    out_dir: str | os.PathLike[str],
    *,
    params: Params,
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    cutoff: Sequence[int] | None = None,
    grid: Sequence[float] | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The data of Fig. 1(c-e): steady-state occupations versus Delta_ad (both directions) and the S16 ladder.

    Parameters
    ----------
    out_dir
        Figure folder; the sweep checkpoints and caches go to ``out_dir/work`` (a rerun resumes).
    params
        Parameter set.
    quick
        Coarse grid and :data:`~nrbundle.study.cutoffs.QUICK_CUTOFF` without a convergence check (recorded).
    executor, workers
        Sweep executor and worker count.
    cutoff
        Override of the Fock cutoff (skips the convergence check; recorded).
    grid
        Override of the Delta_ad grid (testing).
    resonances
        The run's resonance table (:func:`~nrbundle.study.resonances.locate_resonances` for ``params`` and
        ``quick``); located (or read from the work folder's cache) when ``None``.

    Returns
    -------
    dict
        ``{"resonances", "regimes" (name -> regime_Delta_ad record), "cutoff", "cutoff_selection", "window":
        (lo, hi), "Delta_ad" (grid), "n": {"n_a", "n_b", "n_m", "n_atom"} (arrays (direction, Delta_ad)),
        "residual", "sweep", "ladder_Delta_ad", "ladder", "peaks"}``.
    """
    work = work_dir(out_dir)
    res = locate_resonances(params, quick=quick, work=work) if resonances is None else resonances
    regimes = {r: regime_Delta_ad(res, r) for r in REGIME_NAMES}
    w = params.omega_b

    if cutoff is not None:
        cut = [int(n) for n in cutoff]
        conv: dict[str, Any] = {"cutoff": cut, "rule": "given by the caller (not checked)"}
    elif quick:
        cut = list(QUICK_CUTOFF)
        conv = {"cutoff": cut, "rule": f"quick: fixed {QUICK_CUTOFF}, not convergence-checked"}
    else:
        pts = [(d, regimes[r]["Delta_ad"]) for r in REGIME_NAMES for d in ("left", "right")]
        key = {"what": "fig1-cutoff", "params": params.to_dict(), "points": pts, "observables": FIG1_OBSERVABLES}
        conv = cached_json(work / f"fig1-cutoff-{short_hash(key)}.json", key,
                           lambda: choose_cutoff(params, pts, FIG1_OBSERVABLES))
        cut = list(conv["cutoff"])

    eds = [res[t.key]["ed"] for t in PAPER_TRANSITIONS]
    lo, hi = min(eds) - 0.04 * w, max(eds) + 0.03 * w
    if grid is None:
        coarse, fine, half = (v * w for v in SPECTRUM_GRID[bool(quick)])
        centres = sorted(regimes[r]["Delta_ad"] for r in REGIME_NAMES)
        x = spectrum_grid(centres, lo, hi, coarse=coarse, fine=fine, half_width=half)
    else:
        x = np.asarray(grid, dtype=float)
    # the cutoff was chosen above (or is the recorded quick/override one): no per-point truncation estimate
    sweep = figure_sweep(steady_point, {"direction": ["left", "right"], "Delta_ad": x},
                         {"params": params, "cutoff": cut, "truncation_check": False}, out_dir, "fig1",
                         executor=executor, workers=workers)
    n = {k: np.asarray(sweep[k]) for k in ("n_a", "n_b", "n_m", "n_atom")}
    ladder_x = np.linspace(lo, hi, 400)

    # steady-state peak positions next to the ED resonances (they differ by kappa-dependent shifts)
    peaks = {}
    for t in PAPER_TRANSITIONS:
        mode = "n_m" if t.pair == "am" else "n_b"
        i = 0 if t.direction == "left" else 1
        ed = res[t.key]["ed"]
        pk = peak_position(x, n[mode][i], ed, 0.01 * w)
        peaks[t.key] = {"observable": mode, "peak": pk, "peak_minus_ed": pk - ed}

    return {
        "resonances": res,
        "regimes": regimes,
        "cutoff": cut,
        "cutoff_selection": conv,
        "window": (lo, hi),
        "Delta_ad": x,
        "n": n,
        "residual": sweep.meta("residual"),
        "sweep": sweep,
        "ladder_Delta_ad": ladder_x,
        "ladder": ladder_energies(params, ladder_x),
        "peaks": peaks,
    }
