"""The steady-state point function of every sweep: one grid point of Eq. (2) -> occupations, g1, bundle g2, witnesses.

A point function takes one grid point (a dict of axis values) and fixed keyword arguments and returns a dict of
floats plus a ``"meta"`` dict with the provenance of that point (:func:`nrbundle.sweep.run_sweep`). The one
steady-state point function :func:`steady_point` serves ``nrbundle sweep steady``, the Fig. 1 spectra (axes
``direction`` x ``Delta_ad``) and, through :func:`nrbundle.study.kappa.kappa_point`, the Fig. 3/4 kappa sweeps.
Warnings (e.g. :class:`~nrbundle.errors.TruncationWarning` at a fixed cutoff) are recorded per point by the sweep.

Computed once per run
---------------------
:func:`steady_values` is :func:`steady_point` at a fixed cutoff, cached by its inputs (parameters, direction,
Delta_ad, cutoff, witness partitions): in this process, and in the run's work folder (``work/points/<hash>.json``)
when one is given, so the cutoff checks of Figs. 1, 3 and 4, the headline numbers, the Fig. 3/4 sweep points and
the g2(tau) reference share every point they have in common, across stages, worker processes and reruns. The
witnesses of a point (Eq. 4) are evaluated from the steady state of the same point solved without them when that
state is among the last few of this process (:data:`RECENT_STATES_BYTES`): a cutoff check solves every raise
without witnesses and asks for them at the cutoff it accepts, which costs no second solve.
"""

from __future__ import annotations

__all__ = ["steady_point", "steady_values", "split_point", "with_common_kappa"]

import math
import os
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, TruncationWarning
from ..numeric.bundles import solve_bundle_steady, state_observables
from ..numeric.model import is_auto, parse_cutoff
from ..numeric.steady import FALLBACK_RTOL, solve_steady, steady_observables
from ..numeric.witness import witness
from ..params import PARAM_NAMES, Params
from ..provenance import cached_json, short_hash
from . import progress

#: Version of the cached point record (bump when :func:`steady_point` changes what it returns).
POINT_CACHE_VERSION = 1
#: Largest memory held by the steady states of the last points solved by :func:`steady_values` in this process
#: (kept so that the witnesses of a point can be evaluated later without solving it again), in bytes.
RECENT_STATES_BYTES: int = 64 * 2**20
_MEMORY: dict[str, dict[str, Any]] = {}
_RECENT: OrderedDict[str, Any] = OrderedDict()  # point tag (without witnesses) -> its steady state rho, oldest first


def split_point(point: Mapping[str, Any], params: Params) -> tuple[Params, dict[str, Any]]:
    """Apply the parameter axes of ``point`` to ``params``; return them and the remaining (non-parameter) axes."""
    overrides = {k: float(v) for k, v in point.items() if k in PARAM_NAMES}
    rest = {k: v for k, v in point.items() if k not in PARAM_NAMES}
    return (params.replace(**overrides) if overrides else params), rest


def with_common_kappa(params: Params, kappa: float) -> Params:
    """``params`` with kappa_a = kappa_b = kappa_m = ``kappa`` (per-mode rates cleared), gamma unchanged (Figs. 3/4)."""
    return params.replace(kappa=float(kappa), kappa_a=None, kappa_b=None, kappa_m=None)


def _witness_parties(parties: str) -> tuple[str, ...]:
    """``"ab"`` -> (a, b); ``"amsigma"`` -> (a, m, sigma): the parties of a witness partition string."""
    return ("a", parties[1], "sigma") if parties.endswith("sigma") else ("a", parties[1])


def steady_point(
    point: Mapping[str, Any],
    params: Params,
    *,
    direction: str | None = None,
    Delta_ad: float | None = None,
    cutoff: Any = "auto",
    rtol: float = 1e-3,
    witness_parties: Sequence[str] = (),
    truncation_check: bool = True,
    target: Any = None,
    max_cutoff: int | None = None,
    fallback_rtol: float | None = FALLBACK_RTOL,
) -> dict[str, Any]:
    """Steady state of Eq. (2) at one grid point: the observables of ``nrbundle steady`` (Eq. 3), optional witnesses.

    Parameters
    ----------
    point
        Axis values: any parameter name of :data:`~nrbundle.params.PARAM_NAMES`, ``Delta_ad``, ``direction`` and
        ``cutoff``; axes override the keyword arguments of the same name.
    params
        Parameter set the parameter axes are applied to.
    Delta_ad, direction
        Drive detuning and direction (unless given as axes).
    cutoff
        ``"auto"`` (:func:`nrbundle.numeric.steady.solve_steady` raises the cutoff until ``rtol``), N or
        ``(N_a, N_b, N_m)``.
    rtol
        Convergence tolerance of ``cutoff="auto"``.
    witness_parties
        Partitions whose QFI witness W1 and D1 = max(0, W1) (Eq. 4, :func:`nrbundle.numeric.witness.witness`)
        are added, as strings ``"ab"``, ``"am"``, ``"absigma"``, ``"amsigma"``.
    truncation_check
        Fixed cutoff: estimate ``truncation_error`` by one-level raises (``solve_steady``); ``False`` for a
        cutoff already chosen by a convergence study (the figures), ``truncation_error`` is then ``None``.
    target
        ``(n_a, n_b, n_m)`` or ``"NA,NB,NM"``: add the bundle statistics of that target, as ``nrbundle steady
        --target`` (:func:`nrbundle.numeric.bundles.solve_bundle_steady`: the state and the bundle values converged
        or checked separately; ``docs/bundles.md``).
    max_cutoff
        Largest N per mode of ``cutoff="auto"``; ``None``: the solver's default (8, or the bundle solver's).
    fallback_rtol
        ``cutoff="auto"`` without ``target``: a point that cannot meet ``rtol`` within ``max_cutoff`` returns the
        largest cutoff reached if its ``truncation_error`` is <= this (default
        :data:`~nrbundle.numeric.steady.FALLBACK_RTOL`, 0.1; ``None``: such a point fails), flagged in the result
        ``fallback`` (``solve_steady``'s fallback, ``docs/steady_state.md``).

    Returns
    -------
    dict
        Floats :data:`nrbundle.numeric.steady.OBSERVABLE_NAMES` (and ``W1_<p>``, ``D1_<p>`` per witness
        partition; with ``target`` the :data:`~nrbundle.numeric.bundles.BUNDLE_KEYS` ``g1_B, g2_B, P_B, rate_B,
        emission_rate, purity_B`` and ``truncation_B``, their largest truncation estimate, NaN when not estimated)
        and ``"meta"``: ``cutoff``, ``residual``, ``truncation_error`` (``None`` at a fixed cutoff),
        GMRES ``iterations``, solve ``time`` (s), ``top_level_population`` and, with witnesses, ``witness`` (per
        partition: the population of the top two levels and the bound on the dropped QFI). With ``cutoff="auto"``
        also the float ``fallback`` (1.0 where the fallback's largest cutoff reached was used, else 0.0) and in
        ``meta``: ``observable_errors`` (per-observable truncation estimate), ``not_judged`` (``{name: reason}``)
        and, where used, ``fallback`` (why ``rtol`` was missed).

    Raises
    ------
    InputError
        An unknown axis, or no ``Delta_ad``/``direction``.
    """
    p, rest = split_point(point, params)
    Delta_ad = rest.pop("Delta_ad", Delta_ad)
    direction = rest.pop("direction", direction)
    cutoff = rest.pop("cutoff", cutoff)
    if rest:
        raise InputError(f"axis: unknown axis name(s) {sorted(rest)} for the steady point function")
    if Delta_ad is None or direction is None:
        raise InputError("steady point: Delta_ad and direction must be given as axes or base values")
    auto = is_auto(cutoff)
    limit = {} if max_cutoff is None else {"max_cutoff": max_cutoff}
    if target is None:
        state, stats = solve_steady(p, str(direction), float(Delta_ad), cutoff=cutoff, rtol=rtol,
                                    truncation_check=truncation_check, fallback_rtol=fallback_rtol, **limit), None
    else:
        state, stats = solve_bundle_steady(p, target, str(direction), float(Delta_ad), cutoff=cutoff, rtol=rtol,
                                           truncation_check=truncation_check, **limit)
    return _point_record(state, stats, auto=auto, witness_parties=witness_parties)


def _point_record(state: Any, stats: Any, *, auto: bool, witness_parties: Sequence[str]) -> dict[str, Any]:
    """The record of :func:`steady_point` of a solved ``state`` (and the bundle ``stats`` of a target, or ``None``)."""
    obs = steady_observables(state)
    meta: dict[str, Any] = {
        "cutoff": obs.pop("cutoff"),
        "residual": obs.pop("residual"),
        "truncation_error": obs.pop("truncation_error"),
        "iterations": state.iterations,
        "time": state.time,
        "top_level_population": dict(state.top_level_population),
    }
    out: dict[str, Any] = {k: float(v) for k, v in obs.items()}
    if auto:  # how the automatic cutoff ended (docs/steady_state.md, "Fallback")
        out["fallback"] = 1.0 if state.fallback else 0.0
        meta["observable_errors"] = state.observable_errors
        meta["not_judged"] = dict(state.not_judged)
        if state.fallback:
            meta["fallback"] = state.fallback
    if stats is not None:  # nrbundle steady --target: the bundle values and where they were converged
        out.update(stats.values())
        err = stats.bundle_truncation_error
        out["truncation_B"] = math.nan if err is None else float(err)
        meta["bundle"] = {"target": list(stats.target), "cutoff": list(stats.cutoff), "undefined": stats.undefined,
                          "truncation": stats.value_truncation,
                          "state_observables": list(state_observables(stats.target))}
    if witness_parties:
        values, meta["witness"] = _witness_values(state.rho_ss, witness_parties)
        out.update(values)
    return {**out, "meta": meta}


def _witness_values(rho: Any, witness_parties: Sequence[str]) -> tuple[dict[str, float], dict[str, Any]]:
    """W1 and D1 = max(0, W1) (Eq. 4) of every partition in ``witness_parties``, and their ``meta["witness"]``."""
    out: dict[str, float] = {}
    wmeta: dict[str, Any] = {}
    for parties in witness_parties:
        w = witness(rho, _witness_parties(parties), optimise_w2=False)  # W1, D1 recorded only
        out[f"W1_{parties}"] = float(w.W1)
        out[f"D1_{parties}"] = float(w.D1)
        wmeta[parties] = {"top2_population": dict(w.top2_population), "qfi_dropped_bound": w.qfi_dropped_bound}
    return out, wmeta


def _keep_recent(tag: str, rho: Any) -> None:
    """Remember the steady state ``rho`` of the point ``tag`` among the last ones (:data:`RECENT_STATES_BYTES`)."""
    _RECENT[tag] = rho
    _RECENT.move_to_end(tag)
    total = sum(16 * int(np.prod(r.shape)) for r in _RECENT.values())
    while len(_RECENT) > 1 and total > RECENT_STATES_BYTES:
        _, old = _RECENT.popitem(last=False)
        total -= 16 * int(np.prod(old.shape))


def steady_values(
    params: Params,
    direction: str,
    Delta_ad: float,
    cutoff: Sequence[int],
    *,
    witness_parties: Sequence[str] = (),
    work: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """:func:`steady_point` at one fixed cutoff, computed once per run (cached by its inputs).

    No truncation check and no truncation warning: the caller checks or has checked the cutoff. Cached by its
    inputs in this process and, with ``work``, as ``work/points/<hash>.json`` (module docstring).

    Parameters
    ----------
    params, direction, Delta_ad
        The point (every parameter of ``params`` is part of the key).
    cutoff
        ``(N_a, N_b, N_m)``.
    witness_parties
        As in :func:`steady_point`.
    work
        The run's work folder (:func:`nrbundle.study.work.work_dir`), or ``None``: cached in this process only.

    Returns
    -------
    dict
        The record of :func:`steady_point` (NaN for an observable the cutoff cannot represent).
    """
    N = [int(n) for n in parse_cutoff(cutoff)]
    key = {"what": "steady-point", "params": params.to_dict(), "direction": str(direction),
           "Delta_ad": float(Delta_ad), "cutoff": N, "witness": sorted(witness_parties),
           "version": POINT_CACHE_VERSION}
    tag = short_hash(key, 16)
    hit = _MEMORY.get(tag)
    if hit is not None and hit["key"] == key:
        return dict(hit["value"])
    plain_key = {**key, "witness": []}
    plain_tag = short_hash(plain_key, 16) if witness_parties else tag

    def compute() -> dict[str, Any]:
        recent = _RECENT.get(plain_tag) if witness_parties else None
        if recent is not None:  # solved here without witnesses a moment ago: evaluate them on that state
            out = steady_values(params, direction, Delta_ad, N, work=work)
            values, wmeta = _witness_values(recent, tuple(witness_parties))
            return {**out, **values, "meta": {**out["meta"], "witness": wmeta}}
        with warnings.catch_warnings():
            # the caller judges the truncation (a cutoff check, or a cutoff it chose by one): a populated top level
            # here is what the check is there to measure, not a warning
            warnings.simplefilter("ignore", TruncationWarning)
            state = solve_steady(params, str(direction), float(Delta_ad), cutoff=tuple(N), truncation_check=False)
            out = _point_record(state, None, auto=False, witness_parties=tuple(witness_parties))
        _keep_recent(plain_tag, state.rho_ss)
        progress.solved(int(2 * N[0] * N[1] * N[2]))
        return out

    path = None if work is None else Path(work) / "points" / f"{tag}.json"
    value = cached_json(path, key, compute)
    # the JSON policy stores NaN as null: undefined observables come back as NaN
    value = {k: (math.nan if v is None and k != "meta" else v) for k, v in value.items()}
    _MEMORY[tag] = {"key": key, "value": value}
    return dict(value)
