"""g2_am(tau) of the photon-magnon bundle (Eq. 3 with delay) in the blue regime, left drive: Fig. 3(g).

The delayed bundle correlation comes from the quantum regression theorem
(:func:`nrbundle.numeric.correlations.g2_tau`): the exact exponential of the Liouvillian on a long, coarse record
and the ODE route on a finely resolved first stretch (the inset), which also cross-checks the two routes. The
record is compared at tau = 0 with g2_am(0) at the converged cutoff of the Fig. 3 sweep for the same kappa.
"""

from __future__ import annotations

__all__ = ["ZOOM_TAU", "G2_TAU_CUTOFF", "blue_g2_tau"]

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..numeric.correlations import g2_tau
from ..numeric.steady import solve_steady
from ..params import Params
from ..provenance import cached_json, short_hash
from .cutoffs import QUICK_CUTOFF, cutoff_for_kappa
from .points import steady_point, with_common_kappa
from .resonances import regime_Delta_ad

#: Delays of the inset of panel (g), resolving the oscillation at the dressed-atom splitting (units of 1/omega_b).
ZOOM_TAU: float = 30.0
#: Cutoff of the g2(tau) panel (g): the Liouvillian exponential costs ~ dim^2 * ||L|| * tau, so the barely
#: populated phonon mode (off resonance in the blue regime) keeps 2 levels. g2_am(0) at this cutoff differs from
#: the converged sweep value by ~0.2% at fig1 (recorded as ``g2_0_relative_difference``).
G2_TAU_CUTOFF: tuple[int, int, int] = (6, 2, 6)


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
        The result of :func:`nrbundle.study.kappa.kappa_sweeps` (Delta_ad of the blue regime, its kappa bands).
    quick
        A shorter record at :data:`~nrbundle.study.cutoffs.QUICK_CUTOFF`; no converged reference.
    tau, cutoff
        Overrides (testing): the delays (then no inset), one fixed cutoff.
    work
        Cache folder (``fig3-g2tau-<hash>.json``, ``fig3-g2ref-<hash>.json``).

    Returns
    -------
    dict
        ``{"tau", "g2" (arrays), "kappa", "Delta_ad", "cutoff", "pair", "direction", "regime", "method",
        "residual", "time_s"}``, with the inset ``"tau_zoom", "g2_zoom", "zoom_method",
        "expm_vs_mesolve_max_abs_diff"`` and, in full runs, ``"g2_0_converged", "g2_0_converged_cutoff",
        "g2_0_relative_difference"``.
    """
    work = Path(work)
    kappa = float(params.rates["kappa_a"]) if params.kappa_a is not None else float(params.kappa)
    regimes = sweeps["regimes"]
    if "blue" in regimes:
        x = float(regimes["blue"]["Delta_ad"]["Delta_ad"])
    else:
        x = float(regime_Delta_ad(sweeps["resonances"], "blue")["Delta_ad"])
    if tau is None:
        # g2(tau) oscillates at the dressed-atom splitting R ~ 2.4 omega_b (period ~2.6/omega_b) for as long as the
        # atomic coherence lives (~1/gamma): the long record (exact exponential, cost ~ tau_max) is sampled every
        # 20/omega_b and drawn as points (the samples scatter over the oscillation band); the first 30/omega_b are
        # resolved every 0.1/omega_b with the ODE route (inset; one integration instead of 300 exponentials)
        tmax = (1500.0 if quick else 6000.0) / params.omega_b
        taus = np.linspace(0.0, tmax, int(round(tmax * params.omega_b / 20.0)) + 1)
        zoom = np.linspace(0.0, ZOOM_TAU / params.omega_b, 301)
    else:
        taus = np.asarray(tau, dtype=float)
        zoom = None
    if cutoff is not None:
        cut = tuple(int(n) for n in cutoff)
    elif quick:
        cut = QUICK_CUTOFF
    else:
        cut = G2_TAU_CUTOFF
    key = {"what": "g2_tau", "params": params.to_dict(), "Delta_ad": x, "kappa": kappa, "cutoff": list(cut),
           "tau": taus, "tau_zoom": zoom, "version": 2}

    def compute() -> dict[str, Any]:
        t0 = time.perf_counter()
        # the cutoff is chosen and its effect on g2_am(0) recorded below (g2_0_relative_difference)
        st = solve_steady(with_common_kappa(params, kappa), "left", x, cutoff=cut, truncation_check=False)
        m = st.model
        O = m.ops["a"] * m.ops["m"]
        H = m.H(x)
        g = g2_tau(H, m.c_ops, st.rho_ss, O, taus)
        out = {"tau": taus, "g2": g, "kappa": kappa, "Delta_ad": x, "cutoff": list(cut), "pair": "am",
               "direction": "left", "regime": "blue", "method": "expm (quantum regression theorem)",
               "residual": st.residual}
        if zoom is not None:
            gz = g2_tau(H, m.c_ops, st.rho_ss, O, zoom, method="mesolve")
            common = [float(t) for t in taus if t <= zoom[-1] + 1e-12]
            diffs = [abs(float(np.interp(t, zoom, gz)) - float(g[list(taus).index(t)])) for t in common]
            out.update({"tau_zoom": zoom, "g2_zoom": gz, "zoom_method": "mesolve (quantum regression theorem)",
                        "expm_vs_mesolve_max_abs_diff": max(diffs) if diffs else None})
        out["time_s"] = time.perf_counter() - t0
        return out

    v = cached_json(work / f"fig3-g2tau-{short_hash(key)}.json", key, compute)
    # g2_am(0) at the converged cutoff of the Fig. 3 sweep for this kappa (a direct solve), for comparison
    if not quick and cutoff is None and "blue" in regimes:
        ref_cut = cutoff_for_kappa(regimes["blue"]["bands"], kappa, "left")
        rkey = {"what": "g2_0_reference", "params": params.to_dict(), "Delta_ad": x, "kappa": kappa,
                "cutoff": list(ref_cut)}
        ref = cached_json(work / f"fig3-g2ref-{short_hash(rkey)}.json", rkey,
                          lambda: steady_point({}, with_common_kappa(params, kappa), Delta_ad=x, direction="left",
                                               cutoff=ref_cut, truncation_check=False)["g2_am"])
        v["g2_0_converged"] = float(ref)
        v["g2_0_converged_cutoff"] = list(ref_cut)
        v["g2_0_relative_difference"] = abs(float(v["g2"][0]) - float(ref)) / abs(float(ref))
    for k in ("tau", "g2", "tau_zoom", "g2_zoom"):
        if k in v:
            v[k] = np.asarray(v[k], dtype=float)
    return v
