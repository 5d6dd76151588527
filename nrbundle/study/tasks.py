"""Independent tasks of a study run side by side on worker processes, with progress lines on stderr.

A :class:`Task` is ``func(**kwargs)`` (a module-level function with picklable arguments) with a name, the stage it
belongs to, the tasks it must wait for and a typical cost. :func:`run_tasks` runs them - of the tasks ready, the one
heading the longest chain of typical costs first - either in this process or on a pool of worker processes (forked
where the platform allows, so that they start with every module and cache already loaded; BLAS pinned to one thread
each), at most one task per worker at a time. Each task
is isolated: a failure is recorded (:func:`execute`), never raised. The study functions report their progress
through :mod:`nrbundle.study.progress`; :class:`StageLines` prints it: one line when a task starts or ends, one per
milestone, and a summary at least every ``heartbeat`` seconds with what runs, how far it is and an estimate of the
time left. No equation of the paper is implemented here.
"""

from __future__ import annotations

__all__ = ["Task", "StageLines", "execute", "run_tasks", "stage_records", "clock", "cpu_seconds", "fewer_collections",
           "GC_THRESHOLDS"]

import contextlib
import gc
import multiprocessing
import os
import queue as queue_module
import resource
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..threads import pin_process, single_thread_environment
from . import progress


def _error_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (e.g. pdflatex), in seconds."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Task:
    """One unit of a run: ``func(**kwargs)`` for the stage ``stage``, after the tasks ``after``.

    ``cost`` is its typical duration in seconds (it orders the tasks and seeds the estimate of the time left);
    ``record`` is filled by :func:`execute`.
    """

    name: str
    stage: str
    func: Callable[..., Any]
    kwargs: dict[str, Any]
    after: tuple[str, ...] = ()
    cost: float = 1.0
    record: dict[str, Any] = field(default_factory=dict)


def execute(name: str, func: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run one task (in a worker or in this process) as the progress task ``name``; never raises.

    (KeyboardInterrupt passes.)

    Returns ``{"status": "ok", "value"}`` or ``{"status": "failed", "error", "traceback"}``, with ``time_s`` (wall),
    ``cpu_s`` (this process and its children) and ``pid``.
    """
    t0, c0 = time.perf_counter(), cpu_seconds()
    with progress.task(name):
        try:
            value = func(**kwargs)
            rec: dict[str, Any] = {"status": "ok", "value": value}
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - every task is isolated, its failure recorded
            rec = {"status": "failed", "error": _error_line(exc), "traceback": traceback.format_exc(limit=8)}
    rec.update({"time_s": time.perf_counter() - t0, "cpu_s": cpu_seconds() - c0, "pid": os.getpid()})
    return rec


#: Thresholds of the garbage collector while a study runs (Python's default: (700, 10, 10)). Its SymPy, QuTiP and
#: SciPy objects are freed by reference counting almost always, yet at the default each worker of a quick
#: ``reproduce`` spent ~0.6 CPU-s in its collections and the driver ~0.8 s, ~10 of them full ones (measured with
#: ``gc.callbacks``); with these, ~0.1 s per worker and one full collection.
GC_THRESHOLDS: tuple[int, int, int] = (20000, 20, 20)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the enclosed block with the garbage collector's :data:`GC_THRESHOLDS`, restoring the caller's after."""
    old = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _init_worker(events: Any) -> None:
    """Pool initializer: Ctrl-C is the driver's, BLAS runs one thread, progress goes back through ``events``, the
    garbage collector runs less often (:data:`GC_THRESHOLDS`: a worker is the pool's own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pin_process(1)
    progress.install(events.put)
    gc.set_threshold(*GC_THRESHOLDS)


# -------------------------------------------------------------------------------------------- progress lines
def clock(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour) of ``seconds``."""
    s = int(round(max(seconds, 0.0)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class StageLines:
    """The progress lines of a run on ``stream``: milestones as they come, a summary at least every ``heartbeat`` s.

    See the module docstring; ``workers`` tasks run at a time.
    """

    def __init__(self, enabled: bool, stream: TextIO, workers: int, heartbeat: float = 15.0,
                 on_failure: Callable[[Task], None] | None = None) -> None:
        self.heartbeat = heartbeat
        self.on_failure = on_failure
        self.enabled = enabled
        self.stream = stream
        self.workers = max(1, workers)
        self.t0 = time.perf_counter()
        self.last = self.t0
        self.lock = threading.RLock()
        self.tasks: dict[str, Task] = {}
        self.started: dict[str, float] = {}
        self.finished: dict[str, float] = {}
        self.status: dict[str, str] = {}
        self.points: dict[str, list[int]] = {}
        self.solves: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def say(self, text: str) -> None:
        if not self.enabled:
            return
        with self.lock:
            now = time.perf_counter()
            self.stream.write(f"[{clock(now - self.t0):>7}] {text}\n")
            self.stream.flush()
            self.last = now

    # events -------------------------------------------------------------------------------
    def start(self, task: Task) -> None:
        with self.lock:
            self.tasks[task.name] = task
            self.started[task.name] = time.perf_counter()
        self.say(f"{task.name}: started")

    def finish(self, task: Task) -> None:
        rec = task.record
        with self.lock:
            self.finished[task.name] = time.perf_counter()
        if rec.get("status") == "ok":
            self.say(f"{task.name}: done in {rec['time_s']:.1f} s")
        else:
            self.say(f"{task.name}: FAILED after {rec.get('time_s', 0):.1f} s: {rec.get('error', '')}")
            if self.on_failure is not None:
                self.on_failure(task)

    def event(self, ev: Mapping[str, Any]) -> None:
        name, kind = ev.get("task") or "run", ev.get("kind")
        with self.lock:
            if kind == "status":
                self.status[name] = str(ev.get("text", ""))
            elif kind == "points":
                self.points[name] = [0, int(ev.get("total", 0))]
            elif kind == "point" and name in self.points:
                self.points[name][0] += 1
            elif kind == "solved":
                self.solves[name] = self.solves.get(name, 0) + 1
        if kind == "note":
            self.say(f"{name}: {ev.get('text', '')}")

    # summary ------------------------------------------------------------------------------
    def estimate(self, pending: list[Task]) -> float | None:
        """Seconds left: typical costs of the pending and running tasks, scaled by how the finished ones ran."""
        with self.lock:
            now = time.perf_counter()
            done = [n for n in self.finished if n in self.tasks]
            spent = sum(self.finished[n] - self.started[n] for n in done)
            typical = sum(self.tasks[n].cost for n in done)
            scale = spent / typical if typical > 0 and spent > 0 else 1.0
            left = sum(t.cost * scale for t in pending)
            for n, t0 in self.started.items():
                if n in self.finished:
                    continue
                ran = now - t0
                pts = self.points.get(n)
                if pts and pts[0] > 0 and pts[1] > pts[0]:
                    left += ran * (pts[1] - pts[0]) / pts[0]
                else:  # a task past its typical time is taken to be three quarters done
                    left += max(self.tasks[n].cost * scale - ran, ran / 3.0)
            return left / self.workers

    def summary(self, pending: list[Task]) -> None:
        with self.lock:
            now = time.perf_counter()
            running = [n for n in self.started if n not in self.finished]
            parts = []
            for n in running:
                info = [f"{now - self.started[n]:.0f} s"]
                pts = self.points.get(n)
                if pts and pts[0] > 0:  # a resumed sweep computes nothing: no count to show
                    info.append(f"{pts[0]}/{pts[1]} points")
                elif n in self.status:
                    info.append(self.status[n])
                if self.solves.get(n):
                    info.append(f"{self.solves[n]} solves")
                parts.append(f"{n} ({', '.join(info)})")
            n_done, n_all = len(self.finished), len(self.tasks) + len(pending)
        left = self.estimate(pending)
        tail = f"; about {clock(left)} left" if left is not None else ""
        self.say(f"running: {'; '.join(parts) or '-'} | {n_done} of {n_all} tasks done{tail}")

    def start_heartbeat(self, pending: Callable[[], list[Task]]) -> None:
        """Print :meth:`summary` whenever nothing was printed for ``heartbeat`` seconds, until :meth:`stop`."""
        if not self.enabled:
            return
        self.stop()
        stop = self._stop = threading.Event()

        def beat() -> None:
            while not stop.wait(1.0):
                if time.perf_counter() - self.last >= self.heartbeat:
                    self.summary(pending())

        self._thread = threading.Thread(target=beat, name="nrbundle-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the heartbeat thread (before forking worker processes, and at the end)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


# -------------------------------------------------------------------------------------------- scheduling
def _ranks(tasks: list[Task]) -> dict[str, float]:
    """Longest chain of typical costs from each task to the end of the run (its own cost included)."""
    after = {t.name: [u for u in tasks if t.name in u.after] for t in tasks}
    rank: dict[str, float] = {}

    def of(t: Task) -> float:
        if t.name not in rank:
            rank[t.name] = t.cost + max((of(u) for u in after[t.name]), default=0.0)
        return rank[t.name]

    for t in tasks:
        of(t)
    return rank


def _ready(todo: list[Task], done: set[str], rank: Mapping[str, float]) -> list[Task]:
    """The tasks whose dependencies are done, those heading the longest chain of work first."""
    return sorted((t for t in todo if all(a in done for a in t.after)), key=lambda t: -rank[t.name])


def _run_serial(tasks: list[Task], lines: StageLines) -> None:
    """Every task in this process, the ready task heading the longest chain of work first."""
    todo, done, rank = list(tasks), set(), _ranks(tasks)
    progress.install(lines.event)
    lines.start_heartbeat(lambda: list(todo))
    try:
        while todo:
            task = _ready(todo, done, rank)[0]
            todo.remove(task)
            lines.start(task)
            task.record = execute(task.name, task.func, task.kwargs)
            done.add(task.name)
            lines.finish(task)
    finally:
        lines.stop()
        progress.uninstall()


def _start_method() -> str:
    """``fork`` where it is cheap and safe (Linux, and no other thread running in this process: the workers then
    start with every loaded module and cache), else ``spawn`` (e.g. in a notebook kernel, which runs threads)."""
    linux = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    return "fork" if linux and threading.active_count() == 1 else "spawn"


def _run_pool(tasks: list[Task], lines: StageLines, workers: int) -> str:
    """The tasks on ``workers`` processes, at most one task per process at a time, the ready task heading the longest
    chain of work first.

    With ``fork`` the pool starts all its processes at the first submission, before its own thread and before the
    heartbeat thread is started here. A worker that dies fails its task and every task not yet run.
    """
    method = _start_method()
    ctx = multiprocessing.get_context(method)
    if method == "fork":
        # what the workers inherit (the symbolic caches, the imported modules: ~3e5 objects) is frozen out of the
        # garbage collector, so that their collections neither scan it nor copy its memory pages; undone below
        gc.collect()
        gc.freeze()
    events = ctx.Queue()
    with single_thread_environment():
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(events,))
    todo, done, rank = list(tasks), set(), _ranks(tasks)
    running: dict[str, tuple[Task, Future]] = {}
    broken = ""

    def submit() -> None:
        for task in _ready(todo, done, rank)[: max(0, workers - len(running))]:
            todo.remove(task)
            lines.start(task)
            running[task.name] = (task, pool.submit(execute, task.name, task.func, task.kwargs))

    def drain(timeout: float) -> None:
        try:
            lines.event(events.get(timeout=timeout))
            while True:
                lines.event(events.get_nowait())
        except (queue_module.Empty, OSError, ValueError):
            pass

    try:
        submit()  # forks the workers (all of them, before any thread of ours runs)
        lines.start_heartbeat(lambda: list(todo))
        while running:
            drain(0.2)
            for name, (task, fut) in list(running.items()):
                if fut.done():
                    try:
                        task.record = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker that died (BrokenProcessPool) or a pickling error
                        task.record = {"status": "failed", "error": _error_line(exc), "time_s": 0.0, "cpu_s": 0.0}
                        if isinstance(exc, BrokenProcessPool):
                            broken = task.record["error"]
                    del running[name]
                    done.add(name)
                    lines.finish(task)
            if broken:
                for task in todo:
                    task.record = {"status": "failed", "error": f"not run: a worker process died ({broken})",
                                   "time_s": 0.0, "cpu_s": 0.0}
                    lines.finish(task)
                todo.clear()
            else:
                submit()
        pool.shutdown(wait=True)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        raise
    finally:
        lines.stop()
        drain(0.0)
        if method == "fork":
            gc.unfreeze()
    return method


def stage_records(tasks: list[Task]) -> dict[str, Any]:
    """Per stage of ``reproduce.json``: status, ``time_s``, ``cpu_s`` and its tasks (a failure: the first error).

    ``time_s`` is the sum of the wall times of the stage's tasks (what the stage takes on one core; with tasks side by
    side, stages overlap in time), ``cpu_s`` the sum of their CPU times.
    """
    out: dict[str, Any] = {}
    for t in tasks:
        rec = t.record
        st = out.setdefault(t.stage, {"status": "ok", "time_s": 0.0, "cpu_s": 0.0, "tasks": []})
        st["tasks"].append(t.name)
        st["time_s"] += float(rec.get("time_s", 0.0))
        st["cpu_s"] += float(rec.get("cpu_s", 0.0))
        if rec.get("status") != "ok":
            st["status"] = "failed"
            st.setdefault("error", f"{t.name}: {rec.get('error', '')}")
            st.setdefault("traceback", rec.get("traceback", ""))
    return out


def run_tasks(tasks: list[Task], lines: StageLines, workers: int = 1) -> str:
    """Run ``tasks`` (each waits for the tasks named in its ``after``), filling every ``task.record``.

    ``workers`` > 1: on that many worker processes; otherwise in this process. Returns how they ran: ``"fork"``,
    ``"spawn"`` or ``"this process"``.
    """
    names = {t.name for t in tasks}
    for t in tasks:
        missing = [a for a in t.after if a not in names]
        if missing:
            raise ValueError(f"tasks: {t.name!r} waits for unknown task(s) {missing}")
    if workers > 1:
        return _run_pool(tasks, lines, workers)
    _run_serial(tasks, lines)
    return "this process"
