"""The entry points of the command line: :func:`main` (returns the exit status) and :func:`run` (the console script).

:func:`main` parses, runs the command under the chosen verbosity and turns every failure into one line on stderr
and an exit status (``docs/cli.md``); :func:`run` is :func:`main`, then the exit handlers and an exit without the
interpreter's teardown of the libraries it loaded.
"""

from __future__ import annotations

__all__ = ["main", "run"]

import argparse
import atexit
import os
import sys
import threading
import traceback
from collections.abc import Sequence

from .. import progress
from ..errors import InputError, MemoryLimitError, NrbundleError, shorten
from .messages import (
    EXIT_STATUS,
    MAX_LINE,
    configure_logging,
    os_error_line,
    silence_stdout,
    warning_line,
    with_flag,
)
from .parser import build_parser


def _verbosity(args: argparse.Namespace) -> int:
    """``-q``/``-v`` -> the level of :mod:`nrbundle.progress` (and the logging level; the clock starts now)."""
    quiet, verbose = bool(getattr(args, "quiet", False)), int(getattr(args, "verbose", 0) or 0)
    if quiet and verbose:
        raise InputError("--quiet: cannot be combined with --verbose")
    progress.start_clock()
    configure_logging(verbose > 0)
    return progress.QUIET if quiet else progress.VERBOSE if verbose else progress.NORMAL


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``) and return the exit status (module docstring)."""
    import warnings

    warnings.formatwarning = warning_line  # one readable line per warning (e.g. TruncationWarning)
    configure_logging(False)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:  # `nrbundle` or `python -m nrbundle` alone: what it can do
        parser.print_help()
        return EXIT_STATUS["ok"]
    try:
        with progress.verbosity_as(_verbosity(args)):
            status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe fails here, inside the handlers below, not at interpreter exit
        return status
    except InputError as exc:
        _report("error", str(exc), args)
        return EXIT_STATUS["input"]
    except MemoryLimitError as exc:
        _report("error", str(exc), args)
        return EXIT_STATUS["memory"]
    except NrbundleError as exc:
        _report("failed", str(exc), args)
        return EXIT_STATUS["failed"]
    except MemoryError:
        sys.stderr.write("nrbundle: error: out of memory (lower the cutoff, the number of points or the grid)\n")
        return EXIT_STATUS["memory"]
    except BrokenPipeError:
        silence_stdout()
        sys.stderr.write("nrbundle: error: the output pipe was closed before all output was written\n")
        return EXIT_STATUS["os"]
    except OSError as exc:
        _report("error", os_error_line(exc), args)
        return EXIT_STATUS["os"]
    except KeyboardInterrupt:
        sys.stderr.write("nrbundle: interrupted\n")
        return EXIT_STATUS["interrupted"]
    except Exception as exc:  # noqa: BLE001 - an unexpected error is still one line, never a traceback
        if os.environ.get("NRBUNDLE_TRACEBACK"):
            traceback.print_exc()
        sys.stderr.write(f"nrbundle: internal error: {shorten(f'{type(exc).__name__}: {exc}', MAX_LINE)} "
                         "(set NRBUNDLE_TRACEBACK=1 to see where)\n")
        return EXIT_STATUS["failed"]


def _report(kind: str, text: str, args: argparse.Namespace) -> None:
    """One line ``nrbundle: <kind>: <text>`` on stderr, the text naming the command's options (:func:`with_flag`)."""
    sys.stderr.write(f"nrbundle: {kind}: {shorten(with_flag(text, args), MAX_LINE)}\n")


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``nrbundle`` console script and of ``python -m nrbundle``: exit with :func:`main`'s status.

    After :func:`main` has returned, the exit handlers run (``atexit``: logging, multiprocessing, temporary files),
    stdout and stderr are flushed, and the process ends with ``os._exit``: the interpreter's teardown, which frees
    every object of the loaded libraries one by one, is skipped (about one CPU-second after ``nrbundle reproduce``).
    Only where nothing else could still be running: with a non-daemon thread alive, or without
    ``atexit._run_exitfuncs``, the exit is the usual ``sys.exit``.
    """
    status = main(argv)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if run_exit_handlers is None or others:
        sys.exit(status)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # a closed pipe (reported by main already) or a closed stream
            pass
    os._exit(status)
