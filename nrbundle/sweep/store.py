"""The sweep directory on disk: manifest, one checkpoint per point, results, and the lock of its one writer.

Layout (format :data:`FORMAT`)::

    <out>/manifest.json        what the sweep is (function, grid, base, nrbundle version); written before any point
    <out>/points/<key>.json    one checkpoint per finished point (success or failure), with its checksum
    <out>/result.npz           at the end: one array per result name plus the axis arrays
    <out>/result.nc            at the end, when xarray is installed: the same arrays as netCDF (:mod:`.dataset`)
    <out>/result.json          at the end: the provenance
    <out>/.lock                held (flock) while a sweep writes here

Every file is written by :func:`nrbundle.provenance.atomic_write_bytes` with ``durable=True`` (temporary file in
the same directory, fsync, ``os.replace``, fsync of the directory), so a crash or SIGKILL at any moment leaves
either the complete file or none; temporaries (``.<name>.<random>.tmp``) are never read. Result values in the
checkpoints use the exact codec (:func:`~nrbundle.provenance.encode_exact`); the manifest records the base
arguments exactly (:func:`manifest_value`) so that a resumed sweep can be compared with the stored one.

Safety (``docs/sweeps.md``, "Faults"): a folder that exists, is not empty and holds no manifest is not a sweep
folder and is refused; ``points/``, the manifest, the results and the lock must not be symbolic links; a restart
(``resume=False``) removes only files that verify as this sweep's own (checkpoints of its manifest, its results,
its temporaries). Every checkpoint carries the SHA-256 of its content (:func:`record_checksum`) and the nrbundle
version that wrote it; a checkpoint whose checksum does not match is ignored, recomputed and reported.
"""

from __future__ import annotations

__all__ = [
    "FORMAT",
    "KNOWN_FORMATS",
    "Store",
    "out_dir",
    "manifest_value",
    "manifest_id",
    "compare_manifest",
    "compare_version",
    "record_checksum",
]

import contextlib
import dataclasses
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, error_line
from ..provenance import atomic_write_bytes, canonical_json, decode_exact, sha256_text
from .dataset import NETCDF_NAME
from .grid import Grid

#: Format tag written into every manifest, checkpoint and result sidecar.
FORMAT = "nrbundle.sweep/2"
#: Formats of nrbundle sweep folders (this and earlier ones): a restart may clear their files.
KNOWN_FORMATS: tuple[str, ...] = ("nrbundle.sweep/1", FORMAT)
#: Names of a temporary file of :func:`~nrbundle.provenance.atomic_write_bytes` (``.<name>.<random>.tmp``).
_TEMPORARY = re.compile(r"\.[^/]+\.(?:json|npz|nc)\.[A-Za-z0-9_]+\.tmp")
#: Largest checkpoint file read (bytes); anything larger is not one of ours.
_MAX_RECORD_BYTES = 1 << 28
#: The remedies named in messages (the CLI shows its options instead).
_RESTART = "pass resume=False to start afresh"


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
    """Raise InputError naming the first difference between a stored manifest and this sweep's ``core``.

    ``existing`` has passed :meth:`Store.read_manifest` (its format is known, its grid and base are dicts).
    """
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
            old_values = old_axes[name].get("values")
            n_old = len(old_values) if isinstance(old_values, list) else 0
            what = f"axis {name!r} differs ({n_old} stored values vs {len(new_axes[name]['values'])})"
        raise InputError(f"out: {str(path)!r} holds a sweep on another grid: {what}{hint}")
    old_base, new_base = existing.get("base") or {}, core["base"]
    if canonical_json(old_base) != canonical_json(new_base):
        names = sorted(set(old_base) | set(new_base))
        differ = ", ".join(n for n in names if canonical_json(old_base.get(n)) != canonical_json(new_base.get(n)))
        raise InputError(f"out: {str(path)!r} holds a sweep with other base parameters (differ: {differ}){hint}")


def compare_version(existing: Mapping[str, Any], version: str, path: Path, allow: bool) -> bool:
    """Whether the stored sweep was written by another nrbundle version; InputError unless ``allow``.

    Resuming would mix points computed by two code versions in one result, so it needs ``allow=True``.
    """
    old = existing.get("version")
    if old == version:
        return False
    if not allow:
        raise InputError(
            f"out: {str(path)!r} holds a sweep written by nrbundle {old or 'before 0.1 (unrecorded)'}, this is "
            f"{version}; resuming would mix code versions: pass allow_version_change=True to keep its "
            f"checkpoints, or resume=False to start afresh"
        )
    return True


def record_checksum(record: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a checkpoint record without its ``checksum`` entry (values, point, version)."""
    return sha256_text(canonical_json({k: v for k, v in record.items() if k != "checksum"}))


def _json_bytes(data: Any) -> bytes:
    """Indented JSON text of exact-codec data (NaN and infinities kept as tokens, like the checkpoints)."""
    return (json.dumps(data, indent=1, allow_nan=True) + "\n").encode("utf-8")


def _load_json(path: Path, limit: int = _MAX_RECORD_BYTES) -> Any:
    """Parsed JSON of a regular file (not a link) of at most ``limit`` bytes; ``None`` for anything else."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _check_manifest(data: Any, path: Path) -> dict[str, Any]:
    """``data`` if it is a well-formed sweep manifest; InputError naming what is wrong otherwise."""
    where = f"out: {str(path)!r}"
    if not isinstance(data, dict) or data.get("format") not in KNOWN_FORMATS:
        fmt = data.get("format") if isinstance(data, dict) else None
        raise InputError(f"{where} is not an nrbundle sweep manifest (format {fmt!r}); choose another out directory")
    grid = data.get("grid")
    axes = grid.get("axes") if isinstance(grid, dict) else None
    problems = []
    if not isinstance(axes, list) or not all(isinstance(a, dict) and isinstance(a.get("values"), list) for a in axes):
        problems.append("grid")
    if not isinstance(data.get("id"), str):
        problems.append("id")
    if not isinstance(data.get("func"), str):
        problems.append("func")
    if not isinstance(data.get("base", {}), dict):
        problems.append("base")
    if problems:
        raise InputError(f"{where} is a malformed sweep manifest (bad {', '.join(problems)}); {_RESTART}")
    return data


# ---------------------------------------------------------------------------------------------- the directory
class Store:
    """The sweep directory: ``manifest.json``, ``points/<key>.json``, ``result.npz``, ``result.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.points = path / "points"
        self.manifest = path / "manifest.json"
        self.result_npz = path / "result.npz"
        self.result_json = path / "result.json"
        self.result_nc = path / NETCDF_NAME
        self.lock = path / ".lock"

    # ---------------------------------------------------------------- checks
    def check_folder(self) -> None:
        """Refuse (InputError) a folder that is not a sweep folder, or whose parts are symbolic links.

        A new or empty folder is fine; so is one holding a ``manifest.json`` (its content is checked by
        :meth:`read_manifest`) or only the lock and an empty ``points/`` of a sweep killed before its manifest.
        """
        if not self.path.exists():
            return
        if not self.path.is_dir():
            raise InputError(f"out: {str(self.path)!r} exists and is not a directory")
        for part in (self.points, self.manifest, self.result_npz, self.result_json, self.result_nc, self.lock):
            if part.is_symlink():
                raise InputError(
                    f"out: {str(part)!r} is a symbolic link; a sweep never follows links out of its folder "
                    "(remove the link or choose another out directory)"
                )
        if self.points.exists() and not self.points.is_dir():
            raise InputError(f"out: {str(self.points)!r} is not a directory; choose another out directory")
        if self.manifest.exists():
            return
        foreign = []
        for p in self.path.iterdir():
            if p.name == ".lock" or _TEMPORARY.fullmatch(p.name):
                continue
            if p == self.points and all(_TEMPORARY.fullmatch(q.name) for q in p.iterdir()):
                continue
            foreign.append(p.name)
        if foreign:
            raise InputError(
                f"out: {str(self.path)!r} is not a sweep folder (no manifest.json) and is not empty "
                f"(holds {', '.join(sorted(foreign)[:3])}{' ...' if len(foreign) > 3 else ''}); "
                "choose a new or empty out directory"
            )

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the directory (two sweeps must not write the same checkpoints)."""
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl  # POSIX only: deferred so that the module imports on Windows
        except ImportError:  # pragma: no cover - Windows: no locking
            yield
            return
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(self.lock, flags, 0o644)
        with os.fdopen(fd, "a+b") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise InputError(f"out: another sweep is writing to {str(self.path)!r}") from None
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # ------------------------------------------------------------- manifest
    def read_manifest(self, strict: bool = True) -> dict[str, Any] | None:
        """The stored manifest, ``None`` if there is none.

        Raises
        ------
        InputError
            The manifest is unreadable or malformed (``strict``), or not an nrbundle sweep manifest (always).
            With ``strict=False`` an unreadable or malformed manifest of a sweep folder (one with ``points/``)
            gives ``None``, so that a restart can replace it.
        """
        if not self.manifest.exists():
            return None
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            if strict:
                raise InputError(
                    f"out: {str(self.manifest)!r} is unreadable ({error_line(exc)}); {_RESTART}"
                ) from None
            if self.points.is_dir():
                return None
            raise InputError(
                f"out: {str(self.manifest)!r} is unreadable ({error_line(exc)}) and {str(self.path)!r} has no "
                "points/ folder, so it is not recognisably a sweep folder; choose another out directory"
            ) from None
        if not strict and isinstance(data, dict) and data.get("format") in KNOWN_FORMATS:
            try:
                return _check_manifest(data, self.manifest)
            except InputError:  # a malformed manifest of ours: the restart replaces it
                return None
        return _check_manifest(data, self.manifest)

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write ``manifest.json`` (atomic, durable) and make sure ``points/`` exists."""
        atomic_write_bytes(self.manifest, _json_bytes(manifest), durable=True)
        self.points.mkdir(exist_ok=True)

    def clear(self, manifest: Mapping[str, Any] | None) -> int:
        """Remove this sweep's own files before a restart; return how many were removed.

        Removed: checkpoints in ``points/`` that verify as this sweep's (regular files, not links, whose content
        is a checkpoint of a known format with the key of their file name and, when ``manifest`` is readable,
        its id), the temporaries of interrupted writes, and ``result.json``/``.npz``/``.nc`` when ``result.json``
        is this sweep's. Nothing else is touched; ``manifest.json`` is replaced by the caller.
        """
        mid = manifest.get("id") if manifest else None
        n = 0
        if self.points.is_dir() and not self.points.is_symlink():
            for p in self.points.iterdir():
                if p.is_symlink() or not p.is_file():
                    continue
                if _TEMPORARY.fullmatch(p.name) or (p.suffix == ".json" and _own_checkpoint(p, mid)):
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
                        n += 1
        result = _load_json(self.result_json)
        if (
            isinstance(result, dict)
            and result.get("format") in KNOWN_FORMATS
            and (mid is None or result.get("manifest_id") == mid)
        ):
            for p in (self.result_npz, self.result_nc, self.result_json):
                if p.is_file() and not p.is_symlink():
                    p.unlink()
                    n += 1
        for p in self.path.iterdir():
            if _TEMPORARY.fullmatch(p.name) and p.is_file() and not p.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    n += 1
        return n

    def remove_temporaries(self) -> int:
        """Delete temporary files left by an interrupted write (only under the lock)."""
        n = 0
        for folder in (self.path, self.points):
            if not folder.is_dir() or folder.is_symlink():
                continue
            for p in folder.iterdir():
                if _TEMPORARY.fullmatch(p.name) and p.is_file() and not p.is_symlink():
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
                        n += 1
        return n

    # ---------------------------------------------------------- checkpoints
    def write_record(self, record: Mapping[str, Any]) -> None:
        """Write one point's checkpoint ``points/<key>.json`` (atomic, durable), with its checksum."""
        data = {**record, "checksum": record_checksum(record)}
        atomic_write_bytes(self.points / f"{record['key']}.json", canonical_json(data).encode("utf-8"), durable=True)

    def read_records(self, grid: Grid, manifest_id: str) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """Valid checkpoints of this sweep by key, and ``{key: reason}`` of the checkpoint files ignored.

        Reasons: ``"unreadable"`` (not a complete JSON file), ``"foreign"`` (another sweep, point or format),
        ``"malformed"`` (values that do not decode) and ``"checksum mismatch"`` (edited or damaged content).
        """
        if not self.points.is_dir():
            return {}, {}
        names = {p.name for p in self.points.iterdir() if p.suffix == ".json" and not p.name.startswith(".")}
        records: dict[str, dict[str, Any]] = {}
        ignored: dict[str, str] = {}
        for index in grid.indices():
            key = grid.key(index)
            if f"{key}.json" not in names:
                continue
            record, reason = _read_record(self.points / f"{key}.json", key, grid.point(index), manifest_id)
            if record is None:
                ignored[key] = reason
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
            if not isinstance(provenance, dict) or not isinstance(provenance.get("results", {}), dict):
                raise ValueError("result.json is not a sweep provenance")
            with np.load(self.result_npz, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in provenance.get("results", {})}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise InputError(f"out: cannot read the sweep result in {str(self.path)!r} ({error_line(exc)})") from None
        return provenance, arrays


def _own_checkpoint(path: Path, manifest_id: str | None) -> bool:
    """True when ``path`` holds a checkpoint of a known format, keyed by its file name (and of ``manifest_id``)."""
    record = _load_json(path)
    return (
        isinstance(record, dict)
        and record.get("format") in KNOWN_FORMATS
        and record.get("key") == path.stem
        and (manifest_id is None or record.get("manifest") == manifest_id)
    )


def _read_record(
    path: Path, key: str, point: Mapping[str, Any], manifest_id: str
) -> tuple[dict[str, Any] | None, str]:
    """``(record, "")`` if the checkpoint is complete, intact, of this sweep and of this point; else ``(None, why)``."""
    record = _load_json(path)
    if not isinstance(record, dict):
        return None, "unreadable"
    if record.get("format") != FORMAT or record.get("manifest") != manifest_id or record.get("key") != key:
        return None, "foreign"
    if record.get("checksum") != record_checksum(record):
        return None, "checksum mismatch"
    if canonical_json(record.get("point")) != canonical_json(dict(point)):
        return None, "foreign"
    status = record.get("status")
    if status == "ok":
        values = record.get("values")
        if not isinstance(values, dict):
            return None, "malformed"
        try:
            for v in values.values():
                decode_exact(v)
        except (ValueError, KeyError, TypeError):
            return None, "malformed"
    elif status != "failed":
        return None, "malformed"
    return record, ""
