"""Where sweep points run: serially, on a pool of spawned processes, or on a Dask cluster; BLAS pinning of workers.

Each executor takes the tasks ``(index, key, point)`` still to compute and hands every outcome to a callback in the
driving process, which writes the checkpoint: workers only compute and need no shared filesystem.

BLAS pinning (this module is its one owner in a sweep): ``workers`` processes times ``cores`` BLAS threads would
oversubscribe the machine, so every worker process runs BLAS/OpenMP single-threaded. Process-pool workers are
spawned inside :func:`nrbundle.threads.single_thread_environment` (the limit holds from their first import of
NumPy) and pin themselves again with :func:`nrbundle.threads.pin_process`; Dask workers pin themselves before
their first point. The driver's own process (serial sweeps, a threaded Dask client inside it) is left as the user
configured it.

Workers die with their driver: a process-pool worker asks the kernel for SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)`` on Linux) and also runs a watchdog thread that exits the worker once its parent is
gone (:func:`die_with_parent`), so that a driver killed with SIGKILL leaves no worker computing on.
"""

from __future__ import annotations

__all__ = ["EXECUTORS", "Task", "Handler", "cpu_count", "die_with_parent", "run_serial", "run_process", "run_dask"]

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import InputError, error_line
from ..threads import pin_process, single_thread_environment
from .evaluate import evaluate_point
from .result import SweepError

#: Accepted values of ``run_sweep(executor=...)``.
EXECUTORS: tuple[str, ...] = ("serial", "process", "dask")

#: One point to compute: ``(grid index, key, point)``.
Task = tuple[tuple[int, ...], str, dict[str, Any]]
#: Callback of the driver for each finished task: ``handle(task, outcome)``.
Handler = Callable[[Task, dict[str, Any]], None]

_PINNED_PID: int | None = None


def cpu_count() -> int:
    """CPU cores available to this process (``os.sched_getaffinity`` where it exists)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------------------------- in the workers
def _pin_worker() -> None:
    """Pin BLAS to one thread in this worker process, once."""
    global _PINNED_PID
    if _PINNED_PID != os.getpid():
        pin_process(1)
        _PINNED_PID = os.getpid()


#: ``PR_SET_PDEATHSIG`` of ``<linux/prctl.h>``.
_PR_SET_PDEATHSIG = 1
#: Seconds between two checks of the watchdog thread.
_WATCHDOG_PERIOD = 0.5


def _watchdog(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)  # the parent is gone: stop at once, nothing of this worker needs cleaning up
        time.sleep(_WATCHDOG_PERIOD)


def die_with_parent(parent_pid: int) -> None:
    """Make this process exit when ``parent_pid`` (its parent) dies, even by SIGKILL.

    On Linux the kernel sends SIGKILL on the parent's death (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); everywhere a
    daemon thread polls ``os.getppid()`` every :data:`_WATCHDOG_PERIOD` s and calls ``os._exit`` once the parent
    has changed. A parent that died before this call is detected at once.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watchdog, args=(parent_pid,), name="nrbundle-watchdog", daemon=True).start()


def _worker_init(parent_pid: int) -> None:
    """Process-pool initializer: die with the driver, ignore Ctrl-C (the driver handles it), pin BLAS threads."""
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _pin_worker()


def _run_point(
    func: Callable[..., Any], point: dict[str, Any], base: dict[str, Any], driver_pid: int
) -> dict[str, Any]:
    """:func:`~nrbundle.sweep.evaluate.evaluate_point` in a worker, BLAS pinned first unless in the driver."""
    if os.getpid() != driver_pid:
        _pin_worker()
    return evaluate_point(func, point, base)


# ---------------------------------------------------------------------------------------------- serial
def run_serial(func: Callable[..., Any], kwargs: dict[str, Any], tasks: list[Task], handle: Handler) -> dict[str, Any]:
    """Compute ``tasks`` in this process, in order; returns ``{"workers": 1}`` for the provenance."""
    for task in tasks:
        handle(task, evaluate_point(func, task[2], kwargs))
    return {"workers": 1}


# ---------------------------------------------------------------------------------------------- process pool
def run_process(
    func: Callable[..., Any], kwargs: dict[str, Any], tasks: list[Task], handle: Handler, workers: int
) -> dict[str, Any]:
    """Compute ``tasks`` on ``workers`` spawned, BLAS-pinned processes (never more than there are tasks).

    Raises
    ------
    SweepError
        A worker process died (the pool cannot go on; finished points are already checkpointed).
    """
    n = max(1, min(workers, len(tasks)))
    ctx = multiprocessing.get_context("spawn")  # forking a process that runs threads (tqdm, BLAS) is unsafe
    with single_thread_environment():
        pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_worker_init, initargs=(os.getpid(),))
        try:
            futures = {pool.submit(_run_point, func, task[2], kwargs, os.getpid()): task for task in tasks}
            for fut in as_completed(futures):
                task = futures[fut]
                try:
                    outcome = fut.result()
                except BrokenProcessPool as exc:
                    raise SweepError(
                        f"a worker process died ({error_line(exc)}); finished points are checkpointed, "
                        "run the sweep again to resume"
                    ) from exc
                except Exception as exc:  # e.g. an unpicklable return value
                    outcome = {"status": "failed", "error": error_line(exc), "traceback": traceback.format_exc()}
                handle(task, outcome)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                with contextlib.suppress(Exception):
                    proc.terminate()
            raise
        pool.shutdown(wait=True)
    return {"workers": n, "start_method": "spawn"}


# ---------------------------------------------------------------------------------------------- Dask
def _dask_client(scheduler: Any, workers: int) -> tuple[Any, Callable[[], None], dict[str, Any]]:
    """``(client, close, provenance info)`` for ``scheduler``: ``None``/``"local"``, an address, or a Client."""
    try:
        from distributed import Client, LocalCluster  # optional dependency (nrbundle[dask]), imported when used
    except ImportError:
        raise InputError("executor: 'dask' needs dask and distributed (pip install 'nrbundle[dask]')") from None
    if isinstance(scheduler, Client):
        return scheduler, lambda: None, {"scheduler": str(scheduler.scheduler.address)}
    if scheduler is None or scheduler == "local":
        # no dashboard; the scheduler's own HTTP endpoints (health, metrics) would still bind port 8787 and fail
        # when another local cluster holds it (two sweeps at once): give them a free port
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": ":0"})
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close, {"scheduler": "local", "dask_workers": workers}
    if not isinstance(scheduler, str):
        raise InputError(f"scheduler: expected 'local', an address 'tcp://HOST:PORT' or a Client, got {scheduler!r}")
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"scheduler: cannot connect to {scheduler!r} ({error_line(exc)})") from None
    n = len(client.scheduler_info().get("workers", {}))
    return client, client.close, {"scheduler": scheduler, "dask_workers": n}


def run_dask(
    func: Callable[..., Any],
    kwargs: dict[str, Any],
    tasks: list[Task],
    handle: Handler,
    workers: int,
    scheduler: Any,
    run_id: str,
) -> dict[str, Any]:
    """Compute ``tasks`` on a Dask cluster (see :func:`_dask_client` for ``scheduler``); outcomes as they finish."""
    client, close, info = _dask_client(scheduler, workers)
    from distributed import as_completed as dask_as_completed  # optional dependency, present once a client exists

    futures: dict[str, Task] = {}
    submitted: list[Any] = []
    try:
        for task in tasks:
            key = f"nrbundle-sweep-{run_id}-{task[1]}"
            fut = client.submit(_run_point, func, task[2], kwargs, os.getpid(), key=key)
            futures[fut.key] = task
            submitted.append(fut)
        for fut in dask_as_completed(submitted):
            task = futures[fut.key]
            try:
                outcome = fut.result()
            except Exception as exc:  # e.g. KilledWorker, an unpicklable return value
                outcome = {"status": "failed", "error": error_line(exc), "traceback": traceback.format_exc()}
            fut.release()
            handle(task, outcome)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(submitted)
        raise
    finally:
        close()
    return info
