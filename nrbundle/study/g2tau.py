"""g2_am(tau) of the photon-magnon bundle (Eq. 3 with delay) in the blue regime, left drive: Fig. 3(g).

The delayed bundle correlation comes from the quantum regression theorem
(:func:`nrbundle.numeric.correlations.g2_tau`): the exact exponential of the Liouvillian, in one propagation over
the finely resolved first stretch (the inset) and the long, coarse record together. The ODE route is run over the
first :data:`CROSS_CHECK_TAU` as a cross-check of the two routes. The Fock cutoff is the one checked by the
project's rule for the plotted quantity g2_am(0) (:func:`nrbundle.study.cutoffs.converged_cutoff`; the phonon mode,
off resonance in the blue regime, starts at 2 levels); the record is compared at tau = 0 with g2_am(0) at the
cutoff of the Fig. 3 sweep for the same kappa when that sweep is at hand.
"""

from __future__ import annotations

__all__ = ["ZOOM_TAU", "CROSS_CHECK_TAU", "G2_TAU_START", "TAU_MAX", "blue_g2_tau"]

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..numeric.correlations import g2_tau
from ..numeric.model import Model
from ..numeric.steady import solve_steady
from ..params import Params
from ..provenance import cached_json, short_hash
from .cutoffs import CONVERGENCE_RTOL, QUICK_RTOL, converged_cutoff, cutoff_for_kappa
from .points import steady_values, with_common_kappa
from .resonances import regime_Delta_ad

#: Delays of the inset of panel (g), resolving the oscillation at the dressed-atom splitting (units of 1/omega_b).
ZOOM_TAU: float = 30.0
#: Delays over which the ODE route (``mesolve``) cross-checks the exponential (units of 1/omega_b).
CROSS_CHECK_TAU: float = 5.0
#: First cutoff of the check of the g2(tau) cutoff: the Liouvillian exponential costs ~ dim^2 * ||L|| * tau, and
#: the barely populated phonon mode (off resonance in the blue regime) needs only 2 levels (the check raises it
#: when it does not).
G2_TAU_START: tuple[int, int, int] = (3, 2, 3)
#: Length of the long record (units of 1/omega_b): full run, quick run. g2 relaxes to 1 over a few 1/kappa.
TAU_MAX: Mapping[bool, float] = {False: 6000.0, True: 150.0}
#: Spacing of the long record (units of 1/omega_b): full run, quick run.
TAU_STEP: Mapping[bool, float] = {False: 20.0, True: 5.0}


def blue_g2_tau(
    params: Params,
    sweeps: Mapping[str, Any],
    *,
    quick: bool,
    tau: Sequence[float] | None = None,
    cutoff: Sequence[int] | None = None,
    work: str | os.PathLike[str],
) -> dict[str, Any]:
    """g2_am(tau) (Eq. 3) in the blue regime, left drive, at the preset's kappa (cached in ``work``).

    Parameters
    ----------
    params
        Parameter set; its kappa (kappa_a if set) is the one of the record.
    sweeps
        The result of :func:`nrbundle.study.kappa.kappa_sweeps` (Delta_ad of the blue regime and, if swept, its
        kappa bands), or ``{"resonances": table, "regimes": {}}``.
    quick
        A shorter record (:data:`TAU_MAX`) and the cutoff checked to :data:`~nrbundle.study.cutoffs.QUICK_RTOL`.
    tau, cutoff
        Overrides (testing): the delays (then no inset), one fixed cutoff (not checked).
    work
        Cache folder (``fig3-g2tau-<hash>.json``; the steady states of the check in ``points/``).

    Returns
    -------
    dict
        ``{"tau", "g2" (arrays), "kappa", "Delta_ad", "cutoff", "cutoff_selection", "pair", "direction", "regime",
        "method", "residual", "time_s"}``, with the inset ``"tau_zoom", "g2_zoom", "zoom_method",
        "expm_vs_mesolve_max_abs_diff"`` and, when the Fig. 3 blue sweep is at hand, ``"g2_0_converged",
        "g2_0_converged_cutoff", "g2_0_relative_difference"``.
    """
    work = Path(work)
    kappa = float(params.rates["kappa_a"]) if params.kappa_a is not None else float(params.kappa)
    regimes = sweeps["regimes"]
    if "blue" in regimes:
        x = float(regimes["blue"]["Delta_ad"]["Delta_ad"])
    else:
        x = float(regime_Delta_ad(sweeps["resonances"], "blue")["Delta_ad"])
    p = with_common_kappa(params, kappa)
    if tau is None:
        # g2(tau) oscillates at the dressed-atom splitting R ~ 2.4 omega_b (period ~2.6/omega_b) for as long as the
        # atomic coherence lives (~1/gamma): the long record is sampled every TAU_STEP and drawn as points (the
        # samples scatter over the oscillation band); the first ZOOM_TAU are resolved every 0.1/omega_b (inset)
        w = params.omega_b
        tmax = TAU_MAX[bool(quick)] / w
        taus = np.linspace(0.0, tmax, int(round(TAU_MAX[bool(quick)] / TAU_STEP[bool(quick)])) + 1)
        zoom = np.linspace(0.0, ZOOM_TAU / w, 301)
    else:
        taus = np.asarray(tau, dtype=float)
        zoom = None
    if cutoff is not None:
        cut = tuple(int(n) for n in cutoff)
        sel: dict[str, Any] = {"cutoff": list(cut), "rule": "given by the caller (not checked)"}
    else:
        sel = converged_cutoff(p, "left", x, ("g2_am",), rtol=QUICK_RTOL if quick else CONVERGENCE_RTOL,
                               start=G2_TAU_START, work=work)
        cut = tuple(int(n) for n in sel["cutoff"])
    key = {"what": "g2_tau", "params": params.to_dict(), "Delta_ad": x, "kappa": kappa, "cutoff": list(cut),
           "tau": taus, "tau_zoom": zoom, "version": 3}

    def compute() -> dict[str, Any]:
        t0 = time.perf_counter()
        m = Model(p, "left", cut)
        # the check cached the observables of this point; the record needs the state itself, so it is solved again
        st_res = solve_steady(p, "left", x, cutoff=cut, truncation_check=False)
        O = m.ops["a"] * m.ops["m"]
        H = m.H(x)
        grid = taus if zoom is None else np.union1d(taus, zoom)
        g_all = g2_tau(H, m.c_ops, st_res.rho_ss, O, grid)
        g = np.interp(taus, grid, g_all)  # exact: every tau is a grid point
        out = {"tau": taus, "g2": g, "kappa": kappa, "Delta_ad": x, "cutoff": list(cut), "pair": "am",
               "direction": "left", "regime": "blue",
               "method": "expm (quantum regression theorem, one propagation over the record)",
               "residual": st_res.residual}
        if zoom is not None:
            gz = np.interp(zoom, grid, g_all)
            short = zoom[zoom <= CROSS_CHECK_TAU / params.omega_b + 1e-12]
            gm = g2_tau(H, m.c_ops, st_res.rho_ss, O, short, method="mesolve")
            out.update({"tau_zoom": zoom, "g2_zoom": gz,
                        "zoom_method": "expm (quantum regression theorem, same propagation as the record)",
                        "expm_vs_mesolve_max_abs_diff": float(np.max(np.abs(gm - gz[: short.size]))),
                        "expm_vs_mesolve_tau": float(short[-1])})
        out["time_s"] = time.perf_counter() - t0
        return out

    v = cached_json(work / f"fig3-g2tau-{short_hash(key)}.json", key, compute)
    v["cutoff_selection"] = sel
    # g2_am(0) at the cutoff of the Fig. 3 sweep for this kappa (a direct solve, shared with the run's points)
    if cutoff is None and "blue" in regimes:
        ref_cut = cutoff_for_kappa(regimes["blue"]["bands"], kappa, "left")
        ref = steady_values(p, "left", x, ref_cut, work=work)["g2_am"]
        v["g2_0_converged"] = float(ref)
        v["g2_0_converged_cutoff"] = list(ref_cut)
        v["g2_0_relative_difference"] = abs(float(v["g2"][0]) - float(ref)) / abs(float(ref))
    for k in ("tau", "g2", "tau_zoom", "g2_zoom"):
        if k in v:
            v[k] = np.asarray(v[k], dtype=float)
    return v

