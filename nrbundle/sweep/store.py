"""The sweep directory on disk: manifest, one checkpoint per point, results, and the lock of its one writer.

Layout (format :data:`FORMAT`)::

    <out>/manifest.json        what the sweep is (function, grid, base); written before any point
    <out>/points/<key>.json    one checkpoint per finished point (success or failure)
    <out>/result.npz           at the end: one array per result name plus the axis arrays
    <out>/result.json          at the end: the provenance
    <out>/.lock                held (flock) while a sweep writes here

Every file is written by :func:`nrbundle.provenance.atomic_write_bytes` with ``durable=True`` (temporary file in
the same directory, fsync, ``os.replace``, fsync of the directory), so a crash or SIGKILL at any moment leaves
either the complete file or none; temporaries (``.<name>.<random>.tmp``) are never read. Result values in the
checkpoints use the exact codec (:func:`~nrbundle.provenance.encode_exact`); the manifest records the base
arguments exactly (:func:`manifest_value`) so that a resumed sweep can be compared with the stored one.
"""

from __future__ import annotations

__all__ = [
    "FORMAT",
    "Store",
    "out_dir",
    "manifest_value",
    "manifest_id",
    "compare_manifest",
]

import contextlib
import dataclasses
import io
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, error_line
from ..provenance import atomic_write_bytes, canonical_json, decode_exact, sha256_text
from .grid import Grid

#: Format tag written into every manifest, checkpoint and result sidecar.
FORMAT = "nrbundle.sweep/1"


def out_dir(out: str | os.PathLike[str]) -> Path:
    """The sweep directory named by ``out`` (a trailing ``.npz``/``.json`` suffix is dropped)."""
    path = Path(out).expanduser()
    if path.suffix in (".npz", ".json"):
        path = path.with_suffix("")
    if path.exists() and not path.is_dir():
        raise InputError(f"out: {str(path)!r} exists and is not a directory")
    return path


# ---------------------------------------------------------------------------------------------- manifest
def manifest_value(value: Any, where: str) -> Any:
    """Exact JSON form of a base argument for the manifest (compared exactly on resume).

    Numbers, strings, lists and string-keyed dicts as they are; complex numbers as ``{"__complex__": [re, im]}``;
    arrays as ``{"__ndarray__": [...], "dtype"}``; objects with ``to_dict()`` (a Params) and dataclasses as
    ``{"__type__": "module.Class", "fields": {...}}``; module-level callables as ``{"__callable__": "mod:name"}``.

    Raises
    ------
    InputError
        Naming ``where``, for anything else.
    """
    if value is None or isinstance(value, (bool, int, str, float)):
        return value
    if isinstance(value, np.generic):
        return manifest_value(value.item(), where)
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufcUS":
            raise InputError(f"{where}: cannot record an array of dtype {value.dtype} in the sweep manifest")
        return {"__ndarray__": manifest_value(value.tolist(), where), "dtype": str(value.dtype)}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InputError(f"{where}: dictionary keys must be strings, got {k!r}")
            out[k] = manifest_value(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [manifest_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "to_dict") and callable(value.to_dict):
        cls = type(value)
        return {"__type__": f"{cls.__module__}.{cls.__qualname__}", "fields": manifest_value(value.to_dict(), where)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = manifest_value(dataclasses.asdict(value), where)
        return {"__type__": f"{cls.__module__}.{cls.__qualname__}", "fields": fields}
    if callable(value) and getattr(value, "__module__", None) and getattr(value, "__qualname__", None):
        return {"__callable__": f"{value.__module__}:{value.__qualname__}"}
    raise InputError(
        f"{where}: cannot record a value of type {type(value).__name__} in the sweep manifest "
        "(use numbers, strings, lists, dicts, arrays, a Params or a dataclass)"
    )


def manifest_id(core: Mapping[str, Any]) -> str:
    """16 hex digits of the SHA-256 of the canonical JSON of ``{"format", "func", "grid", "base"}``."""
    return sha256_text(canonical_json(core))[:16]


def compare_manifest(existing: Mapping[str, Any], core: Mapping[str, Any], path: Path) -> None:
    """Raise InputError naming the first difference between a stored manifest and this sweep's ``core``."""
    hint = f"; pass resume=False to overwrite {str(path)!r} or choose another out directory"
    if existing.get("format") != core["format"]:
        raise InputError(f"out: {str(path)!r} holds a sweep of format {existing.get('format')!r}, not {FORMAT!r}{hint}")
    if existing.get("func") != core["func"]:
        raise InputError(f"out: {str(path)!r} holds a sweep of {existing.get('func')!r}, not {core['func']!r}{hint}")
    old_grid, new_grid = existing.get("grid") or {}, core["grid"]
    if canonical_json(old_grid) != canonical_json(new_grid):
        old_axes = {a.get("name"): a for a in old_grid.get("axes", []) if isinstance(a, dict)}
        new_axes = {a["name"]: a for a in new_grid["axes"]}
        if list(old_axes) != list(new_axes):
            what = f"axes {list(old_axes)} vs {list(new_axes)}"
        else:
            name = next(n for n in new_axes if canonical_json(old_axes[n]) != canonical_json(new_axes[n]))
            n_old, n_new = len(old_axes[name].get("values", [])), len(new_axes[name]["values"])
            what = f"axis {name!r} differs ({n_old} stored values vs {n_new})"
        raise InputError(f"out: {str(path)!r} holds a sweep on another grid: {what}{hint}")
    old_base, new_base = existing.get("base") or {}, core["base"]
    if canonical_json(old_base) != canonical_json(new_base):
        names = sorted(set(old_base) | set(new_base))
        differ = ", ".join(n for n in names if canonical_json(old_base.get(n)) != canonical_json(new_base.get(n)))
        raise InputError(f"out: {str(path)!r} holds a sweep with other base parameters (differ: {differ}){hint}")


def _json_bytes(data: Any) -> bytes:
    """Indented JSON text of exact-codec data (NaN and infinities kept as tokens, like the checkpoints)."""
    return (json.dumps(data, indent=1, allow_nan=True) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------- the directory
class Store:
    """The sweep directory: ``manifest.json``, ``points/<key>.json``, ``result.npz``, ``result.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.points = path / "points"
        self.manifest = path / "manifest.json"
        self.result_npz = path / "result.npz"
        self.result_json = path / "result.json"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the directory (two sweeps must not write the same checkpoints)."""
        self.points.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl  # POSIX only: deferred so that the module imports on Windows
        except ImportError:  # pragma: no cover - Windows: no locking
            yield
            return
        with open(self.path / ".lock", "a+b") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise InputError(f"out: another sweep is writing to {str(self.path)!r}") from None
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # ------------------------------------------------------------- manifest
    def read_manifest(self) -> dict[str, Any] | None:
        """The stored manifest, ``None`` if there is none; InputError if it is unreadable."""
        if not self.manifest.exists():
            return None
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"out: {str(self.manifest)!r} is unreadable ({error_line(exc)}); pass resume=False to start afresh"
            ) from None
        if not isinstance(data, dict):
            raise InputError(f"out: {str(self.manifest)!r} is not a sweep manifest; pass resume=False to start afresh")
        return data

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write ``manifest.json`` (atomic, durable)."""
        atomic_write_bytes(self.manifest, _json_bytes(manifest), durable=True)

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

    # ---------------------------------------------------------- checkpoints
    def write_record(self, record: Mapping[str, Any]) -> None:
        """Write one point's checkpoint ``points/<key>.json`` (atomic, durable)."""
        atomic_write_bytes(self.points / f"{record['key']}.json", canonical_json(record).encode("utf-8"), durable=True)

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

    # --------------------------------------------------------------- result
    def has_result(self) -> bool:
        """True when the sweep finished (both ``result.npz`` and ``result.json`` exist)."""
        return self.result_npz.exists() and self.result_json.exists()

    def write_result(self, grid: Grid, arrays: Mapping[str, np.ndarray], provenance: Mapping[str, Any]) -> None:
        """Write ``result.npz`` (axis arrays and result arrays) and ``result.json`` (the provenance)."""
        buf = io.BytesIO()
        np.savez(buf, **grid.axes, **arrays)
        atomic_write_bytes(self.result_npz, buf.getvalue(), durable=True)
        atomic_write_bytes(self.result_json, _json_bytes(provenance), durable=True)

    def read_result(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The provenance and the result arrays of a finished sweep (InputError if unreadable)."""
        try:
            provenance = json.loads(self.result_json.read_text(encoding="utf-8"))
            with np.load(self.result_npz, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in provenance.get("results", {})}
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"out: cannot read the sweep result in {str(self.path)!r} ({error_line(exc)})") from None
        return provenance, arrays


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
    if canonical_json(record.get("point")) != canonical_json(dict(point)):
        return None
    status = record.get("status")
    if status == "ok":
        values = record.get("values")
        if not isinstance(values, dict):
            return None
        try:
            for v in values.values():
                decode_exact(v)
        except (ValueError, KeyError, TypeError):
            return None
    elif status != "failed":
        return None
    return record
