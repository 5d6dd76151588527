"""The result of a sweep: grid-shaped arrays assembled from the checkpoints, per-point records, failures, loading.

:func:`assemble` turns the per-point records into one array per result name, shaped ``grid.shape + value shape``
(NaN, or ``""`` for strings, where a point failed or was never computed). :class:`SweepResult` holds the arrays with
the provenance; :func:`load_sweep` reads a sweep directory back (finished, or with ``partial=True`` unfinished).
"""

from __future__ import annotations

__all__ = [
    "SweepError",
    "FailedPoint",
    "SweepResult",
    "assemble",
    "point_records",
    "failed_list",
    "load_sweep",
]

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, NrbundleError
from ..provenance import decode_exact
from .dataset import to_dataset
from .grid import Grid
from .store import FORMAT, Store, out_dir

if TYPE_CHECKING:  # an optional dependency, imported only when a Dataset is asked for
    import xarray


class SweepError(NrbundleError, RuntimeError):
    """A sweep could not complete: a worker process died, or (``raise_if_failed``) points failed."""


@dataclass(frozen=True)
class FailedPoint:
    """A grid point whose function raised.

    Attributes
    ----------
    key, index, point
        Which point (stable key, grid index, axis values).
    error
        ``"ExceptionType: first line of the message"``.
    """

    key: str
    index: tuple[int, ...]
    point: dict[str, Any]
    error: str


# ---------------------------------------------------------------------------------------------- assembly
def assemble(grid: Grid, records: Mapping[str, Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """One array per result name, shaped ``grid.shape + value shape``; NaN (or "") where no result exists.

    Raises
    ------
    InputError
        A name holds strings at some points and numbers at others, or arrays of different shapes.
    """
    layout: dict[str, tuple[str, tuple[int, ...], str]] = {}  # name -> (kind, value shape, first key)
    decoded: dict[str, dict[str, Any]] = {}
    for index in grid.indices():
        key = grid.key(index)
        record = records.get(key)
        if record is None or record.get("status") != "ok":
            continue
        vals = {name: decode_exact(enc) for name, enc in record["values"].items()}
        decoded[key] = vals
        for name, v in vals.items():
            if isinstance(v, str):
                kind, shape = "str", ()
            elif isinstance(v, np.ndarray):
                kind, shape = ("complex" if v.dtype.kind == "c" else "float"), v.shape
            else:
                kind, shape = ("complex" if isinstance(v, complex) else "float"), ()
            if name not in layout:
                layout[name] = (kind, shape, key)
                continue
            old_kind, old_shape, first = layout[name]
            if (old_kind == "str") != (kind == "str"):
                raise InputError(
                    f"result {name!r}: a string at point {first} but a number at point {key}; return one type per name"
                )
            if old_shape != shape:
                raise InputError(
                    f"result {name!r}: shape {old_shape} at point {first} but {shape} at point {key}; "
                    "return fixed-shape arrays (pad with NaN)"
                )
            if kind == "complex" and old_kind == "float":
                layout[name] = ("complex", shape, first)
    arrays: dict[str, np.ndarray] = {}
    for name, (kind, shape, _) in layout.items():
        if kind == "str":
            arrays[name] = np.full(grid.shape, "", dtype=object)
        elif kind == "complex":
            arrays[name] = np.full(grid.shape + shape, complex(math.nan, math.nan), dtype=np.complex128)
        else:
            arrays[name] = np.full(grid.shape + shape, math.nan, dtype=np.float64)
    for index in grid.indices():
        vals = decoded.get(grid.key(index))
        if vals is None:
            continue
        for name, v in vals.items():
            arrays[name][index] = v
    for name, (kind, _, _) in layout.items():
        if kind == "str":
            arrays[name] = arrays[name].astype(str)
    return arrays


def point_records(grid: Grid, records: Mapping[str, Mapping[str, Any]], resumed: set[str]) -> list[dict[str, Any]]:
    """The per-point entries of the provenance, in sweep order (``status`` ``"missing"`` where no record)."""
    out = []
    for index in grid.indices():
        key = grid.key(index)
        rec = records.get(key)
        entry: dict[str, Any] = {"key": key, "index": list(index), "point": grid.point(index)}
        if rec is None:
            entry["status"] = "missing"
        else:
            entry["status"] = rec["status"]
            for name in ("meta", "error", "warnings", "elapsed_s", "host", "pid", "run", "finished", "version"):
                if name in rec:
                    entry[name] = rec[name]
            entry["resumed"] = key in resumed
        out.append(entry)
    return out


def failed_list(points: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``failed`` entries of the provenance: key, index, point and error of every failed point."""
    return [
        {"key": p["key"], "index": p["index"], "point": p["point"], "error": p.get("error", "")}
        for p in points
        if p["status"] == "failed"
    ]


# ---------------------------------------------------------------------------------------------- result
@dataclass(eq=False)
class SweepResult:
    """Arrays and provenance of a finished (or, from ``load_sweep(partial=True)``, unfinished) sweep.

    Attributes
    ----------
    grid
        The grid swept.
    arrays
        Result name -> array of shape ``grid.shape + value shape`` (float64, complex128 or str); NaN (or ``""``)
        at failed or missing points.
    provenance
        The content of ``result.json``: func, grid, base, executor, counts, versions, argv, host, times, per-point
        records (``points``, in sweep order, with ``meta``, ``status``, ``elapsed_s``, ``warnings``) and ``failed``.
    path
        The sweep directory, or None for a sweep run without ``out``.
    """

    grid: Grid
    arrays: dict[str, np.ndarray]
    provenance: dict[str, Any]
    path: Path | None = None
    _flat: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self._flat = list(self.provenance.get("points", []))

    # ---------------------------------------------------------------- access
    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.arrays[name]
        except KeyError:
            raise KeyError(f"no result {name!r}; results: {', '.join(sorted(self.arrays)) or '(none)'}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.arrays

    def keys(self) -> list[str]:
        """Result names."""
        return list(self.arrays)

    @property
    def axes(self) -> dict[str, np.ndarray]:
        """Axis name -> values."""
        return self.grid.axes

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape."""
        return self.grid.shape

    @property
    def failed(self) -> list[FailedPoint]:
        """Points whose function raised, in sweep order."""
        return [
            FailedPoint(key=f["key"], index=tuple(f["index"]), point=dict(f["point"]), error=f["error"])
            for f in self.provenance.get("failed", [])
        ]

    @property
    def missing(self) -> list[str]:
        """Keys of points never computed (only for ``load_sweep(..., partial=True)``)."""
        return list(self.provenance.get("missing", []))

    @property
    def ok(self) -> bool:
        """True when every point was computed without error."""
        return not self.provenance.get("failed") and not self.provenance.get("missing")

    @property
    def n_recomputed(self) -> int:
        """Points evaluated by the run that wrote this result."""
        return int(self.provenance.get("n_recomputed", 0))

    @property
    def n_resumed(self) -> int:
        """Points taken from existing checkpoints by that run."""
        return int(self.provenance.get("n_resumed", 0))

    def point_record(self, index: Sequence[int]) -> dict[str, Any]:
        """Per-point provenance (status, meta, elapsed_s, host, warnings, error) at ``index``."""
        flat = int(np.ravel_multi_index(tuple(index), self.grid.shape))
        return self._flat[flat]

    def point_meta(self, index: Sequence[int]) -> dict[str, Any]:
        """The ``meta`` dict the function returned at ``index`` (empty if none or failed)."""
        return dict(self.point_record(index).get("meta") or {})

    def meta(self, name: str) -> np.ndarray:
        """A numeric scalar meta entry as a grid-shaped float array (NaN where absent or not a number)."""
        out = np.full(self.grid.shape, math.nan)
        for flat, rec in enumerate(self._flat):
            v = (rec.get("meta") or {}).get(name)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[np.unravel_index(flat, self.grid.shape)] = v
        return out

    def warnings(self) -> dict[str, list[str]]:
        """Key -> warnings recorded while computing that point (only points that warned)."""
        return {rec["key"]: list(rec["warnings"]) for rec in self._flat if rec.get("warnings")}

    def raise_if_failed(self) -> None:
        """Raise :class:`SweepError` listing failed (or missing) points, if any."""
        failed = self.failed
        if failed:
            first = "; ".join(f"{f.point}: {f.error}" for f in failed[:3])
            more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
            raise SweepError(f"{len(failed)} of {self.grid.size} sweep points failed: {first}{more}")
        if self.missing:
            raise SweepError(f"{len(self.missing)} of {self.grid.size} sweep points were never computed")

    def summary(self) -> str:
        """One line: points, failures, recomputed/resumed, where."""
        p = self.provenance
        where = f" in {self.path}" if self.path else ""
        return (
            f"sweep {p.get('func')}: {self.grid.size} points {self.grid.shape}, "
            f"{len(p.get('failed', []))} failed, {p.get('n_recomputed', 0)} computed, "
            f"{p.get('n_resumed', 0)} resumed{where}"
        )

    def to_xarray(self) -> xarray.Dataset:
        """The result as an ``xarray.Dataset``: a coordinate per grid axis and a variable per result name, with
        units and descriptions, the provenance in the attributes (:func:`nrbundle.sweep.dataset.to_dataset`).

        Raises
        ------
        ImportError
            xarray is not installed (``pip install 'nrbundle[xarray]'``).
        """
        return to_dataset(self)

    def __repr__(self) -> str:
        n_failed = len(self.provenance.get("failed", []))
        names = sorted(self.arrays)
        shown = ", ".join(names[:8]) + (f", ... ({len(names)})" if len(names) > 8 else "")
        func = str(self.provenance.get("func") or "?").rpartition(":")[2]
        where = f", path={str(self.path)!r}" if self.path is not None else ""
        missing = f", {len(self.missing)} missing" if self.missing else ""
        return f"SweepResult({func} over {self.grid!r}: [{shown}], {n_failed} failed{missing}{where})"


# ---------------------------------------------------------------------------------------------- load
def load_sweep(out: str | os.PathLike[str], *, partial: bool = False) -> SweepResult:
    """Read a sweep directory written by :func:`~nrbundle.sweep.run_sweep`.

    Parameters
    ----------
    out
        The sweep directory (as passed to ``run_sweep``).
    partial
        If the sweep never finished (no ``result.npz``), assemble what its checkpoints hold instead of raising;
        uncomputed points are NaN and listed in :attr:`SweepResult.missing`.

    Raises
    ------
    InputError
        No sweep in ``out``, or an unfinished one with ``partial=False``.
    """
    store = Store(out_dir(out))
    if store.has_result():
        provenance, arrays = store.read_result()
        if "grid" not in provenance:
            raise InputError(f"out: cannot read the sweep result in {str(store.path)!r} (no grid in result.json)")
        return SweepResult(grid=Grid.from_dict(provenance["grid"]), arrays=arrays, provenance=provenance,
                           path=store.path)
    manifest = store.read_manifest() if store.path.is_dir() else None
    if manifest is None:
        raise InputError(f"out: no sweep in {str(store.path)!r} (no manifest.json)")
    if not partial:
        raise InputError(
            f"out: the sweep in {str(store.path)!r} has not finished (no result.npz); run it again to resume, "
            "or load_sweep(out, partial=True)"
        )
    grid = Grid.from_dict(manifest["grid"])
    records, ignored = store.read_records(grid, manifest["id"])
    arrays = assemble(grid, records)
    points = point_records(grid, records, set(records))
    provenance = {
        "format": FORMAT,
        "manifest_id": manifest["id"],
        "func": manifest.get("func"),
        "grid": manifest["grid"],
        "shape": list(grid.shape),
        "base": manifest.get("base"),
        "results": {name: {"dtype": str(a.dtype), "shape": list(a.shape)} for name, a in arrays.items()},
        "partial": True,
        "n_points": grid.size,
        "n_recomputed": 0,
        "n_resumed": len(records),
        "n_failed": sum(1 for p in points if p["status"] == "failed"),
        "n_ignored_checkpoints": len(ignored),
        "ignored_checkpoints": ignored,
        "failed": failed_list(points),
        "missing": [p["key"] for p in points if p["status"] == "missing"],
        "points": points,
    }
    return SweepResult(grid=grid, arrays=arrays, provenance=provenance, path=store.path)
