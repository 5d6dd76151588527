"""End-to-end reproduction: derivation, resonance table, crosscheck report, Figs. 1-4 and the headline numbers.

``reproduce(out_dir)`` writes everything into one folder (``nrbundle-out/``; a quick run ``nrbundle-out-quick/``,
so that a quick run never replaces a full one)::

    out_dir/
      index.html              all of it on one page (tables + <img> of every figure)
      reproduce.json          what ran, how long each stage and task took (wall and CPU), versions, failures
      derivation/derivation.tex (+ .pdf when pdflatex works; a failure is recorded, not raised)
      resonances.json, resonances.md   closed form S18-S22, 4th-order corrected, ED resonance, g_eff
      crosscheck.md, crosscheck.json   nrbundle.crosscheck report
      headline.json, headline.md       g2_ab, g2_am at the physical preset vs the paper's claims
      figures/fig1..4.{pdf,png,npz,json}, figures/work/ (caches and sweep checkpoints: a rerun resumes)
      figures/beyond.{pdf,png,npz,json}  beyond the paper: design maps and temperature curves (docs/beyond.md)

This module composes: the numbers come from the study layer (:mod:`nrbundle.study`; the resonance table is
located once and handed to every stage), the crosscheck from :mod:`nrbundle.crosscheck`, the figures from
:mod:`nrbundle.figures`, the report (the ``.md`` tables and ``index.html``) from :mod:`nrbundle.report`, and every
file is written through :mod:`nrbundle.provenance`.

How a run is scheduled (``docs/performance.md``, "reproduce: cost per stage")
----------------------------------------------------------------------------
The resonance table is located first, in this process (it also warms the symbolic caches that later stages share).
The rest is a set of independent tasks - the crosscheck, the headline numbers, the derivation, Fig. 1, Fig. 2, the
Fig. 3 kappa sweep of each regime, g2(tau), the uniform-cutoff table, the "beyond the paper" maps and temperature
curves, then the drawing of Figs. 3 and 4 from their cached data - run side by side on ``workers`` processes
(longest first; forked from this one where the platform allows, so they start with every module and cache already
loaded), each with BLAS pinned to one thread, sweeps run serially inside a task. Every intermediate result is cached
by its inputs in ``figures/work`` (steady states, cutoff checks, resonance table, sweeps, crosscheck, headline,
derivation), so stages share what they have in common and a rerun with nothing changed only redraws. A failing task
is recorded in ``reproduce.json`` and on the page, and logged as it happens (logger ``nrbundle.reproduce``, error
level; the CLI prints it on stderr and exits 1), and the others run.

Progress: one line on stderr when the run starts, when a stage starts or ends, for every milestone, and at least
every :data:`HEARTBEAT` seconds with what runs, how far it is and an estimate of the time left.
"""

from __future__ import annotations

__all__ = ["reproduce", "DEFAULT_OUT", "HEARTBEAT", "TASK_COST"]

import importlib
import logging
import os
import platform
import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from .analytic.latex import write_latex
from .crosscheck import Check, CrosscheckReport, run_checks
from .errors import InputError
from .figures import make_beyond, make_figures
from .outputs import check_output_dir
from .params import Params, check_integer, get_preset
from .provenance import atomic_write_text, cached_json, short_hash, utc_now, versions, write_json
from .report import headline_markdown, resonance_markdown, write_index
from .study import progress
from .study.cutoffs import uniform_cutoff_table
from .study.g2tau import blue_g2_tau
from .study.headline import headline_numbers
from .study.kappa import kappa_sweeps
from .study.resonances import locate_resonances, regime_Delta_ad, resonance_report
from .study.tasks import StageLines, Task, clock, cpu_seconds, execute, fewer_collections, run_tasks, stage_records
from .study.work import work_dir
from .sweep import EXECUTORS, preload_netcdf
from .threads import limit_blas_threads
from .transitions import REGIME_NAMES

#: Default output folder: full run, quick run (a quick run never writes over a full one).
DEFAULT_OUT: Mapping[bool, str] = {False: "nrbundle-out", True: "nrbundle-out-quick"}
#: Longest silence of the progress lines, in seconds.
HEARTBEAT: float = 15.0
#: Typical CPU seconds of each task on an idle 2-core machine (``bench/reproduce.py``): quick run, full run. They
#: order the tasks (longest first) and give the first estimate of the time left, which is then scaled by how fast
#: the finished tasks ran.
TASK_COST: Mapping[bool, Mapping[str, float]] = {
    True: {"resonances": 2.2, "crosscheck": 8.0, "headline": 1.8, "derivation": 1.0, "fig1": 4.4, "fig2": 1.4,
           "fig3 blue": 2.0, "fig3 pink": 2.7, "fig3 orange": 6.6, "fig3 g2(tau)": 2.3, "fig3": 1.2, "fig4": 0.45,
           "beyond": 2.3},
    False: {"resonances": 5.5, "crosscheck": 8.3, "headline": 6.8, "derivation": 1.5, "fig1": 14.8, "fig2": 5.5,
            "fig3 blue": 22.0, "fig3 pink": 20.0, "fig3 orange": 66.0, "fig3 g2(tau)": 58.0, "fig3 uniform": 13.5,
            "fig3": 3.3, "fig4": 1.1, "beyond": 14.6},
}
#: Version of the cached crosscheck report (bump when the checks change).
CROSSCHECK_CACHE_VERSION = 1

_log = logging.getLogger("nrbundle.reproduce")


def _write_text(path: Path, text: str) -> None:
    atomic_write_text(path, text if text.endswith("\n") else text + "\n", durable=False)


def _error_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


# -------------------------------------------------------------------------------------------- tasks

def _headline_task(out: str, quick: bool) -> dict[str, Any]:
    o = Path(out)
    h = headline_numbers(preset="physical", quick=quick, work=work_dir(o / "figures"))
    write_json(o / "headline.json", h)
    _write_text(o / "headline.md", headline_markdown(h))
    return {"rows": h["rows"], "verdict": h["verdict"]}


def _crosscheck_task(params: Params, out: str) -> dict[str, Any]:
    """``run_checks(params)``, cached by its inputs (a rerun with the same parameters reads the report back)."""
    o = Path(out)
    key = {"what": "crosscheck", "params": params.to_dict(), "version": CROSSCHECK_CACHE_VERSION}
    cache = work_dir(o / "figures") / f"crosscheck-{short_hash(key)}.json"
    data = cached_json(cache, key, lambda: run_checks(params, progress=progress.status).to_dict())
    report = CrosscheckReport(preset=data["preset"], units=data["units"], elapsed=float(data["elapsed"]),
                              checks=[Check(**c) for c in data["checks"]])
    _write_text(o / "crosscheck.md", report.markdown())
    write_json(o / "crosscheck.json", report.to_dict())
    failed = [c.name for c in report.checks if c.expected and not c.passed]
    if failed:
        progress.note(f"{len(failed)} check(s) failed: {', '.join(failed[:4])}{' ...' if len(failed) > 4 else ''}")
    return {"available": True, "passed": bool(report.passed), "n_checks": len(report.checks)}


def _derivation_task(params: Params, out: str) -> dict[str, Any]:
    """The LaTeX derivation (and its PDF when pdflatex works), skipped when the same inputs wrote it before."""
    o = Path(out)
    d = o / "derivation"
    tex = d / "derivation.tex"
    key = {"what": "derivation", "params": params.to_dict(), "pdflatex": shutil.which("pdflatex") is not None,
           "version": versions().get("nrbundle")}
    stamp = work_dir(o / "figures") / f"derivation-{short_hash(key)}.json"

    def compute() -> dict[str, Any]:
        info: dict[str, Any] = {"tex": str(tex.relative_to(o)), "pdf": None}
        if shutil.which("pdflatex") is None:
            write_latex(tex, params)
            info["pdf_error"] = "pdflatex not found on PATH"
            return info
        try:
            info["pdf"] = str(write_latex(tex, params, pdf=True).relative_to(o))
        except Exception as exc:  # noqa: BLE001 - a LaTeX failure is recorded, the run goes on
            info["pdf_error"] = _error_line(exc)
        return info

    if stamp.exists() and not tex.exists():
        stamp.unlink()
    info = cached_json(stamp, key, compute)
    if info.get("pdf") and not (o / info["pdf"]).exists():
        stamp.unlink()
        info = cached_json(stamp, key, compute)
    if info.get("pdf_error"):
        _log.warning("reproduce: no PDF of the derivation: %s", info["pdf_error"])  # shown with -q too
    return info


def _figure_task(which: int, params: Params, out: str, quick: bool, resonances: Any, executor: str = "serial",
                 workers: int | None = None) -> list[str]:
    o = Path(out)
    paths = make_figures([which], o / "figures", quick=quick, params=params, executor=executor, workers=workers,
                         resonances=resonances)
    return [str(Path(p).relative_to(o)) for p in paths]


def _kappa_task(regime: str, params: Params, out: str, quick: bool, resonances: Any, executor: str = "serial",
                workers: int | None = None) -> dict[str, Any]:
    data = kappa_sweeps(Path(out) / "figures", params=params, quick=quick, executor=executor, workers=workers,
                        regimes=(regime,), resonances=resonances)
    return {"bands": data["regimes"][regime]["bands"]}


def _g2tau_task(params: Params, out: str, quick: bool, resonances: Any, executor: str = "serial",
                workers: int | None = None) -> dict[str, Any]:
    fig = Path(out) / "figures"
    sweeps = kappa_sweeps(fig, params=params, quick=quick, executor=executor, workers=workers, regimes=("blue",),
                          resonances=resonances)
    v = blue_g2_tau(params, sweeps, quick=quick, work=work_dir(fig))
    return {"cutoff": v["cutoff"], "time_s": v.get("time_s")}


def _beyond_task(params: Params, out: str, quick: bool, executor: str = "serial",
                 workers: int | None = None) -> list[str]:
    """Beyond the paper: the design maps and temperature curves (:func:`nrbundle.figures.beyond.make_beyond`)."""
    o = Path(out)
    paths = make_beyond(o / "figures", params=params, quick=quick, executor=executor, workers=workers)
    return [str(Path(p).relative_to(o)) for p in paths]


def _uniform_task(params: Params, out: str, resonances: Any) -> dict[str, Any]:
    pts = [(r, d, float(regime_Delta_ad(resonances, r)["Delta_ad"])) for r in REGIME_NAMES for d in ("left", "right")]
    return {"rows": len(uniform_cutoff_table(params, pts, work=work_dir(Path(out) / "figures")))}


def _plan(params: Params, out: Path, quick: bool, resonances: Any, executor: str = "serial",
          workers: int | None = None) -> list[Task]:
    """The tasks of a run after the resonance table (module docstring), with their typical costs; ``executor`` and
    ``workers`` are those of the sweeps inside the tasks."""
    o = str(out)
    fig = {"params": params, "out": o, "quick": quick, "resonances": resonances, "executor": executor,
           "workers": workers}
    tasks = [
        Task("crosscheck", "crosscheck", _crosscheck_task, {"params": params, "out": o}),
        Task("headline", "headline", _headline_task, {"out": o, "quick": quick}),
        Task("derivation", "derivation", _derivation_task, {"params": params, "out": o}),
        Task("fig1", "fig1", _figure_task, {"which": 1, **fig}),
        Task("fig2", "fig2", _figure_task, {"which": 2, **fig}),
    ]
    sweeps = tuple(f"fig3 {r}" for r in REGIME_NAMES)
    tasks += [Task(f"fig3 {r}", "fig3", _kappa_task, {"regime": r, **fig}) for r in REGIME_NAMES]
    tasks.append(Task("fig3 g2(tau)", "fig3", _g2tau_task, fig, after=("fig3 blue",)))
    parts = (*sweeps, "fig3 g2(tau)")
    if not quick:
        tasks.append(Task("fig3 uniform", "fig3", _uniform_task, {"params": params, "out": o,
                                                                   "resonances": resonances}))
        parts += ("fig3 uniform",)
    tasks.append(Task("fig3", "fig3", _figure_task, {"which": 3, **fig}, after=parts))
    tasks.append(Task("fig4", "fig4", _figure_task, {"which": 4, **fig}, after=("fig3 orange",)))
    tasks.append(Task("beyond", "beyond", _beyond_task, {"params": params, "out": o, "quick": quick,
                                                         "executor": executor, "workers": workers}))
    costs = TASK_COST[bool(quick)]
    for t in tasks:
        t.cost = costs.get(t.name, 1.0)
    return tasks


# -------------------------------------------------------------------------------------------- main
def _resonance_stage(params: Params, out: Path, quick: bool) -> dict[str, Any]:
    """Locate the run's resonances (once; cached in ``figures/work``) and write ``resonances.json``/``.md``."""
    resonances = locate_resonances(params, quick=quick, work=work_dir(out / "figures"))
    table = resonance_report(params, resonances)
    write_json(out / "resonances.json", table)
    _write_text(out / "resonances.md", resonance_markdown(table))
    return {"resonances": resonances, "table": table}


def reproduce(
    out_dir: str | os.PathLike[str] | None = None,
    *,
    quick: bool = False,
    preset: str = "fig1",
    executor: str = "process",
    workers: int | None = None,
    progress_lines: bool = True,
    stream: TextIO | None = None,
) -> Path:
    """Regenerate everything the project can: derivation, resonance table, crosscheck, Figs. 1-4, headline numbers.

    Parameters
    ----------
    out_dir
        Output folder (created); default :data:`DEFAULT_OUT` (``nrbundle-out``, quick: ``nrbundle-out-quick``).
        Rerunning into the same folder reuses every cached result and resumes interrupted sweeps.
    quick
        Coarser grids (Fig. 1 points, kappa values, a shorter g2(tau) record) and cutoffs checked to the looser
        :data:`~nrbundle.study.cutoffs.QUICK_RTOL` at fewer points (recorded in each figure's JSON).
    preset
        Parameter preset of the derivation, resonance table, crosscheck and figures (``fig1`` or ``physical``).
        The headline numbers always use ``physical`` (the paper states them for it).
    executor, workers
        ``"process"`` (default): the stages run side by side on ``workers`` processes (default: all cores), sweeps
        serially inside each; ``"serial"``: everything in this process, one stage after the other; ``"dask"``:
        stages one after the other in this process, their sweeps on a Dask cluster.
    progress_lines
        Print the progress lines (module docstring) on ``stream`` (default ``sys.stderr``).

    Returns
    -------
    Path
        The output folder (open ``index.html`` in it).
    """
    params = get_preset(preset)
    if executor not in EXECUTORS:
        choices = f"{', '.join(map(repr, EXECUTORS[:-1]))} or {EXECUTORS[-1]!r}"
        raise InputError(f"executor: expected {choices}, got {executor!r}")
    if workers is not None:
        workers = check_integer("workers", workers, minimum=1)
    out = check_output_dir(DEFAULT_OUT[bool(quick)] if out_dir is None else out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_workers = workers if workers is not None else _cores()
    parallel = executor == "process" and n_workers > 1
    lines = StageLines(progress_lines, sys.stderr if stream is None else stream, n_workers if parallel else 1,
                       heartbeat=HEARTBEAT, on_failure=_log_failure)
    lines.say(f"nrbundle reproduce: {'quick' if quick else 'full'} run, preset {preset}, "
              f"{f'{n_workers} worker processes' if parallel else 'one process'} -> {out}/")
    t0, c0 = time.perf_counter(), cpu_seconds()
    record: dict[str, Any] = {"preset": preset, "quick": bool(quick), "executor": executor, "workers": n_workers,
                              "stages": {}, "tasks": {}, "platform": platform.platform(), "cpu_count": os.cpu_count()}
    with limit_blas_threads(1), fewer_collections():
        # the resonance table first, here: every figure needs it, and it warms the symbolic caches the others share
        res_task = Task("resonances", "resonances", _resonance_stage, {"params": params, "out": out, "quick": quick},
                        cost=TASK_COST[bool(quick)]["resonances"])
        lines.start(res_task)
        lines.start_heartbeat(lambda: [])  # stopped again before worker processes are forked
        res_task.record = execute("resonances", _resonance_stage, res_task.kwargs)
        lines.stop()
        lines.finish(res_task)
        located = res_task.record.get("value")
        resonances = None if located is None else located["resonances"]  # figures locate them if this failed
        record["resonances"] = None if located is None else located["table"]
        if parallel:
            _preload_worker_modules()
            tasks = _plan(params, out, quick, resonances)
        else:
            tasks = _plan(params, out, quick, resonances, "serial" if executor == "process" else executor, workers)
        record["ran_on"] = run_tasks(tasks, lines, n_workers if parallel else 1)
    record["stages"] = {"resonances": _public(res_task.record), **stage_records(tasks)}
    record["tasks"] = {t.name: _public(t.record) for t in [res_task, *tasks]}
    by_name = {t.name: t.record for t in tasks}
    record["derivation"] = by_name["derivation"].get("value")
    record["crosscheck"] = by_name["crosscheck"].get("value")
    record["figures"] = {f"fig{k}": by_name[f"fig{k}"].get("value") or [] for k in (1, 2, 3, 4)}
    record["figures"]["beyond"] = by_name["beyond"].get("value") or []
    record["headline"] = by_name["headline"].get("value")
    record["total_time_s"] = time.perf_counter() - t0
    record["cpu_time_s"] = cpu_seconds() - c0  # this process and its workers (joined), pdflatex included
    record["finished"] = utc_now()
    record["versions"] = versions()
    write_json(out / "reproduce.json", record)
    write_index(out, record)
    failed = [n for n, st in record["stages"].items() if st.get("status") != "ok"]
    lines.say(f"done in {clock(record['total_time_s'])}"
              + (f"; FAILED: {', '.join(failed)} (see reproduce.json)" if failed else "; every stage ok")
              + f" -> {out / 'index.html'}")
    return out


def _preload_worker_modules() -> None:
    """Import here, before the workers fork, what every worker would otherwise import on its own: the netCDF
    writer of the sweeps, matplotlib's PNG and PDF backends and Pillow's PNG codec (about 1.5 CPU-s per worker, paid
    once), and look up the package versions every sweep records."""
    preload_netcdf()
    for name in ("matplotlib.backends.backend_agg", "matplotlib.backends.backend_pdf"):
        importlib.import_module(name)
    importlib.import_module("PIL.Image").preinit()  # the codecs Pillow loads at its first save
    versions()


def _log_failure(task: Task) -> None:
    """A failed task, as it happens (the CLI prints it on stderr and exits 1 at the end)."""
    _log.error("reproduce: stage %s failed: %s", task.name, task.record.get("error", ""))


def _public(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A task record for ``reproduce.json`` (without its return value)."""
    return {k: v for k, v in rec.items() if k not in ("value", "pid")}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
