"""One grid point evaluated: the point function called, its return value checked and encoded, warnings recorded.

A point function returns ``{"name": value, ..., "meta": {...}}``. Each value is normalised to a float, complex,
str or float64/complex128 array and encoded with the exact codec of :mod:`nrbundle.provenance`, so that a
checkpoint read back reproduces it bit for bit; ``meta`` is converted under the lenient JSON policy
(:func:`nrbundle.provenance.json_value`). An exception of the function never escapes: it becomes a failed outcome.
"""

from __future__ import annotations

__all__ = ["evaluate_point", "MAX_WARNINGS_PER_POINT"]

import math
import os
import socket
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import error_line
from ..provenance import encode_exact, json_value
from .grid import python_scalar

#: Warnings recorded per point at most (the rest are counted).
MAX_WARNINGS_PER_POINT = 20


def _normalize_value(name: str, value: Any) -> Any:
    """A result value as float, complex, str or a float64/complex128 array; TypeError otherwise."""
    value = python_scalar(value)
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
    raise TypeError(f"result {name!r}: expected a number, a string or a numeric array, got {type(value).__name__}")


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
            meta = json_value(value)
            continue
        if name in point:
            raise TypeError(f"result name {name!r} is also a grid axis name")
        values[name] = _normalize_value(name, value)
    return values, meta


def evaluate_point(func: Callable[..., Any], point: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """Run ``func(point, **base)`` and return its outcome; never raises for an error of ``func``.

    Returns
    -------
    dict
        ``{"host", "pid", "status": "ok", "values": {name: exact encoding}, "meta", "elapsed_s"}``, or
        ``status="failed"`` with ``error`` (one line) and ``traceback`` instead of ``values``/``meta``; plus
        ``warnings`` (at most :data:`MAX_WARNINGS_PER_POINT` distinct texts) when ``func`` warned. Warnings are
        recorded, not shown, so that they end up in the provenance.
    """
    started = time.perf_counter()
    outcome: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = func(dict(point), **base)
            values, meta = _normalize_result(raw, point)
        except Exception as exc:  # a failing point must not stop the sweep
            outcome.update(status="failed", error=error_line(exc), traceback=traceback.format_exc())
        else:
            outcome.update(status="ok", values={k: encode_exact(v) for k, v in values.items()}, meta=meta)
    outcome["elapsed_s"] = time.perf_counter() - started
    if caught:
        texts = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
        outcome["warnings"] = texts[:MAX_WARNINGS_PER_POINT]
        if len(texts) > MAX_WARNINGS_PER_POINT:
            outcome["warnings"].append(f"... and {len(texts) - MAX_WARNINGS_PER_POINT} more")
    return outcome
