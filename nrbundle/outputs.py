"""Output paths: may nrbundle write here, and may it replace what is there (the one overwrite policy).

Policy (``docs/cli.md``, "Files and overwrites")
    * Nothing nrbundle did not write is changed or deleted. A file nrbundle wrote is recognised by its provenance:
      the JSON sidecar of a data file (:func:`nrbundle.provenance.write_arrays`, with ``versions.nrbundle``), the
      manifest of a sweep folder, the header line :data:`TEX_HEADER` of a ``.tex`` file, or the PDF Creator
      :data:`PDF_CREATOR` of a compiled ``.pdf`` (:func:`tex_header` sets it; a PDF beside an nrbundle ``.tex``
      of the same name counts as nrbundle's too, as written before the Creator was set).
    * Running the same request into the same place may replace its own outputs (every write is atomic). An output
      that another request wrote (other parameters) or that nrbundle did not write is refused, naming the file,
      unless ``force=True`` (the CLI's ``--force``).
    * Output folders are checked before any computation (:func:`check_output_dir`): a path that exists and is not
      a folder is bad input (:class:`~nrbundle.errors.InputError`); a folder that cannot be written raises
      :class:`PermissionError` (an ``OSError``; CLI exit status 3).
"""

from __future__ import annotations

__all__ = [
    "TEX_HEADER",
    "PDF_CREATOR",
    "tex_header",
    "is_nrbundle_pdf",
    "check_replace_pdf",
    "check_output_dir",
    "check_output_file",
    "is_nrbundle_tex",
    "is_nrbundle_sidecar",
    "check_replace_tex",
    "check_replace_outputs",
]

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError
from .provenance import canonical_json, json_value

#: Start of the header line of every ``.tex`` file nrbundle writes (its second line, after ``\documentclass``).
TEX_HEADER = "% Written by nrbundle"
#: Lines at the top of a ``.tex`` file searched for :data:`TEX_HEADER`.
_TEX_HEADER_LINES = 3
#: Start of the ``/Creator`` entry of every PDF compiled from an nrbundle ``.tex`` file (``nrbundle 0.1.0``).
PDF_CREATOR = "nrbundle"
#: Largest PDF searched for :data:`PDF_CREATOR` (bytes); the derivation is about 300 kB.
_MAX_PDF_BYTES = 64 << 20


def tex_header() -> str:
    """The header lines of a ``.tex`` file written by nrbundle: the comment :data:`TEX_HEADER` (with the version
    and the replacement notice) and, for pdfTeX only (other engines skip it), the PDF Creator
    :data:`PDF_CREATOR` that marks the compiled PDF as nrbundle's."""
    return (f"{TEX_HEADER} {__version__}; nrbundle replaces this file when run again with the same path.\n"
            f"\\ifdefined\\pdfinfo\\pdfinfo{{/Creator ({PDF_CREATOR} {__version__})}}\\fi\n")


def _probe(folder: Path, param: str) -> None:
    """Create and remove a hidden file in ``folder``; raise OSError (naming the folder) if that fails."""
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".nrbundle-probe-", suffix=".tmp")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PermissionError(exc.errno or errno.EACCES, f"{param}: cannot write into the folder ({reason})",
                              str(folder)) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def check_output_dir(path: str | os.PathLike[str], param: str = "out") -> Path:
    """Check, before any computation, that ``path`` is (or can be created as) a writable folder.

    Nothing is created: a missing folder is checked through its nearest existing parent.

    Raises
    ------
    InputError
        ``path`` (or a parent of it) exists and is not a folder.
    PermissionError
        The folder (or the parent it would be created in) cannot be written.
    """
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise InputError(f"{param}: {str(p)!r} exists and is not a folder")
    q = p
    while not q.exists():
        if q.parent == q:
            break
        q = q.parent
    if q.exists() and not q.is_dir():
        raise InputError(f"{param}: cannot create the folder {str(p)!r}: {str(q)!r} is not a folder")
    _probe(q, param)
    return p


def check_output_file(path: str | os.PathLike[str], param: str) -> Path:
    """Check, before any computation, that ``path`` can be written as a file (its folder is writable).

    Raises
    ------
    InputError
        ``path`` is a folder, or a parent of it is a file.
    PermissionError
        Its folder cannot be written.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        raise InputError(f"{param}: {str(p)!r} is a folder; give the path of a file")
    check_output_dir(p.parent, param)
    return p


def is_nrbundle_tex(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a regular file with nrbundle's :data:`TEX_HEADER` line among its first lines."""
    p = Path(path)
    if p.is_symlink() or not p.is_file():
        return False
    try:
        with open(p, encoding="utf-8", errors="replace") as fh:
            return any(fh.readline(400).startswith(TEX_HEADER) for _ in range(_TEX_HEADER_LINES))
    except OSError:
        return False


def check_replace_tex(path: str | os.PathLike[str], *, force: bool, param: str) -> None:
    """Refuse to replace an existing ``.tex`` file that nrbundle did not write, unless ``force``.

    Raises
    ------
    InputError
        ``"<param>: 'mine.tex' exists and was not written by nrbundle; pass force=True to replace it"``.
    """
    p = Path(path)
    if force or not (p.exists() or p.is_symlink()) or is_nrbundle_tex(p):
        return
    raise InputError(f"{param}: {str(p)!r} exists and was not written by nrbundle; pass force=True to replace it")


def is_nrbundle_pdf(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a regular PDF file whose ``/Creator`` is :data:`PDF_CREATOR`, or that lies beside an
    nrbundle ``.tex`` file of the same name (:func:`is_nrbundle_tex`)."""
    p = Path(path)
    if p.is_symlink() or not p.is_file():
        return False
    if is_nrbundle_tex(p.with_suffix(".tex")):
        return True
    try:
        if p.stat().st_size > _MAX_PDF_BYTES:
            return False
        return f"/Creator ({PDF_CREATOR} ".encode() in p.read_bytes()
    except OSError:
        return False


def check_replace_pdf(path: str | os.PathLike[str], *, force: bool, param: str) -> None:
    """Refuse to replace an existing ``.pdf`` file that nrbundle did not write (:func:`is_nrbundle_pdf`), unless
    ``force``.

    Raises
    ------
    InputError
        ``"<param>: 'notes.pdf' exists and was not written by nrbundle; pass force=True to replace it"``.
    """
    p = Path(path)
    if force or not (p.exists() or p.is_symlink()) or is_nrbundle_pdf(p):
        return
    raise InputError(f"{param}: {str(p)!r} exists and was not written by nrbundle; pass force=True to replace it")


def is_nrbundle_sidecar(data: Any) -> bool:
    """True for the parsed JSON sidecar of :func:`nrbundle.provenance.write_arrays` (``versions.nrbundle``)."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("versions"), dict)
        and "nrbundle" in data["versions"]
        and "written" in data
    )


def _read_sidecar(path: Path) -> Any:
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _differences(expected: Mapping[str, Any], stored: Mapping[str, Any]) -> list[str]:
    """Names whose values differ, one level into dicts (``request.t_max`` is reported as ``t_max``)."""
    out = []
    for key, value in expected.items():
        new, old = json_value(value), stored.get(key)
        if canonical_json(new) == canonical_json(old):
            continue
        if isinstance(new, dict) and isinstance(old, dict):
            names = sorted(set(new) | set(old))
            out += [n for n in names if canonical_json(new.get(n)) != canonical_json(old.get(n))]
        else:
            out.append(key)
    return out


def check_replace_outputs(
    out: str | os.PathLike[str],
    stem: str,
    suffixes: Iterable[str],
    expected: Mapping[str, Any],
    *,
    force: bool,
    param: str = "out",
) -> None:
    """Refuse to replace ``<out>/<stem>.<suffix>`` files that another request wrote, unless ``force``.

    The existing files are nrbundle's own when the sidecar ``<out>/<stem>.json`` is an nrbundle sidecar
    (:func:`is_nrbundle_sidecar`); they belong to this request when every entry of ``expected`` equals the one
    stored in it (e.g. ``{"request": {...}}`` or ``{"params": ..., "quick": ...}``).

    Raises
    ------
    InputError
        ``"out: 'runs/dynamics_left_closed.npz' exists and was written with other parameters (differ: t_max);
        pass force=True to replace it or choose another folder"``, or ``"... was not written by nrbundle ..."``.
    """
    if force:
        return
    folder = Path(out)
    existing = [folder / f"{stem}.{s.lstrip('.')}" for s in suffixes]
    existing = [p for p in existing if p.exists() or p.is_symlink()]
    if not existing:
        return
    sidecar = _read_sidecar(folder / f"{stem}.json")
    if not is_nrbundle_sidecar(sidecar):
        why = "was not written by nrbundle"
    else:
        differ = _differences(expected, sidecar)
        if not differ:
            return
        why = f"was written with other parameters (differ: {', '.join(differ[:6])})"
    raise InputError(
        f"{param}: {str(existing[0])!r} exists and {why}; pass force=True to replace it or choose another folder"
    )
