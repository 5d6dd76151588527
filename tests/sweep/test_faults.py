"""Fault injection into sweeps: SIGKILL of the driver and of a worker, edited checkpoints, a symlinked points/,
another nrbundle version, restarts next to files the sweep did not write, damaged results.

The killed sweeps run the real command line (``python -m nrbundle sweep _sweep_points:quadratic``) with the
process executor; every process of a run carries an environment tag, so the test can see that none survives.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from nrbundle import InputError, get_preset
from nrbundle.cli import EXIT_STATUS, main
from nrbundle.sweep import Grid, load_sweep, run_sweep
from nrbundle.sweep import runner as runner_mod

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # worker processes inherit sys.path and import the point functions from here
    sys.path.insert(0, str(TESTS))
import _sweep_points as sp  # noqa: E402

#: Seconds within which no process of a killed sweep may remain (issue 10).
ORPHAN_LIMIT_S = 10.0
#: Seconds each point sleeps in the killed sweeps (long enough to kill mid-way).
SLEEP = 0.15
GRID = {"x": np.linspace(0.0, 1.5, 8), "direction": ["left", "right"]}
AXES = ["--axis", "x=0:1.5:8", "--axis", "direction=left,right"]


def _cli(out: Path, *extra: str, executor: str = "process", sleep: float = SLEEP) -> list[str]:
    return ["sweep", "_sweep_points:quadratic", *AXES, "--base", "offset=0.25", "--base", f"sleep={sleep}",
            "--executor", executor, "--workers", "2", "--no-progress", "--out", str(out), *extra]


def _tagged(tag: str) -> list[int]:
    """Pids of live processes whose environment carries ``NRBUNDLE_FAULT_TAG=tag``."""
    pids = []
    needle = f"NRBUNDLE_FAULT_TAG={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text()
                if stat.rpartition(")")[2].split()[0] != "Z":  # a zombie is already dead
                    pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _start(out: Path, tag: str) -> subprocess.Popen:
    env = {**os.environ, "NRBUNDLE_FAULT_TAG": tag, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
    return subprocess.Popen([sys.executable, "-m", "nrbundle", *_cli(out)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_checkpoints(proc: subprocess.Popen, out: Path, n: int) -> None:
    deadline = time.monotonic() + 60.0
    while not ((out / "points").is_dir() and len(list((out / "points").glob("*.json"))) >= n):
        assert proc.poll() is None, f"sweep ended before it could be killed: {proc.communicate()[1]}"
        assert time.monotonic() < deadline, "sweep made no progress"
        time.sleep(0.02)


def _wait_no_orphans(tag: str) -> float:
    t0 = time.monotonic()
    while _tagged(tag):
        assert time.monotonic() - t0 < ORPHAN_LIMIT_S, f"processes left behind: {_tagged(tag)}"
        time.sleep(0.1)
    return time.monotonic() - t0


def _base(sleep: float = 0.0) -> dict:
    """The base arguments that ``_cli(..., sleep=sleep)`` gives the point function."""
    return {"offset": 0.25, "sleep": sleep, "params": get_preset("fig1")}


def _reference():
    return run_sweep(sp.quadratic, GRID, base=_base(), progress=False)


def _assert_same(result, reference) -> None:
    for name in reference.keys():
        np.testing.assert_array_equal(result[name], reference[name], err_msg=name)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_the_driver_leaves_no_process_and_resumes(tmp_path, capsys):
    out, tag = tmp_path / "killed", uuid.uuid4().hex
    proc = _start(out, tag)
    try:
        _wait_for_checkpoints(proc, out, 2)
        assert len(_tagged(tag)) >= 3  # the driver and its two workers (and the resource tracker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    _wait_no_orphans(tag)

    done = len(list((out / "points").glob("*.json")))
    assert 2 <= done < 16 and not (out / "result.npz").exists()
    assert main(_cli(out, executor="serial", sleep=SLEEP)) == 0  # resume (the executor is not part of the sweep)
    capsys.readouterr()
    resumed = load_sweep(out)
    assert resumed.n_resumed >= done and resumed.n_recomputed == 16 - resumed.n_resumed
    _assert_same(resumed, _reference())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_a_worker_fails_in_one_line_and_resumes(tmp_path, capsys):
    out, tag = tmp_path / "worker", uuid.uuid4().hex
    proc = _start(out, tag)
    try:
        _wait_for_checkpoints(proc, out, 2)
        workers = [pid for pid in _tagged(tag) if pid != proc.pid
                   and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert workers
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == EXIT_STATUS["failed"], err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "worker process died" in lines[0] and "Traceback" not in err, err
    _wait_no_orphans(tag)

    assert main(_cli(out, executor="serial")) == 0
    capsys.readouterr()
    _assert_same(load_sweep(out), _reference())


def test_edited_checkpoint_is_recomputed_and_reported(tmp_path, caplog):
    out = tmp_path / "edited"
    first = run_sweep(sp.quadratic, GRID, base={"offset": 0.25}, out=out, progress=False)
    path = sorted((out / "points").glob("*.json"))[3]
    record = json.loads(path.read_text())
    record["values"]["f"] = record["values"]["f"] + 1.0  # a plausible number, valid JSON
    path.write_text(json.dumps(record))
    with caplog.at_level(logging.WARNING, logger="nrbundle.sweep"):
        again = run_sweep(sp.quadratic, GRID, base={"offset": 0.25}, out=out, progress=False)
    assert again.n_recomputed == 1 and again.n_resumed == 15
    assert again.provenance["ignored_checkpoints"] == {path.stem: "checksum mismatch"}
    assert "failed verification" in caplog.text and path.stem in caplog.text
    _assert_same(again, first)
    assert json.loads(path.read_text())["checksum"]  # rewritten, verified


def test_edited_checkpoint_via_the_cli_says_so_on_stderr(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(_cli(out, executor="serial", sleep=0.0)) == 0
    path = sorted((out / "points").glob("*.json"))[0]
    text = path.read_text()
    path.write_text(text.replace('"status":"ok"', '"status":"ok" ', 1).replace("0.25", "0.26", 1))
    capsys.readouterr()
    assert main(_cli(out, executor="serial", sleep=0.0)) == 0
    err = capsys.readouterr().err
    assert "failed verification" in err and path.stem in err


def test_symlinked_points_is_refused_and_its_target_untouched(tmp_path, capsys):
    victim, shared = tmp_path / "victim", tmp_path / "shared"
    victim.mkdir()
    shared.mkdir()
    (victim / "config.json").write_text("{}\n")
    (shared / "points").symlink_to(victim)
    for extra in ((), ("--restart",)):
        assert main(_cli(shared, *extra, executor="serial", sleep=0.0)) == EXIT_STATUS["input"]
        assert "symbolic link" in capsys.readouterr().err
    assert (victim / "config.json").read_text() == "{}\n" and sorted(p.name for p in victim.iterdir()) == [
        "config.json"
    ]


def test_version_mismatch_refuses_to_resume_unless_allowed(tmp_path, monkeypatch, capsys):
    out = tmp_path / "v"
    monkeypatch.setattr(runner_mod, "__version__", "0.0.1")
    run_sweep(sp.quadratic, GRID, base=_base(), out=out, progress=False, executor="serial")
    monkeypatch.undo()
    with pytest.raises(InputError, match="written by nrbundle 0.0.1"):
        run_sweep(sp.quadratic, GRID, base=_base(), out=out, progress=False)
    assert main(_cli(out, executor="serial", sleep=0.0)) == EXIT_STATUS["input"]
    assert "--allow-version-change" in capsys.readouterr().err
    assert main(_cli(out, "--allow-version-change", executor="serial", sleep=0.0)) == 0
    res = load_sweep(out)
    assert res.n_resumed == 16 and res.provenance["version_change"] is True
    assert {p["version"] for p in res.provenance["points"]} == {"0.0.1"}  # each checkpoint says who wrote it
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == runner_mod.__version__ and manifest["version_history"] == ["0.0.1"]


def test_restart_removes_only_the_sweeps_own_files(tmp_path):
    out = tmp_path / "r"
    run_sweep(sp.quadratic, GRID, base={"offset": 0.25}, out=out, progress=False)
    notes = out / "points" / "notes.json"
    notes.write_text('{"mine": true}\n')
    alien = out / "points" / "0-0_000000000000.json"  # a checkpoint-like name, not a checkpoint
    alien.write_text('{"format": "something else", "key": "0-0_000000000000"}\n')
    readme = out / "README.txt"
    readme.write_text("my notes on this sweep\n")
    fresh = run_sweep(sp.quadratic, {"x": [0.0, 1.0], "direction": ["left"]}, base={"offset": 0.25}, out=out,
                      resume=False, progress=False)
    assert fresh.n_recomputed == 2
    assert notes.read_text() == '{"mine": true}\n' and alien.exists() and readme.exists()
    own = [p for p in (out / "points").glob("*.json") if p not in (notes, alien)]
    assert len(own) == 2  # the 16 old checkpoints are gone, the 2 new ones written


def test_restart_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    out = tmp_path / "mine"
    (out / "points").mkdir(parents=True)
    (out / "points" / "data.json").write_text("[1, 2, 3]\n")
    (out / "result.json").write_text('{"mine": true}\n')
    for resume in (True, False):
        with pytest.raises(InputError, match="not a sweep folder"):
            run_sweep(sp.quadratic, GRID, out=out, resume=resume, progress=False)
    assert (out / "points" / "data.json").read_text() == "[1, 2, 3]\n"
    assert (out / "result.json").read_text() == '{"mine": true}\n'


def test_malformed_manifest_and_truncated_result_are_one_line_errors(tmp_path):
    out = tmp_path / "m"
    run_sweep(sp.quadratic, GRID, out=out, progress=False)
    data = (out / "result.npz").read_bytes()
    (out / "result.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cannot read the sweep result"):
        load_sweep(out)
    (out / "result.npz").unlink()
    for bad, match in (('{"grid": 5}', "not an nrbundle sweep manifest"),
                       ('{"format": "nrbundle.sweep/2", "grid": 5, "id": "x", "func": "f"}', "malformed")):
        (out / "manifest.json").write_text(bad)
        with pytest.raises(InputError, match=match):
            run_sweep(sp.quadratic, GRID, out=out, progress=False)
        with pytest.raises(InputError, match=match):
            load_sweep(out, partial=True)


def test_grid_too_large_for_memory_is_refused_before_it_is_built(monkeypatch):
    from nrbundle.errors import MemoryLimitError

    monkeypatch.setenv("NRBUNDLE_MEMORY_LIMIT", "1M")
    with pytest.raises(MemoryLimitError, match="grid: a sweep grid of 1000000 points"):
        Grid({"x": np.arange(1000), "y": np.arange(1000)})


def test_ctrl_c_is_status_130_in_one_line_and_the_sweep_resumes(tmp_path, capsys):
    out = tmp_path / "int"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
    proc = subprocess.Popen([sys.executable, "-m", "nrbundle", *_cli(out, executor="serial")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_checkpoints(proc, out, 2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130 and err.splitlines() == ["nrbundle: interrupted"], err
    assert main(_cli(out, executor="serial")) == 0
    capsys.readouterr()
    _assert_same(load_sweep(out), _reference())
