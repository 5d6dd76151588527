"""BLAS thread limits: the one place that pins NumPy/SciPy's BLAS and OpenMP thread pools.

The matrices of this project are small (dimension up to a few hundred): threaded BLAS only adds synchronisation,
and next to a pool of worker processes on a 2-core machine it oversubscribes the cores (a single steady state
then takes several times longer). Numeric routines limit themselves with :func:`limit_blas_threads` /
:func:`single_blas_thread`; the sweep executors pin whole processes with :func:`pin_process` and start workers
inside :func:`single_thread_environment`.
"""

from __future__ import annotations

__all__ = [
    "BLAS_THREAD_VARS",
    "limit_blas_threads",
    "single_blas_thread",
    "pin_process",
    "single_thread_environment",
]

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import threadpoolctl

#: Environment variables read by BLAS/OpenMP libraries when they are loaded.
BLAS_THREAD_VARS: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@contextlib.contextmanager
def limit_blas_threads(n: int = 1) -> Iterator[None]:
    """Run the enclosed block with at most ``n`` BLAS threads."""
    with _controller().limit(limits=n, user_api="blas"):
        _OPEN_LIMITS.append(int(n))
        try:
            yield
        finally:
            _OPEN_LIMITS.pop()


_CONTROLLERS: dict[tuple[int, int], Any] = {}  # (process id, modules imported) -> threadpoolctl controller


def _controller() -> Any:
    """A :class:`threadpoolctl.ThreadpoolController` of this process, made again only when the process or its set of
    imported modules changed (a new module may have loaded a new BLAS or OpenMP library): its library scan reads
    /proc/self/maps, a few ms, more than a small steady state's solve. A forked child makes its own."""
    key = (os.getpid(), len(sys.modules))
    ctl = _CONTROLLERS.get(key)
    if ctl is None:
        _CONTROLLERS.clear()
        ctl = _CONTROLLERS[key] = threadpoolctl.ThreadpoolController()
    return ctl


_F = TypeVar("_F", bound=Callable[..., Any])


def single_blas_thread(func: _F) -> _F:
    """Decorator: run ``func`` inside :func:`limit_blas_threads` with one thread."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _PINNED_THREADS == 1 or (_OPEN_LIMITS and _OPEN_LIMITS[-1] == 1):
            # the process is pinned, or the innermost open limit is one thread (BLAS limits are process-wide): skip
            # threadpoolctl's library scan (3-10 ms a call, more than a small steady state's solve)
            return func(*args, **kwargs)
        with limit_blas_threads(1):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


_PROCESS_LIMITER: Any = None
_PINNED_THREADS: int | None = None  # the limit of pin_process in this process, None before it ran
_OPEN_LIMITS: list[int] = []  # the limits of the limit_blas_threads blocks now open in this process, innermost last


def pin_process(n: int = 1) -> None:
    """Limit BLAS/OpenMP to ``n`` threads for the rest of this process (idempotent).

    Sets :data:`BLAS_THREAD_VARS` (read by libraries loaded later and by child processes) and limits the
    libraries already loaded.
    """
    global _PROCESS_LIMITER, _PINNED_THREADS
    for var in BLAS_THREAD_VARS:
        os.environ[var] = str(int(n))
    _PROCESS_LIMITER = threadpoolctl.threadpool_limits(limits=int(n))
    _PINNED_THREADS = int(n)


@contextlib.contextmanager
def single_thread_environment() -> Iterator[None]:
    """Set :data:`BLAS_THREAD_VARS` = 1 while worker processes are started, restoring them afterwards.

    Spawned workers inherit the environment at start, so their BLAS libraries read the limit when NumPy is first
    imported, before any initializer can run.
    """
    saved = {var: os.environ.get(var) for var in BLAS_THREAD_VARS}
    try:
        for var in BLAS_THREAD_VARS:
            os.environ[var] = "1"
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
