"""The "beyond the paper" stage of ``nrbundle reproduce``: design maps of |101-> and |110->, curves versus temperature.

Composes :func:`nrbundle.study.design_map.design_map` on fixed grids: the (Delta_F, kappa) maps of the two paper
pairs in their isolated drive directions (``fig1`` preset, units of omega_b) and, in the ``physical`` preset at its
kappa, the bundle g2, isolation ratio and purity versus temperature (kelvin); and reads off what they say
(:func:`beyond_findings`: the smallest Sagnac-Fizeau shift that is still nonreciprocal and antibunched, the
temperatures at which antibunching and isolation are lost). Definitions and checks: ``docs/beyond.md``.
"""

from __future__ import annotations

__all__ = ["BEYOND_GRIDS", "BEYOND_RANGES", "BEYOND_CACHE_VERSION", "beyond_study", "beyond_findings",
           "first_crossing"]

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..params import Params, get_preset
from ..provenance import cached_json, short_hash
from .design_map import DesignMap, design_map, quick_cutoff
from .work import work_dir

#: Grids of the reproduce stage (:func:`beyond_study`), quick and full: map points per axis (Delta_F, kappa), the
#: temperatures (kelvin) of the physical-preset curves, and where the checks run on the maps and on the curves
#: (:data:`CHECKS`; on the one-row temperature grid "corners" are its two ends and its middle).
BEYOND_GRIDS: Mapping[bool, Mapping[str, Any]] = {
    True: {"nx": 3, "ny": 3, "checks": "centre", "temperatures": (0.005, 0.025, 0.1), "t_checks": "none"},
    False: {"nx": 7, "ny": 7, "checks": "corners",
            "temperatures": (0.002, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.06, 0.1, 0.15), "t_checks": "corners"},
}
#: Version of the cached reproduce-stage record (bump when :func:`map_point` or the grids change).
BEYOND_CACHE_VERSION = 2
#: Axis ranges of the reproduce maps, in units of omega_b (multiplied by ``params.omega_b``): those of the
#: documented ``nrbundle map`` example.
BEYOND_RANGES: Mapping[str, tuple[float, float, str]] = {"Delta_F": (0.005, 0.05, "lin"),
                                                        "kappa": (0.001, 0.03, "log")}

def first_crossing(x: Sequence[float], values: Sequence[float], level: float) -> float | None:
    """The smallest ``x`` at which ``values`` cross ``level`` (``None`` if they never do on the grid).

    Between the two grid points that bracket the first sign change of ``values - level`` (NaN points skipped) the
    crossing is interpolated linearly in ``values`` and in log ``x`` (linearly in ``x`` if a bracket end is <= 0).
    """
    xs = np.asarray(x, dtype=float)
    vs = np.asarray(values, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(vs)
    xs, vs = xs[ok], vs[ok] - float(level)
    for i in range(xs.size - 1):
        a, b = vs[i], vs[i + 1]
        if a == 0.0:
            return float(xs[i])
        if a * b < 0:
            t = a / (a - b)
            if xs[i] > 0 and xs[i + 1] > 0:
                return float(math.exp(math.log(xs[i]) + t * (math.log(xs[i + 1]) - math.log(xs[i]))))
            return float(xs[i] + t * (xs[i + 1] - xs[i]))
    return float(xs[-1]) if xs.size and vs[-1] == 0.0 else None


def beyond_study(
    out_dir: str | os.PathLike[str],
    *,
    params: Params | None = None,
    quick: bool = False,
    executor: str = "serial",
    workers: int | None = None,
    temperature: bool = True,
) -> dict[str, Any]:
    """The "beyond the paper" stage: (Delta_F, kappa) maps of |101-> and |110->, curves versus temperature.

    The maps use ``params`` (default ``fig1``) on :data:`BEYOND_RANGES` (units of omega_b times
    ``params.omega_b``) with :data:`BEYOND_GRIDS` points, each target in its isolated direction
    (:func:`~nrbundle.study.design_map.design_direction`), at the fixed cutoff (4, 2, 4) / (4, 4, 2) (quick:
    :func:`~nrbundle.study.design_map.quick_cutoff`). The curves use the ``physical`` preset at its kappa, versus
    temperature (kelvin), at cutoff (4, 3, 4) / (4, 4, 3) (quick: the quick cutoffs). The ED check and the
    truncation estimate run where :data:`BEYOND_GRIDS` says (full: corners and centre; quick: the centre of the
    maps only).
    The result is cached as ``out_dir/work/beyond-<hash>.json`` (a rerun with the same inputs only reads it); the
    full run's sweeps are checkpointed under ``out_dir/work/maps`` (an interrupted run resumes; no
    ``design_map.nc``: each sweep folder has its ``result.nc``), the quick run's run in memory.

    Returns
    -------
    dict
        ``{"maps": {"101": DesignMap, "110": DesignMap}, "temperature": {"101": DesignMap, ...} or {},
        "findings": beyond_findings(...)}``.
    """
    params = get_preset("fig1") if params is None else params
    g = BEYOND_GRIDS[bool(quick)]
    work = work_dir(out_dir)
    key = {"what": "beyond", "params": params.to_dict(), "quick": bool(quick), "temperature": bool(temperature),
           "grids": dict(g), "ranges": dict(BEYOND_RANGES), "version": BEYOND_CACHE_VERSION}
    cache = work / f"beyond-{short_hash(key)}.json"
    data = cached_json(cache, key, lambda: _beyond_maps(work / "maps", params, quick, executor, workers, temperature))
    out: dict[str, Any] = {group: {k: DesignMap.from_dict(v) for k, v in data[group].items()}
                           for group in ("maps", "temperature")}
    out["findings"] = beyond_findings(out["maps"], out["temperature"])
    return out


def _beyond_maps(work: Path, params: Params, quick: bool, executor: str, workers: int | None,
                 temperature: bool) -> dict[str, Any]:
    """The maps and curves of :func:`beyond_study` as :meth:`DesignMap.to_dict` records (full: checkpointed
    sweeps in ``work``; quick: sweeps in memory, cheaper than their checkpoint files)."""
    g = BEYOND_GRIDS[bool(quick)]
    axes = {}
    for name, n in (("Delta_F", g["nx"]), ("kappa", g["ny"])):
        lo, hi, scale = BEYOND_RANGES[name]
        lo, hi = lo * params.omega_b, hi * params.omega_b
        axes[name] = np.geomspace(lo, hi, n) if scale == "log" else np.linspace(lo, hi, n)
    out: dict[str, Any] = {"maps": {}, "temperature": {}}
    common = {"quick": quick, "executor": executor, "workers": workers, "progress_bar": False, "netcdf": False}
    for tgt in ((1, 0, 1), (1, 1, 0)):
        key = "".join(map(str, tgt))
        cut = quick_cutoff(tgt) if quick else tuple(4 if n else 2 for n in tgt)
        folder = None if quick else work / f"{key}-{short_hash([params.to_dict(), key])}"
        dm = design_map(params, tgt, ("Delta_F", axes["Delta_F"]), ("kappa", axes["kappa"]), cutoff=cut,
                        checks=g["checks"], out=folder, **common)
        out["maps"][key] = dm.to_dict()
    if temperature:
        phys = get_preset("physical")
        temps = np.asarray(g["temperatures"], dtype=float)
        for tgt in ((1, 0, 1), (1, 1, 0)):
            key = "".join(map(str, tgt))
            cut = quick_cutoff(tgt) if quick else tuple(4 if n else 3 for n in tgt)
            folder = None if quick else work / f"T{key}-{short_hash([phys.to_dict(), key])}"
            dm = design_map(phys, tgt, ("temperature", temps), ("kappa", [phys.kappa]), cutoff=cut,
                            checks=g["t_checks"], out=folder, **common)
            out["temperature"][key] = dm.to_dict()
    return out


def beyond_findings(maps: Mapping[str, DesignMap], curves: Mapping[str, DesignMap]) -> dict[str, Any]:
    """What the maps and curves say, per target key (``"101"``): the smallest map ``x`` (Delta_F) that is still
    nonreciprocal and antibunched (overall and per kappa), and the temperatures (kelvin) at which the bundle g2
    of the resonant direction first reaches 1 and the isolation ratio first falls to the threshold."""
    out: dict[str, Any] = {}
    for key, dm in maps.items():
        per_y = dm.smallest_x_both()
        found = [v for v in per_y if v is not None]
        out[key] = {"direction": dm.direction, "x": dm.x_name, "y": dm.y_name,
                    "smallest_x_both": min(found) if found else None,
                    "smallest_x_both_per_y": dict(zip(map(float, dm.y), per_y, strict=True)),
                    "units": dm.params.units}
    for key, dm in curves.items():
        T = dm.x
        rec = out.setdefault(key, {})
        rec["T_antibunching_lost"] = first_crossing(T, dm.arrays["g2_B"][:, 0], 1.0)
        rec["T_isolation_below_threshold"] = first_crossing(T, dm.arrays["isolation"][:, 0], dm.ratio_threshold)
        rec["temperature_units"] = "K"
    return out
