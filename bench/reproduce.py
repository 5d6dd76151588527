"""Benchmark: what ``nrbundle reproduce`` (full and quick) costs, stage by stage, against a baseline commit.

Run:  python bench/reproduce.py                    (baseline 3ecf25c and this tree; quick and full: about an hour)
      python bench/reproduce.py --quick-only       (quick runs only, three pairs: about 15 minutes)
      python bench/reproduce.py --skip-baseline    (this tree only, e.g. while developing)

What it does, in one run (so both sides see the same machine):

1. Runs ``reproduce --quick`` and ``reproduce`` of the baseline commit (extracted with ``git archive`` into the work
   folder, never checked out) and of this tree, each in a child process (``PYTHONPATH`` = that code, a fresh output
   folder), and measures its wall time, its CPU time (``resource.getrusage(RUSAGE_CHILDREN)``: the child and every
   worker process it started), the machine load before, during and after, and the stage times of its
   ``reproduce.json``. The quick runs are repeated (``--repeat-quick``, default 3) as interleaved pairs, baseline
   then this tree, and the ratio of the two median CPU times is printed with every pair's own ratio: on a shared
   virtual machine one and the same run's CPU time varies by 15-30 % (a pure-Python loop: 1.7-3.1 s), which a
   single 45-second run does not average out. A second quick run of this tree into its first folder measures a
   rerun. The CPU ratios of this tree over the baseline are printed (issue 11: each at most 1/4).
2. Times one ``solve_steady(..., cutoff="auto")`` at each of the paper's four resonances (the ED resonances of the
   run's ``resonances.json``) in a child process of each code (issue 11: under 10 s each).
3. Profiles one quick run of this tree in this process, every stage one after the other, sweeps serial (unless
   ``--skip-profile``; ``--profile-full`` profiles the full run too): per stage the wall and CPU time, the number of
   steady-state solves, their dimensions and GMRES iterations, how many repeat an earlier solve exactly, and the
   share of the solve time spent in the eigendecomposition of H_eff versus the Krylov iterations, plus the time in
   the other numeric kernels (ED ``eigh``, ``expm_multiply``, ODE solvers). The matrix-level solver is found by name
   (``def steady_state(`` in ``nrbundle/numeric``) and wrapped by monkeypatching: nothing in the package is changed.

Results go to stdout and, as JSON, to ``--json`` (default ``<workdir>/bench-reproduce.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "3ecf25c"
#: The command line as its console script runs it: ``nrbundle.cli.run`` where the tree has it (it exits without the
#: interpreter's teardown), else ``sys.exit(main())`` (the baseline's console script).
CLI = ("import sys; import nrbundle.cli as cli; "
       "cli.run() if hasattr(cli, 'run') else sys.exit(cli.main())")


# ============================================================================================== machine and load
def load() -> float:
    """1-minute load average (nan where unavailable)."""
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return float("nan")


class LoadSampler:
    """Samples the 1-minute load average every ``every`` seconds in a background thread."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(load())

    def __enter__(self) -> LoadSampler:
        self.before = load()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.after = load()

    def summary(self) -> dict[str, float]:
        s = self.samples or [self.after]
        return {"before": self.before, "after": self.after, "mean": statistics.fmean(s), "max": max(s)}


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        cores = os.cpu_count() or 1
    return {"cpu": model, "cores": cores, "platform": platform.platform(), "python": platform.python_version(),
            "load_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "blas_env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}


# ============================================================================================== child runs
def extract_baseline(commit: str, dest: Path) -> Path:
    """``git archive <commit> | tar -x -C dest`` (once); returns ``dest``."""
    if (dest / "nrbundle" / "__init__.py").exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def child_env(code: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code)  # this code, not whatever is installed
    env.pop("PYTHONSTARTUP", None)
    return env


def run_child(code: Path, argv: list[str], log: Path, cwd: Path) -> dict[str, Any]:
    """Run ``python -c CLI argv`` with ``code`` on PYTHONPATH; wall, CPU (child and its workers), load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with LoadSampler() as ls, open(log, "wb") as fh:
        t0 = time.perf_counter()
        rc = subprocess.run([sys.executable, "-c", CLI, *argv], cwd=cwd, env=child_env(code), stdout=fh,
                            stderr=subprocess.STDOUT, check=False).returncode
        wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, sys_ = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return {"argv": argv, "returncode": rc, "wall_s": wall, "cpu_s": user + sys_, "user_s": user, "sys_s": sys_,
            "load": ls.summary(), "log": str(log)}


def reproduce_run(code: Path, out: Path, quick: bool, *, fresh: bool = True) -> dict[str, Any]:
    """One ``reproduce`` (``--quick``) of ``code`` into ``out`` (emptied first when ``fresh``)."""
    if fresh and out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = ["reproduce", "--out", str(out)] + (["--quick"] if quick else [])
    rec = run_child(code, argv, out.parent / f"{out.name}{'' if fresh else '-rerun'}.log", out.parent)
    rep = out / "reproduce.json"
    if rep.exists():
        data = json.loads(rep.read_text())
        rec["stages"] = {k: {"status": v.get("status"), "time_s": v.get("time_s"), "cpu_s": v.get("cpu_s"),
                             "error": v.get("error")} for k, v in data.get("stages", {}).items()}
        rec["total_time_s"] = data.get("total_time_s")
    else:
        rec["stages"] = {}
    return rec


AUTO_CODE = r"""
import json, sys, time
from nrbundle.params import get_preset
try:
    from nrbundle.numeric.steady import solve_steady
except ImportError:  # older layouts
    from nrbundle.numeric.convergence import solve_steady
table = json.load(open(sys.argv[1]))
params = get_preset("fig1")
out = []
for r in table["transitions"]:
    t0, c0 = time.perf_counter(), time.process_time()
    st = solve_steady(params, r["direction"], float(r["ed"]), cutoff="auto")
    out.append({"target": r["target"], "direction": r["direction"], "Delta_ad": r["ed"],
                "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
                "cutoff": list(st.cutoff), "solves": len(st.history),
                "truncation_error": st.truncation_error})
print("RESULT " + json.dumps(out))
"""


def auto_cutoff_run(code: Path, resonances_json: Path, cwd: Path) -> list[dict[str, Any]] | str:
    """One ``solve_steady(cutoff="auto")`` at each paper resonance, in a child process of ``code``."""
    proc = subprocess.run([sys.executable, "-c", AUTO_CODE, str(resonances_json)], cwd=cwd, env=child_env(code),
                          capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:] }"


# ============================================================================================== in-process profile
class Profiler:
    """Wraps the matrix-level steady-state solver and the numeric kernels; attributes everything to the task that
    the pipeline names (``nrbundle.study.progress.current_task``), or to a stage set by :meth:`in_stage`."""

    def __init__(self) -> None:
        self._stage = "(outside a stage)"
        self.current: Callable[[], str | None] = lambda: None
        self.local = threading.local()
        self.solves: list[dict[str, Any]] = []
        self.kernels: dict[str, dict[str, dict[str, float]]] = defaultdict(
            lambda: defaultdict(lambda: {"calls": 0, "time_s": 0.0}))
        self.seen: set[str] = set()
        self._undo: list[Callable[[], None]] = []

    # ----------------------------------------------------------------------------- patching
    def _replace_everywhere(self, original: Any, replacement: Any) -> None:
        """Rebind every module-level name in ``nrbundle.*`` (and the defining module) bound to ``original``."""
        for name, mod in list(sys.modules.items()):
            if not (name == "nrbundle" or name.startswith("nrbundle.")) or mod is None:
                continue
            for attr, val in list(vars(mod).items()):
                if val is original:
                    setattr(mod, attr, replacement)
                    self._undo.append(lambda m=mod, a=attr, v=val: setattr(m, a, v))

    def _patch_attr(self, owner: Any, attr: str, wrapper_factory: Callable[[Any], Any]) -> None:
        original = getattr(owner, attr)
        setattr(owner, attr, wrapper_factory(original))
        self._undo.append(lambda: setattr(owner, attr, original))

    def install(self) -> str:
        """Patch the solver and kernels; returns the qualified name of the solver that was found."""
        import numpy as np
        import scipy.linalg
        import scipy.sparse.linalg

        numeric = ROOT / "nrbundle" / "numeric"
        where = [p for p in sorted(numeric.glob("*.py")) if re.search(r"^def steady_state\(", p.read_text(), re.M)]
        if not where:
            raise SystemExit("bench: no 'def steady_state(' in nrbundle/numeric (the solver moved?)")
        modname = "nrbundle.numeric." + where[0].stem
        solver_mod = importlib.import_module(modname)
        # import everything that might hold a reference to the solver, then rebind those references
        for sub in ("nrbundle.numeric.steady", "nrbundle.crosscheck", "nrbundle.study", "nrbundle.figures",
                    "nrbundle.reproduce"):
            with contextlib.suppress(ImportError):
                importlib.import_module(sub)
        original = solver_mod.steady_state
        prof = self

        def solver(H: Any, c_ops: Any, *args: Any, **kwargs: Any) -> Any:
            acc = {"decomposition_s": 0.0, "preconditioner_s": 0.0}
            prof.local.acc = acc
            dense = H.full() if hasattr(H, "full") else np.asarray(H)
            h = hashlib.sha1(np.ascontiguousarray(dense).tobytes())
            for c in c_ops:
                cd = c.full() if hasattr(c, "full") else np.asarray(c.toarray() if hasattr(c, "toarray") else c)
                h.update(np.ascontiguousarray(cd).tobytes())
            h.update(repr(sorted((k, v) for k, v in kwargs.items() if k != "rho0")).encode())
            key = h.hexdigest()
            t0 = time.perf_counter()
            try:
                res = original(H, c_ops, *args, **kwargs)
            finally:
                prof.local.acc = None
            total = time.perf_counter() - t0
            prof.solves.append({
                "stage": prof.stage, "dimension": int(dense.shape[0]), "iterations": int(res.iterations),
                "time_s": total, "decomposition_s": acc["decomposition_s"],
                "preconditioner_s": acc["preconditioner_s"], "repeat": key in prof.seen,
                "warm_start": kwargs.get("rho0") is not None,
                "tol": kwargs.get("tol"), "atol": kwargs.get("atol"),
            })
            prof.seen.add(key)
            return res

        self._replace_everywhere(original, solver)

        def timed_in_solver(slot: str, kernel: str) -> Callable[[Any], Any]:
            def factory(fn: Any) -> Any:
                def wrapper(*a: Any, **k: Any) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return fn(*a, **k)
                    finally:
                        dt = time.perf_counter() - t0
                        acc = getattr(prof.local, "acc", None)
                        if acc is not None and slot:
                            acc[slot] += dt
                        else:
                            rec = prof.kernels[prof.stage][kernel]
                            rec["calls"] += 1
                            rec["time_s"] += dt
                return wrapper
            return factory

        self._patch_attr(np.linalg, "eig", timed_in_solver("decomposition_s", "numpy eig (outside solves)"))
        self._patch_attr(scipy.linalg, "schur", timed_in_solver("decomposition_s", "scipy schur (outside solves)"))
        self._patch_attr(np.linalg, "eigh", timed_in_solver("", "numpy eigh (ED, witnesses)"))
        self._patch_attr(scipy.linalg, "eigh", timed_in_solver("", "scipy eigh"))
        self._patch_attr(scipy.sparse.linalg, "expm_multiply", timed_in_solver("", "expm_multiply (g2 tau)"))
        pre = getattr(solver_mod, "NoJumpInverse", None)
        if pre is not None and callable(pre):
            self._patch_attr(pre, "__call__", timed_in_solver("preconditioner_s", "preconditioner (outside)"))
        import qutip
        for fn in ("mesolve", "mcsolve", "sesolve"):
            if hasattr(qutip, fn):
                original_q = getattr(qutip, fn)
                wrapped = timed_in_solver("", f"qutip.{fn}")(original_q)
                self._replace_everywhere(original_q, wrapped)
                self._patch_attr(qutip, fn, lambda _o, w=wrapped: w)
        return f"{modname}.steady_state"

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    # ----------------------------------------------------------------------------- stages
    @property
    def stage(self) -> str:
        return self.current() or self._stage

    @contextlib.contextmanager
    def in_stage(self, name: str) -> Iterator[None]:
        previous, self._stage = self._stage, name
        try:
            yield
        finally:
            self._stage = previous


def profile_run(out: Path, quick: bool) -> dict[str, Any]:
    """One reproduce of this tree in this process, tasks one after the other, sweeps serial, instrumented.

    Solves and kernel times are attributed to the pipeline's task running at the time
    (``nrbundle.study.progress.current_task``); the task times come from the run's ``reproduce.json``.
    """
    sys.path.insert(0, str(ROOT))
    from nrbundle import threads
    from nrbundle.study import progress

    threads.pin_process(1)
    prof = Profiler()
    prof.current = progress.current_task
    solver_name = prof.install()
    rep = importlib.import_module("nrbundle.reproduce")
    if out.exists():
        shutil.rmtree(out)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        rep.reproduce(out, quick=quick, executor="serial")
    finally:
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        prof.uninstall()
    tasks = json.loads((out / "reproduce.json").read_text()).get("tasks", {})
    stage_times = {k: {"wall_s": v.get("time_s", float("nan")), "cpu_s": v.get("cpu_s", float("nan"))}
                   for k, v in tasks.items()}
    return summarise_profile(prof, stage_times, wall, cpu, solver_name, quick)


def summarise_profile(prof: Profiler, stage_times: dict[str, dict[str, float]], wall: float, cpu: float,
                      solver_name: str, quick: bool) -> dict[str, Any]:
    stages: dict[str, Any] = {}
    names = list(stage_times) + sorted({s["stage"] for s in prof.solves} - set(stage_times))
    for name in names:
        ss = [s for s in prof.solves if s["stage"] == name]
        t_solve = sum(s["time_s"] for s in ss)
        t_dec = sum(s["decomposition_s"] for s in ss)
        t_pre = sum(s["preconditioner_s"] for s in ss)
        dims = sorted(s["dimension"] for s in ss)
        stages[name] = {
            **stage_times.get(name, {"wall_s": float("nan"), "cpu_s": float("nan")}),
            "solves": len(ss),
            "repeated_solves": sum(s["repeat"] for s in ss),
            "dimensions": {"min": dims[0], "median": dims[len(dims) // 2], "max": dims[-1],
                           "histogram": {str(d): dims.count(d) for d in sorted(set(dims))}} if dims else None,
            "iterations": {"total": sum(s["iterations"] for s in ss),
                           "mean": statistics.fmean(s["iterations"] for s in ss)} if ss else None,
            "solve_time_s": t_solve,
            "decomposition_s": t_dec,
            "preconditioner_s": t_pre,
            "krylov_other_s": t_solve - t_dec - t_pre,
            "kernels": {k: dict(v) for k, v in prof.kernels.get(name, {}).items()},
        }
    return {"quick": quick, "solver": solver_name, "wall_s": wall, "cpu_s": cpu, "stages": stages,
            "solves": prof.solves}


# ============================================================================================== outputs compared
def _rel(a: Any, b: Any) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    den = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, np.abs(a - b) / den, 0.0)


def _worst(values: dict[str, float]) -> tuple[str, float]:
    finite = {k: v for k, v in values.items() if np.isfinite(v)}
    return max(finite.items(), key=lambda kv: kv[1]) if finite else ("-", float("nan"))


#: What each regime's column of Fig. 3 plots (``nrbundle.study.cutoffs.FIG3_OBSERVABLES``; the other pair's values
#: are in the data too, neither plotted nor converged).
FIG3_PLOTTED: dict[str, tuple[str, ...]] = {
    "blue": ("n_a", "n_b", "n_m", "g1_am", "g2_am"),
    "pink": ("n_a", "n_b", "n_m", "g1_ab", "g2_ab"),
    "orange": ("n_a", "n_b", "n_m", "g1_ab", "g2_ab", "g1_am", "g2_am"),
}


def _line_half_widths(run: Path) -> dict[str, float]:
    """Half-widths of the Fig. 1 lines of a run of this tree (``nrbundle.study.spectra.line_widths``)."""
    sys.path.insert(0, str(ROOT))
    from nrbundle.params import get_preset
    from nrbundle.study.spectra import line_widths

    table = json.loads((run / "resonances.json").read_text())
    res = {f"{''.join(map(str, r['target']))}-{r['direction']}":
           {"ed": r["ed"], "half_splitting": r["ed_half_splitting"]} for r in table["transitions"]}
    return line_widths(get_preset(table["preset"]), res)


def compare_runs(new: Path, ref: Path) -> dict[str, Any]:
    """What a run (``new``) computed next to a reference run (``ref``), quantity by quantity.

    crosscheck: verdicts that differ and the largest relative change of a numeric column; headline: relative change
    of g2/g1 per row; resonances: ED shift in half-splittings; Fig. 1: the new curves interpolated (log-linear, in
    the line-resolved part of the window) at the reference grid, relative, and the steady-state peak shifts in line
    half-widths; Figs. 3/4: relative change at the kappa values both grids share (W1 also in absolute terms);
    g2(tau): absolute change at the delays both records share.
    """
    out: dict[str, Any] = {}
    try:
        cn, cr = (json.loads((d / "crosscheck.json").read_text()) for d in (new, ref))
        by = {c["name"]: c for c in cr["checks"]}
        flips, rel = [], {}
        for c in cn["checks"]:
            r = by.get(c["name"])
            if r is None:
                continue
            if bool(c["passed"]) != bool(r["passed"]):
                flips.append(c["name"])
            if c.get("numeric") is not None and r.get("numeric") is not None and c.get("group") != "truncation":
                rel[c["name"]] = float(_rel(c["numeric"], r["numeric"]))
        out["crosscheck"] = {"verdict_changes": flips, "n_compared": len(rel), "largest_relative_change":
                             _worst(rel), "passed": [cn.get("passed"), cr.get("passed")]}
    except (OSError, ValueError, KeyError) as exc:
        out["crosscheck"] = f"not compared: {exc}"
    try:
        hn, hr = (json.loads((d / "headline.json").read_text()) for d in (new, ref))
        key = lambda r: (r["pair"], r["transition"], r["direction"], r["regime"])  # noqa: E731
        ref_rows = {key(r): r for r in hr["rows"]}
        rows = {}
        for r in hn["rows"]:
            q = ref_rows.get(key(r))
            if q is not None:
                rows[" ".join(key(r))] = {"g2": float(_rel(r["g2"], q["g2"])), "g1": float(_rel(r["g1"], q["g1"])),
                                          "cutoff": [r["cutoff"], q["cutoff"]]}
        out["headline"] = {"largest_g2_change": _worst({k: v["g2"] for k, v in rows.items()}),
                           "largest_g1_change": _worst({k: v["g1"] for k, v in rows.items()}), "rows": rows}
    except (OSError, ValueError, KeyError) as exc:
        out["headline"] = f"not compared: {exc}"
    try:
        rn, rr = (json.loads((d / "resonances.json").read_text()) for d in (new, ref))
        out["resonances"] = {f"{''.join(map(str, a['target']))}-{a['direction']}":
                             abs(a["ed"] - b["ed"]) / b["ed_half_splitting"]
                             for a, b in zip(rn["transitions"], rr["transitions"], strict=True)}
    except (OSError, ValueError, KeyError) as exc:
        out["resonances"] = f"not compared: {exc}"
    try:
        fn, fr = (np.load(d / "figures" / "fig1.npz") for d in (new, ref))
        x, xr = fn["Delta_ad"], fr["Delta_ad"]
        inside = (xr >= x[0]) & (xr <= x[-1])
        rel = {}
        for i, d in enumerate(("left", "right")):
            for k in ("n_a", "n_b", "n_m"):
                y = np.exp(np.interp(xr[inside], x, np.log(fn[k][i])))
                rel[f"{k} {d}"] = float(np.max(_rel(y, fr[k][i][inside])))
        pn, pr = (json.loads((d / "figures" / "fig1.json").read_text()) for d in (new, ref))
        widths = _line_half_widths(new)
        peaks = {}
        for t, v in (pn.get("steady_state_peaks") or {}).items():
            w = (pr.get("steady_state_peaks") or {}).get(t)
            if w is not None and v.get("peak") is not None and w.get("peak") is not None:
                peaks[t] = abs(v["peak"] - w["peak"]) / widths.get(t, float("nan"))
        out["fig1"] = {"points": [int(x.size), int(xr.size)], "largest_interpolated_change": _worst(rel),
                       "per_curve": rel, "peak_shift_in_half_widths": peaks,
                       "cutoff": [pn.get("cutoff"), pr.get("cutoff")]}
    except (OSError, ValueError, KeyError) as exc:
        out["fig1"] = f"not compared: {exc}"
    try:
        fn, fr = (np.load(d / "figures" / "fig3.npz") for d in (new, ref))
        k, kr = fn["kappa"], fr["kappa"]
        pairs = [(i, int(np.argmin(np.abs(kr - v)))) for i, v in enumerate(k) if np.min(np.abs(kr - v)) <= 1e-9 * v]
        rel = {}
        for name in fn.files:
            if name.split("_", 1)[0] in ("blue", "pink", "orange") and not name.endswith(("cutoff", "residual")):
                a = fn[name][:, [i for i, _ in pairs]]
                b = fr[name][:, [j for _, j in pairs]]
                rel[name] = float(np.max(_rel(a, b)))
        g = {}
        if "tau" in fn.files and "tau" in fr.files:
            common = np.intersect1d(np.round(fn["tau"], 9), np.round(fr["tau"], 9))
            if common.size:
                a = np.interp(common, fn["tau"], fn["g2_am_tau"])
                b = np.interp(common, fr["tau"], fr["g2_am_tau"])
                g = {"common_delays": int(common.size), "largest_abs_change": float(np.max(np.abs(a - b))),
                     "g2_0": [float(fn["g2_am_tau"][0]), float(fr["g2_am_tau"][0])]}
        plotted = {n: v for n, v in rel.items() if n.split("_", 1)[1] in FIG3_PLOTTED[n.split("_", 1)[0]]}
        out["fig3"] = {"shared_kappas": [float(k[i]) for i, _ in pairs], "largest_change": _worst(plotted),
                       "largest_change_not_plotted": _worst({n: v for n, v in rel.items() if n not in plotted}),
                       "per_quantity": rel, "g2_tau": g}
        f4n, f4r = (np.load(d / "figures" / "fig4.npz") for d in (new, ref))
        w = {}
        for name in f4n.files:
            if name.startswith("W1_"):
                a = f4n[name][:, [i for i, _ in pairs]]
                b = f4r[name][:, [j for _, j in pairs]]
                w[name] = float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))
        sign = all(np.array_equal(f4n[n][:, [i for i, _ in pairs]] > 0, f4r[n][:, [j for _, j in pairs]] > 0)
                   for n in f4n.files if n.startswith("W1_"))
        out["fig4"] = {"W1_change_over_max_W1": w, "same_sign_of_W1": sign}
    except (OSError, ValueError, KeyError, IndexError) as exc:
        out["fig3"] = f"not compared: {exc}"
    try:
        fn, fr = (np.load(d / "figures" / "fig2.npz") for d in (new, ref))
        diffs = {n: float(np.max(np.abs(fn[n] - fr[n]))) for n in fn.files
                 if n in fr.files and "_P" in n and not n.startswith("traj") and fn[n].shape == fr[n].shape}
        out["fig2"] = {"largest_population_change": _worst(diffs)}
    except (OSError, ValueError, KeyError) as exc:
        out["fig2"] = f"not compared: {exc}"
    return out


def compare_all(work: Path, results: dict[str, Any]) -> None:
    """Compare the runs in ``work`` pairwise (the new full run with the baseline's, the quick runs with the full)."""
    results["comparisons"] = {}
    for new, ref in (("current full", "baseline full"), ("current quick", "baseline full"),
                     ("current quick", "current full"), ("current quick", "baseline quick")):
        dn, dr = (work / name.replace(" ", "-") for name in (new, ref))
        if (dn / "reproduce.json").exists() and (dr / "reproduce.json").exists():
            title = f"{new} against {ref}"
            results["comparisons"][title] = compare_runs(dn, dr)
            print_comparison(title, results["comparisons"][title])


def print_comparison(title: str, c: dict[str, Any]) -> None:
    print(f"\n== {title} ==")
    for section, v in c.items():
        if isinstance(v, str):
            print(f"{section}: {v}")
            continue
        if section == "crosscheck":
            print(f"crosscheck: {v['n_compared']} numbers, verdict changes {v['verdict_changes'] or 'none'}, "
                  f"largest relative change {v['largest_relative_change'][1]:.2e} "
                  f"({v['largest_relative_change'][0]}); passed (new, ref) {v['passed']}")
        elif section == "headline":
            print(f"headline: largest g2 change {v['largest_g2_change'][1]:.2e} ({v['largest_g2_change'][0]}), "
                  f"g1 {v['largest_g1_change'][1]:.2e}")
        elif section == "resonances":
            print("resonances: ED shift / half-splitting " + ", ".join(f"{k} {x:.1e}" for k, x in v.items()))
        elif section == "fig1":
            pk = ", ".join(f"{k} {x:.3f}" for k, x in v["peak_shift_in_half_widths"].items())
            print(f"fig1: {v['points'][0]} vs {v['points'][1]} points, cutoffs {v['cutoff'][0]} vs {v['cutoff'][1]}; "
                  f"largest change of the interpolated curves {v['largest_interpolated_change'][1]:.2e} "
                  f"({v['largest_interpolated_change'][0]}); peak shifts (half-widths) {pk}")
        elif section == "fig3":
            print(f"fig3: shared kappa {len(v['shared_kappas'])}; largest change of a plotted quantity "
                  f"{v['largest_change'][1]:.2e} ({v['largest_change'][0]}; not plotted: "
                  f"{v['largest_change_not_plotted'][1]:.2e} {v['largest_change_not_plotted'][0]}); "
                  f"g2(tau): {v['g2_tau']}")
        elif section == "fig4":
            ws = ", ".join(f"{k} {x:.2e}" for k, x in v["W1_change_over_max_W1"].items())
            print(f"fig4: W1 change / max|W1| {ws}; same sign of W1 everywhere: {v['same_sign_of_W1']}")
        elif section == "fig2":
            print(f"fig2: largest population change {v['largest_population_change'][1]:.2e}")


# ============================================================================================== printing
def fmt_s(x: Any) -> str:
    return "-" if x is None or (isinstance(x, float) and x != x) else f"{x:8.1f}"


def print_runs(results: dict[str, Any]) -> None:
    runs = results["runs"]
    print("\n== reproduce runs (child processes; CPU = the child and all its workers) ==")
    print(f"{'run':<22} {'wall s':>8} {'CPU s':>8} {'exit':>4}  load before/mean/max/after")
    for name, r in runs.items():
        L = r["load"]
        print(f"{name:<22} {fmt_s(r['wall_s'])} {fmt_s(r['cpu_s'])} {r['returncode']:>4}  "
              f"{L['before']:.2f} / {L['mean']:.2f} / {L['max']:.2f} / {L['after']:.2f}")
    stage_names: list[str] = []
    for r in runs.values():
        stage_names += [s for s in r["stages"] if s not in stage_names]
    if stage_names:
        print("\nstage wall times from reproduce.json (s; stages may overlap when run side by side):")
        print(f"{'stage':<14}" + "".join(f"{n[:16]:>17}" for n in runs))
        for s in stage_names:
            cells = []
            for r in runs.values():
                st = r["stages"].get(s)
                cells.append("-" if st is None else f"{st['time_s']:.1f}" + ("" if st["status"] == "ok" else "!"))
            print(f"{s:<14}" + "".join(f"{c:>17}" for c in cells))
    completed = {mode: [(b, c) for b, c in ((runs[f"baseline {label}"], runs[f"current {label}"])
                                          for label in _repeat_labels(mode, runs))
                        if b["cpu_s"] > 0 and b["returncode"] == 0 and c["returncode"] == 0]
                 for mode in ("quick", "full")}
    for mode, pairs in completed.items():
        if not pairs:
            continue
        if len(pairs) == 1:
            b, c = pairs[0]
            print(f"ratio {mode}: CPU {c['cpu_s'] / b['cpu_s']:.3f} (target <= 0.25), "
                  f"wall {c['wall_s'] / b['wall_s']:.3f}  "
                  f"[current {c['cpu_s']:.1f} CPU-s / baseline {b['cpu_s']:.1f} CPU-s]")
            continue
        bc, cc = [b["cpu_s"] for b, _ in pairs], [c["cpu_s"] for _, c in pairs]
        bw, cw = [b["wall_s"] for b, _ in pairs], [c["wall_s"] for _, c in pairs]
        each = ", ".join(f"{c / b:.3f}" for b, c in zip(bc, cc, strict=True))
        print(f"ratio {mode}: CPU {statistics.median(cc) / statistics.median(bc):.3f} (target <= 0.25; medians of "
              f"{len(pairs)} interleaved pairs, each pair {each}), wall "
              f"{statistics.median(cw) / statistics.median(bw):.3f}  [current median {statistics.median(cc):.1f} "
              f"CPU-s ({min(cc):.1f}-{max(cc):.1f}) / baseline median {statistics.median(bc):.1f} CPU-s "
              f"({min(bc):.1f}-{max(bc):.1f})]")
    for mode, pairs in completed.items():  # like for like: the stages this tree runs that the baseline has no trace of
        new_stages = sorted({s for b, c in pairs for s in c["stages"] if b["stages"] and s not in b["stages"]})
        extra = [sum((c["stages"][s].get("cpu_s") or 0.0) for s in new_stages) for _, c in pairs]
        if pairs and new_stages:
            cc = [c["cpu_s"] - e for (_, c), e in zip(pairs, extra, strict=True)]
            bc = [b["cpu_s"] for b, _ in pairs]
            print(f"  {mode} without the stages the baseline does not have ({', '.join(new_stages)}: "
                  f"{statistics.median(extra):.1f} CPU-s): ratio {statistics.median(cc) / statistics.median(bc):.3f}")


def _repeat_labels(mode: str, runs: dict[str, Any]) -> list[str]:
    """``mode``, ``mode #2``, ... for every repeat that both trees ran."""
    labels, k = [], 1
    while True:
        label = mode if k == 1 else f"{mode} #{k}"
        if f"baseline {label}" not in runs or f"current {label}" not in runs:
            return labels
        labels.append(label)
        k += 1


def print_auto(results: dict[str, Any]) -> None:
    for code, rows in results.get("auto_cutoff", {}).items():
        print(f"\n== one auto-cutoff steady state at each paper resonance: {code} ==")
        if isinstance(rows, str):
            print(rows)
            continue
        for r in rows:
            t = "".join(map(str, r["target"])) + "-"
            print(f"|{t}> {r['direction']:<5} Delta_ad={r['Delta_ad']:.6f}: {r['wall_s']:6.2f} s wall, "
                  f"{r['cpu_s']:6.2f} s CPU, {r['solves']} solves, final cutoff {tuple(r['cutoff'])}, "
                  f"truncation error {r['truncation_error']:.1e}")


def print_profile(p: dict[str, Any]) -> None:
    print(f"\n== profile: {'quick' if p['quick'] else 'full'} reproduce of this tree in one process, stages in "
          f"sequence, sweeps serial ({p['wall_s']:.1f} s wall, {p['cpu_s']:.1f} s CPU; solver {p['solver']}) ==")
    print(f"{'stage':<14} {'wall s':>7} {'CPU s':>7} {'solves':>6} {'rep':>4} {'dims min/med/max':>17} "
          f"{'iter/solve':>10} {'solve s':>8} {'eig %':>6} {'prec %':>6} {'kryl %':>6}  other kernels")
    for name, s in p["stages"].items():
        d = s["dimensions"]
        dims = f"{d['min']}/{d['median']}/{d['max']}" if d else "-"
        it = f"{s['iterations']['mean']:.1f}" if s["iterations"] else "-"
        T = s["solve_time_s"]

        def pct(x: float, T: float = T) -> str:
            return f"{100 * x / T:5.1f}" if T > 0 else "    -"

        kern = ", ".join(f"{k} {v['time_s']:.1f}s/{int(v['calls'])}" for k, v in s["kernels"].items()
                         if v["time_s"] >= 0.05)
        print(f"{name:<14} {s['wall_s']:7.1f} {s['cpu_s']:7.1f} {s['solves']:6d} {s['repeated_solves']:4d} "
              f"{dims:>17} {it:>10} {T:8.1f} {pct(s['decomposition_s']):>6} {pct(s['preconditioner_s']):>6} "
              f"{pct(s['krylov_other_s']):>6}  {kern}")


# ============================================================================================== main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick-only", action="store_true", help="only the quick reproduce runs")
    ap.add_argument("--skip-baseline", action="store_true", help="only this tree")
    ap.add_argument("--skip-profile", action="store_true", help="no in-process profile")
    ap.add_argument("--profile-full", action="store_true", help="also profile the full reproduce (long)")
    ap.add_argument("--profile-only", action="store_true", help="only the in-process profile")
    ap.add_argument("--compare-only", action="store_true",
                    help="only compare the outputs of the runs already in --workdir")
    ap.add_argument("--repeat-quick", type=int, default=3, metavar="N",
                    help="quick runs of each tree, interleaved baseline/current (default 3; the CPU time of one "
                         "and the same run varies 15-30 %% on a shared virtual machine: the ratio of the medians "
                         "is printed)")
    ap.add_argument("--baseline", default=BASELINE, help=f"baseline commit (default {BASELINE})")
    ap.add_argument("--workdir", default=None, help="work folder (default: a new temporary folder)")
    ap.add_argument("--json", default=None, help="results file (default <workdir>/bench-reproduce.json)")
    args = ap.parse_args(argv)

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="nrbundle-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "baseline": args.baseline, "runs": {}, "auto_cutoff": {},
                               "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(f"bench/reproduce.py: work folder {work}; {results['machine']['cores']} cores, "
          f"load {results['machine']['load_at_start']}", flush=True)
    json_path = Path(args.json) if args.json else work / "bench-reproduce.json"
    if args.compare_only:
        previous = json.loads(json_path.read_text()) if json_path.exists() else {}
        results = {**previous, **{k: v for k, v in results.items() if k not in previous}}
        compare_all(work, results)
        json_path.write_text(json.dumps(results, indent=1, default=str))
        return 0

    def save() -> None:
        json_path.write_text(json.dumps(results, indent=1, default=str))

    codes = {"current": ROOT}
    if not args.skip_baseline:
        codes = {"baseline": extract_baseline(args.baseline, work / f"base-{args.baseline}"), **codes}
    modes = [True] if args.quick_only else [True, False]
    if not args.profile_only:
        for quick in modes:
            mode = "quick" if quick else "full"
            repeats = max(1, args.repeat_quick if quick else 1) if len(codes) > 1 else 1
            for k, name in ((k, n) for k in range(1, repeats + 1) for n in codes):  # interleaved pairs
                code = codes[name]
                label, folder = (f"{name} {mode}", f"{name}-{mode}") if k == 1 else \
                    (f"{name} {mode} #{k}", f"{name}-{mode}-{k}")
                print(f"running {label} ...", flush=True)
                results["runs"][label] = reproduce_run(code, work / folder, quick)
                r = results["runs"][label]
                print(f"  {label}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, exit {r['returncode']}, "
                      f"load {r['load']['before']:.2f} -> {r['load']['after']:.2f}", flush=True)
                save()
                if name == "current" and quick and k == 1:
                    label = "current quick rerun"
                    print(f"running {label} ...", flush=True)
                    results["runs"][label] = reproduce_run(code, work / f"{name}-{mode}", quick, fresh=False)
                    r = results["runs"][label]
                    print(f"  {label}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU", flush=True)
                    save()
        for name, code in codes.items():
            table = next((p for p in (work / f"{name}-full" / "resonances.json", work / f"{name}-quick" /
                                      "resonances.json") if p.exists()), None)
            table = table or next((p for p in (work / "current-full" / "resonances.json",
                                               work / "current-quick" / "resonances.json") if p.exists()), None)
            if table is None:
                results["auto_cutoff"][name] = "no resonances.json to take the resonances from"
                continue
            print(f"timing one auto-cutoff steady state per resonance: {name} ...", flush=True)
            results["auto_cutoff"][name] = auto_cutoff_run(code, table, work)
            save()
        print_runs(results)
        print_auto(results)
        compare_all(work, results)
        save()
    if not args.skip_profile:
        results["profile"] = {}
        for quick in ([True, False] if args.profile_full else [True]):
            mode = "quick" if quick else "full"
            print(f"\nprofiling {mode} reproduce in this process ...", flush=True)
            with LoadSampler() as ls:
                results["profile"][mode] = profile_run(work / f"profile-{mode}", quick)
            results["profile"][mode]["load"] = ls.summary()
            save()
            print_profile(results["profile"][mode])
            L = results["profile"][mode]["load"]
            print(f"load before/mean/max/after: {L['before']:.2f} / {L['mean']:.2f} / {L['max']:.2f} / "
                  f"{L['after']:.2f}")
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    save()
    print(f"\nresults: {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
