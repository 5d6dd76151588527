"""How chatty a run is: the one verbosity switch, and the stage lines and detail lines that obey it.

Three levels (the CLI's ``-q/--quiet``, default, ``-v/--verbose``):

``QUIET`` (0)
    No progress bars, no stage lines, no detail lines. Warnings (one ``nrbundle: warning: ...`` line each, through
    :mod:`warnings` and the ``nrbundle`` logger) and errors are still printed: being quiet never hides a problem.
``NORMAL`` (1)
    Stage lines (``[   0:12] crosscheck: started``) on stderr for work that takes long, tqdm bars for sweeps on a
    terminal, and a summary line at least every :data:`HEARTBEAT` seconds for a sweep whose stderr is not a terminal.
``VERBOSE`` (2)
    Also detail lines: one per sweep point (key, status, time, cutoff), every cutoff a steady state tried, and
    the ``INFO`` records of the ``nrbundle`` loggers.

The level is set once per run with :func:`set_verbosity` (for a block: :func:`verbosity_as`) and read everywhere
with :func:`verbosity` (or :func:`is_quiet`, :func:`is_verbose`, :func:`show_bars`). It is also kept in the
environment variable :data:`ENV`, so that worker processes (forked or spawned) inherit it. Everything is written
to the *current* ``sys.stderr``; results go to stdout and never depend on the level.

This module prints; it does not collect. The progress *events* of the study functions (points done, solves,
milestones) that a runner turns into its own stage lines go through :mod:`nrbundle.study.progress`.
No equation of the paper is implemented here.
"""

from __future__ import annotations

__all__ = [
    "QUIET",
    "NORMAL",
    "VERBOSE",
    "ENV",
    "HEARTBEAT",
    "STAGE_DELAY",
    "set_verbosity",
    "verbosity_as",
    "verbosity",
    "is_quiet",
    "is_verbose",
    "show_bars",
    "clock",
    "start_clock",
    "say",
    "detail",
    "stage",
    "Stage",
]

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator

#: No progress output (warnings and errors still print).
QUIET = 0
#: Stage lines and progress bars (the default).
NORMAL = 1
#: Also per-point and per-solve detail lines.
VERBOSE = 2
#: Environment variable holding the level, inherited by worker processes.
ENV = "NRBUNDLE_VERBOSITY"
#: Seconds a :func:`stage` runs before its ``started`` line is printed (shorter work prints no stage lines).
STAGE_DELAY = 2.0
#: Longest silence, in seconds, of a long sweep whose stderr is not a terminal (it then prints a summary line).
HEARTBEAT = 30.0

_LEVEL: int | None = None
_T0: float = time.perf_counter()


def set_verbosity(level: int) -> None:
    """Set the level (:data:`QUIET`, :data:`NORMAL` or :data:`VERBOSE`; clipped to that range) for this process
    and, through :data:`ENV`, for the worker processes it starts from now on."""
    global _LEVEL
    _LEVEL = max(QUIET, min(VERBOSE, int(level)))
    os.environ[ENV] = str(_LEVEL)


@contextlib.contextmanager
def verbosity_as(level: int) -> Iterator[None]:
    """:func:`set_verbosity` for the enclosed block only (the level and :data:`ENV` are restored after it)."""
    global _LEVEL
    saved_level, saved_env = _LEVEL, os.environ.get(ENV)
    set_verbosity(level)
    try:
        yield
    finally:
        _LEVEL = saved_level
        if saved_env is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = saved_env


def verbosity() -> int:
    """The level: set by :func:`set_verbosity` in this process, else inherited through :data:`ENV`, else
    :data:`NORMAL`."""
    if _LEVEL is not None:
        return _LEVEL
    raw = os.environ.get(ENV, "").strip()
    if raw.lstrip("-").isdigit():
        return max(QUIET, min(VERBOSE, int(raw)))
    return NORMAL


def is_quiet() -> bool:
    """True at :data:`QUIET`: no progress output at all."""
    return verbosity() <= QUIET


def is_verbose() -> bool:
    """True at :data:`VERBOSE`: detail lines too."""
    return verbosity() >= VERBOSE


def _stderr_is_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False


def show_bars(requested: bool = True) -> bool:
    """Whether to draw a tqdm bar: ``requested`` (e.g. not ``--no-progress``), not quiet, stderr a terminal."""
    return bool(requested) and not is_quiet() and _stderr_is_terminal()


def clock(seconds: float) -> str:
    """Elapsed time as ``m:ss`` (``h:mm:ss`` from one hour on)."""
    s = int(round(max(seconds, 0.0)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def start_clock() -> None:
    """Start the elapsed-time clock of the stage lines now (the CLI calls it when a command starts)."""
    global _T0
    _T0 = time.perf_counter()


def _write(text: str) -> None:
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(f"[{clock(time.perf_counter() - _T0):>7}] {text}\n")
        stream.flush()
    except (OSError, ValueError):  # progress must never break a computation (e.g. a closed stderr)
        pass


def say(text: str) -> None:
    """One stage line ``[   0:12] text`` on stderr (elapsed time since :func:`start_clock`), unless quiet."""
    if not is_quiet():
        _write(text)


def detail(text: str) -> None:
    """One detail line (same form as :func:`say`), only when verbose."""
    if is_verbose():
        _write(text)


class Stage:
    """A running stage of :func:`stage`: :meth:`note` adds a line under its name, :meth:`done` what its closing
    line reports; ``elapsed`` is its time so far."""

    def __init__(self, name: str, what: str = "") -> None:
        self.name = name
        self.what = what
        self.t0 = time.perf_counter()
        self.result = ""
        self.announced = False
        self._lock = threading.Lock()

    @property
    def elapsed(self) -> float:
        """Seconds since the stage started."""
        return time.perf_counter() - self.t0

    def announce(self) -> None:
        """Print the ``name: started (what)`` line, once."""
        with self._lock:
            if self.announced:
                return
            self.announced = True
        say(f"{self.name}: started{f' ({self.what})' if self.what else ''}")

    def note(self, text: str) -> None:
        """A stage line ``name: text`` (unless quiet), after the ``started`` line."""
        self.announce()
        say(f"{self.name}: {text}")

    def done(self, text: str) -> None:
        """What the closing line reports after ``done in 12.3 s`` (e.g. ``"cutoff (5, 3, 4)"``)."""
        self.result = text


@contextlib.contextmanager
def stage(name: str, what: str = "", *, delay: float | None = None) -> Iterator[Stage]:
    """Announce a piece of work that may take long, as stage lines on stderr (unless quiet).

    ``name: started (what)`` is printed when the work has run for ``delay`` seconds (default
    :data:`STAGE_DELAY`), or at its first
    :meth:`Stage.note`), and then ``name: done in 12.3 s[, result]`` when it ends. Work that ends sooner prints
    nothing, and work that fails prints nothing more: the caller reports the error (the CLI's one line).
    """
    st = Stage(name, what)
    timer = threading.Timer(max(STAGE_DELAY if delay is None else delay, 0.0), st.announce)
    timer.daemon = True
    timer.start()
    try:
        yield st
    finally:
        timer.cancel()
    if st.announced:
        say(f"{name}: done in {st.elapsed:.1f} s{f', {st.result}' if st.result else ''}")
