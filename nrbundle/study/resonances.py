"""Where the paper's four resonances lie, and the Delta_ad each regime of Figs. 1-4 is evaluated at.

Which Delta_ad (documented in ``docs/figures.md``)
--------------------------------------------------
The closed forms S18-S22 ignore the level shifts of the JC and linear couplings and miss the resonances by ~20
widths of the avoided crossing, so no figure sits on them. Each regime uses the exact-diagonalization (ED)
resonance: the minimum of the avoided crossing of |000+> and the target in the spectrum of Eq. (1)
(:func:`nrbundle.numeric.spectrum.avoided_crossing_converged`, cutoffs 4, 5, 6). ``blue`` and ``pink`` use the ED
resonance of their one transition for both drive directions (the other direction is the non-resonant contrast).
``orange`` uses ONE common Delta_ad for both directions, as in the paper: the midpoint of the two ED resonances,
which detunes each transition by half their difference (5e-5 at ``fig1``, ~0.1 g_eff). The closed forms and the
fourth-order corrected resonances (:func:`nrbundle.analytic.predict.predict_transition`) are recorded next to them.

The resonance table of a run is computed once (:func:`locate_resonances`, cached in the run's work folder) and
handed to every stage that needs it: the resonance report (:func:`resonance_report`), the figures and the
headline numbers. The ED search starts where the analytic layer puts the resonance: the fourth-order corrected
resonance lies within a few percent of a width of the ED one, so the scan covers corrected +- :data:`ED_BRACKET`
(the full window around the S16 degeneracy only if the minimum is not found there).
"""

from __future__ import annotations

__all__ = [
    "RESONANCE_SHIFT_ORDER",
    "ED_BRACKET",
    "SUMMARY_FIELDS",
    "locate_resonances",
    "resonance_summary",
    "resonance_report",
    "regime_Delta_ad",
]

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..analytic.predict import predict_transition
from ..errors import ConvergenceError
from ..numeric.spectrum import avoided_crossing, avoided_crossing_converged
from ..params import Params
from ..provenance import cached_json, short_hash
from ..transitions import PAPER_TRANSITIONS, REGIMES, transition_key

#: Order of the level shifts of the corrected resonances (fourth order: the first non-vanishing correction).
RESONANCE_SHIFT_ORDER: int = 4
#: Half-width of the first ED scan around the corrected resonance, and of the scans at the higher cutoffs around
#: the previous one, in units of omega_b (the fig1 avoided crossings are ~1e-3 wide, the corrected resonances
#: ~2e-5 off, the cutoff 4 -> 6 shifts ~4e-6).
ED_BRACKET: float = 5e-3
#: Fields of a transition's record that figure and headline provenance carry (:func:`resonance_summary`).
SUMMARY_FIELDS: tuple[str, ...] = (
    "target",
    "direction",
    "closed_form",
    "corrected",
    "g_eff_corrected",
    "ed",
    "half_splitting",
    "ed_cutoff",
    "ed_convergence",
    "time_s",
)


def locate_resonances(
    params: Params, *, quick: bool = False, work: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Closed-form (S18-S22), fourth-order corrected and ED resonances of the paper's four transitions.

    Parameters
    ----------
    params
        Parameter set (any units).
    quick
        ED at cutoff (4, 4, 4) only (resonance ~4e-6 off the converged one at ``fig1``); otherwise
        :func:`~nrbundle.numeric.spectrum.avoided_crossing_converged` over cutoffs 4, 5, 6.
    work
        Work folder of a run (:func:`nrbundle.study.work.work_dir`): the table is cached there as
        ``resonances-<hash of (params, quick)>.json`` and read back by every later stage and rerun.
        ``None``: computed, not cached.

    Returns
    -------
    dict
        ``"101-left" -> {"target", "direction", "closed_form", "corrected", "shift_order", "g_eff",
        "g_eff_order", "valid", "g_eff_corrected", "ed", "half_splitting", "ed_cutoff", "ed_convergence",
        "time_s"}`` in the units of ``params`` (``g_eff`` signed, ``g_eff_corrected`` = |g_eff|).
    """
    key = {"what": "resonances", "params": params.to_dict(), "quick": bool(quick), "version": 3}
    cache = None if work is None else Path(work) / f"resonances-{short_hash([params.to_dict(), quick])}.json"

    def compute() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for t in PAPER_TRANSITIONS:
            t0 = time.perf_counter()
            row = predict_transition(params, t.target, t.direction, shift_order=RESONANCE_SHIFT_ORDER)
            ac = _ed_crossing(params, t.target, t.direction, float(row["corrected"]), quick)
            conv = None if quick else ac.convergence
            out[t.key] = {
                "target": list(t.target),
                "direction": t.direction,
                "closed_form": row["closed_form"],
                "corrected": row["corrected"],
                "shift_order": row["shift_order"],
                "g_eff": row["g_eff"],
                "g_eff_order": row["g_eff_order"],
                "valid": row["valid"],
                "g_eff_corrected": abs(row["g_eff"]),
                "ed": float(ac.resonance),
                "half_splitting": float(ac.half_splitting),
                "ed_cutoff": list(ac.cutoff),
                "ed_convergence": conv,
                "time_s": time.perf_counter() - t0,
            }
        return out

    return cached_json(cache, key, compute)


def _ed_crossing(params: Params, target: tuple[int, int, int], direction: str, corrected: float, quick: bool) -> Any:
    """ED avoided crossing at cutoff (4, 4, 4) (quick) or converged over 4, 5, 6, scanned around ``corrected``."""
    half = ED_BRACKET * params.omega_b
    step = half / 10.0
    try:
        if quick:
            return avoided_crossing(params, target, direction, (4, 4, 4), bracket=(corrected - half, corrected + half),
                                    step=step)
        return avoided_crossing_converged(params, target, direction, (4, 5, 6), step=step, zoom=ED_BRACKET,
                                          bracket=(corrected - half, corrected + half))
    except ConvergenceError:  # the minimum is not near the corrected resonance: scan the whole window
        if quick:
            return avoided_crossing(params, target, direction, (4, 4, 4))
        return avoided_crossing_converged(params, target, direction, (4, 5, 6))


def resonance_summary(resonances: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The records of :func:`locate_resonances` restricted to :data:`SUMMARY_FIELDS` (figure, headline provenance)."""
    return {k: {f: r[f] for f in SUMMARY_FIELDS if f in r} for k, r in resonances.items()}


def resonance_report(params: Params, resonances: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The resonance table of a run (``resonances.json``): the analytic rows of ``nrbundle resonances`` plus ED.

    Returns
    -------
    dict
        ``{"preset", "units", "parameters", "transitions": [{"target", "direction", "closed_form", "corrected",
        "shift_order", "g_eff", "g_eff_order", "valid", "ed", "ed_half_splitting", "ed_cutoff"}]}``, the
        transitions in the order of :data:`nrbundle.transitions.PAPER_TRANSITIONS`.
    """
    rows = []
    for t in PAPER_TRANSITIONS:
        r = resonances[t.key]
        rows.append({
            "target": list(r["target"]),
            "direction": r["direction"],
            "closed_form": r["closed_form"],
            "corrected": r["corrected"],
            "shift_order": r["shift_order"],
            "g_eff": r["g_eff"],
            "g_eff_order": r["g_eff_order"],
            "valid": r["valid"],
            "ed": r["ed"],
            "ed_half_splitting": r["half_splitting"],
            "ed_cutoff": r["ed_cutoff"],
        })
    return {
        "preset": params.preset,
        "units": params.units,
        "parameters": params.physics_dict(),
        "transitions": rows,
    }


def regime_Delta_ad(resonances: Mapping[str, Any], regime: str) -> dict[str, Any]:
    """The Delta_ad at which a regime is evaluated (module docstring), with its offsets from each ED resonance.

    Delta_ad = mean of the ED resonances of the regime's transitions (one for blue and pink, two for orange).

    Returns
    -------
    dict
        ``{"Delta_ad": float, "rule": str, "detuning": {transition: Delta_ad - ED resonance},
        "detuning_over_half_splitting": {transition: |detuning| / ED half-splitting}}``.
    """
    reg = REGIMES[regime]
    keys = [transition_key(t, d) for t, d in reg.transitions]
    eds = [float(resonances[k]["ed"]) for k in keys]
    value = sum(eds) / len(eds)
    rule = "ED avoided-crossing minimum" if len(eds) == 1 else "midpoint of the two ED avoided-crossing minima"
    det = {k: value - float(resonances[k]["ed"]) for k in keys}
    rel = {k: abs(det[k]) / float(resonances[k]["half_splitting"]) for k in keys}
    return {"Delta_ad": value, "rule": rule, "detuning": det, "detuning_over_half_splitting": rel}
