"""Fock cutoffs of the figures: the convergence-checked choice, kappa bands, and the uniform-cutoff record.

The project's rule (``docs/figures.md``): at each check point :func:`nrbundle.numeric.steady.solve_steady` with
``cutoff="auto"`` raises one mode at a time until a one-level raise of every mode changes each plotted quantity by
less than :data:`CONVERGENCE_RTOL` (relative) and no top Fock level holds more than 1e-3. A cutoff used for a set of
points is the elementwise maximum of the converged cutoffs at its check points. Along the kappa axis of Figs. 3/4
the cutoff changes by band (:func:`cutoff_bands`, :func:`cutoff_for_kappa`): smaller kappa needs more levels.
"""

from __future__ import annotations

__all__ = [
    "CONVERGENCE_RTOL",
    "QUICK_CUTOFF",
    "FIG3_OBSERVABLES",
    "choose_cutoff",
    "cutoff_for_kappa",
    "cutoff_bands",
    "uniform_cutoff_table",
]

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConvergenceError, TruncationWarning
from ..numeric.steady import OBSERVABLE_NAMES, solve_steady
from ..params import Params
from ..provenance import cached_json, short_hash
from .points import steady_point, with_common_kappa

#: Relative change under a one-level raise of any mode that counts as converged for a plotted quantity (~1e-2:
#: well below the line width of a log-axis plot and below the tens-of-percent truncation effects it guards against).
CONVERGENCE_RTOL: float = 1e-2
#: Quick runs: one fixed cutoff, not convergence-checked (bundle g2 is then off by up to tens of percent).
QUICK_CUTOFF: tuple[int, int, int] = (4, 4, 4)
#: Observables whose convergence decides the Fock cutoff of each regime's Fig. 3 sweep (the plotted ones).
FIG3_OBSERVABLES: Mapping[str, tuple[str, ...]] = {
    "blue": ("n_a", "n_b", "n_m", "g1_am", "g2_am"),
    "pink": ("n_a", "n_b", "n_m", "g1_ab", "g2_ab"),
    "orange": ("n_a", "n_b", "n_m", "g1_ab", "g2_ab", "g1_am", "g2_am"),
}


def _max_cutoff(cuts: Sequence[Sequence[int]]) -> list[int]:
    return [max(int(c[i]) for c in cuts) for i in range(3)]


def choose_cutoff(
    params: Params,
    points: Sequence[tuple[str, float]],
    observables: Sequence[str],
    *,
    rtol: float = CONVERGENCE_RTOL,
    start: Sequence[int] = (4, 4, 4),
    max_cutoff: int = 9,
) -> dict[str, Any]:
    """Smallest Fock cutoff converged to ``rtol`` at every ``(direction, Delta_ad)`` point, by the project's rule.

    At each point ``solve_steady(cutoff="auto")`` raises one mode at a time from ``start`` (module docstring);
    the returned cutoff is the elementwise maximum over the points. A point that does not converge within
    ``max_cutoff`` keeps the cutoff reached and is recorded with ``"converged": False`` and its truncation error
    (the slowly converging case is the bundle g2 of a non-resonant pair, a bunched value of 3-10, at the smallest
    kappa).

    Returns
    -------
    dict
        ``{"cutoff": [N_a, N_b, N_m], "rtol", "observables", "points": [{"direction", "Delta_ad", "kappa",
        "cutoff", "converged", "truncation_error", "mode_changes", "history": [[cutoff, observables], ...],
        "time_s"}]}``.
    """
    recs = []
    for direction, x in points:
        converged = True
        try:
            st = solve_steady(params, direction, float(x), cutoff="auto", rtol=rtol, observables=tuple(observables),
                              start=tuple(start), max_cutoff=max_cutoff)
        except ConvergenceError as exc:
            st = getattr(exc, "state", None)
            if st is None:
                raise
            converged = False  # recorded: the cutoff reached at max_cutoff and its truncation error are used
        recs.append({
            "direction": direction,
            "Delta_ad": float(x),
            "kappa": params.kappa,
            "cutoff": list(st.cutoff),
            "converged": converged,
            "truncation_error": st.truncation_error,
            "mode_changes": dict(st.mode_changes),
            "history": [[list(c), dict(o)] for c, o in st.history],
            "time_s": st.time,
        })
    return {
        "cutoff": _max_cutoff([r["cutoff"] for r in recs]),
        "rtol": rtol,
        "observables": list(observables),
        "points": recs,
    }


def cutoff_for_kappa(bands: Sequence[Sequence[Any]] | Mapping[str, Any], kappa: float,
                     direction: str | None = None) -> tuple[int, int, int]:
    """Cutoff of the band containing ``kappa``.

    ``bands`` is ``[[kappa_lo, [N_a, N_b, N_m]], ...]`` ascending in ``kappa_lo`` (or a mapping ``direction ->
    such a list``); the band with the largest ``kappa_lo <= kappa`` is chosen (the first band below its edge).
    """
    if isinstance(bands, Mapping):
        if direction is None:
            raise ValueError("direction: needed with per-direction bands")
        bands = bands[direction]
    chosen = bands[0][1]
    for lo, cut in bands:
        if kappa >= float(lo) * (1 - 1e-12):
            chosen = cut
    return tuple(int(n) for n in chosen)  # type: ignore[return-value]


def cutoff_bands(
    params: Params,
    regime: str,
    Delta_ad: float,
    kappas: np.ndarray,
    *,
    work: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Converged cutoffs per kappa band and drive direction for one regime (kappa_a = kappa_b = kappa_m = kappa).

    Check points: the smallest kappa, the values at 1/4 and 1/2 of the sorted grid and the largest; band i runs
    from check point i to i+1 and gets, for each direction, the elementwise maximum of the converged cutoffs
    (:func:`choose_cutoff` on :data:`FIG3_OBSERVABLES`) at its two edges. Cached in ``work`` as
    ``fig3-bands-<regime>-<hash>.json`` when given.

    Returns
    -------
    dict
        ``{"bands": {"left": [[kappa_lo, cutoff], ...], "right": [...]}, "checks": [...]}``.
    """
    ks = np.sort(np.asarray(kappas, dtype=float))
    idx = sorted({0, len(ks) // 4, len(ks) // 2, len(ks) - 1})
    checks_k = [float(ks[i]) for i in idx]
    key = {"what": "fig3-bands", "params": params.to_dict(), "regime": regime, "Delta_ad": Delta_ad,
           "checks": checks_k, "observables": FIG3_OBSERVABLES[regime], "version": 2}
    cache = None if work is None else (
        Path(work) / f"fig3-bands-{regime}-{short_hash([params.to_dict(), Delta_ad, np.asarray(kappas)])}.json")

    def compute() -> dict[str, Any]:
        checks = []
        for k in checks_k:
            c = choose_cutoff(with_common_kappa(params, k), [("left", Delta_ad), ("right", Delta_ad)],
                              FIG3_OBSERVABLES[regime])
            checks.append({"kappa": k, **c})
        bands: dict[str, list[Any]] = {"left": [], "right": []}
        for i in range(max(1, len(checks) - 1)):
            lo = checks[i]
            hi = checks[min(i + 1, len(checks) - 1)]
            for j, d in enumerate(("left", "right")):
                cut = [max(a, b) for a, b in zip(lo["points"][j]["cutoff"], hi["points"][j]["cutoff"], strict=True)]
                bands[d].append([lo["kappa"], cut])
        return {"bands": bands, "checks": checks}

    return cached_json(cache, key, compute)


def uniform_cutoff_table(
    params: Params,
    points: Sequence[tuple[str, str, float]],
    cutoffs: Sequence[int] = (4, 5, 6),
    *,
    work: str | os.PathLike[str] | None = None,
) -> list[dict[str, Any]]:
    """Observables at uniform cutoffs N = 4, 5, 6 per mode at ``(regime, direction, Delta_ad)`` points.

    Documents how strongly the bundle g2 depends on the Fock truncation (tens of percent between 3 and 6). The
    small cutoffs are truncated on purpose: their top-level populations are recorded, the truncation warnings
    silenced. Cached in ``work`` as ``fig3-uniform-<hash>.json`` when given.
    """
    key = {"what": "uniform-table", "params": params.to_dict(), "points": points}
    cache = None if work is None else Path(work) / f"fig3-uniform-{short_hash(key)}.json"

    def compute() -> list[dict[str, Any]]:
        rows = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TruncationWarning)
            for regime, d, x in points:
                for N in cutoffs:
                    r = steady_point({}, params, Delta_ad=x, direction=d, cutoff=(N, N, N), truncation_check=False)
                    rows.append({"regime": regime, "direction": d, "Delta_ad": x, "cutoff": [N, N, N],
                                 **{k: r[k] for k in OBSERVABLE_NAMES},
                                 "top_level_population": r["meta"]["top_level_population"]})
        return rows

    return cached_json(cache, key, compute)
