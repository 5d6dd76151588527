"""How the command line reports: the option of each library parameter, exit statuses, one-line errors and warnings.

Library errors name the parameter (``"Delta_ad: must be finite"``); the command line prints them with the option
that sets it (:func:`with_flag`: ``"--delta-ad: must be finite"``). Every failure, warning and log record is one
line on stderr (``nrbundle: error: ...``, ``nrbundle: warning: ...``), never a traceback.
"""

from __future__ import annotations

__all__ = ["FLAGS", "REMEDIES", "EXIT_STATUS", "MAX_LINE", "with_flag", "warning_line", "StderrHandler",
           "configure_logging", "silence_stdout", "os_error_line"]

import argparse
import logging
import os
import sys

from ..errors import shorten

#: Library parameter name -> the option that sets it. Library errors name the parameter (``"Delta_ad: must be
#: finite"``); :func:`main` prints them with the option of the command (``"--delta-ad: must be finite"``).
FLAGS: dict[str, str] = {
    "preset": "--preset",
    "overrides": "--set",
    "target": "--target",
    "direction": "--direction",
    "shift_order": "--shift-order",
    "cutoff": "--cutoff",
    "Delta_ad": "--delta-ad",
    "t_max": "--t-max",
    "points": "--points",
    "seed": "--seed",
    "window": "--window",
    "which": "--which",
    "workers": "--workers",
    "executor": "--executor",
    "scheduler": "--scheduler",
    "axis": "--axis",
    "grid": "--axis",
    "base": "--base",
    "out": "--out",
    "latex": "--latex",
    "path": "--latex",
    "x": "--x",
    "y": "--y",
    "ratio_threshold": "--ratio-threshold",
    "checks": "--checks",
    "rtol": "--rtol",
    "max_cutoff": "--max-cutoff",
}

#: Remedies that library messages name as API arguments -> the option of the command line.
REMEDIES: dict[str, str] = {
    "pass resume=False": "pass --restart",
    "pass force=True": "pass --force",
    "pass allow_version_change=True": "pass --allow-version-change",
    "pass window explicitly": "pass --window",
    "give t_max explicitly": "give --t-max",
}

#: Exit status by outcome (module docstring).
EXIT_STATUS: dict[str, int] = {
    "ok": 0,
    "failed": 1,
    "input": 2,
    "os": 3,
    "memory": 4,
    "interrupted": 130,
}

#: Characters of an error line kept (an argument of 100 kB is never echoed whole).
MAX_LINE = 400


def with_flag(message: str, args: argparse.Namespace | None = None) -> str:
    """A library error message with its leading parameter name replaced by the option of :data:`FLAGS`.

    ``"Delta_ad: must be finite"`` -> ``"--delta-ad: must be finite"``; ``"axis kappa: NUM must be ..."`` ->
    ``"--axis kappa: NUM must be ..."``. Names without an option (in ``args``' command) stay as they are. The
    remedies of :data:`REMEDIES` (``pass resume=False``) become options (``pass --restart``).
    """
    for api, option in REMEDIES.items():
        message = message.replace(api, option)
    head, sep, rest = message.partition(": ")
    name, _, qualifier = head.partition(" ")
    flag = FLAGS.get(name)
    if flag is None or not sep:
        return message
    dest = "overrides" if flag == "--set" else flag[2:].replace("-", "_")
    if args is not None and not hasattr(args, dest):
        return message
    return f"{flag}{' ' + qualifier if qualifier else ''}: {rest}"


def warning_line(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    return f"nrbundle: warning: {shorten(str(message), MAX_LINE)}\n"


class StderrHandler(logging.Handler):
    """Log records of the ``nrbundle`` loggers as ``nrbundle: <level>: <message>`` lines on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.levelno >= logging.ERROR:
                level = "error"
            else:
                level = "warning" if record.levelno >= logging.WARNING else "info"
            sys.stderr.write(f"nrbundle: {level}: {shorten(record.getMessage(), MAX_LINE)}\n")
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def configure_logging(verbose: bool) -> None:
    """Warnings of the ``nrbundle`` loggers as one line each on stderr; with ``-v`` their INFO records too."""
    log = logging.getLogger("nrbundle")
    handler = next((h for h in log.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler()
        log.addHandler(handler)
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    log.setLevel(logging.INFO if verbose else logging.NOTSET)


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (captured in tests)
        pass


def os_error_line(exc: OSError) -> str:
    """``"cannot write '/ro/x': Permission denied"``-style text of an OSError (its own text if it has none)."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: {str(exc.filename)!r}"
    return str(exc) or type(exc).__name__
