"""Short text and HTML summaries of result objects for notebooks: arrays and states by shape, never by content.

A result of the numeric layer (a steady state, a time evolution, a trajectory, a spectrum) holds matrices and long
arrays; the dataclass default ``repr`` prints all of them (a 420 x 420 density matrix, 35 kB for a time evolution).
:class:`ShortRepr` replaces it, for any dataclass that inherits it (declared with ``repr=False``), by one line per
field - numbers to 6 significant digits, short lists and small dicts as they are, arrays, quantum objects, long
lists and large dicts by shape and size - and adds ``_repr_html_``, the same summary as an HTML table, which
Jupyter shows. :func:`summary` is the one rule for a single value. (The model-level steady state,
:class:`nrbundle.numeric.steady.SteadyState`, writes its own: its summary is its observables, computed from the state,
each with its truncation estimate, which no field holds.)
"""

from __future__ import annotations

__all__ = ["ShortRepr", "summary", "MAX_WIDTH"]

import dataclasses
import html
import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

#: Longest summary of one value, in characters (longer ones are cut with an ellipsis).
MAX_WIDTH: int = 100
_SHORT_SEQUENCE = 6  # sequences of at most this many scalars are shown element by element
_SMALL_MAPPING = 8  # mappings of at most this many scalar values are shown entry by entry


def _number(x: Any) -> str:
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, complex | np.complexfloating):
        return f"{complex(x):.6g}"
    x = float(x)
    return "nan" if math.isnan(x) else f"{x:.6g}"


def _is_scalar(x: Any) -> bool:
    return isinstance(x, int | float | complex | bool | np.number | np.bool_) or x is None or (
        isinstance(x, str) and len(x) <= 30)


def _scalar(x: Any) -> str:
    if x is None:
        return "None"
    if isinstance(x, str):
        return repr(x)
    return _number(x)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_WIDTH else text[: MAX_WIDTH - 3] + "..."


def summary(value: Any) -> str:
    """One-line summary of ``value``: scalars to 6 digits, containers and arrays by size.

    Parameters
    ----------
    value
        Any field value of a result object.

    Returns
    -------
    str
        At most :data:`MAX_WIDTH` characters; never the content of an array or a quantum object.
    """
    if _is_scalar(value):
        return _cut(_scalar(value))
    if isinstance(value, np.ndarray):
        if value.size <= _SHORT_SEQUENCE and value.ndim <= 1:
            return _cut("[" + ", ".join(_number(v) for v in value.ravel()) + "]")
        return f"array(shape={value.shape}, dtype={value.dtype})"
    dims = getattr(value, "dims", None)
    shape = getattr(value, "shape", None)
    if dims is not None and shape is not None and hasattr(value, "full"):  # a quantum object
        return f"{type(value).__name__}(shape={tuple(shape)}, dims={dims})"
    if isinstance(value, Mapping):
        if len(value) <= _SMALL_MAPPING and all(_is_scalar(v) for v in value.values()):
            return _cut("{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}")
        return f"{type(value).__name__}({len(value)} entries)"
    if isinstance(value, list | tuple):
        if len(value) <= _SHORT_SEQUENCE and all(_is_scalar(v) for v in value):
            text = ", ".join(_scalar(v) for v in value)
            return _cut(f"({text})" if isinstance(value, tuple) else f"[{text}]")
        return f"{type(value).__name__}({len(value)} items)"
    if isinstance(value, ShortRepr):
        return f"{type(value).__name__}(...)"
    return _cut(repr(value))


class ShortRepr:
    """Mixin for result dataclasses: a short ``__repr__`` and an HTML table ``_repr_html_`` (module docstring).

    Declare the dataclass with ``repr=False`` (else the generated ``__repr__`` wins). ``_repr_fields`` names the
    fields shown, in order (default: every field).
    """

    _repr_fields: ClassVar[tuple[str, ...] | None] = None

    def _summary_items(self) -> list[tuple[str, str]]:
        names = self._repr_fields
        if names is None:
            names = tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]
        return [(n, summary(getattr(self, n))) for n in names]

    def __repr__(self) -> str:
        items = self._summary_items()
        return f"{type(self).__name__}(\n" + "".join(f"    {n}={v},\n" for n, v in items) + ")"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(n)}</th><td style='text-align:left'>"
                       f"{html.escape(v)}</td></tr>" for n, v in self._summary_items())
        return f"<table><caption>{html.escape(type(self).__name__)}</caption>{rows}</table>"
