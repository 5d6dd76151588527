"""The kappa sweeps of Figs. 3 and 4: g1, bundle g2 (Eq. 3) and witnesses (Eq. 4) versus the common decay rate.

kappa is swept with a common rate kappa_a = kappa_b = kappa_m = kappa (Eq. 2; per-mode rates of the preset are
overridden), gamma fixed, at each regime's Delta_ad (:func:`nrbundle.study.resonances.regime_Delta_ad`) and for
both drive directions. Fock cutoffs are the checked ones per kappa band (:func:`nrbundle.study.cutoffs.cutoff_bands`,
tolerance :data:`~nrbundle.study.cutoffs.CONVERGENCE_RTOL`; quick runs: one check point, the smallest kappa, and
:data:`~nrbundle.study.cutoffs.QUICK_RTOL`). The orange sweep also evaluates the witnesses of Fig. 4, so Fig. 4
after Fig. 3 reuses its checkpoints. Every point goes through the run's point cache
(:func:`nrbundle.study.points.steady_values`), so the sweep points at the check kappas are the checks' own solves.
"""

from __future__ import annotations

__all__ = ["KAPPA_RANGE", "N_KAPPA", "WITNESS_PARTIES", "kappa_grid", "kappa_point", "kappa_sweeps"]

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..params import Params, get_preset
from ..transitions import REGIME_NAMES
from . import progress
from .cutoffs import CONVERGENCE_RTOL, QUICK_RTOL, cutoff_bands, cutoff_for_kappa
from .points import steady_values, with_common_kappa
from .resonances import locate_resonances, regime_Delta_ad
from .work import figure_sweep, work_dir

#: kappa range of Figs. 3 and 4 in units of omega_b.
KAPPA_RANGE: tuple[float, float] = (1e-3, 1e-1)
#: Number of kappa values: full run, quick run.
N_KAPPA: Mapping[bool, int] = {False: 41, True: 7}
#: Witness partitions evaluated in the orange regime (Fig. 4): bipartite (a,b), (a,m); tripartite with the atom.
WITNESS_PARTIES: tuple[str, ...] = ("ab", "am", "absigma", "amsigma")


def kappa_grid(params: Params, quick: bool = False, n: int | None = None) -> np.ndarray:
    """Log-spaced kappa values over :data:`KAPPA_RANGE` (times omega_b, in the units of ``params``)."""
    k = N_KAPPA[bool(quick)] if n is None else int(n)
    return np.geomspace(KAPPA_RANGE[0], KAPPA_RANGE[1], k) * params.omega_b


def kappa_point(
    point: Mapping[str, Any],
    *,
    params: Params,
    Delta_ad: float,
    bands: Sequence[Sequence[Any]] | Mapping[str, Any],
    witness_parties: Sequence[str] = (),
    work: str | None = None,
) -> dict[str, Any]:
    """Sweep point of Figs. 3 and 4 at ``point = {"direction", "kappa"}``.

    The steady state (:func:`~nrbundle.study.points.steady_values`, cached in ``work``) with kappa_a = kappa_b =
    kappa_m = kappa and the cutoff of the kappa band (:func:`~nrbundle.study.cutoffs.cutoff_for_kappa`; checked by
    the band's convergence study, so not re-estimated: ``truncation_error`` is ``None``).

    Returns the occupations, g1 and bundle g2 (Eq. 3) of both pairs and, if asked, the witnesses W1, D1 (Eq. 4).
    """
    kappa = float(point["kappa"])
    d = str(point["direction"])
    r = steady_values(with_common_kappa(params, kappa), d, float(Delta_ad), cutoff_for_kappa(bands, kappa, d),
                      witness_parties=tuple(witness_parties), work=work)
    progress.point_done()
    return r


def kappa_sweeps(
    out_dir: str | os.PathLike[str],
    *,
    params: Params | None = None,
    quick: bool = False,
    executor: str = "process",
    workers: int | None = None,
    regimes: Sequence[str] = REGIME_NAMES,
    kappas: Sequence[float] | None = None,
    cutoff: Sequence[int] | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run (or resume) the kappa sweeps of Figs. 3/4 for ``regimes``; the orange one includes the witnesses.

    Parameters
    ----------
    out_dir
        Figure folder; checkpoints and caches go to ``out_dir/work``.
    params
        Parameter set (default preset ``fig1``).
    quick
        :data:`N_KAPPA` ``[True]`` kappa values; cutoffs checked at the smallest kappa only, to
        :data:`~nrbundle.study.cutoffs.QUICK_RTOL`.
    executor, workers
        Sweep executor and worker processes.
    regimes
        Regimes to sweep.
    kappas, cutoff
        Overrides (testing): kappa values, one fixed cutoff (not checked).
    resonances
        The run's resonance table (:func:`~nrbundle.study.resonances.locate_resonances` for ``params`` and
        ``quick``); located (or read from the work folder's cache) when ``None``.

    Returns
    -------
    dict
        ``{"params", "resonances", "kappa", "regimes": {name: {"Delta_ad", "bands", "cutoff_selection",
        "sweep"}}}`` with ``sweep`` the :class:`nrbundle.sweep.SweepResult` (axes ``direction`` x ``kappa``).
    """
    params = get_preset("fig1") if params is None else params
    work = work_dir(out_dir)
    res = locate_resonances(params, quick=quick, work=work) if resonances is None else resonances
    ks = kappa_grid(params, quick) if kappas is None else np.asarray(kappas, dtype=float)
    out: dict[str, Any] = {"params": params, "resonances": res, "kappa": ks, "regimes": {}}
    for r in regimes:
        where = regime_Delta_ad(res, r)
        x = float(where["Delta_ad"])
        witnesses = list(WITNESS_PARTIES) if r == "orange" else []
        if cutoff is not None:
            sel: dict[str, Any] = {"bands": [[float(ks.min()), [int(n) for n in cutoff]]],
                                   "rule": "given by the caller (not checked)"}
        else:
            # the checks evaluate the sweep's witnesses at the cutoffs they accept (from the states they solved), so
            # that the sweep points at the check kappas are the checks' own solves (the point cache is keyed by the
            # witness partitions)
            sel = cutoff_bands(params, r, x, ks, rtol=QUICK_RTOL if quick else CONVERGENCE_RTOL, quick=quick,
                               witness_parties=witnesses, work=work)
        base = {"params": params, "Delta_ad": x, "bands": sel["bands"], "witness_parties": witnesses,
                "work": str(work)}
        sweep = figure_sweep(kappa_point, {"direction": ["left", "right"], "kappa": ks}, base, out_dir,
                             f"kappa-{r}", executor=executor, workers=workers)
        out["regimes"][r] = {"Delta_ad": where, "bands": sel["bands"], "cutoff_selection": sel, "sweep": sweep}
    return out
