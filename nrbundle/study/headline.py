"""The paper's headline numbers: bundle g2 (Eq. 3) of the resonant pair at the physical parameters, converged.

The paper states g2_ab and g2_am at its physical parameters in its closing paragraphs, and its main text and
Supplement contradict each other (``docs/errata.md``). :func:`headline_numbers` evaluates each transition at its own
exact-diagonalization resonance (the closed forms miss it) and, for the orange pair, also at the common Delta_ad of
Figs. 3(c,f)/4, at the cutoff checked by the project's rule (:func:`nrbundle.study.cutoffs.converged_cutoff`) to
1e-2 in n_a, n_b, n_m, g1 and g2 of the pair.
"""

from __future__ import annotations

__all__ = ["PAPER_CLAIMS", "HEADLINE_RTOL", "headline_numbers"]

import os
from collections.abc import Mapping
from typing import Any

from ..params import get_preset
from ..provenance import cached_json, short_hash
from ..transitions import transition_key
from .cutoffs import QUICK_RTOL, converged_cutoff
from .points import steady_values
from .resonances import locate_resonances, regime_Delta_ad, resonance_summary

#: The paper's headline antibunching values for the physical parameters (closing paragraph of the main text and of
#: the Supplement, Sec. IV). They contradict each other (``docs/errata.md``).
PAPER_CLAIMS: Mapping[str, Mapping[str, float]] = {
    "main text": {"g2_ab": 0.49, "g2_am": 0.29},
    "Supplement": {"g2_ab": 0.29, "g2_am": 0.49},
}
#: Tolerance of the headline cutoffs (relative change under a one-level raise of any mode).
HEADLINE_RTOL: float = 1e-2


def headline_numbers(
    *,
    preset: str = "physical",
    quick: bool = False,
    work: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Bundle g2 of the resonant pair at the four resonances of ``preset`` (default ``physical``), converged.

    The cutoff is the checked one (:func:`nrbundle.study.cutoffs.converged_cutoff`): one-level raises of every
    mode change n_a, n_b, n_m, g1 and g2 of the pair by less than :data:`HEADLINE_RTOL`.

    Parameters
    ----------
    preset
        Parameter preset.
    quick
        Resonances by ED at cutoff (4, 4, 4) only; cutoffs checked to :data:`~nrbundle.study.cutoffs.QUICK_RTOL`.
    work
        Cache folder (resonance table, the steady states and ``headline-<hash>.json``); ``None``: nothing cached.

    Returns
    -------
    dict
        ``{"preset", "units", "kappa", "parameters", "resonances", "rows": [{"pair", "transition", "direction",
        "regime", "Delta_ad", "g2", "g1", "n_pair", "cutoff", "truncation_error", "residual"}], "paper":
        PAPER_CLAIMS, "verdict": [str, str]}``.
    """
    params = get_preset(preset)
    res = locate_resonances(params, quick=quick, work=work)
    orange = regime_Delta_ad(res, "orange")["Delta_ad"]
    cases = [
        ("ab", (1, 1, 0), "left", "orange (own resonance)", res[transition_key((1, 1, 0), "left")]["ed"]),
        ("ab", (1, 1, 0), "right", "pink", res[transition_key((1, 1, 0), "right")]["ed"]),
        ("ab", (1, 1, 0), "left", "orange (common Delta_ad)", orange),
        ("am", (1, 0, 1), "left", "blue", res[transition_key((1, 0, 1), "left")]["ed"]),
        ("am", (1, 0, 1), "right", "orange (own resonance)", res[transition_key((1, 0, 1), "right")]["ed"]),
        ("am", (1, 0, 1), "right", "orange (common Delta_ad)", orange),
    ]
    rtol = QUICK_RTOL if quick else HEADLINE_RTOL
    key = {"what": "headline", "params": params.to_dict(), "cases": cases, "quick": quick, "rtol": rtol,
           "version": 5}

    def compute() -> list[dict[str, Any]]:
        rows = []
        for pair, target, d, regime, x in cases:
            obs = ("n_a", "n_b", "n_m", f"g1_{pair}", f"g2_{pair}")
            chk = converged_cutoff(params, d, float(x), obs, rtol=rtol, work=work)
            o = steady_values(params, d, float(x), chk["cutoff"], work=work)
            rows.append({
                "pair": pair,
                "transition": "".join(map(str, target)) + "-",
                "direction": d,
                "regime": regime,
                "Delta_ad": float(x),
                "g2": o[f"g2_{pair}"],
                "g1": o[f"g1_{pair}"],
                "n_pair": {k: o[k] for k in ("n_a", "n_b", "n_m")},
                "cutoff": list(chk["cutoff"]),
                "truncation_error": chk["truncation_error"],
                "converged": chk["converged"],
                "residual": o["meta"]["residual"],
            })
        return rows

    cache = None if work is None else os.path.join(work, f"headline-{short_hash(key)}.json")
    rows = cached_json(cache, key, compute)
    own: dict[str, list[float]] = {"ab": [], "am": []}
    for r in rows:
        own[r["pair"]].append(float(r["g2"]))
    verdict = []
    for source, claim in PAPER_CLAIMS.items():
        parts = []
        worst = 0.0
        for p in ("ab", "am"):
            c = claim[f"g2_{p}"]
            best = min(own[p], key=lambda v: abs(v - c))
            worst = max(worst, abs(best - c))
            parts.append(f"g2_{p} = {c} (ours: {', '.join(f'{v:.3f}' for v in own[p])}; closest {best:.3f})")
        verdict.append(f"{source}: " + "; ".join(parts) + f"; largest mismatch {worst:.3f}")
    return {
        "preset": params.preset,
        "units": params.units,
        "kappa": params.kappa,
        "parameters": params.physics_dict(),
        "resonances": resonance_summary(res),
        "rtol": rtol,
        "rows": rows,
        "paper": PAPER_CLAIMS,
        "verdict": verdict,
    }
