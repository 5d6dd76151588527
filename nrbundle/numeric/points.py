"""Point functions for :func:`nrbundle.sweep.run_sweep` (``nrbundle sweep steady ...``).

A point function takes one grid point (a dict) and fixed keyword arguments and returns a dict of floats plus a
``"meta"`` dict with the provenance of that point.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import InputError
from ..params import PARAM_NAMES, Params

__all__ = ["steady_point", "split_point"]


def split_point(point: Mapping[str, Any], params: Params) -> tuple[Params, dict[str, Any]]:
    """Apply the parameter axes of ``point`` to ``params``; return them and the remaining (non-parameter) axes."""
    overrides = {k: float(v) for k, v in point.items() if k in PARAM_NAMES}
    rest = {k: v for k, v in point.items() if k not in PARAM_NAMES}
    return (params.replace(**overrides) if overrides else params), rest


def steady_point(
    point: Mapping[str, Any],
    params: Params,
    Delta_ad: float | None = None,
    direction: str | None = None,
    cutoff: Any = "auto",
    rtol: float = 1e-3,
) -> dict[str, Any]:
    """Steady state of Eq. (2) at one grid point: the observables of ``nrbundle steady`` (Eq. 3 correlations).

    Axes of the grid may be any parameter name of :data:`~nrbundle.params.PARAM_NAMES`, ``Delta_ad``,
    ``direction`` and ``cutoff``; axes override the keyword arguments of the same name.
    """
    from .convergence import solve_steady, steady_observables

    p, rest = split_point(point, params)
    Delta_ad = rest.pop("Delta_ad", Delta_ad)
    direction = rest.pop("direction", direction)
    cutoff = rest.pop("cutoff", cutoff)
    if rest:
        raise InputError(f"axis: unknown axis name(s) {sorted(rest)} for the steady point function")
    if Delta_ad is None or direction is None:
        raise InputError("steady point: Delta_ad and direction must be given as axes or --base values")
    state = solve_steady(p, str(direction), float(Delta_ad), cutoff=cutoff, rtol=rtol)
    obs = steady_observables(state)
    meta = {
        "cutoff": obs.pop("cutoff"),
        "residual": obs.pop("residual"),
        "truncation_error": obs.pop("truncation_error"),
        "iterations": state.iterations,
        "time": state.time,
        "top_level_population": dict(state.top_level_population),
    }
    return {**{k: float(v) for k, v in obs.items()}, "meta": meta}
