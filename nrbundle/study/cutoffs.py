"""Fock cutoffs of the figures: the convergence-checked choice, kappa bands, and the uniform-cutoff record.

The project's rule (``docs/figures.md``)
----------------------------------------
A cutoff N = (N_a, N_b, N_m) is *checked* to the tolerance ``rtol`` at a point when raising each mode by one level
(N + e_a, N + e_b, N + e_m, three extra solves) shows every plotted quantity within ``rtol`` of its untruncated
value. The error of the values at N is the sum of the changes of all the levels above: with c the change of the
one-level raise (relative: |new - old| / max(|new|, |old|)) and q the factor by which the changes fall from one level
to the next, it is about c / (1 - q). q is taken as :data:`CHECK_FRACTION` = 1/2, or as the measured ratio of c to
the change of the raise below N when that is larger (a slowly converging mode; at fig1 the first raises fall fast
and later ones slower, so a smaller measured q is not trusted); a mode whose changes do not fall is never accepted.
So a raise must change every plotted quantity by less than half the tolerance. The largest estimate is the point's
``truncation_error``. :func:`converged_cutoff` starts at :data:`START` and raises every mode whose estimate is
``rtol`` or more (re-measuring at each new N the modes raised, and the others once those pass), until N is checked
in all three modes; the figures then use N itself - the checked level, not the one above it, whose extra accuracy
nothing plotted needs. A cutoff used for a set of points is the elementwise maximum of the checked cutoffs at its
check points. Along the kappa axis of Figs. 3/4 the cutoff changes by band (:func:`cutoff_bands`,
:func:`cutoff_for_kappa`): smaller kappa needs more levels.

Every solve goes through :func:`nrbundle.study.points.steady_values` (cached by its inputs), so checks that share a
point (a raise of one check is the base of the next, the sweep point at a check's kappa, another figure's check at
the same Delta_ad) solve it once.
"""

from __future__ import annotations

__all__ = [
    "CONVERGENCE_RTOL",
    "QUICK_RTOL",
    "CHECK_FRACTION",
    "START",
    "MAX_CUTOFF",
    "FIG3_OBSERVABLES",
    "relative_change",
    "converged_cutoff",
    "choose_cutoff",
    "cutoff_for_kappa",
    "cutoff_bands",
    "uniform_cutoff_table",
]

import math
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..numeric.model import MAX_DIMENSION
from ..numeric.steady import OBSERVABLE_NAMES
from ..params import Params
from ..provenance import cached_json, short_hash
from . import progress
from .points import steady_values, with_common_kappa

#: Tolerance of the plotted quantities (relative truncation error): well below the line width of a log-axis plot
#: and below the tens-of-percent truncation effects it guards against.
CONVERGENCE_RTOL: float = 1e-2
#: Tolerance of a quick run (``quick=True``): the shapes, to 10 %.
QUICK_RTOL: float = 1e-1
#: The factor by which the changes fall from one level to the next, assumed where it is not measured (module
#: docstring): an unmeasured change must stay below half the tolerance.
CHECK_FRACTION: float = 0.5
#: First cutoff of every check (three levels per mode: the bundle g2 of Eq. 3 needs two quanta per mode).
START: tuple[int, int, int] = (3, 3, 3)
#: Largest number of Fock levels per mode a check may reach.
MAX_CUTOFF: int = 9
#: Observables whose convergence decides the Fock cutoff of each regime's Fig. 3 sweep (the plotted ones).
FIG3_OBSERVABLES: Mapping[str, tuple[str, ...]] = {
    "blue": ("n_a", "n_b", "n_m", "g1_am", "g2_am"),
    "pink": ("n_a", "n_b", "n_m", "g1_ab", "g2_ab"),
    "orange": ("n_a", "n_b", "n_m", "g1_ab", "g2_ab", "g1_am", "g2_am"),
}
_MODES: tuple[str, str, str] = ("a", "b", "m")
#: Version of the cached cutoff choices (bump when the rule changes).
RULE_VERSION = 6


def relative_change(old: Mapping[str, float], new: Mapping[str, float], names: Sequence[str]) -> tuple[float, str]:
    """Largest |new - old| / max(|new|, |old|) over ``names``, and the name it belongs to.

    ``inf`` (and that name) when a value is not finite in one of the two; names that are 0 in both count as 0.
    """
    worst, which = 0.0, ""
    for k in names:
        u, v = float(old[k]), float(new[k])
        if not (math.isfinite(u) and math.isfinite(v)):
            return math.inf, k
        den = max(abs(u), abs(v))
        if den > 0.0 and abs(v - u) / den > worst:
            worst, which = abs(v - u) / den, k
    return worst, which


def _raised(N: Sequence[int], i: int, by: int = 1) -> tuple[int, int, int]:
    return tuple(int(n) + by * (k == i) for k, n in enumerate(N))  # type: ignore[return-value]


def _fits(N: Sequence[int], max_cutoff: int) -> bool:
    return max(N) <= max_cutoff and 2 * N[0] * N[1] * N[2] <= MAX_DIMENSION


def _tail(change: float, previous: float | None) -> float:
    """Estimated truncation error of a mode: its last change / (1 - q), ``inf`` when the changes do not fall.

    q is the factor by which the changes fall from one level to the next: ``change / previous`` when that is larger
    than :data:`CHECK_FRACTION` (a slowly converging mode), else :data:`CHECK_FRACTION`. (Measured at fig1, the
    first raises fall fast and later ones slower, so a small measured q is not trusted to hold for the levels above.)
    """
    q = CHECK_FRACTION
    if previous is not None and math.isfinite(previous) and previous > 0.0:
        q = max(q, change / previous)  # measured slower than assumed: the tail is longer (never assumed shorter)
    return change / (1.0 - q) if q < 1.0 else math.inf


def converged_cutoff(
    params: Params,
    direction: str,
    Delta_ad: float,
    observables: Sequence[str],
    *,
    rtol: float = CONVERGENCE_RTOL,
    start: Sequence[int] = START,
    max_cutoff: int = MAX_CUTOFF,
    witness_parties: Sequence[str] = (),
    work: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """The checked Fock cutoff at one point: the estimated truncation error of each plotted quantity is < rtol.

    The smallest N found by the project's rule (module docstring) at which the one-level raises of every mode
    put the estimated error of every quantity of ``observables`` below ``rtol``.

    Parameters
    ----------
    params, direction, Delta_ad
        The point.
    observables
        The plotted quantities (names of :data:`nrbundle.numeric.steady.OBSERVABLE_NAMES`).
    rtol
        Tolerance of the estimated truncation error (relative).
    start, max_cutoff
        First cutoff; largest number of levels per mode (and the dimension limit of the model).
    witness_parties
        Witness partitions evaluated at the accepted cutoff (so that a sweep with witnesses at this point shares
        its solve; the raises are solved without them).
    work
        The run's work folder (the solves are cached there).

    Returns
    -------
    dict
        ``{"direction", "Delta_ad", "kappa", "cutoff", "converged", "truncation_error", "mode_changes": {mode:
        [change, observable, estimated error]}, "history": [[cutoff, {observable: value}], ...], "time_s"}``;
        ``truncation_error`` is the largest estimated error. A point that cannot be checked within ``max_cutoff``
        keeps the largest cutoff reached, ``"converged": False`` and its truncation error, where the change of the
        last raise stands in for a mode that cannot be raised further (``[..., "last raise (no level above
        fits)"]``; recorded, and used: the slowly converging case is the bunched g2 of a non-resonant pair at the
        smallest kappa).
    """
    t0 = time.perf_counter()
    names = tuple(observables)
    N = tuple(int(n) for n in start)
    history: list[list[Any]] = []
    seen: set[tuple[int, ...]] = set()

    def values(M: tuple[int, int, int]) -> dict[str, Any]:
        v = steady_values(params, direction, Delta_ad, M, work=work)
        if M not in seen:
            seen.add(M)
            history.append([list(M), {k: v[k] for k in names}])
        return v

    changes: dict[str, list[Any]] = {}
    measured: set[int] = set()  # modes whose estimate was measured at the current N
    provisional: set[int] = set()  # modes not raised at the last step: their estimate is from the N before
    while True:
        base = values(N)
        # at a new N the modes just raised are measured first, the others once those pass: a mode climbing several
        # levels costs one solve per level, not three, and the accepted N is always measured in all three modes
        todo = [i for i in range(3) if i not in measured and i not in provisional]
        for i in todo or [i for i in range(3) if i not in measured]:
            o, M, P = _MODES[i], _raised(N, i), _raised(N, i, -1)
            if _fits(M, max_cutoff):
                c, which = relative_change(base, values(M), names)
                prev = relative_change(values(P), base, names)[0] if P in seen else None
                changes[o] = [c, which, _tail(c, prev)]
            else:  # no level above fits: the change of the last raise of this mode is the estimate left
                c, which = relative_change(values(P), base, names) if N[i] > 1 else (math.inf, "")
                changes[o] = [c, which, _tail(c, None), "last raise (no level above fits)"]
            measured.add(i)
            provisional.discard(i)
        bad = [i for i in measured if changes[_MODES[i]][2] >= rtol or len(changes[_MODES[i]]) > 3]
        if not bad:
            if len(measured) == 3:
                converged = True
                break
            continue  # the raised modes pass: measure the others at this N
        raise_ = [i for i in bad if len(changes[_MODES[i]]) == 3]
        if not raise_:
            converged = False
            break
        new = tuple(int(n) + (k in raise_) for k, n in enumerate(N))
        if not _fits(new, max_cutoff):  # raising the bad modes together does not fit: raise the worst one
            new = _raised(N, max(raise_, key=lambda i: changes[_MODES[i]][2]))
        provisional = {i for i in range(3) if new[i] == N[i]}
        measured = set()
        N = new  # type: ignore[assignment]
    err = max(ch[2] for ch in changes.values())
    if witness_parties:  # the accepted point's witnesses, from its state solved just now (no second solve)
        steady_values(params, direction, Delta_ad, N, witness_parties=witness_parties, work=work)
    return {
        "direction": direction,
        "Delta_ad": float(Delta_ad),
        "kappa": params.kappa,
        "cutoff": list(N),
        "converged": converged,
        "truncation_error": err,
        "mode_changes": changes,
        "history": history,
        "time_s": time.perf_counter() - t0,
    }


def choose_cutoff(
    params: Params,
    points: Sequence[tuple[str, float]],
    observables: Sequence[str],
    *,
    rtol: float = CONVERGENCE_RTOL,
    start: Sequence[int] = START,
    max_cutoff: int = MAX_CUTOFF,
    witness_parties: Sequence[str] = (),
    work: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """The checked cutoff for a set of ``(direction, Delta_ad)`` points: the elementwise maximum over the points.

    :func:`converged_cutoff` at each point.

    Returns
    -------
    dict
        ``{"cutoff": [N_a, N_b, N_m], "rtol", "observables", "rule", "points": [converged_cutoff records]}``.
    """
    recs = [converged_cutoff(params, d, float(x), observables, rtol=rtol, start=start, max_cutoff=max_cutoff,
                             witness_parties=witness_parties, work=work) for d, x in points]
    return {
        "cutoff": [max(int(r["cutoff"][i]) for r in recs) for i in range(3)],
        "rtol": rtol,
        "observables": list(observables),
        "rule": f"checked to {rtol:g}: the truncation error estimated from one-level raises is below it",
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


def band_checks(n: int, quick: bool = False) -> list[int]:
    """Indices of the check points of :func:`cutoff_bands` in a sorted grid of ``n`` kappas: the smallest, those at
    1/4 and 1/2 of the grid and the largest (quick: the smallest only - one band, and the smallest kappa, the most
    excited, needs the most levels: measured, the full run's band cutoffs never grow with kappa (docs/figures.md),
    and the quick checks at kappa = 0.1 needed (4, 3, 3) where those at 1e-3 needed (5-6, 3-4, 3-5))."""
    return [0] if quick else sorted({0, n // 4, n // 2, n - 1})


def cutoff_bands(
    params: Params,
    regime: str,
    Delta_ad: float,
    kappas: np.ndarray,
    *,
    rtol: float = CONVERGENCE_RTOL,
    quick: bool = False,
    witness_parties: Sequence[str] = (),
    work: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Checked cutoffs per kappa band and drive direction for one regime (kappa_a = kappa_b = kappa_m = kappa).

    Check points: :func:`band_checks`; band i runs from check point i to i+1 and gets, for each direction, the
    elementwise maximum of the checked cutoffs (:func:`converged_cutoff` on :data:`FIG3_OBSERVABLES`) at its two
    edges. Cached in ``work`` as ``fig3-bands-<regime>-<hash>.json`` when given (the solves as well).

    Returns
    -------
    dict
        ``{"bands": {"left": [[kappa_lo, cutoff], ...], "right": [...]}, "rtol", "rule", "checks": [...]}``.
    """
    ks = np.sort(np.asarray(kappas, dtype=float))
    checks_k = [float(ks[i]) for i in band_checks(len(ks), quick)]
    key = {"what": "fig3-bands", "params": params.to_dict(), "regime": regime, "Delta_ad": float(Delta_ad),
           "checks": checks_k, "observables": FIG3_OBSERVABLES[regime], "rtol": rtol,
           "witness": sorted(witness_parties), "version": RULE_VERSION}
    cache = None if work is None else Path(work) / f"fig3-bands-{regime}-{short_hash(key)}.json"

    def compute() -> dict[str, Any]:
        checks = []
        for k in checks_k:
            c = choose_cutoff(with_common_kappa(params, k), [("left", Delta_ad), ("right", Delta_ad)],
                              FIG3_OBSERVABLES[regime], rtol=rtol, witness_parties=witness_parties, work=work)
            checks.append({"kappa": k, **c})
        bands: dict[str, list[Any]] = {"left": [], "right": []}
        for i in range(max(1, len(checks) - 1)):
            lo = checks[i]
            hi = checks[min(i + 1, len(checks) - 1)]
            for j, d in enumerate(("left", "right")):
                cut = [max(a, b) for a, b in zip(lo["points"][j]["cutoff"], hi["points"][j]["cutoff"], strict=True)]
                bands[d].append([lo["kappa"], cut])
        progress.note(f"{regime} regime: cutoff bands left {[tuple(c) for _, c in bands['left']]}, "
                      f"right {[tuple(c) for _, c in bands['right']]}")
        return {"bands": bands, "rtol": rtol, "rule": checks[0]["rule"], "checks": checks}

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
    small cutoffs are truncated on purpose: their top-level populations are recorded. Cached in ``work`` as
    ``fig3-uniform-<hash>.json`` when given (the solves as well).
    """
    key = {"what": "uniform-table", "params": params.to_dict(), "points": points, "cutoffs": list(cutoffs)}
    cache = None if work is None else Path(work) / f"fig3-uniform-{short_hash(key)}.json"

    def compute() -> list[dict[str, Any]]:
        rows = []
        for regime, d, x in points:
            for N in cutoffs:
                r = steady_values(params, d, x, (N, N, N), work=work)
                rows.append({"regime": regime, "direction": d, "Delta_ad": x, "cutoff": [N, N, N],
                             **{k: r[k] for k in OBSERVABLE_NAMES},
                             "top_level_population": r["meta"]["top_level_population"]})
        return rows

    return cached_json(cache, key, compute)
