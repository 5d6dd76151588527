"""Tests of the sweep runner: grids and axis specs, executors agreeing exactly, checkpoints, resume after SIGKILL,
manifest checks, failed points, provenance."""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nrbundle import InputError, get_preset
from nrbundle.sweep import FORMAT, Grid, SweepError, SweepResult, load_sweep, parse_axis, run_sweep
from nrbundle.threads import BLAS_THREAD_VARS

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # worker processes inherit sys.path and import the point functions from here
    sys.path.insert(0, str(HERE))
import _sweep_points as sp  # noqa: E402

#: Tr H is a sum of 16 diagonal entries of size <= 10; double rounding leaves < 1e-13.
TRACE_TOL = 1e-12
#: linspace/geomspace spacing is exact up to a few ulps of the endpoints.
SPACING_TOL = 1e-12
#: Seconds the killed sweep sleeps per point: long enough to kill it mid-way, short enough to keep the test fast.
KILL_SLEEP = 0.1
#: Checkpoints that must exist before the sweep is killed.
KILL_AFTER = 4


def quad_grid(n: int = 5) -> dict:
    return {"x": np.linspace(0.0, 1.0, n), "direction": ["left", "right"]}


def assert_same_arrays(a: SweepResult, b: SweepResult, names: list[str] | None = None) -> None:
    if names is None:
        assert sorted(a.arrays) == sorted(b.arrays)
        names = sorted(a.arrays)
    for name in names:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        assert a[name].dtype == b[name].dtype, name


# ------------------------------------------------------------------------------------------------ parse_axis
def test_parse_axis_linspace_is_inclusive_and_uniform():
    name, v = parse_axis("Delta_ad=1.30:1.40:101")
    assert name == "Delta_ad"
    assert v.dtype == np.float64 and v.shape == (101,)
    assert v[0] == 1.30 and v[-1] == 1.40
    np.testing.assert_allclose(np.diff(v), 0.001, rtol=0, atol=SPACING_TOL)


def test_parse_axis_logspace_has_constant_ratio():
    name, v = parse_axis("kappa=0.001:0.05:41:log")
    assert name == "kappa" and v.shape == (41,)
    assert v[0] == 0.001 and v[-1] == 0.05
    np.testing.assert_allclose(np.diff(np.log(v)), math.log(50.0) / 40, rtol=0, atol=SPACING_TOL)


@pytest.mark.parametrize(
    "spec, name, expected, kind",
    [
        ("direction=left,right", "direction", ["left", "right"], "U"),
        ("cutoff=4,5,6", "cutoff", [4, 5, 6], "i"),
        ("kappa=0.01,0.02,5e-3", "kappa", [0.01, 0.02, 0.005], "f"),
        ("kappa=0.01", "kappa", [0.01], "f"),
        (" xi = 0.5:0.7:3:lin ", "xi", [0.5, 0.6, 0.7], "f"),
        ("x=2:1:2", "x", [2.0, 1.0], "f"),
    ],
)
def test_parse_axis_forms(spec, name, expected, kind):
    got_name, v = parse_axis(spec)
    assert got_name == name and v.dtype.kind == kind
    if kind == "f":
        np.testing.assert_allclose(v, expected, rtol=0, atol=SPACING_TOL)
    else:
        assert v.tolist() == expected


@pytest.mark.parametrize(
    "spec",
    [
        "Delta_ad",
        "=1:2:3",
        "1x=1,2",
        "x=",
        "x=1:2",
        "x=1:2:3:4:5",
        "x=1:2:0",
        "x=1:2:2.5",
        "x=1:2:1",
        "x=0:1:5:log",
        "x=1:2:5:cubic",
        "x=a:2:3",
        "x=1:nan:3",
        "x=1,,2",
        "x=1,left",
        "x=1,1",
        "x=inf",
        "meta=1,2",
    ],
)
def test_parse_axis_rejects_malformed_specs(spec):
    with pytest.raises(InputError) as info:
        parse_axis(spec)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------------------------ Grid
def test_grid_order_points_and_keys():
    g = Grid({"kappa": [0.001, 0.01, 0.1], "direction": ["left", "right"]})
    assert g.shape == (3, 2) and g.size == 6 and g.names == ("kappa", "direction")
    order = [(p["kappa"], p["direction"]) for _, p in g]
    assert order == [(k, d) for k in (0.001, 0.01, 0.1) for d in ("left", "right")]  # last axis fastest
    assert all(type(p["kappa"]) is float and type(p["direction"]) is str for _, p in g)
    keys = [g.key(i) for i in g.indices()]
    assert len(set(keys)) == 6
    assert keys[3].startswith("1-1_")
    # stable: an equal grid built again (and from its JSON form) gives the same keys
    g2 = Grid.from_dict(json.loads(json.dumps(g.to_dict())))
    assert g2 == g and [g2.key(i) for i in g2.indices()] == keys
    # a different value at the same index gives a different key
    g3 = Grid({"kappa": [0.001, 0.02, 0.1], "direction": ["left", "right"]})
    assert g3.key((1, 0)) != g.key((1, 0)) and g3.key((0, 0)) == g.key((0, 0))


def test_grid_from_specs_matches_parse_axis():
    g = Grid.from_specs(["Delta_ad=1.30:1.40:11", "direction=left,right"])
    assert g.shape == (11, 2)
    assert g.point((10, 1)) == {"Delta_ad": 1.40, "direction": "right"}


@pytest.mark.parametrize(
    "axes",
    [
        {},
        {"x": []},
        {"x": [1.0, 1.0]},
        {"x": [1.0, float("nan")]},
        {"x": [1.0, "a"]},
        {"x": [[1.0, 2.0]]},
        {"not an identifier": [1.0]},
        {"meta": [1.0]},
    ],
)
def test_grid_rejects_bad_axes(axes):
    with pytest.raises(InputError):
        Grid(axes)


def test_grid_scalar_is_one_point_axis():
    g = Grid({"direction": "left", "cutoff": 5})
    assert g.shape == (1, 1) and g.point((0, 0)) == {"direction": "left", "cutoff": 5}


# ------------------------------------------------------------------------------------------------ serial
def test_serial_sweep_assembles_closed_form_and_writes_files(tmp_path):
    offset = 0.25
    r = run_sweep(sp.quadratic, quad_grid(), base={"offset": offset}, out=tmp_path / "run", progress=False)
    assert r.ok and r.n_recomputed == 10 and r.n_resumed == 0
    assert r["f"].shape == (5, 2) and r["vec"].shape == (5, 2, 3) and r["c"].dtype == np.complex128
    for (i, j), p in Grid(quad_grid()):
        assert r["f"][i, j] == sp.quadratic_expected(p["x"], p["direction"], offset)
        assert r["vec"][i, j, 2] == (1.0 if p["direction"] == "left" else -1.0)
        assert r["c"][i, j] == complex(p["x"], r["vec"][i, j, 2])
    assert r.point_meta((1, 1))["sign"] == -1.0
    np.testing.assert_array_equal(r.meta("sign"), np.array([[1.0, -1.0]] * 5))

    with np.load(tmp_path / "run" / "result.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["c", "direction", "f", "vec", "x"]
        np.testing.assert_array_equal(npz["f"], r["f"])
        assert npz["direction"].tolist() == ["left", "right"]
    assert len(list((tmp_path / "run" / "points").glob("*.json"))) == 10
    loaded = load_sweep(tmp_path / "run")
    assert_same_arrays(loaded, r)
    assert loaded.grid == r.grid and loaded.provenance["func"] == "_sweep_points:quadratic"


def test_out_with_a_file_suffix_names_the_directory(tmp_path):
    r = run_sweep(sp.quadratic, quad_grid(2), out=tmp_path / "fig3.npz", progress=False)
    assert r.path == tmp_path / "fig3" and (tmp_path / "fig3" / "result.npz").is_file()
    assert_same_arrays(load_sweep(tmp_path / "fig3.npz"), r)


def test_func_given_as_module_string_and_without_out():
    a = run_sweep("_sweep_points:quadratic", quad_grid(3), progress=False)
    b = run_sweep(sp.quadratic, quad_grid(3), progress=False)
    assert a.path is None and a.provenance["func"] == b.provenance["func"]
    assert_same_arrays(a, b)


def test_provenance_records_params_versions_and_meta(tmp_path):
    params = get_preset("fig1")
    grid = {"Delta_ad": [1.30, 1.35], "direction": ["left", "right"]}
    run_sweep(sp.model_levels, grid, base=params, out=tmp_path / "m", progress=False)  # Params -> params=...
    prov = json.loads((tmp_path / "m" / "result.json").read_text())
    assert prov["format"] == FORMAT and prov["func"] == "_sweep_points:model_levels"
    assert prov["base"]["params"]["fields"] == params.to_dict()
    assert prov["grid"]["axes"][0] == {"name": "Delta_ad", "kind": "float", "values": [1.30, 1.35]}
    for pkg in ("python", "nrbundle", "numpy", "scipy", "qutip", "sympy"):
        assert prov["versions"][pkg], pkg
    assert prov["argv"] == sys.argv and prov["host"] and prov["executor"] == "serial"
    assert prov["started"] <= prov["finished"]
    assert (prov["n_points"], prov["n_recomputed"], prov["n_resumed"], prov["n_failed"]) == (4, 4, 0, 0)
    assert [p["meta"]["dimension"] for p in prov["points"]] == [16] * 4
    assert prov["points"][3]["point"] == {"Delta_ad": 1.35, "direction": "right"}
    r = load_sweep(tmp_path / "m")
    for (i, j), p in r.grid:
        assert abs(r["trace"][i, j] - sp.model_trace_expected(params, p["Delta_ad"], p["direction"])) < TRACE_TOL


def test_checkpoint_round_trip_is_bit_exact(tmp_path):
    grid = {"k": [1.0, 2.0, 3.0]}
    fresh = run_sweep(sp.awkward, grid, out=tmp_path / "a", progress=False)
    resumed = run_sweep(sp.awkward, grid, out=tmp_path / "a", progress=False)  # every point read back from JSON
    assert resumed.n_resumed == 3 and resumed.n_recomputed == 0
    for name in ("v", "z", "s"):
        a, b = fresh[name], resumed[name]
        assert a.dtype == b.dtype
        assert a.tobytes() == b.tobytes(), name  # bit for bit, including -0.0, subnormals, inf
    assert load_sweep(tmp_path / "a")["v"].tobytes() == fresh["v"].tobytes()


# ------------------------------------------------------------------------------------------------ executors
def model_grid() -> dict:
    return {"Delta_ad": np.linspace(1.30, 1.40, 3), "direction": ["left", "right"]}


def check_model_sweep(r: SweepResult, params) -> None:
    for (i, j), p in r.grid:
        assert abs(r["trace"][i, j] - sp.model_trace_expected(params, p["Delta_ad"], p["direction"])) < TRACE_TOL


def test_process_pool_equals_serial(tmp_path):
    params = get_preset("fig1")
    env_before = {var: os.environ.get(var) for var in BLAS_THREAD_VARS}
    serial = run_sweep(sp.model_levels, model_grid(), base={"params": params}, progress=False)
    pooled = run_sweep(
        sp.model_levels, model_grid(), base={"params": params}, out=tmp_path / "p", executor="process", workers=2,
        progress=False,
    )
    assert pooled.ok and pooled.provenance["executor"] == "process" and pooled.provenance["workers"] == 2
    assert_same_arrays(pooled, serial, ["trace", "levels"])
    check_model_sweep(pooled, params)
    assert (pooled["blas_threads"] == "1").all()  # BLAS pinned to one thread in every worker
    assert {var: os.environ.get(var) for var in BLAS_THREAD_VARS} == env_before  # parent environment restored


def test_dask_local_cluster_equals_serial(tmp_path):
    pytest.importorskip("distributed")
    base = {"offset": 0.125}
    serial = run_sweep(sp.quadratic, quad_grid(4), base=base, progress=False)
    dasked = run_sweep(
        sp.quadratic, quad_grid(4), base=base, out=tmp_path / "d", executor="dask", scheduler="local", workers=2,
        progress=False,
    )
    assert dasked.ok and dasked.provenance["executor"] == "dask" and dasked.provenance["scheduler"] == "local"
    assert_same_arrays(dasked, serial)
    for (i, j), p in dasked.grid:
        assert dasked["f"][i, j] == sp.quadratic_expected(p["x"], p["direction"], 0.125)
        meta = dasked.point_meta((i, j))
        assert meta["pid"] != os.getpid() and meta["blas_threads"] == "1"  # ran in a pinned worker process
    assert_same_arrays(load_sweep(tmp_path / "d"), dasked)


# ------------------------------------------------------------------------------------------------ crash and resume
KILL_SCRIPT = """
import sys
sys.path.insert(0, {here!r})
import numpy as np
from nrbundle.sweep import run_sweep
import _sweep_points as sp
run_sweep(sp.quadratic, {{"x": np.linspace(0.0, 1.5, 8), "direction": ["left", "right"]}},
          base={{"offset": 0.25, "sleep": {sleep!r}, "log": {log!r}}}, out={out!r}, progress=False)
"""


def read_calls(log: Path) -> list[tuple[int, float, str]]:
    out = []
    for line in log.read_text().splitlines():
        pid, x, direction = line.split()
        out.append((int(pid), float(x), direction))
    return out


def test_sweep_killed_midway_resumes_without_recomputing(tmp_path):
    out, log = tmp_path / "killed", tmp_path / "calls.log"
    grid = {"x": np.linspace(0.0, 1.5, 8), "direction": ["left", "right"]}
    base = {"offset": 0.25, "sleep": KILL_SLEEP, "log": str(log)}
    code = textwrap.dedent(KILL_SCRIPT.format(here=str(HERE), sleep=KILL_SLEEP, log=str(log), out=str(out)))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    points = out / "points"
    deadline = time.monotonic() + 60.0
    try:
        while not (points.is_dir() and len(list(points.glob("*.json"))) >= KILL_AFTER):
            assert proc.poll() is None, f"sweep ended before it could be killed: {proc.communicate()[1].decode()}"
            assert time.monotonic() < deadline, "sweep made no progress"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    done = {p.stem for p in points.glob("*.json")}
    assert KILL_AFTER <= len(done) < 16, "the kill must land mid-way"
    assert not (out / "result.npz").exists()
    partial = load_sweep(out, partial=True)
    assert len(partial.missing) == 16 - len(done) and not partial.ok

    resumed = run_sweep(sp.quadratic, grid, base=base, out=out, progress=False)
    assert resumed.ok
    assert resumed.n_resumed == len(done) and resumed.n_recomputed == 16 - len(done)
    # the function ran in this process exactly once for each point that had no checkpoint, never for the others
    g = Grid(grid)
    missing = {(p["x"], p["direction"]) for i, p in g if g.key(i) not in done}
    mine = [(x, d) for pid, x, d in read_calls(log) if pid == os.getpid()]
    assert sorted(mine) == sorted(missing)
    assert [p["resumed"] for p in resumed.provenance["points"]] == [g.key(i) in done for i in g.indices()]

    reference = run_sweep(sp.quadratic, grid, base={"offset": 0.25}, progress=False)  # uninterrupted
    assert_same_arrays(resumed, reference)
    for (i, j), p in g:
        assert resumed["f"][i, j] == sp.quadratic_expected(p["x"], p["direction"], 0.25)


def test_partial_and_corrupt_checkpoints_are_ignored(tmp_path):
    out = tmp_path / "c"
    grid = Grid(quad_grid(4))
    log = tmp_path / "calls.log"
    base = {"offset": 0.5, "log": str(log)}
    full = run_sweep(sp.quadratic, grid, base=base, out=out, progress=False)
    points = out / "points"
    k_tmp, k_corrupt = grid.key((1, 0)), grid.key((2, 1))
    # a write interrupted before its rename: the temporary holds half a checkpoint, the final name does not exist
    text = (points / f"{k_tmp}.json").read_text()
    (points / f"{k_tmp}.json").unlink()
    (points / f".{k_tmp}.json.x1y2z3.tmp").write_text(text[: len(text) // 2])
    # a final-name file that is not a complete checkpoint (e.g. damaged on disk)
    (points / f"{k_corrupt}.json").write_text(text[: len(text) // 3])
    # a checkpoint of another point copied under this point's name
    (points / f"{grid.key((3, 1))}.json").write_text((points / f"{grid.key((0, 0))}.json").read_text())
    log.unlink()

    again = run_sweep(sp.quadratic, grid, base=base, out=out, progress=False)
    assert again.n_recomputed == 3 and again.n_resumed == 5
    assert again.provenance["n_ignored_checkpoints"] == 2
    assert sorted((x, d) for _, x, d in read_calls(log)) == sorted(
        (grid.point(i)["x"], grid.point(i)["direction"]) for i in [(1, 0), (2, 1), (3, 1)]
    )
    assert not list(points.glob(".*.tmp"))  # stale temporaries are cleaned up under the lock
    assert_same_arrays(again, full)


def test_reuse_result_returns_the_finished_sweep_untouched_and_only_when_it_is_current(tmp_path, monkeypatch):
    """reuse_result: the finished result of this very sweep comes back as written (arrays and provenance), no file
    is read from points/ or written; another base, a missing netCDF copy or another version resume as before."""
    out = tmp_path / "r"
    grid = Grid(quad_grid(4))
    log = tmp_path / "calls.log"
    base = {"offset": 0.5, "log": str(log)}
    first = run_sweep(sp.quadratic, grid, base=base, out=out, progress=False)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    from nrbundle.sweep.store import Store

    with monkeypatch.context() as m:  # a reuse reads no checkpoint
        m.setattr(Store, "read_records", lambda *a, **k: pytest.fail("the checkpoints were read"))
        again = run_sweep(sp.quadratic, grid, base=base, out=out, progress=False, reuse_result=True)
    assert_same_arrays(again, first)
    written = json.loads((out / "result.json").read_text())
    assert again.n_recomputed == 0 and again.n_resumed == grid.size and again.provenance["reused_result"]
    assert [p["resumed"] for p in again.provenance["points"]] == [True] * grid.size
    assert again.provenance["grid"] == written["grid"] and again.provenance["netcdf"] == written["netcdf"]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    assert len(read_calls(log)) == grid.size  # the first run's calls only
    # not current: the ordinary resume (reads the checkpoints, rewrites the result)
    if (out / "result.nc").exists():
        (out / "result.nc").unlink()
        redone = run_sweep(sp.quadratic, grid, base=base, out=out, progress=False, reuse_result=True)
        assert (out / "result.nc").exists() and redone.n_resumed == grid.size
    prov = json.loads((out / "result.json").read_text())
    prov["versions"]["nrbundle"] = "0.0.0-other"
    (out / "result.json").write_text(json.dumps(prov))
    redone = run_sweep(sp.quadratic, grid, base=base, out=out, progress=False, reuse_result=True)
    assert redone.n_resumed == grid.size and redone.n_recomputed == 0
    assert json.loads((out / "result.json").read_text())["versions"]["nrbundle"] != "0.0.0-other"
    assert len(read_calls(log)) == grid.size


# ------------------------------------------------------------------------------------------------ manifest
def test_manifest_mismatch_raises_and_resume_false_starts_afresh(tmp_path):
    out = tmp_path / "m"
    run_sweep(sp.quadratic, quad_grid(3), base={"offset": 0.1}, out=out, progress=False)
    with pytest.raises(InputError, match="another grid: axis 'x'"):
        run_sweep(sp.quadratic, quad_grid(4), base={"offset": 0.1}, out=out, progress=False)
    with pytest.raises(InputError, match=r"other base parameters \(differ: offset\)"):
        run_sweep(sp.quadratic, quad_grid(3), base={"offset": 0.2}, out=out, progress=False)
    with pytest.raises(InputError, match="holds a sweep of '_sweep_points:quadratic'"):
        run_sweep(sp.awkward, {"k": [1.0]}, out=out, progress=False)

    fresh = run_sweep(sp.quadratic, quad_grid(4), base={"offset": 0.2}, out=out, resume=False, progress=False)
    assert fresh.n_resumed == 0 and fresh.n_recomputed == 8
    assert len(list((out / "points").glob("*.json"))) == 8  # the old sweep's checkpoints are gone
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["base"] == {"offset": 0.2} and len(manifest["grid"]["axes"][0]["values"]) == 4

    (out / "manifest.json").write_text('{"format": "nrbundle.sweep/1", "func": ')  # damaged
    with pytest.raises(InputError, match="unreadable"):
        run_sweep(sp.quadratic, quad_grid(4), base={"offset": 0.2}, out=out, progress=False)
    assert run_sweep(sp.quadratic, quad_grid(4), base={"offset": 0.2}, out=out, resume=False, progress=False).ok


def test_second_sweep_into_a_locked_directory_is_refused(tmp_path):
    out = tmp_path / "l"
    (out / "points").mkdir(parents=True)
    with open(out / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(InputError, match="another sweep is writing"):
            run_sweep(sp.quadratic, quad_grid(2), out=out, progress=False)


# ------------------------------------------------------------------------------------------------ failures
def test_failed_point_is_recorded_and_others_complete(tmp_path, caplog):
    out = tmp_path / "f"
    grid = {"x": [0.0, 1.0, 2.0, 3.0]}
    with caplog.at_level(logging.WARNING, logger="nrbundle.sweep"):
        r = run_sweep(sp.fails_at, grid, base={"bad": 2.0}, out=out, progress=False)
    assert not r.ok and len(r.failed) == 1
    f = r.failed[0]
    assert f.index == (2,) and f.point == {"x": 2.0} and f.error == "ValueError: no solution at x=2.0"
    assert math.isnan(r["cube"][2])
    np.testing.assert_array_equal(r["cube"][[0, 1, 3]], [0.0, 1.0, 27.0])
    assert math.isnan(r.meta("residual")[2]) and r.meta("residual")[3] == 1e-14 * 4
    assert "1 of 4 points failed" in caplog.text
    with pytest.raises(SweepError, match="1 of 4 sweep points failed"):
        r.raise_if_failed()
    record = json.loads((out / "points" / f"{f.key}.json").read_text())
    assert record["status"] == "failed" and "Traceback" in record["traceback"]

    loaded = load_sweep(out)
    assert loaded.failed == r.failed and loaded.provenance["n_failed"] == 1
    kept = run_sweep(sp.fails_at, grid, base={"bad": 2.0}, out=out, progress=False, retry_failed=False)
    assert kept.n_recomputed == 0 and len(kept.failed) == 1
    retried = run_sweep(sp.fails_at, grid, base={"bad": 2.0}, out=out, progress=False)
    assert retried.n_recomputed == 1 and retried.n_resumed == 3 and len(retried.failed) == 1


def test_invalid_return_values_fail_their_point_only():
    r = run_sweep(sp.bad_return, {"x": [0, 1, 2]}, progress=False)
    errors = {f.point["x"]: f.error for f in r.failed}
    assert set(errors) == {0, 1}
    assert "must return a dict" in errors[0] and "also a grid axis name" in errors[1]
    assert r["y"].tolist()[2] == 2.0


def test_ragged_results_are_refused_with_a_clear_message(tmp_path):
    with pytest.raises(InputError, match="fixed-shape"):
        run_sweep(sp.ragged, {"n": [1, 2]}, out=tmp_path / "r", progress=False)
    assert len(list((tmp_path / "r" / "points").glob("*.json"))) == 2  # the computed points are kept


def test_warnings_inside_the_function_are_recorded_not_raised(tmp_path):
    r = run_sweep(sp.warns, {"x": [1.0, 2.0]}, out=tmp_path / "w", progress=False)
    assert r.ok and r["x2"].tolist() == [1.0, 4.0]
    assert list(r.warnings().values()) == [["TruncationWarning: top Fock level holds 0.02 at x=2.0"]]


# ------------------------------------------------------------------------------------------------ input errors
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(executor="threads"), "executor"),
        (dict(workers=0), "workers"),
        (dict(workers=1.5), "workers"),
        (dict(scheduler="local"), "scheduler"),
        (dict(base=[1, 2]), "base"),
        (dict(base={"offset": object()}), r"base\['offset'\]"),
        (dict(base={"wrong": 1.0}), "cannot be called"),
        (dict(func="no_module_here_xyz:f"), "cannot import"),
        (dict(func="_sweep_points:nothing"), "no attribute"),
        (dict(func="quadratic"), "module:function"),
        (dict(func=lambda point: {"y": 1.0}, executor="process"), "cannot be sent"),
        (dict(out=__file__), "not a directory"),
    ],
)
def test_bad_arguments_raise_input_error(kwargs, match):
    func = kwargs.pop("func", sp.quadratic)
    with pytest.raises(InputError, match=match):
        run_sweep(func, quad_grid(2), progress=False, **kwargs)


def test_load_sweep_errors(tmp_path):
    with pytest.raises(InputError, match="no sweep"):
        load_sweep(tmp_path / "nothing")
    (tmp_path / "u" / "points").mkdir(parents=True)
    run_sweep(sp.quadratic, quad_grid(2), out=tmp_path / "u", progress=False)
    (tmp_path / "u" / "result.npz").unlink()
    with pytest.raises(InputError, match="has not finished"):
        load_sweep(tmp_path / "u")
    assert load_sweep(tmp_path / "u", partial=True).ok
