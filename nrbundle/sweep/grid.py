"""Sweep grids: named axes, their product in a deterministic order, a stable key per point, and axis specs.

A :class:`Grid` is the product of named one-dimensional axes. Points are visited in C order over the axes in the
order given (the last axis varies fastest); the point at index ``(i0, i1, ...)`` has the key
``"<i0>-<i1>-..._<hash>"``: zero-padded indices plus the first 12 hex digits of the SHA-256 of the canonical JSON
of its values, so a checkpoint matches a point only if both its position and its values agree.
:func:`parse_axis` reads the command line's text form of one axis.
"""

from __future__ import annotations

__all__ = ["Grid", "parse_axis", "python_scalar", "KEY_HASH_LEN"]

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ..limits import SWEEP_POINT_BYTES, check_memory
from ..params import check_finite, check_integer
from ..provenance import canonical_json, sha256_text

#: Length (hex digits) of the value hash in a point key.
KEY_HASH_LEN = 12


def python_scalar(value: Any) -> Any:
    """``value.item()`` for a NumPy scalar, ``value`` otherwise."""
    return value.item() if isinstance(value, np.generic) else value


def _normalize_axis(name: Any, values: Any) -> np.ndarray:
    """Validate one axis and return it as a read-only 1-D array (float64, int64, bool or str)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"grid: axis name must be a Python identifier, got {name!r}")
    if name == "meta":
        raise InputError("grid: 'meta' is reserved for per-point metadata and cannot name an axis")
    if isinstance(values, np.ndarray) and values.ndim == 0:
        values = [values.item()]
    if isinstance(values, (str, bytes)) or not isinstance(values, (np.ndarray, Sequence, Iterable)):
        values = [values]
    raw = [python_scalar(v) for v in (values.tolist() if isinstance(values, np.ndarray) else list(values))]
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
        size = math.prod(len(v) for v in values)
        check_memory(size * SWEEP_POINT_BYTES, f"a sweep grid of {size} points", param="grid",
                     hint="use fewer points per axis or split the sweep")
        self._names: tuple[str, ...] = tuple(names)
        self._values: tuple[np.ndarray, ...] = tuple(values)
        self._widths = tuple(len(str(len(v) - 1)) for v in values)

    @classmethod
    def from_specs(cls, specs: Iterable[str]) -> Grid:
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
        return dict(zip(self._names, self._values, strict=True))

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
        return {n: v[i].item() for n, v, i in zip(self._names, self._values, index, strict=True)}

    def key(self, index: Sequence[int]) -> str:
        """Stable key of the point at ``index`` (indices plus a hash of its values)."""
        index = self._check_index(index)
        pos = "-".join(f"{i:0{w}d}" for i, w in zip(index, self._widths, strict=True))
        digest = sha256_text(canonical_json([[n, v] for n, v in self.point(index).items()]))
        return f"{pos}_{digest[:KEY_HASH_LEN]}"

    def __iter__(self) -> Iterator[tuple[tuple[int, ...], dict[str, Any]]]:
        """Yield ``(index, point)`` in sweep order."""
        for index in self.indices():
            yield index, self.point(index)

    def _check_index(self, index: Sequence[int]) -> tuple[int, ...]:
        idx = tuple(int(i) for i in index)
        if len(idx) != self.ndim or any(not 0 <= i < n for i, n in zip(idx, self.shape, strict=True)):
            raise InputError(f"grid: index {tuple(index)} outside a grid of shape {self.shape}")
        return idx

    # ------------------------------------------------------------ conversion
    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"axes": [{"name", "kind", "values"}, ...]}`` (exact floats)."""
        return {
            "axes": [
                {"name": n, "kind": _axis_kind(v), "values": v.tolist()}
                for n, v in zip(self._names, self._values, strict=True)
            ]
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Grid:
        """Inverse of :meth:`to_dict`."""
        try:
            axes = [(a["name"], a["values"]) for a in d["axes"]]
        except (KeyError, TypeError):
            raise InputError("grid: malformed description (expected {'axes': [{'name', 'values'}, ...]})") from None
        return cls(axes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Grid):
            return NotImplemented
        return canonical_json(self.to_dict()) == canonical_json(other.to_dict())

    def __hash__(self) -> int:
        return hash(canonical_json(self.to_dict()))

    def __repr__(self) -> str:
        parts = []
        for n, v in zip(self._names, self._values, strict=True):
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
        raise InputError(f"axis: expected NAME=START:STOP:NUM[:log] or NAME=V1,V2,..., got {_short(spec)}")
    name, _, rhs = spec.partition("=")
    name, rhs = name.strip(), rhs.strip()
    if not name.isidentifier():
        raise InputError(f"axis: name must be an identifier such as Delta_ad, got {_short(name)}")
    if not rhs:
        raise InputError(f"axis {name}: no values in {_short(spec)}")
    if ":" in rhs:
        return name, _normalize_axis(name, _range_values(name, rhs))
    return name, _normalize_axis(name, _list_values(name, rhs))


def _range_values(name: str, rhs: str) -> np.ndarray:
    """``START:STOP:NUM[:lin|log]`` -> ``numpy.linspace`` or ``numpy.geomspace`` values."""
    parts = [p.strip() for p in rhs.split(":")]
    if len(parts) not in (3, 4):
        raise InputError(f"axis {name}: expected START:STOP:NUM or START:STOP:NUM:log, got {_short(rhs)}")
    start = _parse_finite(name, "START", parts[0])
    stop = _parse_finite(name, "STOP", parts[1])
    try:
        num = check_integer("NUM", parts[2], minimum=1)
    except InputError:
        raise InputError(f"axis {name}: NUM must be a positive integer, got {_short(parts[2])}") from None
    if num == 1 and start != stop:
        raise InputError(f"axis {name}: one point cannot span {start!r}..{stop!r}; use NUM >= 2 or NAME=VALUE")
    check_memory(num * SWEEP_POINT_BYTES, f"a sweep axis of {num} points", param=f"axis {name}",
                 hint="use fewer points or split the sweep")
    scale = parts[3].lower() if len(parts) == 4 else "lin"
    if scale == "log":
        if start <= 0 or stop <= 0:
            raise InputError(f"axis {name}: a log axis needs START > 0 and STOP > 0, got {start!r}:{stop!r}")
        return np.geomspace(start, stop, num)
    if scale == "lin":
        return np.linspace(start, stop, num)
    raise InputError(f"axis {name}: scale must be 'lin' or 'log', got {_short(parts[3])}")


def _list_values(name: str, rhs: str) -> np.ndarray:
    """``V1,V2,...`` -> int64 (all integers), float64 (all numbers) or str (all words) values.

    Numbers are plain ASCII decimals (:func:`nrbundle.params.check_finite`); anything else is a word.
    """
    items = [p.strip() for p in rhs.split(",")]
    if any(not p for p in items):
        raise InputError(f"axis {name}: empty value in {_short(rhs)}")
    ints, floats, bad = [], [], []
    for p in items:
        try:
            ints.append(check_integer("value", p))
        except InputError:
            pass
        try:
            floats.append(check_finite("value", p))
        except InputError as exc:
            if "expected a number" not in str(exc):  # not finite, or underflows to zero
                bad.append(p)
    if bad:
        raise InputError(f"axis {name}: value {_short(bad[0])} is not a finite double-precision number")
    if len(ints) == len(items):
        return np.array(ints, dtype=np.int64)
    if len(floats) == len(items):
        return np.array(floats, dtype=np.float64)
    if floats:
        raise InputError(f"axis {name}: mixes numbers and words in {_short(rhs)}")
    return np.array(items, dtype=str)


def _parse_finite(axis: str, what: str, text: str) -> float:
    try:
        return check_finite(what, text)
    except InputError as exc:
        raise InputError(f"axis {axis}: {exc}") from None


def _short(text: str, limit: int = 80) -> str:
    """``repr(text)`` cut to ``limit`` characters (error lines never echo huge arguments)."""
    r = repr(text)
    return r if len(r) <= limit else r[: limit - 3] + "..."
