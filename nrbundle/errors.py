"""Exceptions raised by nrbundle, and the one-line form in which they are reported.

Every error that a user can cause by bad input is an :class:`InputError`; its message is one line
that names the offending parameter. The CLI turns it into exit status 2 without a traceback. A request that
cannot fit in the machine's memory is refused before anything is allocated with a :class:`MemoryLimitError`
(exit status 4), whose message names the parameter to change and the estimate.
"""

from __future__ import annotations

__all__ = [
    "NrbundleError",
    "InputError",
    "ConvergenceError",
    "MemoryLimitError",
    "TruncationWarning",
    "error_line",
    "shorten",
    "MAX_ERROR_CHARS",
]

#: Characters kept of a one-line error message.
MAX_ERROR_CHARS = 500


class NrbundleError(Exception):
    """Base class of every exception nrbundle raises on purpose."""


class InputError(NrbundleError, ValueError):
    """Bad input: an unknown name, a non-finite or out-of-range value, a malformed option."""


class ConvergenceError(NrbundleError, RuntimeError):
    """A numerical method did not reach its tolerance; the message says which and by how much."""


class MemoryLimitError(NrbundleError, MemoryError):
    """A request whose memory estimate exceeds the memory available (refused before allocating).

    The message names the parameter that sets the size (``"cutoff: ..."``), the estimate, the memory available
    and what to change (:func:`nrbundle.limits.check_memory`).
    """


class TruncationWarning(UserWarning):
    """The top Fock level of a truncated mode holds more population than the threshold."""


def shorten(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """The first line of ``text``, cut to ``limit`` characters (``...`` marks a cut)."""
    lines = str(text).strip().splitlines()
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."


def error_line(exc: BaseException, limit: int = MAX_ERROR_CHARS) -> str:
    """``"TypeName: first line of the message"`` of ``exc`` (``"TypeName"`` without a message), cut to ``limit``.

    The one-line form in which sweeps record a failed point and the crosscheck a check it could not compute.
    """
    msg = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {msg[0]}" if msg else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
