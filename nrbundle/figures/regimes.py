"""The paper's three resonance regimes (blue, pink, orange areas of Fig. 1(c,d)) and where the figures sit on them.

Regimes (main text after Eq. 2, Figs. 1-3)
------------------------------------------
- ``blue``: |000+> <-> |101-> (photon-magnon pair, mode pair (a, m)) resonant for left driving only.
- ``pink``: |000+> <-> |110-> (photon-phonon pair, (a, b)) resonant for right driving only.
- ``orange``: |110-> for left driving and |101-> for right driving at (nearly) the same Delta_ad. The closed forms
  S19 and S21 coincide exactly when omega_m - omega_b = 2|Delta_F| (true at ``fig1``); the exact resonances do
  not quite: at ``fig1`` the avoided-crossing minima are 1.369561 (|110->, left) and 1.369660 (|101->, right).

Which Delta_ad (documented in ``docs/figures.md``)
--------------------------------------------------
The closed forms S18-S22 ignore the level shifts of the JC and linear couplings and miss the resonances by ~20
widths of the avoided crossing, so no figure sits on them. Each regime uses the exact-diagonalization (ED)
resonance: the minimum of the avoided crossing of |000+> and the target in the spectrum of Eq. (1)
(:func:`nrbundle.numeric.spectrum.avoided_crossing_converged`, cutoffs 4, 5, 6). ``blue`` and ``pink`` use the ED
resonance of their one transition for both drive directions (the other direction is the non-resonant contrast).
``orange`` uses ONE common Delta_ad for both directions, as in the paper: the midpoint of the two ED resonances,
which detunes each transition by half their difference (5e-5 at ``fig1``, ~0.1 g_eff). The fourth-order corrected
resonances (:func:`nrbundle.analytic.effective.corrected_resonance`) are recorded next to them.

Also here: the convergence-checked choice of Fock cutoffs (:func:`choose_cutoff`), a JSON cache that makes a
resumed run skip work already done (:func:`cached_json`), and the steady-state observables of one point shared by
the Fig. 1 and Fig. 3/4 sweeps (:func:`point_observables`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..errors import TruncationWarning
from ..params import Params
from .style import to_json

__all__ = [
    "Regime",
    "REGIMES",
    "REGIME_NAMES",
    "TRANSITIONS",
    "transition_key",
    "locate_resonances",
    "regime_Delta_ad",
    "choose_cutoff",
    "cutoff_for_kappa",
    "point_observables",
    "cached_json",
    "short_hash",
    "figure_sweep",
    "work_dir",
    "FIG3_OBSERVABLES",
    "CONVERGENCE_RTOL",
]

#: Relative change under a one-level raise of any mode that counts as converged for a plotted quantity (~1e-2:
#: well below the line width of a log-axis plot and below the tens-of-percent truncation effects it guards against).
CONVERGENCE_RTOL: float = 1e-2

#: The four transitions of the paper, keyed ``"101-left"`` etc.
TRANSITIONS: tuple[tuple[tuple[int, int, int], str], ...] = (
    ((1, 0, 1), "left"),
    ((1, 0, 1), "right"),
    ((1, 1, 0), "left"),
    ((1, 1, 0), "right"),
)


def transition_key(target: Sequence[int], direction: str) -> str:
    """``"101-left"`` for ((1, 0, 1), "left")."""
    return "".join(str(int(n)) for n in target) + "-" + direction


@dataclass(frozen=True)
class Regime:
    """One shaded area of Fig. 1(c,d).

    Attributes
    ----------
    name
        ``"blue"``, ``"pink"`` or ``"orange"``.
    transitions
        The resonant transitions ``(target, direction)`` of the regime.
    pairs
        Bundle pairs plotted in Fig. 3 (``"ab"`` photon-phonon, ``"am"`` photon-magnon).
    resonant_pair
        ``direction -> pair`` that is resonant for that drive direction (absent: none).
    description
        One line for captions.
    """

    name: str
    transitions: tuple[tuple[tuple[int, int, int], str], ...]
    pairs: tuple[str, ...]
    resonant_pair: Mapping[str, str]
    description: str


REGIMES: dict[str, Regime] = {
    "blue": Regime("blue", (((1, 0, 1), "left"),), ("am",), {"left": "am"},
                   "|000+> <-> |101-> (photon-magnon), left drive"),
    "pink": Regime("pink", (((1, 1, 0), "right"),), ("ab",), {"right": "ab"},
                   "|000+> <-> |110-> (photon-phonon), right drive"),
    "orange": Regime("orange", (((1, 1, 0), "left"), ((1, 0, 1), "right")), ("ab", "am"),
                     {"left": "ab", "right": "am"},
                     "|110-> for left and |101-> for right drive at one Delta_ad"),
}
REGIME_NAMES: tuple[str, ...] = tuple(REGIMES)

#: Observables whose convergence decides the Fock cutoff of each regime's Fig. 3 sweep (the plotted ones).
FIG3_OBSERVABLES: dict[str, tuple[str, ...]] = {
    "blue": ("n_a", "n_b", "n_m", "g1_am", "g2_am"),
    "pink": ("n_a", "n_b", "n_m", "g1_ab", "g2_ab"),
    "orange": ("n_a", "n_b", "n_m", "g1_ab", "g2_ab", "g1_am", "g2_am"),
}


# ------------------------------------------------------------------------------------------------- caching
def short_hash(obj: Any, n: int = 10) -> str:
    """First ``n`` hex digits of the SHA-256 of the canonical JSON of ``obj``."""
    text = json.dumps(to_json(obj), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def cached_json(path: str | os.PathLike[str] | None, key: Mapping[str, Any], compute: Callable[[], Any]) -> Any:
    """Return the value stored in ``path`` for ``key``, or compute, store (atomically) and return it.

    The file holds ``{"key": key, "value": value}``; a different key (other parameters, grid, mode) recomputes.
    ``path=None`` always computes. Used so that a resumed ``reproduce`` skips resonance searches and convergence
    checks it has already done.
    """
    if path is None:
        return compute()
    p = Path(path)
    k = to_json(key)
    if p.exists():
        try:
            stored = json.loads(p.read_text())
            if stored.get("key") == k:
                return stored["value"]
        except (OSError, ValueError, KeyError):
            pass
    value = to_json(compute())
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": k, "value": value}, indent=1) + "\n")
    os.replace(tmp, p)
    return value


# ----------------------------------------------------------------------------------------------- resonances
def locate_resonances(params: Params, *, quick: bool = False, cache: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Closed-form (S18-S22), fourth-order corrected and ED resonances of the paper's four transitions.

    Parameters
    ----------
    params
        Parameter set (any units).
    quick
        ED at cutoff (4, 4, 4) only (resonance ~4e-6 off the converged one at ``fig1``); otherwise
        :func:`~nrbundle.numeric.spectrum.avoided_crossing_converged` over cutoffs 4, 5, 6.
    cache
        JSON file to reuse (see :func:`cached_json`).

    Returns
    -------
    dict
        ``"101-left" -> {"target", "direction", "closed_form", "corrected", "g_eff_corrected", "ed",
        "half_splitting", "ed_cutoff", "ed_convergence"}`` in the units of ``params``.
    """
    key = {"what": "resonances", "params": params.to_dict(), "quick": bool(quick), "version": 1}

    def compute() -> dict[str, Any]:
        from ..analytic.effective import corrected_resonance
        from ..analytic.resonances import closed_form
        from ..numeric.spectrum import avoided_crossing, avoided_crossing_converged

        out: dict[str, Any] = {}
        for target, direction in TRANSITIONS:
            t0 = time.perf_counter()
            corr = corrected_resonance(params, target, direction, shift_order=4)
            if quick:
                ac = avoided_crossing(params, target, direction, (4, 4, 4))
                conv = None
            else:
                ac = avoided_crossing_converged(params, target, direction, (4, 5, 6))
                conv = ac.convergence
            out[transition_key(target, direction)] = {
                "target": list(target),
                "direction": direction,
                "closed_form": float(closed_form(params, target, direction)),
                "corrected": float(corr.Delta_ad),
                "g_eff_corrected": abs(float(corr.g_eff)),
                "ed": float(ac.resonance),
                "half_splitting": float(ac.half_splitting),
                "ed_cutoff": list(ac.cutoff),
                "ed_convergence": conv,
                "time_s": time.perf_counter() - t0,
            }
        return out

    return cached_json(cache, key, compute)


def regime_Delta_ad(resonances: Mapping[str, Any], regime: str) -> dict[str, Any]:
    """The Delta_ad at which a regime is evaluated (module docstring), with its offsets from each ED resonance.

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


# ------------------------------------------------------------------------------------------------- cutoffs
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

    At each point :func:`nrbundle.numeric.convergence.solve_steady` with ``cutoff="auto"`` raises one mode at a
    time from ``start`` until a one-level raise of every mode changes each of ``observables`` by less than
    ``rtol`` (relative) and no top Fock level holds more than 1e-3; the returned cutoff is the elementwise
    maximum over the points. A point that does not converge within ``max_cutoff`` keeps the cutoff reached and
    is recorded with ``"converged": False`` and its truncation error (the slowly converging case is the bundle g2
    of a non-resonant pair, a bunched value of 3-10, at the smallest kappa).

    Returns
    -------
    dict
        ``{"cutoff": [N_a, N_b, N_m], "rtol", "observables", "points": [{"direction", "Delta_ad", "cutoff",
        "truncation_error", "mode_changes", "history": [[cutoff, observables], ...], "time_s"}]}``.
    """
    from ..errors import ConvergenceError
    from ..numeric.convergence import solve_steady

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
    """Cutoff of the band containing ``kappa``: ``bands`` is ``[[kappa_lo, [N_a, N_b, N_m]], ...]`` ascending in
    ``kappa_lo`` (or a mapping ``direction -> such a list``); the band with the largest ``kappa_lo <= kappa`` (the
    first band below its edge)."""
    if isinstance(bands, Mapping):
        if direction is None:
            raise ValueError("direction: needed with per-direction bands")
        bands = bands[direction]
    chosen = bands[0][1]
    for lo, cut in bands:
        if kappa >= float(lo) * (1 - 1e-12):
            chosen = cut
    return tuple(int(n) for n in chosen)  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------- one point
def point_observables(
    params: Params,
    direction: str,
    Delta_ad: float,
    cutoff: Sequence[int],
    *,
    witness_parties: Sequence[str] = (),
) -> dict[str, Any]:
    """Steady state of Eq. (2) at a fixed cutoff: occupations, g1 and bundle g2 (Eq. 3), optional witnesses.

    Returns a sweep point result: floats ``n_a, n_b, n_m, n_atom, g1_ab, g2_ab, g1_am, g2_am`` (and ``W1_<p>``,
    ``D1_<p>`` for each witness party string such as ``"ab"`` or ``"absigma"``) plus ``"meta"`` with the cutoff,
    the Liouvillian residual, GMRES iterations, solve time, top-level populations and truncation warnings.
    """
    from ..numeric.convergence import solve_steady, steady_observables

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        st = solve_steady(params, direction, float(Delta_ad), cutoff=tuple(int(n) for n in cutoff))
    obs = steady_observables(st)
    out: dict[str, Any] = {k: float(obs[k]) for k in ("n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am")}
    meta: dict[str, Any] = {
        "cutoff": list(st.cutoff),
        "residual": float(st.residual),
        "iterations": int(st.iterations),
        "solve_time_s": float(st.time),
        "top_level_population": dict(st.top_level_population),
        "truncation_warnings": [str(w.message) for w in caught if issubclass(w.category, TruncationWarning)],
    }
    if witness_parties:
        from ..numeric.witness import witness

        wmeta = {}
        for parties in witness_parties:
            names = ("a", parties[1], "sigma") if parties.endswith("sigma") else ("a", parties[1])
            w = witness(st.rho_ss, names)
            out[f"W1_{parties}"] = float(w.W1)
            out[f"D1_{parties}"] = float(w.D1)
            wmeta[parties] = {"top2_population": dict(w.top2_population), "qfi_dropped_bound": w.qfi_dropped_bound}
        meta["witness"] = wmeta
    return {**out, "meta": meta}


def work_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Folder for the checkpoints and caches of the figures written to ``out_dir``: ``<out_dir>/work``."""
    p = Path(out_dir) / "work"
    p.mkdir(parents=True, exist_ok=True)
    return p


def figure_sweep(
    func: Callable[..., Any],
    axes: Mapping[str, Any],
    base: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    name: str,
    *,
    executor: str = "process",
    workers: int | None = None,
) -> Any:
    """Run a checkpointed, resumable sweep for a figure with :func:`nrbundle.sweep.run_sweep`.

    The sweep directory is ``<out_dir>/work/sweeps/<name>-<hash>``, the hash taken over the function, grid and
    base, so a rerun with the same settings resumes from the checkpoints while other settings get their own
    directory. Raises :class:`nrbundle.sweep.SweepError` if a point failed (after all other points finished and
    were checkpointed: a rerun recomputes only the failed ones).
    """
    from ..sweep import Grid, run_sweep

    grid = Grid(axes)
    tag = short_hash({"func": f"{func.__module__}:{func.__qualname__}", "grid": grid.to_dict(), "base": base})
    path = work_dir(out_dir) / "sweeps" / f"{name}-{tag}"
    res = run_sweep(func, grid, base=dict(base), out=path, executor=executor, workers=workers, progress=False,
                    resume=True)
    res.raise_if_failed()
    return res
