"""Progress of long study computations: a per-process hook that a runner installs and the study layer reports to.

The study functions report what they finish (a steady-state solve, a sweep point, a milestone such as "cutoff
bands chosen") with :func:`solved`, :func:`point_done` and :func:`note`; without an installed sink these are
no-ops. A runner (``nrbundle.reproduce``) installs a sink per process with :func:`install` (in its worker
processes, a queue back to the process that prints the stage lines) and names the task running in this process
with :func:`task`. Nothing here prints, and no equation of the paper is implemented here.
"""

from __future__ import annotations

__all__ = [
    "Sink",
    "install",
    "uninstall",
    "installed",
    "task",
    "current_task",
    "solved",
    "expect_points",
    "point_done",
    "note",
    "status",
]

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

#: A sink receives one event dict: ``{"task": name or None, "kind": "solved" | "points" | "point" | "note" |
#: "status", ...}``.
Sink = Callable[[dict[str, Any]], None]

_SINK: Sink | None = None
_TASK: str | None = None


def install(sink: Sink) -> None:
    """Send this process's progress events to ``sink`` (replacing any sink installed before)."""
    global _SINK
    _SINK = sink


def uninstall() -> None:
    """Stop sending progress events from this process."""
    global _SINK
    _SINK = None


def installed() -> bool:
    """Whether a sink is installed in this process (a runner reports progress; sweeps then show no tqdm bar)."""
    return _SINK is not None


@contextlib.contextmanager
def task(name: str) -> Iterator[None]:
    """Attribute the events of the enclosed block to the task ``name``."""
    global _TASK
    previous, _TASK = _TASK, name
    try:
        yield
    finally:
        _TASK = previous


def _emit(kind: str, **info: Any) -> None:
    sink = _SINK
    if sink is not None:
        try:
            sink({"task": _TASK, "kind": kind, **info})
        except Exception:  # noqa: BLE001 - progress must never break a computation
            pass


def solved(dimension: int) -> None:
    """One steady state of the given Hilbert-space dimension was solved."""
    _emit("solved", dimension=int(dimension))


def expect_points(name: str, total: int) -> None:
    """A sweep ``name`` with ``total`` points starts (points already checkpointed included)."""
    _emit("points", name=name, total=int(total))


def point_done() -> None:
    """One sweep point was computed."""
    _emit("point")


def note(text: str) -> None:
    """A milestone worth a line of its own (e.g. the cutoffs a convergence check chose)."""
    _emit("note", text=str(text))


def status(text: str) -> None:
    """What the running task is doing now (shown in the next progress line, not a line of its own)."""
    _emit("status", text=str(text))


def current_task() -> str | None:
    """The task this process is running (:func:`task`), or ``None``."""
    return _TASK
