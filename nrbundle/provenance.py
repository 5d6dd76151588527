"""Provenance: the one JSON policy, versions, UTC time stamps, atomic writes, hashing and cached results.

Every file nrbundle writes goes through this module, so that every writer agrees on how a number is spelled.

JSON policy (:func:`json_value`, human-facing files: CLI output, figure provenance, reports, caches)
    * finite floats as they are; NaN and +-inf become ``null`` (strict JSON: ``allow_nan=False``), so an undefined
      number is never a string or a made-up value;
    * complex numbers become ``{"re": x, "im": y}``;
    * NumPy scalars become Python scalars, arrays nested lists (element by element under the same rules);
    * tuples and lists become lists, mappings objects with string keys, paths strings;
    * objects with ``to_dict()`` and dataclasses are converted field by field; anything else by ``repr``.

Exact codec (:func:`encode_exact` / :func:`decode_exact`, the sweep checkpoints)
    The strict mode of the same policy: values round-trip bit for bit (NaN, inf and -0.0 included) through
    tagged objects ``{"__complex__": [re, im]}`` and ``{"__ndarray__": [...], "shape": ..., "dtype": ...}``;
    :func:`canonical_json` writes them with sorted keys and Python's shortest round-trip float repr.
"""

from __future__ import annotations

__all__ = [
    "VERSION_PACKAGES",
    "json_value",
    "dumps",
    "canonical_json",
    "sha256_text",
    "short_hash",
    "encode_exact",
    "decode_exact",
    "versions",
    "utc_now",
    "atomic_write_bytes",
    "atomic_write_text",
    "write_json",
    "read_json",
    "cached_json",
    "write_arrays",
]

import contextlib
import dataclasses
import datetime as _dt
import functools
import hashlib
import importlib.metadata
import io
import json
import math
import os
import platform
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

#: Distributions whose versions every provenance record carries (``None`` when not installed).
VERSION_PACKAGES: tuple[str, ...] = (
    "nrbundle",
    "numpy",
    "scipy",
    "qutip",
    "sympy",
    "matplotlib",
    "dask",
    "distributed",
    "tqdm",
    "threadpoolctl",
)


# ---------------------------------------------------------------------------------------------- JSON policy
def json_value(value: Any) -> Any:
    """Convert ``value`` to plain JSON data under the project's one policy (see the module docstring).

    Parameters
    ----------
    value
        Any nesting of numbers, strings, NumPy scalars/arrays, complex numbers, mappings, sequences, paths,
        dataclasses and objects with ``to_dict()``.

    Returns
    -------
    Any
        ``None``, ``bool``, ``int``, finite ``float``, ``str``, ``list`` or ``dict`` (string keys) only.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, complex):
        return {"re": json_value(value.real), "im": json_value(value.imag)}
    if isinstance(value, np.generic):
        return json_value(value.item())
    if isinstance(value, np.ndarray):
        return json_value(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [json_value(v) for v in items]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, type):
        return json_value(to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_value({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return repr(value)


def dumps(value: Any, *, indent: int | None = 2, sort_keys: bool = False) -> str:
    """Strict JSON text of ``json_value(value)`` (never ``NaN``/``Infinity`` tokens)."""
    return json.dumps(json_value(value), indent=indent, sort_keys=sort_keys, allow_nan=False)


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text of already-encoded data: sorted keys, no spaces, shortest round-trip floats.

    Non-finite floats are kept as ``NaN``/``Infinity`` tokens, so that exact-codec data (sweep checkpoints)
    hash and round-trip bit for bit.
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_hash(obj: Any, n: int = 10) -> str:
    """First ``n`` hex digits of the SHA-256 of the canonical JSON of ``json_value(obj)`` (cache keys)."""
    return sha256_text(canonical_json(json_value(obj)))[:n]


# ---------------------------------------------------------------------------------------------- exact codec
def encode_exact(value: Any) -> Any:
    """Encode a float, complex, str or float64/complex128 array as JSON data that round-trips bit for bit.

    Raises
    ------
    TypeError
        For any other type (callers normalise values first).
    """
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
    raise TypeError(f"encode_exact: unexpected value of type {type(value).__name__}")


def decode_exact(obj: Any) -> Any:
    """Inverse of :func:`encode_exact`.

    Raises
    ------
    ValueError
        If ``obj`` is not an encoded value.
    """
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
    raise ValueError(f"not an exactly encoded value: {str(obj)[:80]!r}")


# ---------------------------------------------------------------------------------------------- versions, time
def versions(packages: tuple[str, ...] = VERSION_PACKAGES) -> dict[str, str | None]:
    """Python's version and the installed versions of ``packages`` (``None`` when absent).

    Looked up once per process (each lookup reads package metadata from disk; every sweep and stage records them).
    """
    return dict(_versions(tuple(packages)))


@functools.lru_cache(maxsize=8)
def _versions(packages: tuple[str, ...]) -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in packages:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def utc_now() -> str:
    """UTC time stamp, ISO 8601 with milliseconds (``2026-11-30T06:39:38.123+00:00``)."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


# ---------------------------------------------------------------------------------------------- atomic writes
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


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, (fsync,) then ``os.replace``.

    A reader sees either the old file or the complete new one, never a part; a crash leaves at most a hidden
    ``.<name>.*.tmp`` file. ``durable=True`` also fsyncs the file and its folder (checkpoints survive power loss).
    """
    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # mkstemp creates 0600; give the usual permissions of a new file
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(p.parent)
    return p


def atomic_write_text(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> Path:
    """:func:`atomic_write_bytes` of UTF-8 ``text``."""
    return atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def write_json(path: str | os.PathLike[str], value: Any, *, indent: int | None = 1, durable: bool = False) -> Path:
    """Write ``json_value(value)`` as strict JSON to ``path`` atomically (with a final newline)."""
    return atomic_write_text(path, dumps(value, indent=indent) + "\n", durable=durable)


def read_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file (``ValueError``/``OSError`` propagate to the caller)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def cached_json(path: str | os.PathLike[str] | None, key: Mapping[str, Any] | Any, compute: Callable[[], Any]) -> Any:
    """Return the value stored in ``path`` for ``key``, or compute, store (atomically) and return it.

    The file holds ``{"key": key, "value": value}`` under the JSON policy; a different key (other parameters,
    grid, mode) or an unreadable file recomputes. ``path=None`` always computes. The returned value is the
    JSON form (as read back), so a first run and a cached rerun return the same data.
    """
    if path is None:
        return json_value(compute())
    p = Path(path)
    k = json_value(key)
    if p.exists():
        try:
            stored = read_json(p)
            if isinstance(stored, dict) and stored.get("key") == k and "value" in stored:
                return stored["value"]
        except (OSError, ValueError):
            pass
    value = json_value(compute())
    p.parent.mkdir(parents=True, exist_ok=True)
    write_json(p, {"key": k, "value": value})
    return value


def write_arrays(
    out_dir: str | os.PathLike[str],
    name: str,
    arrays: Mapping[str, Any],
    provenance: Mapping[str, Any],
    *,
    kind: str = "figure",
) -> list[Path]:
    """Write ``arrays`` as ``<name>.npz`` and their provenance as ``<name>.json`` (both atomic); return both paths.

    The JSON holds ``{kind: name, **provenance, "arrays": [...], "versions": ..., "written": ...}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    npz, js = out / f"{name}.npz", out / f"{name}.json"
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    atomic_write_bytes(npz, buf.getvalue(), durable=False)
    prov = {kind: name, **dict(provenance), "arrays": sorted(arrays), "versions": versions(), "written": utc_now()}
    write_json(js, prov)
    return [npz, js]
