"""Running a sweep: validate the function and its arguments, resume from the store, dispatch, assemble, record.

:func:`run_sweep` is the one entry point; it composes the grid (:mod:`.grid`), the store (:mod:`.store`), the
executors (:mod:`.executors`) and the result (:mod:`.result`). Checkpoints are written by the driving process as
each point finishes; ``result.npz``/``result.json`` at the end.
"""

from __future__ import annotations

__all__ = ["run_sweep"]

import contextlib
import importlib
import inspect
import logging
import os
import pickle
import platform
import secrets
import socket
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from tqdm import tqdm

from .. import __version__
from ..errors import InputError, error_line
from ..progress import HEARTBEAT, clock, detail, is_quiet, is_verbose, say, show_bars
from ..provenance import utc_now, versions
from .dataset import NETCDF_NAME, write_netcdf
from .executors import EXECUTORS, Task, cpu_count, run_dask, run_process, run_serial
from .grid import Grid
from .result import SweepResult, assemble, failed_list, point_records
from .store import FORMAT, Store, compare_manifest, compare_version, manifest_id, manifest_value, out_dir

_log = logging.getLogger("nrbundle.sweep")


# ---------------------------------------------------------------------------------------------- function and base
def _resolve_func(func: Callable[..., Any] | str) -> tuple[Callable[..., Any], str]:
    """Return ``(callable, "module:qualname")`` for a callable or a ``"module:function"`` string."""
    if isinstance(func, str):
        module_name, sep, attr = func.partition(":")
        if not sep or not module_name.strip() or not attr.strip():
            raise InputError(f"func: expected 'module:function', got {func!r}")
        module_name, attr = module_name.strip(), attr.strip()
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError as exc:
            raise InputError(f"func: cannot import module {module_name!r} ({error_line(exc)})") from None
        for part in attr.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise InputError(f"func: module {module_name!r} has no attribute {attr!r}") from None
        if not callable(obj):
            raise InputError(f"func: {func!r} is not callable")
        return obj, f"{module_name}:{attr}"
    if not callable(func):
        raise InputError(f"func: expected a function or a 'module:function' string, got {type(func).__name__}")
    module_name = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not module_name or not qualname:
        raise InputError("func: must be a function defined at module level (or a 'module:function' string)")
    return func, f"{module_name}:{qualname}"


def _normalize_base(base: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keyword arguments for the function and their exact JSON form for the manifest.

    A mapping is passed as keyword arguments; a Params-like object (anything with ``to_dict``) is passed as
    ``params=base``.
    """
    if base is None:
        kwargs: dict[str, Any] = {}
    elif isinstance(base, Mapping):
        kwargs = dict(base)
    elif hasattr(base, "to_dict") and callable(base.to_dict):
        kwargs = {"params": base}
    else:
        raise InputError(f"base: expected a dict of keyword arguments or a Params, got {type(base).__name__}")
    for name in kwargs:
        if not isinstance(name, str) or not name.isidentifier():
            raise InputError(f"base: keyword names must be identifiers, got {name!r}")
    return kwargs, {name: manifest_value(kwargs[name], f"base[{name!r}]") for name in sorted(kwargs)}


def _check_callable(func: Callable[..., Any], func_name: str, grid: Grid, kwargs: Mapping[str, Any]) -> None:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return
    try:
        sig.bind(grid.point((0,) * grid.ndim), **kwargs)
    except TypeError as exc:
        raise InputError(f"func: {func_name} cannot be called as func(point, **base): {exc}") from None


def _check_picklable(func: Callable[..., Any], func_name: str, kwargs: Mapping[str, Any], executor: str) -> None:
    if getattr(func, "__module__", None) == "__main__" and not getattr(sys.modules.get("__main__"), "__file__", None):
        raise InputError(
            f"func: {func_name} is defined in an interactive __main__ that {executor} workers cannot import; "
            "put it in a module and pass it (or 'module:function')"
        )
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if executor == "process" and main_file and not os.path.exists(main_file):
        raise InputError(
            f"executor: 'process' cannot start workers from a main program read from {main_file!r} "
            "(spawned workers re-import it); run a script file or use executor='serial'"
        )
    try:
        pickle.dumps(func)
    except Exception as exc:
        raise InputError(
            f"func: {func_name} cannot be sent to {executor} workers (define it at module level): {error_line(exc)}"
        ) from None
    for name, value in kwargs.items():
        try:
            pickle.dumps(value)
        except Exception as exc:
            raise InputError(f"base[{name!r}]: cannot be sent to {executor} workers: {error_line(exc)}") from None


# ---------------------------------------------------------------------------------------------- progress
class _Progress:
    """What a sweep shows while it runs, at the run's verbosity (:mod:`nrbundle.progress`).

    A tqdm bar on stderr (points done, ``failed=N``, rate and ETA) when one is requested, the run is not quiet
    and stderr is a terminal; otherwise, when requested and not quiet, one summary line at least every
    :data:`nrbundle.HEARTBEAT` seconds. Verbose runs also get one detail line per point.
    """

    def __init__(self, requested: bool, total: int, initial: int, desc: str) -> None:
        self.bar = None
        self.total, self.done, self.desc = total, initial, desc
        self.t0 = self.last = time.perf_counter()
        self.computed = 0
        self.lines = bool(requested) and not is_quiet()
        if show_bars(requested):
            self.bar = tqdm(total=total, initial=initial, desc=desc, unit="pt", file=sys.stderr, dynamic_ncols=True)
            self.lines = False

    def update(self, n_failed: int, record: Mapping[str, Any] | None = None) -> None:
        self.done += 1
        self.computed += 1
        if self.bar is not None:
            if n_failed:
                self.bar.set_postfix(failed=n_failed, refresh=False)
            self.bar.update(1)
        if record is not None and is_verbose():
            line = self._point_line(record)
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                detail(line)
            return
        now = time.perf_counter()
        if self.lines and now - self.last >= HEARTBEAT and self.done < self.total:
            rate = self.computed / (now - self.t0)
            left = f", about {clock((self.total - self.done) / rate)} left" if rate > 0 else ""
            say(f"sweep {self.desc}: {self.done}/{self.total} points, {n_failed} failed{left}")
            self.last = now

    def _point_line(self, record: Mapping[str, Any]) -> str:
        meta = record.get("meta") or {}
        cutoff = f", cutoff {tuple(meta['cutoff'])}" if isinstance(meta.get("cutoff"), list) else ""
        what = "ok" if record.get("status") == "ok" else f"FAILED: {record.get('error', '')}"
        return (f"sweep {self.desc}: point {self.done}/{self.total} {record.get('point')} {what} "
                f"in {float(record.get('elapsed_s', 0.0)):.1f} s{cutoff}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _report_ignored(ignored: Mapping[str, str], store: Store) -> None:
    """Warn about checkpoint files that were ignored (they are recomputed), corrupted ones by name."""
    if not ignored:
        return
    corrupt = sorted(k for k, why in ignored.items() if why == "checksum mismatch")
    if corrupt:
        shown = ", ".join(corrupt[:3]) + (" ..." if len(corrupt) > 3 else "")
        _log.warning("sweep: %d checkpoint(s) in %s failed verification (checksum mismatch) and are recomputed: %s",
                     len(corrupt), store.points, shown)
    others = len(ignored) - len(corrupt)
    if others:
        _log.info("sweep: ignored %d unreadable or foreign checkpoint(s) in %s", others, store.points)


def _run_id() -> str:
    """``"20261130T063938-<pid>-<6 hex>"``: when, where and a random tag (the run that wrote a checkpoint)."""
    stamp = utc_now()[:19].replace("-", "").replace(":", "")
    return f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}"


# ---------------------------------------------------------------------------------------------- run
def run_sweep(
    func: Callable[..., Mapping[str, Any]] | str,
    grid: Grid | Mapping[str, Any],
    *,
    base: Mapping[str, Any] | Any = None,
    out: str | os.PathLike[str] | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
    resume: bool = True,
    retry_failed: bool = True,
    allow_version_change: bool = False,
    reuse_result: bool = False,
) -> SweepResult:
    """Evaluate ``func`` at every point of ``grid``, checkpointing each point, and assemble grid-shaped arrays.

    Parameters
    ----------
    func
        Module-level callable, or ``"module:function"``, called as ``func(point, **base)`` where ``point`` is
        ``{axis name: value}``. It returns a dict of numbers, strings and small numeric arrays (fixed shape per
        name), plus optionally ``"meta"``: a dict of per-point diagnostics (cutoffs, residuals, ...) kept in the
        provenance. ``None`` counts as NaN; ints and bools are stored as floats.
    grid
        A :class:`~nrbundle.sweep.Grid`, or a mapping accepted by it.
    base
        Fixed keyword arguments: a dict, or a Params-like object (anything with ``to_dict``) which is passed as
        ``params=base``. Recorded in the manifest; resuming requires the same values.
    out
        Sweep directory (a trailing ``.npz``/``.json`` suffix is dropped). ``None``: no files, no resume.
    executor
        ``"serial"`` (in this process), ``"process"`` (spawned worker processes, one BLAS thread each) or
        ``"dask"`` (a Dask distributed cluster).
    workers
        Worker processes for ``"process"`` and for a local Dask cluster; default: all CPU cores available.
    scheduler
        Dask only: ``"local"`` (default; a ``LocalCluster`` of ``workers`` single-threaded processes), a scheduler
        address ``"tcp://HOST:PORT"``, or an existing ``distributed.Client``.
    progress
        Show progress on stderr at the run's verbosity (:mod:`nrbundle.progress`): a tqdm bar with the points
        done, failed and the time left when stderr is a terminal, else a summary line at least every 30 s; a
        detail line per point when verbose; nothing when quiet.
    resume
        Reuse the checkpoints in ``out`` (the manifest must match). ``False`` deletes this sweep's own files in
        ``out`` first (only files that verify as its checkpoints and results; see :meth:`Store.clear`) and
        starts afresh; a folder that is not a sweep folder is refused either way.
    retry_failed
        On resume, compute again the points recorded as failed (default) instead of keeping their failure.
    allow_version_change
        Resume a sweep that another nrbundle version started (its checkpoints are kept; every checkpoint records
        the version that wrote it). Without it such a resume raises :class:`~nrbundle.errors.InputError`.
    reuse_result
        With ``resume``: when ``out`` holds the finished result of this very sweep (same manifest, written by this
        nrbundle version, no failed point, its netCDF copy present if one was written), return it as it was
        written, without reading the checkpoints or writing anything (a figure that redraws a finished sweep).

    Returns
    -------
    SweepResult
        Arrays and provenance; failed points are listed in :attr:`SweepResult.failed` (their entries are NaN).
        The sweep does not raise because points failed; call :meth:`SweepResult.raise_if_failed` for that.

    Raises
    ------
    InputError
        Bad arguments, an unusable function or base, a manifest mismatch or another nrbundle version, ``out``
        not a sweep folder (or holding symbolic links), ``out`` locked by another sweep.
    SweepError
        A worker process died (checkpoints of finished points are kept; run again to resume).
    """
    fn, func_name = _resolve_func(func)
    if not isinstance(grid, Grid):
        grid = Grid(grid)
    kwargs, base_json = _normalize_base(base)
    if executor not in EXECUTORS:
        raise InputError(f"executor: expected one of {', '.join(EXECUTORS)}, got {executor!r}")
    if workers is None:
        workers = cpu_count()
    elif isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"workers: expected a positive integer, got {workers!r}")
    workers = int(workers)
    if scheduler is not None and executor != "dask":
        raise InputError(f"scheduler: only used with executor='dask' (executor is {executor!r})")
    _check_callable(fn, func_name, grid, kwargs)
    if executor != "serial":
        _check_picklable(fn, func_name, kwargs, executor)

    core = {"format": FORMAT, "func": func_name, "grid": grid.to_dict(), "base": base_json}
    mid = manifest_id(core)
    started, t0 = utc_now(), time.perf_counter()
    run_id = _run_id()
    store = Store(out_dir(out)) if out is not None else None

    if store is not None:
        store.check_folder()

    with store.locked() if store is not None else contextlib.nullcontext():
        if store is not None and resume and reuse_result:
            finished = _finished_result(store, mid)
            if finished is not None:  # described as what this call did: a resume that computed nothing
                stored, arrays = finished
                provenance = {
                    **stored,
                    "n_recomputed": 0,
                    "n_resumed": grid.size,
                    "workers": 0,
                    "points": [{**rec, "resumed": True} for rec in stored.get("points", [])],
                    "reused_result": "result.npz and result.json as written by the run that finished the sweep",
                    "run": run_id,
                    "started": started,
                    "finished": utc_now(),
                    "wall_time_s": time.perf_counter() - t0,
                    "argv": list(sys.argv),
                }
                return SweepResult(grid=grid, arrays=arrays, provenance=provenance, path=store.path)
        records: dict[str, dict[str, Any]] = {}
        ignored: dict[str, str] = {}
        version_change = False
        if store is not None:
            existing = store.read_manifest(strict=resume)
            if resume and existing is not None:
                compare_manifest(existing, core, store.path)
                version_change = compare_version(existing, __version__, store.path, allow_version_change)
                if version_change:
                    history = list(existing.get("version_history") or [existing.get("version")])
                    store.write_manifest({**existing, "version": __version__, "version_history": history})
            else:
                if not resume:
                    store.clear(existing)
                store.write_manifest({**core, "id": mid, "version": __version__, "created": started,
                                      "argv": list(sys.argv)})
            store.points.mkdir(exist_ok=True)  # also when a resumed folder lost it
            store.remove_temporaries()
            if resume:
                records, ignored = store.read_records(grid, mid)
                _report_ignored(ignored, store)
        tasks: list[Task] = []
        for index in grid.indices():
            key = grid.key(index)
            rec = records.get(key)
            if rec is None or (retry_failed and rec["status"] == "failed"):
                records.pop(key, None)
                tasks.append((index, key, grid.point(index)))
        resumed = set(records)

        bar = _Progress(progress, grid.size, len(resumed), func_name.rpartition(":")[2])
        n_failed = sum(1 for r in records.values() if r["status"] == "failed")

        def handle(task: Task, outcome: dict[str, Any]) -> None:
            nonlocal n_failed
            index, key, point = task
            record = {
                "format": FORMAT,
                "manifest": mid,
                "key": key,
                "index": list(index),
                "point": point,
                "run": run_id,
                "finished": utc_now(),
                "version": __version__,
                **outcome,
            }
            if store is not None:
                store.write_record(record)
            records[key] = record
            n_failed += record["status"] == "failed"
            bar.update(n_failed, record)

        try:
            if not tasks:
                info: dict[str, Any] = {"workers": 0}
            elif executor == "serial":
                info = run_serial(fn, kwargs, tasks, handle)
            elif executor == "process":
                info = run_process(fn, kwargs, tasks, handle, workers)
            else:
                info = run_dask(fn, kwargs, tasks, handle, workers, scheduler, run_id)
        finally:
            bar.close()

        arrays = assemble(grid, records)
        points = point_records(grid, records, resumed)
        failed = failed_list(points)
        provenance: dict[str, Any] = {
            "format": FORMAT,
            "manifest_id": mid,
            "func": func_name,
            "grid": grid.to_dict(),
            "shape": list(grid.shape),
            "base": base_json,
            "results": {name: {"dtype": str(a.dtype), "shape": list(a.shape)} for name, a in arrays.items()},
            "executor": executor,
            **info,
            "n_points": grid.size,
            "n_recomputed": len(tasks),
            "n_resumed": len(resumed),
            "n_failed": len(failed),
            "n_ignored_checkpoints": len(ignored),
            "ignored_checkpoints": ignored,
            "version_change": version_change,
            "failed": failed,
            "run": run_id,
            "started": started,
            "finished": utc_now(),
            "wall_time_s": time.perf_counter() - t0,
            "argv": list(sys.argv),
            "host": socket.gethostname(),
            "platform": platform.platform(),
            "versions": versions(),
            "points": points,
        }
        result = SweepResult(grid=grid, arrays=arrays, provenance=provenance, path=store.path if store else None)
        if store is not None:
            provenance["netcdf"] = write_netcdf(result, store.path)  # before result.json, which records the outcome
            store.write_result(grid, arrays, provenance)

    if failed:
        shown = "; ".join(f"{f['point']}: {f['error']}" for f in failed[:3])
        more = " ..." if len(failed) > 3 else ""
        _log.warning("sweep %s: %d of %d points failed: %s%s", func_name, len(failed), grid.size, shown, more)
    n_warned = sum(1 for p in points if p.get("warnings"))
    if n_warned:
        _log.warning("sweep %s: %d points emitted warnings (recorded per point in the provenance)", func_name, n_warned)
    return result


def _finished_result(store: Store, mid: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """The provenance and arrays of the finished result in ``store`` if it is complete and current for the manifest
    ``mid`` (``reuse_result``), else ``None``."""
    if not store.has_result():
        return None
    try:
        provenance, arrays = store.read_result()
    except InputError:  # unreadable: the resume reports and rewrites it
        return None
    netcdf = str(provenance.get("netcdf", ""))
    current = (
        provenance.get("manifest_id") == mid
        and provenance.get("n_failed") == 0
        and not provenance.get("partial")
        and (provenance.get("versions") or {}).get("nrbundle") == __version__
        and set(arrays) == set(provenance.get("results", {}))
        and (netcdf.startswith("not written") or (store.path / NETCDF_NAME).exists())
    )
    return (provenance, arrays) if current else None
