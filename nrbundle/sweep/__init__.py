"""Parameter sweeps: product grids, serial / process-pool / Dask execution, checkpoints, resume, provenance.

A sweep evaluates one function at every point of a product grid of named axes::

    func(point: dict, **base) -> {"g2_ab": 0.31, "levels": array([...]), "meta": {"cutoff": [5, 5, 5], ...}}

and assembles each returned key into an array shaped like the grid. The machinery knows no physics; the
project's steady-state sweeps (Fig. 1 spectra versus Delta_ad, Fig. 3/4 versus kappa, both drive directions) are
functions of one grid point. No equation of the paper is implemented here.

Modules (see ``docs/sweeps.md``)
--------------------------------
grid
    :class:`Grid` (deterministic C-order points, a stable key per point) and :func:`parse_axis` (CLI axis specs).
store
    The sweep directory: ``manifest.json`` (written before any point; a resume into a directory whose manifest
    differs raises :class:`~nrbundle.errors.InputError`), one atomic, fsynced checkpoint ``points/<key>.json`` per
    finished point (success or failure), ``result.npz`` and ``result.json``; :data:`FORMAT`.
evaluate
    One point: the function called, its values checked and exactly encoded, its warnings recorded; a point whose
    function raises is recorded as failed (one-line error, traceback in its checkpoint) and the sweep goes on.
executors
    Serial, process pool (spawned, BLAS pinned to one thread per worker) and Dask; :data:`EXECUTORS`.
result
    :class:`SweepResult` (grid-shaped arrays, provenance, :attr:`SweepResult.failed`), :func:`load_sweep`.
dataset
    :meth:`SweepResult.to_xarray` (coordinates and variables with units) and the netCDF copy ``result.nc``;
    :func:`preload_netcdf` imports what that copy needs once in a process about to fork workers.
runner
    :func:`run_sweep`, the one entry point.
"""

from __future__ import annotations

__all__ = [
    "Grid",
    "SweepResult",
    "FailedPoint",
    "SweepError",
    "run_sweep",
    "load_sweep",
    "parse_axis",
    "EXECUTORS",
    "FORMAT",
    "preload_netcdf",
]

from .dataset import preload_netcdf
from .executors import EXECUTORS
from .grid import Grid, parse_axis
from .result import FailedPoint, SweepError, SweepResult, load_sweep
from .runner import run_sweep
from .store import FORMAT
