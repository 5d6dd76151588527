"""A sweep result as an ``xarray.Dataset`` (coordinates with units, variables with their meaning) and as netCDF.

:func:`to_dataset` turns a :class:`~nrbundle.sweep.result.SweepResult` into a Dataset: one dimension coordinate
per grid axis (in grid order), one data variable per result name (extra dimensions ``<name>_dim0``, ... for array
results), and the numeric per-point ``meta`` entries (``residual``, ``iterations``, ...) as further variables.
Units and descriptions come from :func:`nrbundle.params.unit_of` and :func:`nrbundle.params.describe`, with the
frequency unit of the sweep's ``params`` (``omega_b`` for ``fig1``, ``GHz`` for ``physical``); the provenance
(function, grid, base arguments, versions, failed points) goes into the attributes as text and numbers.

:func:`write_netcdf` writes the Dataset as ``result.nc`` beside ``result.npz`` (engine :data:`ENGINES`, the first
installed: ``h5netcdf``, then ``netcdf4``; ``pip install nrbundle[xarray]``). netCDF has no complex type, so a
complex result ``z`` is stored as ``z_real`` and ``z_imag``. Without xarray or an engine nothing is written and the
reason is returned, never raised. No equation of the paper is implemented here.
"""

from __future__ import annotations

__all__ = ["to_dataset", "write_netcdf", "netcdf_engine", "preload_netcdf", "ENGINES", "NETCDF_NAME", "INSTALL_HINT"]

import importlib.util
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import error_line
from ..params import describe, unit_of
from ..provenance import atomic_write_bytes, canonical_json, json_value

if TYPE_CHECKING:  # the result module imports this one
    import xarray

    from .result import SweepResult

#: netCDF engines of xarray tried in order, with the modules each needs.
ENGINES: tuple[tuple[str, tuple[str, ...]], ...] = (("h5netcdf", ("h5netcdf", "h5py")), ("netcdf4", ("netCDF4",)))
#: File name of the netCDF copy of a sweep result.
NETCDF_NAME = "result.nc"
#: What to install for the netCDF copy.
INSTALL_HINT = "pip install 'nrbundle[xarray]' (xarray, h5netcdf)"
#: Provenance entries copied into the Dataset's attributes (JSON text where not a plain string or number).
_ATTRS = ("func", "manifest_id", "executor", "run", "started", "finished", "host", "platform", "n_points",
          "n_failed", "n_recomputed", "n_resumed")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def netcdf_engine() -> str | None:
    """The first engine of :data:`ENGINES` whose modules are installed (and xarray itself), else ``None``."""
    if not _installed("xarray"):
        return None
    for engine, modules in ENGINES:
        if all(_installed(m) for m in modules):
            return engine
    return None


def preload_netcdf() -> None:
    """Import xarray and the netCDF engine now, by writing a two-value Dataset in memory (no-op without them).

    The first :func:`write_netcdf` of a process imports xarray, its engine and what ``to_netcdf`` loads lazily
    (about a second of CPU). A process that is about to fork workers which all write sweeps calls this first, so
    the import is paid once and shared, not once per worker. The warm-up holds a variable, a coordinate and
    attributes: an empty Dataset leaves the engine's variable writer (h5py, and dask's scheduler lookup) to the
    first real write of every worker (measured: 0.22 CPU-s instead of 0.06).
    """
    engine = netcdf_engine()
    if engine is None:
        return
    try:
        import xarray

        xarray.Dataset({"v": ("x", np.zeros(2), {"units": "1"})}, coords={"x": ("x", np.arange(2.0))},
                       attrs={"title": "warm-up"}).to_netcdf(engine=engine)
    except Exception:  # noqa: BLE001, S110 - only a warm-up: write_netcdf reports any real failure itself
        pass


def _frequency_unit(result: SweepResult) -> str | None:
    """``units`` of the ``params`` base argument (``omega_b`` or ``GHz``), if the sweep has one."""
    params = (result.provenance.get("base") or {}).get("params")
    if isinstance(params, dict):
        fields = params.get("fields", params)
        if isinstance(fields, dict) and isinstance(fields.get("units"), str):
            return fields["units"]
    return None


def _attrs(name: str, units: str | None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unit = unit_of(name, units)
    if unit is not None:
        out["units"] = unit
    text = describe(name)
    if text is not None:
        out["long_name"] = text
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def _attr_value(value: Any) -> Any:
    """A netCDF attribute: strings and finite numbers as they are, everything else as canonical JSON text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return canonical_json(json_value(value))


def _meta_variables(result: SweepResult, taken: set[str]) -> dict[str, np.ndarray]:
    """Numeric scalar ``meta`` entries present at some point, as grid-shaped float arrays (NaN elsewhere)."""
    names: list[str] = []
    for rec in result.provenance.get("points", []):
        for k, v in (rec.get("meta") or {}).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in names:
                names.append(k)
    return {(f"meta_{k}" if k in taken else k): result.meta(k) for k in names}


def to_dataset(result: SweepResult) -> xarray.Dataset:
    """The sweep result as an ``xarray.Dataset`` (module docstring).

    Raises
    ------
    ImportError
        xarray is not installed (``pip install 'nrbundle[xarray]'``).
    """
    import xarray  # deferred: an optional dependency, and a heavy import that plain sweeps never need

    units = _frequency_unit(result)
    dims = list(result.axes)
    coords = {name: (name, np.asarray(values), _attrs(name, units)) for name, values in result.axes.items()}
    data: dict[str, Any] = {}
    for name, arr in result.arrays.items():
        extra = [f"{name}_dim{i}" for i in range(arr.ndim - len(dims))]
        data[name] = ([*dims, *extra], arr, _attrs(name, units))
    for name, arr in _meta_variables(result, set(data) | set(coords)).items():
        base = name.removeprefix("meta_")
        data[name] = (dims, arr, _attrs(base, units, description=f"per-point meta entry {base!r} of the sweep"))
    prov = result.provenance
    attrs: dict[str, Any] = {
        "title": f"nrbundle sweep of {prov.get('func')}",
        "source": f"nrbundle {(prov.get('versions') or {}).get('nrbundle', '')}".strip(),
        "frequency_units": units or "",
        "grid": canonical_json(prov.get("grid", {})),
        "base": canonical_json(prov.get("base", {})),
        "failed_points": canonical_json(json_value(prov.get("failed", []))),
        "versions": canonical_json(json_value(prov.get("versions", {}))),
        "provenance": "result.json beside this file: every point's status, meta, time and warnings",
    }
    attrs.update({k: _attr_value(prov[k]) for k in _ATTRS if prov.get(k) is not None})
    return xarray.Dataset(data, coords=coords, attrs=attrs)


def _netcdf_ready(ds: xarray.Dataset) -> xarray.Dataset:
    """Complex variables split into ``<name>_real`` and ``<name>_imag`` (netCDF has no complex type)."""
    complex_names = [name for name, var in ds.data_vars.items() if var.dtype.kind == "c"]
    if not complex_names:
        return ds
    out = ds.drop_vars(complex_names)
    for name in complex_names:
        var = ds[name]
        for part, values in (("real", var.real), ("imag", var.imag)):
            out[f"{name}_{part}"] = values.assign_attrs({**var.attrs, "complex_part": f"{part} part of {name}"})
    return out


def write_netcdf(result: SweepResult, folder: str | Path) -> str:
    """Write :func:`to_dataset` as ``<folder>/result.nc`` (atomically); return a one-line note for ``result.json``.

    Never raises for a missing dependency or a value netCDF cannot hold: the note then says why no file was written
    (``"not written: xarray is not installed (pip install ...)"``).
    """
    engine = netcdf_engine()
    if engine is None:
        missing = "xarray is not installed" if not _installed("xarray") else "no netCDF engine is installed"
        return f"not written: {missing} ({INSTALL_HINT})"
    try:
        payload = bytes(_netcdf_ready(to_dataset(result)).to_netcdf(engine=engine))  # in memory
    except Exception as exc:  # noqa: BLE001 - the .npz is the result; the netCDF copy must never break a sweep
        return f"not written: {error_line(exc)}"
    atomic_write_bytes(Path(folder) / NETCDF_NAME, payload, durable=True)  # a disk fault is raised like any write
    return f"{NETCDF_NAME} (xarray {engine})"
