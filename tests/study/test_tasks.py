"""Running independent tasks side by side: order, isolation of failures, a dying worker, the progress lines."""

from __future__ import annotations

import io
import os
import threading
import time

import pytest

from nrbundle.study import progress
from nrbundle.study.tasks import StageLines, Task, clock, run_tasks, stage_records


def _add(a: int, b: int) -> int:
    progress.note(f"adding {a} and {b}")
    return a + b


def _fail() -> None:
    raise ValueError("boom")


def _die() -> None:
    os._exit(3)  # a worker that dies (segfault, out of memory)


def _slow(seconds: float) -> float:
    progress.expect_points("slow", 4)
    for _ in range(4):
        time.sleep(seconds / 4)
        progress.point_done()
    return seconds


def _lines(heartbeat: float = 15.0) -> tuple[StageLines, io.StringIO]:
    buf = io.StringIO()
    return StageLines(True, buf, 2, heartbeat=heartbeat), buf


@pytest.mark.parametrize("workers", [1, 2])
def test_tasks_run_after_their_dependencies_and_failures_stay_isolated(workers):
    tasks = [
        Task("sum", "s", _add, {"a": 1, "b": 2}, cost=1.0),
        Task("bad", "s", _fail, {}, cost=5.0),
        Task("after", "t", _add, {"a": 3, "b": 4}, after=("sum", "bad")),
    ]
    lines, buf = _lines()
    # fork only where no other thread runs in this process (a Dask test earlier in the session leaves one behind)
    forkable = threading.active_count() == 1
    how = run_tasks(tasks, lines, workers)
    rec = {t.name: t.record for t in tasks}
    assert rec["sum"]["status"] == "ok" and rec["sum"]["value"] == 3
    assert rec["bad"]["status"] == "failed" and rec["bad"]["error"] == "ValueError: boom"
    assert rec["after"]["status"] == "ok" and rec["after"]["value"] == 7  # runs although "bad" failed
    assert how == ("this process" if workers == 1 else "fork" if forkable else "spawn")
    text = buf.getvalue()
    assert "sum: adding 1 and 2" in text and "bad: FAILED" in text
    assert text.index("bad: started") < text.index("sum: started")  # the longest ready task first
    st = stage_records(tasks)
    assert st["s"]["status"] == "failed" and st["s"]["tasks"] == ["sum", "bad"] and st["t"]["status"] == "ok"


def test_a_dying_worker_fails_its_task_and_the_rest_without_hanging():
    tasks = [Task("die", "x", _die, {}, cost=2.0), Task("later", "x", _add, {"a": 1, "b": 1}, after=("die",))]
    lines, _ = _lines()
    run_tasks(tasks, lines, 2)
    assert tasks[0].record["status"] == "failed"
    assert tasks[1].record["status"] == "failed" and "worker process died" in tasks[1].record["error"]


def test_progress_lines_come_at_least_every_heartbeat():
    tasks = [Task("slow", "x", _slow, {"seconds": 3.2}, cost=3.0)]
    lines, buf = _lines(heartbeat=1.0)
    run_tasks(tasks, lines, 2)
    stamps = [line for line in buf.getvalue().splitlines() if line.startswith("[")]
    assert any("running: slow" in line for line in stamps)
    assert any("/4 points" in line for line in stamps)


def test_unknown_dependency_is_refused():
    with pytest.raises(ValueError, match="unknown task"):
        run_tasks([Task("a", "x", _add, {"a": 1, "b": 1}, after=("b",))], _lines()[0], 1)


def test_clock():
    assert clock(5) == "0:05" and clock(125) == "2:05" and clock(3725) == "1:02:05"
