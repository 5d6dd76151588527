"""Exceptions raised by nrbundle.

Every error that a user can cause by bad input is an :class:`InputError`; its message is one line
that names the offending parameter. The CLI turns it into exit status 2 without a traceback.
"""

from __future__ import annotations

__all__ = ["NrbundleError", "InputError", "ConvergenceError", "TruncationWarning"]


class NrbundleError(Exception):
    """Base class of every exception nrbundle raises on purpose."""


class InputError(NrbundleError, ValueError):
    """Bad input: an unknown name, a non-finite or out-of-range value, a malformed option."""


class ConvergenceError(NrbundleError, RuntimeError):
    """A numerical method did not reach its tolerance; the message says which and by how much."""


class TruncationWarning(UserWarning):
    """The top Fock level of a truncated mode holds more population than the threshold."""
