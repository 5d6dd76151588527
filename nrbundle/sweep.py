"""Parameter sweeps: product grids, serial / process-pool / Dask execution, checkpoints, resume, provenance.

A sweep evaluates one function at every point of a product grid of named axes::

    func(point: dict, **base) -> {"g2_ab": 0.31, "levels": array([...]), "meta": {"cutoff": [5, 5, 5], ...}}

and assembles each returned key into an array shaped like the grid. The machinery knows no physics; the
project's steady-state sweeps (Fig. 1 spectra versus Delta_ad, Fig. 3/4 versus kappa, both drive directions) are
functions of one grid point.

Design (see ``docs/sweeps.md``):

- Deterministic point order (C order over the axes, in the order they were given) and a stable key per point,
  ``"<i0>-<i1>-..._<hash>"``: zero-padded indices plus 12 hex digits of a SHA-256 of the point's values.
- Every finished point (success or failure) is written by the driving process as its own JSON file
  ``<out>/points/<key>.json``: written to a temporary file in the same directory, fsynced, then renamed with
  ``os.replace`` (atomic on POSIX), so a crash or SIGKILL at any moment leaves either the complete checkpoint or
  none. Temporary files (``.<name>.<random>.tmp``) are never read. Workers only compute; they need no shared
  filesystem.
- ``<out>/manifest.json`` (function name, grid, base parameters) is written before any point; resuming into a
  directory whose manifest differs raises :class:`~nrbundle.errors.InputError`.
- A point whose function raises is recorded as failed (one-line error, traceback in its checkpoint), its result
  entries are NaN, and the sweep goes on; ``run_sweep`` returns normally and lists the failures in
  :attr:`SweepResult.failed` (``SweepResult.raise_if_failed()`` turns them into an exception). Failed points are
  computed again on resume (``retry_failed=True``).
- ``<out>/result.npz`` holds one array per result key plus the axis arrays; ``<out>/result.json`` the provenance.

No equation of the paper is implemented here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import hashlib
import importlib
import importlib.metadata
import inspect
import json
import logging
import math
import multiprocessing
import os
import pickle
import platform
import secrets
import signal
import socket
import sys
import tempfile
import time
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .errors import InputError, NrbundleError

__all__ = [
    "Grid",
    "SweepResult",
    "FailedPoint",
    "SweepError",
    "run_sweep",
    "load_sweep",
    "parse_axis",
    "EXECUTORS",
    "BLAS_THREAD_VARS",
    "FORMAT",
]

#: Format tag written into every manifest, checkpoint and result sidecar.
FORMAT = "nrbundle.sweep/1"
#: Accepted values of ``run_sweep(executor=...)``.
EXECUTORS: tuple[str, ...] = ("serial", "process", "dask")
#: Environment variables that set the thread count of BLAS/OpenMP libraries; set to 1 in every worker.
BLAS_THREAD_VARS: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

#: Length (hex digits) of the value hash in a point key.
_KEY_HASH_LEN = 12
#: Warnings recorded per point at most (the rest are counted).
_MAX_WARNINGS_PER_POINT = 20
#: Characters kept of a one-line error message.
_MAX_ERROR_CHARS = 500
#: Versions recorded in the provenance (distribution names).
_VERSION_PACKAGES = ("nrbundle", "numpy", "scipy", "qutip", "sympy", "dask", "distributed", "tqdm", "threadpoolctl")

_log = logging.getLogger("nrbundle.sweep")


class SweepError(NrbundleError, RuntimeError):
    """A sweep could not complete: a worker process died, or (``raise_if_failed``) points failed."""


# ---------------------------------------------------------------------------------------------- JSON helpers
def _canonical_json(obj: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces); floats use Python's shortest round-trip repr."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _one_line(exc: BaseException) -> str:
    """``"TypeName: first line of the message"``, truncated."""
    msg = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {msg[0]}" if msg else type(exc).__name__
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 3] + "..."


def _meta_json(value: Any) -> Any:
    """Lenient conversion of per-point metadata to JSON (arrays -> lists, unknown objects -> repr)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return _meta_json(value.item())
    if isinstance(value, complex):
        return {"re": value.real, "im": value.imag}
    if isinstance(value, np.ndarray):
        return _meta_json(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): _meta_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_meta_json(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return _meta_json(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _meta_json(dataclasses.asdict(value))
    return repr(value)


def _base_json(value: Any, where: str) -> Any:
    """Strict conversion of a base parameter to JSON for the manifest (compared exactly on resume)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, np.generic):
        return _base_json(value.item(), where)
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufcUS":
            raise InputError(f"{where}: cannot record an array of dtype {value.dtype} in the sweep manifest")
        return {"__ndarray__": _base_json(value.tolist(), where), "dtype": str(value.dtype)}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InputError(f"{where}: dictionary keys must be strings, got {k!r}")
            out[k] = _base_json(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_base_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "to_dict") and callable(value.to_dict):
        cls = type(value)
        return {"__type__": f"{cls.__module__}.{cls.__qualname__}", "fields": _base_json(value.to_dict(), where)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = _base_json(dataclasses.asdict(value), where)
        return {"__type__": f"{cls.__module__}.{cls.__qualname__}", "fields": fields}
    if callable(value) and getattr(value, "__module__", None) and getattr(value, "__qualname__", None):
        return {"__callable__": f"{value.__module__}:{value.__qualname__}"}
    raise InputError(
        f"{where}: cannot record a value of type {type(value).__name__} in the sweep manifest "
        "(use numbers, strings, lists, dicts, arrays, a Params or a dataclass)"
    )


def _encode_value(value: Any) -> Any:
    """Encode a normalised result value (float, complex, str, ndarray) as exact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return {
                "__ndarray__": value.real.ravel().tolist(),
                "imag": value.imag.ravel().tolist(),
                "shape": list(value.shape),
                "dtype": "complex128",
            }
        return {"__ndarray__": value.ravel().tolist(), "shape": list(value.shape), "dtype": "float64"}
    raise TypeError(f"unexpected normalised value of type {type(value).__name__}")  # pragma: no cover


def _decode_value(obj: Any) -> Any:
    """Inverse of :func:`_encode_value` (exact: floats round-trip through their shortest repr)."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return float(obj)
    if isinstance(obj, dict):
        if "__complex__" in obj:
            re, im = obj["__complex__"]
            return complex(float(re), float(im))
        if "__ndarray__" in obj:
            shape = tuple(int(n) for n in obj["shape"])
            real = np.asarray(obj["__ndarray__"], dtype=np.float64)
            if obj.get("dtype") == "complex128":
                # built part by part: real + 1j * imag would not reproduce every bit pattern (-0.0, inf)
                arr = np.empty(real.shape, dtype=np.complex128)
                arr.real = real
                arr.imag = np.asarray(obj["imag"], dtype=np.float64)
                return arr.reshape(shape)
            return real.reshape(shape)
    raise ValueError(f"not an encoded sweep value: {obj!r}")


# ---------------------------------------------------------------------------------------------- axes and grid
def _python_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _normalize_axis(name: Any, values: Any) -> np.ndarray:
    """Validate one axis and return it as a 1-D array (float64, int64, bool or str)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"grid: axis name must be a Python identifier, got {name!r}")
    if name == "meta":
        raise InputError("grid: 'meta' is reserved for per-point metadata and cannot name an axis")
    if isinstance(values, np.ndarray) and values.ndim == 0:
        values = [values.item()]
    if isinstance(values, (str, bytes)) or not isinstance(values, (np.ndarray, Sequence, Iterable)):
        values = [values]
    raw = [_python_scalar(v) for v in (values.tolist() if isinstance(values, np.ndarray) else list(values))]
    if len(raw) == 0:
        raise InputError(f"grid: axis {name!r} has no values")
    if any(isinstance(v, (list, tuple, dict, np.ndarray)) for v in raw):
        raise InputError(f"grid: axis {name!r} must be one-dimensional")
    if all(isinstance(v, str) for v in raw):
        arr = np.array(raw, dtype=str)
    elif all(isinstance(v, bool) for v in raw):
        arr = np.array(raw, dtype=bool)
    elif all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        arr = np.array(raw, dtype=np.int64)
    elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw):
        arr = np.array(raw, dtype=np.float64)
        bad = [v for v in raw if not math.isfinite(v)]
        if bad:
            raise InputError(f"grid: axis {name!r} holds a non-finite value {bad[0]!r}")
    else:
        kinds = sorted({type(v).__name__ for v in raw})
        raise InputError(f"grid: axis {name!r} mixes value types {kinds}; use numbers or strings")
    seen: set[Any] = set()
    for v in arr.tolist():
        if v in seen:
            raise InputError(f"grid: axis {name!r} holds the value {v!r} more than once")
        seen.add(v)
    arr.setflags(write=False)
    return arr


def _axis_kind(arr: np.ndarray) -> str:
    return {"U": "str", "b": "bool", "i": "int", "f": "float"}[arr.dtype.kind]


class Grid:
    """Product grid over named axes, with a deterministic point order and a stable key per point.

    Parameters
    ----------
    axes
        Mapping (or sequence of pairs) from axis name to its values, e.g.
        ``{"Delta_ad": np.linspace(1.30, 1.40, 101), "direction": ["left", "right"]}``. Names must be Python
        identifiers; values are all numbers (int or float, finite) or all strings (or all bools), distinct. A
        scalar is a one-point axis.

    Notes
    -----
    Points are visited in C order over the axes in the order given (the last axis varies fastest). The key of
    the point at index ``(i0, i1, ...)`` is ``"<i0>-<i1>-..._<hash>"`` with indices zero-padded to the axis length
    and ``<hash>`` the first 12 hex digits of the SHA-256 of the point's values, so a checkpoint matches a point
    only if both its position and its values agree.
    """

    def __init__(self, axes: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        items = list(axes.items()) if isinstance(axes, Mapping) else list(axes)
        if not items:
            raise InputError("grid: needs at least one axis")
        names: list[str] = []
        values: list[np.ndarray] = []
        for item in items:
            try:
                name, vals = item
            except (TypeError, ValueError):
                raise InputError(f"grid: expected (name, values) pairs, got {item!r}") from None
            if name in names:
                raise InputError(f"grid: axis {name!r} given twice")
            values.append(_normalize_axis(name, vals))
            names.append(name)
        self._names: tuple[str, ...] = tuple(names)
        self._values: tuple[np.ndarray, ...] = tuple(values)
        self._widths = tuple(len(str(len(v) - 1)) for v in values)

    @classmethod
    def from_specs(cls, specs: Iterable[str]) -> "Grid":
        """Grid from CLI axis specifications (see :func:`parse_axis`), in the order given."""
        return cls([parse_axis(spec) for spec in specs])

    # ------------------------------------------------------------------ shape
    @property
    def names(self) -> tuple[str, ...]:
        """Axis names, in order."""
        return self._names

    @property
    def axes(self) -> dict[str, np.ndarray]:
        """Axis name -> values (read-only arrays)."""
        return dict(zip(self._names, self._values))

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of values of each axis."""
        return tuple(len(v) for v in self._values)

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self._names)

    @property
    def size(self) -> int:
        """Number of points."""
        return math.prod(self.shape)

    def __len__(self) -> int:
        return self.size

    # ----------------------------------------------------------------- points
    def indices(self) -> Iterator[tuple[int, ...]]:
        """All indices in sweep order (C order)."""
        return iter(np.ndindex(*self.shape))

    def point(self, index: Sequence[int]) -> dict[str, Any]:
        """The point at ``index`` as ``{axis name: Python scalar}``."""
        index = self._check_index(index)
        return {n: v[i].item() for n, v, i in zip(self._names, self._values, index)}

    def key(self, index: Sequence[int]) -> str:
        """Stable key of the point at ``index`` (indices plus a hash of its values)."""
        index = self._check_index(index)
        pos = "-".join(f"{i:0{w}d}" for i, w in zip(index, self._widths))
        digest = _sha256(_canonical_json([[n, v] for n, v in self.point(index).items()]))
        return f"{pos}_{digest[:_KEY_HASH_LEN]}"

    def __iter__(self) -> Iterator[tuple[tuple[int, ...], dict[str, Any]]]:
        """Yield ``(index, point)`` in sweep order."""
        for index in self.indices():
            yield index, self.point(index)

    def _check_index(self, index: Sequence[int]) -> tuple[int, ...]:
        idx = tuple(int(i) for i in index)
        if len(idx) != self.ndim or any(not 0 <= i < n for i, n in zip(idx, self.shape)):
            raise InputError(f"grid: index {tuple(index)} outside a grid of shape {self.shape}")
        return idx

    # ------------------------------------------------------------ conversion
    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"axes": [{"name", "kind", "values"}, ...]}`` (exact floats)."""
        return {
            "axes": [
                {"name": n, "kind": _axis_kind(v), "values": v.tolist()} for n, v in zip(self._names, self._values)
            ]
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Grid":
        """Inverse of :meth:`to_dict`."""
        try:
            axes = [(a["name"], a["values"]) for a in d["axes"]]
        except (KeyError, TypeError):
            raise InputError("grid: malformed description (expected {'axes': [{'name', 'values'}, ...]})") from None
        return cls(axes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Grid):
            return NotImplemented
        return _canonical_json(self.to_dict()) == _canonical_json(other.to_dict())

    def __hash__(self) -> int:
        return hash(_canonical_json(self.to_dict()))

    def __repr__(self) -> str:
        parts = []
        for n, v in zip(self._names, self._values):
            if v.size <= 4:
                parts.append(f"{n}={v.tolist()}")
            else:
                parts.append(f"{n}=[{v[0].item()!r} .. {v[-1].item()!r}] ({v.size})")
        return f"Grid({', '.join(parts)})"


def parse_axis(spec: str) -> tuple[str, np.ndarray]:
    """Parse a CLI axis specification into ``(name, values)``.

    Accepted forms
    --------------
    ``NAME=START:STOP:NUM``
        ``NUM`` points from ``START`` to ``STOP`` inclusive, evenly spaced (``numpy.linspace``).
    ``NAME=START:STOP:NUM:log``
        ``NUM`` points from ``START`` to ``STOP`` inclusive, evenly spaced in the logarithm
        (``numpy.geomspace``); both ends must be > 0. ``:lin`` is the explicit linear form.
    ``NAME=V1,V2,...``
        An explicit list: all integers (int64), all numbers (float64) or all words (strings, e.g.
        ``direction=left,right``). A single value is a one-point axis.

    Raises
    ------
    InputError
        Malformed specification (the message quotes it).
    """
    if not isinstance(spec, str) or "=" not in spec:
        raise InputError(f"axis: expected NAME=START:STOP:NUM[:log] or NAME=V1,V2,..., got {spec!r}")
    name, _, rhs = spec.partition("=")
    name, rhs = name.strip(), rhs.strip()
    if not name.isidentifier():
        raise InputError(f"axis: name must be an identifier such as Delta_ad, got {name!r} in {spec!r}")
    if not rhs:
        raise InputError(f"axis {name}: no values in {spec!r}")
    if ":" in rhs:
        parts = [p.strip() for p in rhs.split(":")]
        if len(parts) not in (3, 4):
            raise InputError(f"axis {name}: expected START:STOP:NUM or START:STOP:NUM:log, got {rhs!r}")
        start = _parse_finite(name, "START", parts[0])
        stop = _parse_finite(name, "STOP", parts[1])
        try:
            num = int(parts[2])
        except ValueError:
            raise InputError(f"axis {name}: NUM must be a positive integer, got {parts[2]!r}") from None
        if num < 1:
            raise InputError(f"axis {name}: NUM must be a positive integer, got {num}")
        if num == 1 and start != stop:
            raise InputError(f"axis {name}: one point cannot span {start!r}..{stop!r}; use NUM >= 2 or NAME=VALUE")
        scale = parts[3].lower() if len(parts) == 4 else "lin"
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise InputError(f"axis {name}: a log axis needs START > 0 and STOP > 0, got {start!r}:{stop!r}")
            values = np.geomspace(start, stop, num)
        elif scale == "lin":
            values = np.linspace(start, stop, num)
        else:
            raise InputError(f"axis {name}: scale must be 'lin' or 'log', got {parts[3]!r}")
        return name, _normalize_axis(name, values)
    items = [p.strip() for p in rhs.split(",")]
    if any(not p for p in items):
        raise InputError(f"axis {name}: empty value in {rhs!r}")
    ints, floats = [], []
    for p in items:
        try:
            ints.append(int(p))
        except ValueError:
            pass
        try:
            floats.append(float(p))
        except ValueError:
            pass
    if len(ints) == len(items):
        values: Any = np.array(ints, dtype=np.int64)
    elif len(floats) == len(items):
        for p, x in zip(items, floats):
            if not math.isfinite(x):
                raise InputError(f"axis {name}: value {p!r} is not finite")
        values = np.array(floats, dtype=np.float64)
    elif floats:
        raise InputError(f"axis {name}: mixes numbers and words in {rhs!r}")
    else:
        values = np.array(items, dtype=str)
    return name, _normalize_axis(name, values)


def _parse_finite(axis: str, what: str, text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise InputError(f"axis {axis}: {what} must be a number, got {text!r}") from None
    if not math.isfinite(x):
        raise InputError(f"axis {axis}: {what} must be finite, got {text!r}")
    return x


# ---------------------------------------------------------------------------------------------- point evaluation
_PINNED = False
_THREADPOOL_LIMITER: Any = None


def _pin_blas_threads() -> None:
    """Limit BLAS/OpenMP to one thread in this (worker) process; idempotent.

    Sets :data:`BLAS_THREAD_VARS` (read by libraries loaded later and by child processes) and, when
    ``threadpoolctl`` is installed, limits the already-loaded libraries too. Process-pool workers are in addition
    started with these variables in their environment, so the limit holds from their first import of NumPy.
    """
    global _PINNED, _THREADPOOL_LIMITER
    if _PINNED:
        return
    for var in BLAS_THREAD_VARS:
        os.environ[var] = "1"
    try:
        import threadpoolctl
    except ImportError:
        pass
    else:
        _THREADPOOL_LIMITER = threadpoolctl.threadpool_limits(limits=1)
    _PINNED = True


def _worker_init() -> None:
    """Process-pool initializer: ignore Ctrl-C (the driver handles it) and pin BLAS threads."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _pin_blas_threads()


def _normalize_value(name: str, value: Any) -> Any:
    """A result value as float, complex, str or a float64/complex128 array; TypeError otherwise."""
    value = _python_scalar(value)
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, complex):
        return complex(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        arr = np.asarray(value)
        if arr.dtype.kind in "biuf":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind == "c":
            arr = arr.astype(np.complex128)
        else:
            raise TypeError(f"result {name!r}: arrays must be numeric, got dtype {arr.dtype}")
        if arr.ndim == 0:
            return complex(arr.item()) if arr.dtype.kind == "c" else float(arr.item())
        return np.ascontiguousarray(arr)
    raise TypeError(
        f"result {name!r}: expected a number, a string or a numeric array, got {type(value).__name__}"
    )


def _normalize_result(raw: Any, point: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a function's return value into (values, meta), validating names and types."""
    if not isinstance(raw, Mapping):
        raise TypeError(f"the sweep function must return a dict, got {type(raw).__name__}")
    values: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"result names must be Python identifiers, got {name!r}")
        if name == "meta":
            if not isinstance(value, Mapping):
                raise TypeError(f"'meta' must be a dict, got {type(value).__name__}")
            meta = _meta_json(value)
            continue
        if name in point:
            raise TypeError(f"result name {name!r} is also a grid axis name")
        values[name] = _normalize_value(name, value)
    return values, meta


def _evaluate_point(
    func: Callable[..., Any], point: dict[str, Any], base: dict[str, Any], driver_pid: int
) -> dict[str, Any]:
    """Run ``func(point, **base)`` and return an outcome dict; never raises for an error of ``func``.

    In any process other than the driver's (``driver_pid``) BLAS is first pinned to one thread; the driver's own
    process (serial sweeps, or a Dask cluster of threads inside it) is left as the user configured it. Warnings
    raised inside ``func`` are recorded (not shown) so that they end up in the provenance.
    """
    if os.getpid() != driver_pid:
        _pin_blas_threads()
    started = time.perf_counter()
    outcome: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = func(dict(point), **base)
            values, meta = _normalize_result(raw, point)
        except Exception as exc:  # a failing point must not stop the sweep
            outcome.update(status="failed", error=_one_line(exc), traceback=traceback.format_exc())
        else:
            outcome.update(status="ok", values={k: _encode_value(v) for k, v in values.items()}, meta=meta)
    outcome["elapsed_s"] = time.perf_counter() - started
    if caught:
        texts = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
        outcome["warnings"] = texts[:_MAX_WARNINGS_PER_POINT]
        if len(texts) > _MAX_WARNINGS_PER_POINT:
            outcome["warnings"].append(f"... and {len(texts) - _MAX_WARNINGS_PER_POINT} more")
    return outcome


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
            raise InputError(f"func: cannot import module {module_name!r} ({_one_line(exc)})") from None
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
    """Keyword arguments for the function and their JSON form for the manifest.

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
    return kwargs, {name: _base_json(kwargs[name], f"base[{name!r}]") for name in sorted(kwargs)}


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
            f"func: {func_name} cannot be sent to {executor} workers (define it at module level): {_one_line(exc)}"
        ) from None
    for name, value in kwargs.items():
        try:
            pickle.dumps(value)
        except Exception as exc:
            raise InputError(f"base[{name!r}]: cannot be sent to {executor} workers: {_one_line(exc)}") from None


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------------------------- on-disk store
def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temporary file in the same directory, fsync, ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # mkstemp creates 0600; give the usual permissions of a new file
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _out_dir(out: str | os.PathLike[str]) -> Path:
    path = Path(out).expanduser()
    if path.suffix in (".npz", ".json"):
        path = path.with_suffix("")
    if path.exists() and not path.is_dir():
        raise InputError(f"out: {str(path)!r} exists and is not a directory")
    return path


class _Store:
    """The sweep directory: ``manifest.json``, ``points/<key>.json``, ``result.npz``, ``result.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.points = path / "points"
        self.manifest = path / "manifest.json"
        self.result_npz = path / "result.npz"
        self.result_json = path / "result.json"
        self._lock_fh: Any = None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the directory (two sweeps must not write the same checkpoints)."""
        self.points.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no locking
            yield
            return
        fh = open(self.path / ".lock", "a+b")
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise InputError(f"out: another sweep is writing to {str(self.path)!r}") from None
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            fh.close()

    def read_manifest(self) -> dict[str, Any] | None:
        if not self.manifest.exists():
            return None
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"out: {str(self.manifest)!r} is unreadable ({_one_line(exc)}); pass resume=False to start afresh"
            ) from None
        if not isinstance(data, dict):
            raise InputError(f"out: {str(self.manifest)!r} is not a sweep manifest; pass resume=False to start afresh")
        return data

    def clear(self) -> None:
        """Remove this sweep's own files (checkpoints, temporaries, results, manifest); nothing else.

        ``result.npz``/``result.json`` are removed only next to a ``manifest.json`` (a sweep directory).
        """
        for p in self.points.iterdir():
            if p.is_file() and (p.suffix == ".json" or p.name.endswith(".tmp")):
                p.unlink()
        if not self.manifest.exists():
            return
        for p in (self.result_npz, self.result_json, self.manifest):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        for p in self.path.iterdir():
            if p.is_file() and p.name.startswith(".") and p.name.endswith(".tmp"):
                p.unlink()

    def remove_temporaries(self) -> int:
        """Delete temporary files left by an interrupted write (only under the lock)."""
        n = 0
        for p in self.points.iterdir():
            if p.name.startswith(".") and p.name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    n += 1
        return n

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        _atomic_write(self.manifest, (json.dumps(manifest, indent=1, allow_nan=True) + "\n").encode("utf-8"))

    def write_record(self, record: Mapping[str, Any]) -> None:
        data = json.dumps(record, separators=(",", ":"), allow_nan=True).encode("utf-8")
        _atomic_write(self.points / f"{record['key']}.json", data)

    def read_records(self, grid: Grid, manifest_id: str) -> tuple[dict[str, dict[str, Any]], int]:
        """Valid checkpoints of this sweep by key, and the number of files ignored as invalid."""
        names = {p.name for p in self.points.iterdir() if p.suffix == ".json" and not p.name.startswith(".")}
        records: dict[str, dict[str, Any]] = {}
        ignored = 0
        for index in grid.indices():
            key = grid.key(index)
            if f"{key}.json" not in names:
                continue
            record = _read_record(self.points / f"{key}.json", key, grid.point(index), manifest_id)
            if record is None:
                ignored += 1
            else:
                records[key] = record
        return records, ignored


def _read_record(path: Path, key: str, point: Mapping[str, Any], manifest_id: str) -> dict[str, Any] | None:
    """A checkpoint if it is complete, of this sweep and of this point; otherwise None."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    if record.get("format") != FORMAT or record.get("manifest") != manifest_id or record.get("key") != key:
        return None
    if _canonical_json(record.get("point")) != _canonical_json(dict(point)):
        return None
    status = record.get("status")
    if status == "ok":
        values = record.get("values")
        if not isinstance(values, dict):
            return None
        try:
            for v in values.values():
                _decode_value(v)
        except (ValueError, KeyError, TypeError):
            return None
    elif status != "failed":
        return None
    return record


# ---------------------------------------------------------------------------------------------- assembly
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


def _assemble(grid: Grid, records: Mapping[str, Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """One array per result name, shaped ``grid.shape + value shape``; NaN (or "") where no result exists."""
    layout: dict[str, tuple[str, tuple[int, ...], str]] = {}  # name -> (kind, value shape, first key)
    decoded: dict[str, dict[str, Any]] = {}
    for index in grid.indices():
        key = grid.key(index)
        record = records.get(key)
        if record is None or record.get("status") != "ok":
            continue
        vals = {name: _decode_value(enc) for name, enc in record["values"].items()}
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
                    f"result {name!r}: a string at point {first} but a number at point {key}; "
                    "return one type per name"
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


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in _VERSION_PACKAGES:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


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

    def __repr__(self) -> str:
        n_failed = len(self.provenance.get("failed", []))
        return f"SweepResult({self.grid!r}, keys={sorted(self.arrays)}, failed={n_failed})"


def _point_records(grid: Grid, records: Mapping[str, Mapping[str, Any]], resumed: set[str]) -> list[dict[str, Any]]:
    out = []
    for index in grid.indices():
        key = grid.key(index)
        rec = records.get(key)
        entry: dict[str, Any] = {"key": key, "index": list(index), "point": grid.point(index)}
        if rec is None:
            entry["status"] = "missing"
        else:
            entry["status"] = rec["status"]
            for name in ("meta", "error", "warnings", "elapsed_s", "host", "pid", "run", "finished"):
                if name in rec:
                    entry[name] = rec[name]
            entry["resumed"] = key in resumed
        out.append(entry)
    return out


def _failed_list(points: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"key": p["key"], "index": p["index"], "point": p["point"], "error": p.get("error", "")}
        for p in points
        if p["status"] == "failed"
    ]


# ---------------------------------------------------------------------------------------------- executors
class _Progress:
    """tqdm bar on stderr, shown only when asked for and stderr is a terminal."""

    def __init__(self, enabled: bool, total: int, initial: int, desc: str) -> None:
        self.bar = None
        if enabled and getattr(sys.stderr, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=desc, unit="pt", file=sys.stderr, dynamic_ncols=True)

    def update(self, n_failed: int) -> None:
        if self.bar is not None:
            if n_failed:
                self.bar.set_postfix(failed=n_failed, refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def _single_thread_env() -> Iterator[None]:
    """Set :data:`BLAS_THREAD_VARS` = 1 while worker processes are started, restoring them afterwards.

    Spawned workers inherit the environment at start, so their BLAS libraries read the limit when NumPy is first
    imported, before any initializer can run.
    """
    saved = {var: os.environ.get(var) for var in BLAS_THREAD_VARS}
    try:
        for var in BLAS_THREAD_VARS:
            os.environ[var] = "1"
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


Task = tuple[tuple[int, ...], str, dict[str, Any]]
Handler = Callable[[Task, dict[str, Any]], None]


def _run_serial(func: Callable[..., Any], kwargs: dict[str, Any], tasks: list[Task], handle: Handler) -> dict[str, Any]:
    for task in tasks:
        handle(task, _evaluate_point(func, task[2], kwargs, os.getpid()))
    return {"workers": 1}


def _run_process(
    func: Callable[..., Any], kwargs: dict[str, Any], tasks: list[Task], handle: Handler, workers: int
) -> dict[str, Any]:
    n = max(1, min(workers, len(tasks)))
    ctx = multiprocessing.get_context("spawn")
    with _single_thread_env():
        pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_worker_init)
        try:
            futures = {pool.submit(_evaluate_point, func, task[2], kwargs, os.getpid()): task for task in tasks}
            for fut in as_completed(futures):
                task = futures[fut]
                try:
                    outcome = fut.result()
                except BrokenProcessPool as exc:
                    raise SweepError(
                        f"a worker process died ({_one_line(exc)}); finished points are checkpointed, "
                        "run the sweep again to resume"
                    ) from exc
                except Exception as exc:  # e.g. an unpicklable return value
                    outcome = {"status": "failed", "error": _one_line(exc), "traceback": traceback.format_exc()}
                handle(task, outcome)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                with contextlib.suppress(Exception):
                    proc.terminate()
            raise
        pool.shutdown(wait=True)
    return {"workers": n, "start_method": "spawn"}


def _dask_client(scheduler: Any, workers: int) -> tuple[Any, Callable[[], None], dict[str, Any]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("executor: 'dask' needs dask and distributed (pip install 'nrbundle[dask]')") from None
    if isinstance(scheduler, Client):
        return scheduler, lambda: None, {"scheduler": str(scheduler.scheduler.address)}
    if scheduler is None or scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close, {"scheduler": "local", "dask_workers": workers}
    if not isinstance(scheduler, str):
        raise InputError(f"scheduler: expected 'local', an address 'tcp://HOST:PORT' or a Client, got {scheduler!r}")
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"scheduler: cannot connect to {scheduler!r} ({_one_line(exc)})") from None
    n = len(client.scheduler_info().get("workers", {}))
    return client, client.close, {"scheduler": scheduler, "dask_workers": n}


def _run_dask(
    func: Callable[..., Any], kwargs: dict[str, Any], tasks: list[Task], handle: Handler, workers: int,
    scheduler: Any, run_id: str,
) -> dict[str, Any]:
    from distributed import as_completed as dask_as_completed

    client, close, info = _dask_client(scheduler, workers)
    futures: dict[str, Task] = {}
    try:
        submitted = []
        for task in tasks:
            fut = client.submit(
                _evaluate_point, func, task[2], kwargs, os.getpid(), key=f"nrbundle-sweep-{run_id}-{task[1]}"
            )
            futures[fut.key] = task
            submitted.append(fut)
        for fut in dask_as_completed(submitted):
            task = futures[fut.key]
            try:
                outcome = fut.result()
            except Exception as exc:  # e.g. KilledWorker, an unpicklable return value
                outcome = {"status": "failed", "error": _one_line(exc), "traceback": traceback.format_exc()}
            fut.release()
            handle(task, outcome)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(submitted)
        raise
    finally:
        close()
    return info


# ---------------------------------------------------------------------------------------------- run / load
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
        A :class:`Grid`, or a mapping accepted by it.
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
        Show a tqdm bar on stderr (only when stderr is a terminal).
    resume
        Reuse the checkpoints in ``out`` (the manifest must match). ``False`` deletes this sweep's files in
        ``out`` first and starts afresh.
    retry_failed
        On resume, compute again the points recorded as failed (default) instead of keeping their failure.

    Returns
    -------
    SweepResult
        Arrays and provenance; failed points are listed in :attr:`SweepResult.failed` (their entries are NaN).
        The sweep does not raise because points failed; call :meth:`SweepResult.raise_if_failed` for that.

    Raises
    ------
    InputError
        Bad arguments, an unusable function or base, a manifest mismatch, ``out`` locked by another sweep.
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
        workers = _cpu_count()
    elif isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"workers: expected a positive integer, got {workers!r}")
    workers = int(workers)
    if scheduler is not None and executor != "dask":
        raise InputError(f"scheduler: only used with executor='dask' (executor is {executor!r})")
    _check_callable(fn, func_name, grid, kwargs)
    if executor != "serial":
        _check_picklable(fn, func_name, kwargs, executor)

    core = {"format": FORMAT, "func": func_name, "grid": grid.to_dict(), "base": base_json}
    manifest_id = _sha256(_canonical_json(core))[:16]
    started, t0 = _now(), time.perf_counter()
    run_id = f"{_dt.datetime.now(_dt.timezone.utc):%Y%m%dT%H%M%S}-{os.getpid()}-{secrets.token_hex(3)}"
    store = _Store(_out_dir(out)) if out is not None else None

    with store.locked() if store is not None else contextlib.nullcontext():
        records: dict[str, dict[str, Any]] = {}
        ignored = 0
        if store is not None:
            existing = store.read_manifest() if resume else None
            if existing is not None:
                _compare_manifest(existing, core, store.path)
            else:
                if not resume:
                    store.clear()
                store.write_manifest({**core, "id": manifest_id, "created": started, "argv": list(sys.argv)})
            store.remove_temporaries()
            if resume:
                records, ignored = store.read_records(grid, manifest_id)
                if ignored:
                    _log.info("sweep: ignored %d unreadable or foreign checkpoint(s) in %s", ignored, store.points)
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
                "manifest": manifest_id,
                "key": key,
                "index": list(index),
                "point": point,
                "run": run_id,
                "finished": _now(),
                **outcome,
            }
            if store is not None:
                store.write_record(record)
            records[key] = record
            n_failed += record["status"] == "failed"
            bar.update(n_failed)

        try:
            if not tasks:
                info: dict[str, Any] = {"workers": 0}
            elif executor == "serial":
                info = _run_serial(fn, kwargs, tasks, handle)
            elif executor == "process":
                info = _run_process(fn, kwargs, tasks, handle, workers)
            else:
                info = _run_dask(fn, kwargs, tasks, handle, workers, scheduler, run_id)
        finally:
            bar.close()

        arrays = _assemble(grid, records)
        points = _point_records(grid, records, resumed)
        failed = _failed_list(points)
        provenance: dict[str, Any] = {
            "format": FORMAT,
            "manifest_id": manifest_id,
            "func": func_name,
            "grid": grid.to_dict(),
            "shape": list(grid.shape),
            "base": base_json,
            "results": {
                name: {"dtype": str(a.dtype), "shape": list(a.shape)} for name, a in arrays.items()
            },
            "executor": executor,
            **info,
            "n_points": grid.size,
            "n_recomputed": len(tasks),
            "n_resumed": len(resumed),
            "n_failed": len(failed),
            "n_ignored_checkpoints": ignored,
            "failed": failed,
            "run": run_id,
            "started": started,
            "finished": _now(),
            "wall_time_s": time.perf_counter() - t0,
            "argv": list(sys.argv),
            "host": socket.gethostname(),
            "platform": platform.platform(),
            "versions": _versions(),
            "points": points,
        }
        if store is not None:
            _write_result(store, grid, arrays, provenance)

    result = SweepResult(grid=grid, arrays=arrays, provenance=provenance, path=store.path if store else None)
    if failed:
        shown = "; ".join(f"{f['point']}: {f['error']}" for f in failed[:3])
        more = " ..." if len(failed) > 3 else ""
        _log.warning("sweep %s: %d of %d points failed: %s%s", func_name, len(failed), grid.size, shown, more)
    n_warned = sum(1 for p in points if p.get("warnings"))
    if n_warned:
        _log.warning("sweep %s: %d points emitted warnings (recorded per point in the provenance)", func_name, n_warned)
    return result


def _compare_manifest(existing: Mapping[str, Any], core: Mapping[str, Any], path: Path) -> None:
    """Raise InputError naming the first difference between a stored manifest and this sweep."""
    hint = f"; pass resume=False to overwrite {str(path)!r} or choose another out directory"
    if existing.get("format") != core["format"]:
        raise InputError(f"out: {str(path)!r} holds a sweep of format {existing.get('format')!r}, not {FORMAT!r}{hint}")
    if existing.get("func") != core["func"]:
        raise InputError(f"out: {str(path)!r} holds a sweep of {existing.get('func')!r}, not {core['func']!r}{hint}")
    old_grid, new_grid = existing.get("grid") or {}, core["grid"]
    if _canonical_json(old_grid) != _canonical_json(new_grid):
        old_axes = {a.get("name"): a for a in old_grid.get("axes", []) if isinstance(a, dict)}
        new_axes = {a["name"]: a for a in new_grid["axes"]}
        if list(old_axes) != list(new_axes):
            what = f"axes {list(old_axes)} vs {list(new_axes)}"
        else:
            name = next(n for n in new_axes if _canonical_json(old_axes[n]) != _canonical_json(new_axes[n]))
            n_old, n_new = len(old_axes[name].get("values", [])), len(new_axes[name]["values"])
            what = f"axis {name!r} differs ({n_old} stored values vs {n_new})"
        raise InputError(f"out: {str(path)!r} holds a sweep on another grid: {what}{hint}")
    old_base, new_base = existing.get("base") or {}, core["base"]
    if _canonical_json(old_base) != _canonical_json(new_base):
        names = sorted(n for n in set(old_base) | set(new_base)
                       if _canonical_json(old_base.get(n)) != _canonical_json(new_base.get(n)))
        differ = ", ".join(names)
        raise InputError(f"out: {str(path)!r} holds a sweep with other base parameters (differ: {differ}){hint}")


def _write_result(
    store: _Store, grid: Grid, arrays: Mapping[str, np.ndarray], provenance: Mapping[str, Any]
) -> None:
    import io

    buf = io.BytesIO()
    np.savez(buf, **grid.axes, **arrays)
    _atomic_write(store.result_npz, buf.getvalue())
    _atomic_write(store.result_json, (json.dumps(provenance, indent=1, allow_nan=True) + "\n").encode("utf-8"))


def load_sweep(out: str | os.PathLike[str], *, partial: bool = False) -> SweepResult:
    """Read a sweep directory written by :func:`run_sweep`.

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
    store = _Store(_out_dir(out))
    if store.result_npz.exists() and store.result_json.exists():
        try:
            provenance = json.loads(store.result_json.read_text(encoding="utf-8"))
            grid = Grid.from_dict(provenance["grid"])
            with np.load(store.result_npz, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in provenance.get("results", {})}
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"out: cannot read the sweep result in {str(store.path)!r} ({_one_line(exc)})") from None
        return SweepResult(grid=grid, arrays=arrays, provenance=provenance, path=store.path)
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
    arrays = _assemble(grid, records)
    points = _point_records(grid, records, set(records))
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
        "n_ignored_checkpoints": ignored,
        "failed": _failed_list(points),
        "missing": [p["key"] for p in points if p["status"] == "missing"],
        "points": points,
    }
    return SweepResult(grid=grid, arrays=arrays, provenance=provenance, path=store.path)
