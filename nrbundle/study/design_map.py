"""Design maps of nonreciprocal bundle emission: isolation ratio, bundle g2 and purity over a grid of two parameters.

At every point of a 2-D grid of two :class:`~nrbundle.params.Params` fields (e.g. Delta_F and kappa, or
temperature and kappa) the drive is tuned to the analytic corrected resonance of |000+> <-> |target -> for one
drive direction (:func:`nrbundle.analytic.effective.corrected_resonance`, level shifts through fourth order; no
exact-diagonalization scan), and the steady state of Eq. (2) is solved at that Delta_ad for both drive directions.

Definitions (``docs/beyond.md``)
--------------------------------
With B = a^n_a b^n_b m^n_m the bundle operator and P_B = Tr[(|n_a n_b n_m><n_a n_b n_m| (x) 1) rho] the population
of the complete bundle sector (:mod:`nrbundle.numeric.bundles`):

* isolation ratio  I = P_B(d) / P_B(-d), the resonant drive direction d over the other one at the same Delta_ad.
  Since the bundle emission rate is Gamma_B = P_B sum_o n_o kappa_o, I is also the ratio of the bundle emission
  rates of the two drive directions.
* bundle g2 = g^(2)_{2,B}(0) = <B^dag^2 B^2> / <B^dag B>^2 in the resonant direction (Eq. (3) for the pairs).
* purity pi_B = n_tot Gamma_B / sum_o kappa_o <o^dag o> in the resonant direction (steady-state bundle purity).
* line width w of the resonance in Delta_ad: the two-level estimate w = sqrt(Gamma_T^2 + 8 g_eff^2) / s, the
  full width at half maximum sqrt(Gamma^2 + 2 Omega^2) of a driven, damped two-level transition with Rabi
  frequency Omega = 2 g_eff, with Gamma_T = sum_o n_o kappa_o the decay rate of the target and
  s = |d(E_P - E_T)/d Delta_ad| the slope of the shifted level difference at the resonance.
* ED check: the analytic placement is compared with the minimum of the exact avoided crossing
  (:func:`nrbundle.numeric.spectrum.avoided_crossing`, cutoff :data:`ED_CUTOFF`); ``ed_flag`` = 1 where
  |Delta_ad(ED) - Delta_ad(analytic)| > :data:`ED_TOLERANCE` w, 0 where it is within, NaN where not checked.
* nonreciprocal: I > ratio threshold; antibunched: bundle g2 < 1.

The grid runs on :func:`nrbundle.sweep.run_sweep` (checkpointed, resumable; serial, process pool or Dask) with the
point function :func:`map_point`; :func:`design_map` writes ``design_map.npz`` + ``design_map.json`` and
``design_map.nc`` beside the sweep folder ``sweep/``. The "beyond the paper" stage of ``nrbundle reproduce`` that
composes maps and temperature curves is :mod:`nrbundle.study.beyond`.
"""

from __future__ import annotations

__all__ = [
    "DesignMap",
    "design_map",
    "map_point",
    "design_direction",
    "quick_cutoff",
    "map_cutoff",
    "line_width",
    "check_axis",
    "DEFAULT_RATIO_THRESHOLD",
    "ED_CUTOFF",
    "ED_TOLERANCE",
    "MAP_KEYS",
    "MAP_VERSION",
    "TRUNCATION_KEYS",
    "CHECKS",
]

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..analytic.effective import corrected_resonance, resonance_condition_function
from ..errors import ConvergenceError, InputError, TruncationWarning
from ..numeric.bundles import bundle_statistics, solve_bundle_steady
from ..numeric.model import parse_cutoff
from ..numeric.spectrum import avoided_crossing
from ..numeric.steady import solve_steady
from ..params import PARAM_NAMES, Params, check_direction, check_finite, parse_target
from ..provenance import atomic_write_bytes, utc_now, write_arrays
from ..sweep import Grid, SweepResult, run_sweep
from ..sweep.dataset import netcdf_engine
from ..transitions import PAPER_TRANSITIONS
from . import progress
from .cutoffs import CONVERGENCE_RTOL
from .resonances import ED_BRACKET, RESONANCE_SHIFT_ORDER

#: Isolation ratio above which a point counts as nonreciprocal (the outline of the maps).
DEFAULT_RATIO_THRESHOLD: float = 10.0
#: Fock cutoff of the exact-diagonalization check of the placement.
ED_CUTOFF: tuple[int, int, int] = (4, 4, 4)
#: The ED check flags a point when analytic and ED placement differ by more than this many line widths.
ED_TOLERANCE: float = 0.1
#: Where the checks run (the ED placement, and the truncation estimate of a fixed cutoff): every point, the four
#: corners and the centre of the grid, the centre only, or nowhere.
CHECKS: tuple[str, ...] = ("all", "corners", "centre", "none")
#: Version of :func:`map_point`'s results: part of every map's sweep manifest, so that checkpoints of an older
#: point function are never resumed into a newer map (bump when the results change).
MAP_VERSION: int = 2
#: Values whose truncation estimate is the map's ``truncation_error``: those of the resonant direction that the map
#: shows, and P_B of the other direction (the denominator of the isolation ratio). The estimates of every bundle value
#: of both directions are in each point's meta (``value_truncation``, ``value_truncation_opp``).
TRUNCATION_KEYS: tuple[str, ...] = ("P_B", "g2_B", "purity_B")
#: Grid-shaped results of :func:`map_point` (every one a float per point).
MAP_KEYS: tuple[str, ...] = (
    "Delta_ad", "g_eff", "line_width", "Delta_ad_ed", "ed_offset", "ed_flag",
    "P_B", "P_B_opp", "isolation",
    "g2_B", "g2_B_opp", "g1_B", "purity_B", "purity_B_opp", "truncation_error", "top_level_population",
)
_RATE_NAMES: tuple[str, str, str] = ("kappa_a", "kappa_b", "kappa_m")


# ------------------------------------------------------------------------------------------------ small rules
def design_direction(target: Sequence[int]) -> str:
    """The drive direction a map of ``target`` tunes to by default.

    For the paper's targets the direction of its isolated transition (|101->: left, the blue regime S18; |110->:
    right, the pink regime S22), not the orange one where the other pair is resonant for the other direction at
    nearly the same Delta_ad; ``"left"`` for any other target.
    """
    tgt = parse_target(target)
    for t in PAPER_TRANSITIONS:
        if t.target == tgt and t.regime != "orange":
            return t.direction
    return "left"


def map_cutoff(target: Sequence[int]) -> tuple[int, int, int]:
    """Default fixed cutoff of a full map: N_o = 2 n_o + 3 for the modes of the bundle, 3 for the others ((5, 3, 5)
    for |101->). At the fig1 point its truncation estimate (one extra level per mode) is ~1e-2 for g2_B and ~1e-4
    for the isolation ratio; every map records it per point (``docs/beyond.md``)."""
    tgt = parse_target(target)
    return tuple(2 * n + 3 if n > 0 else 3 for n in tgt)  # type: ignore[return-value]


def quick_cutoff(target: Sequence[int]) -> tuple[int, int, int]:
    """Smallest cutoff on which every bundle value of ``target`` is defined: N_o = 2 n_o + 1 (B^2 != 0) for the
    modes of the bundle, at least 3, and 2 for the other modes (``bundle_undefined`` of :mod:`..numeric.bundles`)."""
    tgt = parse_target(target)
    return tuple(max(3, 2 * n + 1) if n > 0 else 2 for n in tgt)  # type: ignore[return-value]


def line_width(params: Params, target: Sequence[int], direction: str, Delta_ad: float, g_eff: float,
               shift_order: int = RESONANCE_SHIFT_ORDER) -> float:
    """Full width at half maximum of the resonance |000+> <-> |target -> in Delta_ad (two-level estimate).

    w = sqrt(Gamma_T^2 + 8 g_eff^2) / s, with Gamma_T = sum_o n_o kappa_o and s = |d(E_P - E_T)/d Delta_ad| the slope
    of the shifted level difference of :func:`nrbundle.analytic.effective.resonance_condition_function` at
    ``Delta_ad`` (central difference). The numerator is the FWHM sqrt(Gamma^2 + 2 Omega^2) of the excited population
    rho_ee = (Omega^2/4) / (delta^2 + Gamma^2/4 + Omega^2/2) of a driven two-level transition, Omega = 2 g_eff.
    """
    tgt = parse_target(target)
    rates = params.rates
    gamma_t = sum(n * rates[r] for n, r in zip(tgt, _RATE_NAMES, strict=True))
    fn = resonance_condition_function(tgt, shift_order)
    h = 1e-6 * max(1.0, abs(Delta_ad))
    slope = abs(float(fn.at(params, direction, Delta_ad=Delta_ad + h)) - float(fn.at(params, direction,
                                                                                     Delta_ad=Delta_ad - h))) / (2 * h)
    if not slope > 0:
        raise ConvergenceError(f"Delta_ad: the level difference of {tgt} has zero slope at {Delta_ad!r}")
    return math.sqrt(gamma_t**2 + 8.0 * g_eff**2) / slope


def check_axis(name: str, axis: tuple[str, Any], params: Params) -> tuple[str, np.ndarray]:
    """Validate one map axis ``(parameter name, values)``: a Params field, finite values each valid in ``params``.

    Raises
    ------
    InputError
        ``"<name> <field>: ..."`` (``name`` is ``x`` or ``y``).
    """
    try:
        pname, values = axis
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected (parameter name, values), got {axis!r}") from None
    if pname not in PARAM_NAMES:
        raise InputError(f"{name}: {pname!r} is not a parameter name (names: {', '.join(PARAM_NAMES)})")
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"{name} {pname}: expected a non-empty 1-d list of values")
    for v in arr:
        try:
            params.replace(**{pname: check_finite(pname, v)})
        except InputError as exc:
            raise InputError(f"{name} {exc}") from None
    return str(pname), arr


def _checked_points(x: np.ndarray, y: np.ndarray, checks: str) -> list[list[float]] | str:
    """The base argument ``checks`` of :func:`map_point`: ``"all"``, ``"none"`` or the listed axis values."""
    if checks in ("all", "none"):
        return checks
    pts = [[float(x[len(x) // 2]), float(y[len(y) // 2])]]
    if checks == "corners":
        pts = [[float(a), float(b)] for a in (x[0], x[-1]) for b in (y[0], y[-1])] + pts
    return [list(p) for p in dict.fromkeys(tuple(p) for p in pts)]


# ------------------------------------------------------------------------------------------------ point function
def _solve(p: Params, direction: str, Delta_ad: float, target: tuple[int, int, int], cutoff: Any, rtol: float,
           check: bool) -> tuple[Any, Any]:
    """Steady state in one direction and its bundle statistics, with the truncation estimate of the bundle values
    (``cutoff="auto"``: converged to ``rtol``; fixed: checked when ``check``). TruncationWarning is recorded as data
    (``truncation_error`` per point), not repeated as a warning per point."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        if isinstance(cutoff, str):
            state, stats = solve_bundle_steady(p, target, direction, Delta_ad, cutoff="auto", rtol=rtol)
        else:
            state = solve_steady(p, direction, Delta_ad, cutoff=cutoff, truncation_check=False)
            stats = bundle_statistics(state, target, truncation="check" if check else "none")
    progress.solved(2 * int(np.prod(stats.cutoff)))
    return state, stats


def _ed_placement(p: Params, target: tuple[int, int, int], direction: str, Delta_ad: float) -> tuple[float, str]:
    """ED avoided-crossing minimum near ``Delta_ad`` (the whole S16 window if not found there), or NaN and why."""
    half = ED_BRACKET * p.omega_b
    try:
        try:
            ac = avoided_crossing(p, target, direction, ED_CUTOFF, bracket=(Delta_ad - half, Delta_ad + half),
                                  step=half / 10.0)
        except ConvergenceError:
            ac = avoided_crossing(p, target, direction, ED_CUTOFF)
    except ConvergenceError as exc:
        return math.nan, str(exc).splitlines()[0]
    return float(ac.resonance), ""


def map_point(
    point: Mapping[str, Any],
    params: Params,
    target: Sequence[int],
    direction: str,
    cutoff: Any = "auto",
    rtol: float = CONVERGENCE_RTOL,
    checks: str | Sequence[Sequence[float]] = "all",
    shift_order: int = RESONANCE_SHIFT_ORDER,
    version: int = MAP_VERSION,
) -> dict[str, Any]:
    """One point of a design map (the sweep point function; module docstring for the definitions).

    Parameters
    ----------
    point
        ``{parameter name: value}`` of the two map axes (any :data:`~nrbundle.params.PARAM_NAMES`).
    params
        Parameter set the axes are applied to.
    target, direction
        The transition |000+> <-> |target -> whose corrected resonance places Delta_ad, and its drive direction d.
    cutoff
        ``"auto"`` (:func:`nrbundle.numeric.bundles.solve_bundle_steady`: the state converged, then the bundle
        values, to ``rtol``) or a fixed ``(N_a, N_b, N_m)``.
    rtol
        Convergence tolerance of ``cutoff="auto"``.
    checks
        ``"all"``, ``"none"`` or a list of ``[x, y]`` axis values where the ED check runs and a fixed cutoff gets
        its truncation estimate (one extra solve per mode).
    shift_order
        Order of the level shifts of the analytic placement.
    version
        :data:`MAP_VERSION` (recorded in the sweep manifest; a different value is refused).

    Returns
    -------
    dict
        The floats :data:`MAP_KEYS` and ``"meta"`` (cutoff, residual, error estimate and top-level populations per
        direction, the ED error if the ED search failed).

    Raises
    ------
    InputError
        An axis that is not a parameter name.
    ConvergenceError
        No corrected resonance at this point, or a steady state that missed its tolerance.
    """
    if version != MAP_VERSION:
        raise InputError(f"version: this map_point computes version {MAP_VERSION}, got {version!r}")
    overrides = {}
    for k, v in point.items():
        if k not in PARAM_NAMES:
            raise InputError(f"axis: {k!r} is not a parameter name of the design map")
        overrides[k] = float(v)
    p = params.replace(**overrides) if overrides else params
    tgt = parse_target(target)
    check_direction(direction)
    other = "right" if direction == "left" else "left"
    if isinstance(checks, str):
        check = checks == "all"
    else:
        here = [float(v) for v in point.values()]
        check = any(list(map(float, c)) == here for c in checks)
    corr = corrected_resonance(p, tgt, direction, shift_order)
    if not corr.valid:
        raise ConvergenceError(f"Delta_ad: no corrected resonance of {tgt} ({direction} drive) at {dict(point)}")
    x = float(corr.Delta_ad)
    width = line_width(p, tgt, direction, x, float(corr.g_eff), shift_order)
    fixed = not (isinstance(cutoff, str) and cutoff == "auto")
    N = parse_cutoff(cutoff) if fixed else "auto"
    s_res, b_res = _solve(p, direction, x, tgt, N, rtol, check)
    s_opp, b_opp = _solve(p, other, x, tgt, N, rtol, check)
    nan = math.nan
    x_ed, ed_error = _ed_placement(p, tgt, direction, x) if check else (nan, "")
    offset = (x_ed - x) / width if check else nan
    flag = nan if not math.isfinite(offset) else float(abs(offset) > ED_TOLERANCE)
    errs = [b_res.value_truncation.get(k) for k in TRUNCATION_KEYS] + [b_opp.value_truncation.get("P_B")]
    trunc = max(errs) if all(e is not None for e in errs) else nan
    meta: dict[str, Any] = {
        "cutoff": list(b_res.cutoff), "cutoff_opp": list(b_opp.cutoff),
        "residual": max(b_res.residual, b_opp.residual),
        "error_estimate": max(b_res.error_estimate, b_opp.error_estimate),
        "value_truncation": dict(b_res.value_truncation), "value_truncation_opp": dict(b_opp.value_truncation),
        "top_level": dict(s_res.top_level_population), "top_level_opp": dict(s_opp.top_level_population),
        "checked": bool(check), "closed_form": float(corr.closed_form),
    }
    if ed_error:
        meta["ed_error"] = ed_error
    progress.point_done()
    return {
        "Delta_ad": x, "g_eff": float(corr.g_eff), "line_width": width,
        "Delta_ad_ed": x_ed, "ed_offset": offset, "ed_flag": flag,
        "P_B": b_res.P_B, "P_B_opp": b_opp.P_B, "isolation": _ratio(b_res.P_B, b_opp.P_B),
        "g2_B": b_res.g2_B, "g2_B_opp": b_opp.g2_B, "g1_B": b_res.g1_B,
        "purity_B": b_res.purity_B, "purity_B_opp": b_opp.purity_B,
        "truncation_error": trunc,
        "top_level_population": max(max(s.top_level_population.values()) for s in (s_res, s_opp)),
        "meta": meta,
    }


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


# ------------------------------------------------------------------------------------------------ the map
@dataclass
class DesignMap:
    """A design map: grid-shaped results of :func:`map_point` over ``x`` (first axis) and ``y`` (second axis).

    Attributes
    ----------
    target, direction
        The transition whose corrected resonance places Delta_ad, and the resonant drive direction.
    x_name, y_name, x, y
        The two axes (parameter names and values).
    arrays
        Name -> array of shape ``(len(x), len(y))`` for every name of :data:`MAP_KEYS` (NaN at failed points).
    ratio_threshold
        Isolation ratio above which a point counts as nonreciprocal.
    params
        The parameter set the axes were applied to.
    quick
        A quick map (fixed small cutoffs).
    cutoff
        ``"auto"`` or the fixed ``(N_a, N_b, N_m)``.
    failed
        The failed points: ``[{"point", "error"}]`` (their entries are NaN).
    sweep
        Where and how the sweep ran: ``{"path", "summary", "n_recomputed", "n_resumed"}`` (every point's
        provenance is in ``sweep/result.json`` of the map folder).
    path
        Folder of the map files, or ``None``.
    extra
        Notes of the writer (``"netcdf"``: what became of ``design_map.nc``).
    """

    target: tuple[int, int, int]
    direction: str
    x_name: str
    y_name: str
    x: np.ndarray
    y: np.ndarray
    arrays: dict[str, np.ndarray]
    ratio_threshold: float
    params: Params
    quick: bool
    cutoff: Any
    failed: list[dict[str, Any]]
    sweep: dict[str, Any]
    path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (arrays as nested lists, NaN kept as float); :meth:`from_dict` inverts it."""
        return {"target": list(self.target), "direction": self.direction, "x_name": self.x_name,
                "y_name": self.y_name, "x": self.x.tolist(), "y": self.y.tolist(),
                "arrays": {k: v.tolist() for k, v in self.arrays.items()}, "ratio_threshold": self.ratio_threshold,
                "params": self.params.to_dict(), "quick": self.quick,
                "cutoff": self.cutoff if isinstance(self.cutoff, str) else list(self.cutoff),
                "failed": self.failed, "sweep": self.sweep,
                "path": None if self.path is None else str(self.path)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DesignMap:
        """Inverse of :meth:`to_dict` (also after the JSON policy turned NaN into ``None``)."""

        def arr(v: Any) -> np.ndarray:
            return np.array(v, dtype=float)  # None -> nan

        cutoff = d["cutoff"] if isinstance(d["cutoff"], str) else tuple(int(n) for n in d["cutoff"])
        return cls(tuple(int(n) for n in d["target"]), str(d["direction"]), str(d["x_name"]),  # type: ignore[arg-type]
                   str(d["y_name"]), arr(d["x"]), arr(d["y"]), {k: arr(v) for k, v in d["arrays"].items()},
                   float(d["ratio_threshold"]), Params.from_dict(d["params"]), bool(d["quick"]), cutoff,
                   list(d["failed"]), dict(d["sweep"]), None if d.get("path") is None else Path(d["path"]))

    @property
    def nonreciprocal(self) -> np.ndarray:
        """Isolation ratio above :attr:`ratio_threshold` (False where undefined)."""
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(self.arrays["isolation"], nan=0.0) > self.ratio_threshold

    @property
    def antibunched(self) -> np.ndarray:
        """Bundle g2 below 1 in the resonant direction (False where undefined)."""
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(self.arrays["g2_B"], nan=np.inf) < 1.0

    @property
    def both(self) -> np.ndarray:
        """Nonreciprocal and antibunched."""
        return self.nonreciprocal & self.antibunched

    @property
    def flagged(self) -> np.ndarray:
        """Points where the ED placement differs from the analytic one by more than ED_TOLERANCE line widths."""
        return np.nan_to_num(self.arrays["ed_flag"], nan=0.0) > 0

    def smallest_x_both(self) -> list[float | None]:
        """Per ``y`` value, the smallest ``x`` of the grid that is nonreciprocal and antibunched (``None``: none)."""
        both = self.both
        return [float(self.x[both[:, j]].min()) if both[:, j].any() else None for j in range(self.y.size)]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: grid, counts of nonreciprocal/antibunched/both/flagged/failed points, ranges."""
        a = self.arrays
        checked = np.isfinite(a["ed_flag"])

        def rng(name: str) -> list[float] | None:
            v = a[name][np.isfinite(a[name])]
            return [float(v.min()), float(v.max())] if v.size else None

        return {
            "target": list(self.target), "direction": self.direction,
            "x": {"name": self.x_name, "values": self.x.tolist()},
            "y": {"name": self.y_name, "values": self.y.tolist()},
            "preset": self.params.preset, "units": self.params.units, "quick": self.quick,
            "cutoff": self.cutoff if isinstance(self.cutoff, str) else list(self.cutoff),
            "ratio_threshold": self.ratio_threshold,
            "n_points": int(self.x.size * self.y.size), "n_failed": len(self.failed),
            "n_nonreciprocal": int(self.nonreciprocal.sum()), "n_antibunched": int(self.antibunched.sum()),
            "n_both": int(self.both.sum()), "n_ed_checked": int(checked.sum()),
            "n_ed_flagged": int(self.flagged.sum()),
            "smallest_x_both": self.smallest_x_both(),
            "max_ed_offset_linewidths": float(np.nanmax(np.abs(a["ed_offset"]))) if checked.any() else None,
            "isolation_range": rng("isolation"), "g2_B_range": rng("g2_B"), "purity_B_range": rng("purity_B"),
            "max_truncation_error": float(np.nanmax(a["truncation_error"]))
            if np.isfinite(a["truncation_error"]).any() else None,
            "path": None if self.path is None else str(self.path),
        }


def design_map(
    params: Params,
    target: Sequence[int] | str,
    x: tuple[str, Any],
    y: tuple[str, Any],
    *,
    direction: str | None = None,
    quick: bool = False,
    cutoff: Any = None,
    rtol: float = CONVERGENCE_RTOL,
    checks: str = "all",
    ratio_threshold: float = DEFAULT_RATIO_THRESHOLD,
    shift_order: int = RESONANCE_SHIFT_ORDER,
    out: str | os.PathLike[str] | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: Any = None,
    progress_bar: bool = True,
    resume: bool = True,
    netcdf: bool = True,
) -> DesignMap:
    """Isolation ratio, bundle g2 and purity of ``target`` over the grid ``x`` times ``y`` (module docstring).

    Parameters
    ----------
    params
        Parameter set; the two axes replace its fields.
    target
        (n_a, n_b, n_m) of the bundle, e.g. ``(1, 0, 1)`` or ``"1,0,1"``.
    x, y
        ``(parameter name, values)``: any two different fields of :data:`~nrbundle.params.PARAM_NAMES`.
    direction
        Resonant drive direction d (default :func:`design_direction`).
    quick
        Fixed cutoff :func:`quick_cutoff` (unless ``cutoff`` is given); the map is marked quick.
    cutoff
        A fixed ``(N_a, N_b, N_m)`` (default :func:`map_cutoff`, quick :func:`quick_cutoff`; its truncation
        estimate is recorded at the checked points) or ``"auto"`` (converged at every point: about ten times the
        cost).
    rtol
        Convergence tolerance of ``cutoff="auto"`` (relative change of the state's observables and of the bundle
        values under a one-level raise of any mode).
    checks
        Where the ED check of the placement and the truncation estimate of a fixed cutoff run: ``"all"`` points,
        the four ``"corners"`` and the centre, the ``"centre"`` only, or ``"none"``.
    ratio_threshold
        Isolation ratio above which a point is nonreciprocal (> 1).
    shift_order
        Order of the level shifts of the analytic placement.
    out
        Folder for ``design_map.npz``/``.json``/``.nc`` and the sweep checkpoints ``sweep/``; ``None``: nothing
        written, no resume.
    executor, workers, scheduler
        Where the points run (:func:`nrbundle.sweep.run_sweep`).
    progress_bar
        Show the sweep's progress bar (points done, failed, time left).
    resume
        Reuse the checkpoints in ``out/sweep`` (``False`` starts afresh).
    netcdf
        Also write ``design_map.nc`` (the sweep's ``sweep/result.nc`` is written either way).

    Returns
    -------
    DesignMap

    Raises
    ------
    InputError
        Bad axes (not a parameter name, the same name twice, invalid values), target, direction, cutoff, checks or
        threshold; a sweep folder of another map (pass resume=False).
    """
    if not isinstance(params, Params):
        raise InputError(f"params: expected a nrbundle Params, got {type(params).__name__}")
    tgt = parse_target(target)
    xn, xv = check_axis("x", x, params)
    yn, yv = check_axis("y", y, params)
    if xn == yn:
        raise InputError(f"y: the same parameter as x ({xn!r}); a map needs two different parameters")
    d = design_direction(tgt) if direction is None else check_direction(direction)
    if checks not in CHECKS:
        raise InputError(f"checks: expected one of {', '.join(CHECKS)}, got {checks!r}")
    thr = check_finite("ratio_threshold", ratio_threshold)
    if not thr > 1:
        raise InputError(f"ratio_threshold: must be > 1, got {ratio_threshold!r}")
    rtol = check_finite("rtol", rtol)
    if cutoff is None:
        cutoff = quick_cutoff(tgt) if quick else map_cutoff(tgt)
    elif not (isinstance(cutoff, str) and cutoff == "auto"):
        cutoff = parse_cutoff(cutoff)
    base = {"params": params, "target": list(tgt), "direction": d,
            "cutoff": cutoff if isinstance(cutoff, str) else list(cutoff), "rtol": rtol,
            "checks": _checked_points(xv, yv, checks), "shift_order": int(shift_order), "version": MAP_VERSION}
    grid = Grid([(xn, xv), (yn, yv)])
    folder = None if out is None else Path(out)
    name = f"map {''.join(map(str, tgt))}-{d}"
    progress.expect_points(name, grid.size)
    res = run_sweep(map_point, grid, base=base, out=None if folder is None else folder / "sweep", executor=executor,
                    workers=workers, scheduler=scheduler, progress=progress_bar and not progress.installed(),
                    resume=resume)
    arrays = {k: np.asarray(res[k], dtype=float) if k in res else np.full(grid.shape, math.nan) for k in MAP_KEYS}
    failed = [{"point": f.point, "error": f.error} for f in res.failed]
    info = {"path": None if res.path is None else str(res.path), "summary": res.summary(),
            "n_recomputed": res.n_recomputed, "n_resumed": res.n_resumed, "checks": checks}
    dm = DesignMap(tgt, d, xn, yn, xv, yv, arrays, thr, params, bool(quick), cutoff, failed, info, folder)
    if folder is not None:
        _write(dm, res, netcdf)
    return dm


def _write(dm: DesignMap, res: SweepResult, netcdf: bool) -> None:
    """``design_map.npz`` + ``design_map.json`` (provenance) and ``design_map.nc`` (xarray, when installed)."""
    assert dm.path is not None
    arrays = {dm.x_name: dm.x, dm.y_name: dm.y, **dm.arrays,
              "nonreciprocal": dm.nonreciprocal.astype(float), "antibunched": dm.antibunched.astype(float),
              "both": dm.both.astype(float)}
    prov = {
        "description": "design map of nonreciprocal bundle emission (docs/beyond.md)",
        "summary": dm.summary(),
        "params": dm.params.to_dict(),
        "definitions": {
            "isolation": "P_B(d) / P_B(-d): bundle-sector population (= bundle emission rate) for the resonant drive "
                         "direction d over the other, at the same Delta_ad",
            "g2_B": "<B^dag^2 B^2> / <B^dag B>^2 in direction d", "purity_B": "n_tot Gamma_B / sum_o kappa_o n_o",
            "Delta_ad": f"corrected resonance, level shifts through order {RESONANCE_SHIFT_ORDER}",
            "line_width": "sqrt(Gamma_T^2 + 8 g_eff^2) / |d(E_P - E_T)/d Delta_ad|",
            "truncation_error": "largest relative change of P_B, g2_B, purity_B (direction d) and P_B (direction -d) "
                                "when one mode gets one more Fock level (NaN where not estimated)",
            "ed_flag": f"1 where |Delta_ad(ED, cutoff {ED_CUTOFF}) - Delta_ad| > {ED_TOLERANCE} line widths, 0 within, "
                       "NaN not checked",
        },
        "sweep": dm.sweep,
        "failed": dm.failed,
        "written": utc_now(),
    }
    dm.extra["netcdf"] = _write_netcdf(dm, res, arrays) if netcdf else "not written (netcdf=False)"
    prov["netcdf"] = dm.extra["netcdf"]
    write_arrays(dm.path, "design_map", arrays, prov)


def _write_netcdf(dm: DesignMap, res: SweepResult, arrays: Mapping[str, np.ndarray]) -> str:
    """``design_map.nc``: the sweep's Dataset plus the outline masks; a note instead when xarray is missing."""
    engine = netcdf_engine()
    if engine is None:
        return "not written: xarray or a netCDF engine is not installed"
    ds = res.to_xarray()
    dims = [dm.x_name, dm.y_name]
    for k in ("nonreciprocal", "antibunched", "both"):
        ds[k] = (dims, np.asarray(arrays[k]), {"long_name": f"{k} (ratio threshold {dm.ratio_threshold:g})"})
    ds.attrs["title"] = f"nrbundle design map of target {dm.target}, {dm.direction} drive"
    assert dm.path is not None
    atomic_write_bytes(dm.path / "design_map.nc", bytes(ds.to_netcdf(engine=engine)), durable=False)
    return "design_map.nc"
