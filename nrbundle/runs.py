"""Single runs behind ``nrbundle dynamics`` and ``nrbundle trajectory``: compute, write .npz + JSON provenance, plot.

Each run writes ``<out>/<name>.npz`` (the arrays), ``<out>/<name>.json`` (parameters, cutoff, solver, versions,
command line, and the ``request``: every argument of the run) and ``<out>/<name>.pdf``/``.png``. Before computing,
the folder is checked (:func:`nrbundle.outputs.check_output_dir`) and files of that name written by another
request, or not by nrbundle, are refused unless ``force`` (:func:`nrbundle.outputs.check_replace_outputs`).

This module composes: the run is computed by
:mod:`nrbundle.study.runs`, written by :func:`nrbundle.provenance.write_arrays` and drawn by
:mod:`nrbundle.figures.runs`.
"""

from __future__ import annotations

__all__ = ["run_dynamics", "run_trajectory"]

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .figures.runs import draw_dynamics, draw_trajectory
from .figures.style import figure_style, save_figure
from .outputs import check_output_dir, check_replace_outputs
from .params import Params, check_params
from .provenance import write_arrays
from .study.runs import Run, dynamics_name, dynamics_run, trajectory_name, trajectory_run

#: Files a run writes, by suffix.
RUN_SUFFIXES: tuple[str, ...] = ("npz", "json", "pdf", "png")


def _claim(out: str | Path, name: str, request: dict[str, Any], force: bool) -> None:
    """Check the folder and that ``<out>/<name>.*`` may be replaced by this request (before computing)."""
    check_output_dir(out)
    check_replace_outputs(out, name, RUN_SUFFIXES, {"request": request}, force=force)


def _write(run: Run, out: str | Path, draw: Callable[[Run], Any], request: dict[str, Any]) -> list[Path]:
    """Write the run's arrays and provenance (command line, request) and its figure; return the four paths."""
    prov = {**run.provenance, "command": sys.argv, "request": request}
    paths = write_arrays(out, run.name, run.arrays, prov)
    with figure_style():
        paths += save_figure(draw(run), out, run.name)
    return paths


def run_dynamics(
    params: Params,
    direction: str,
    out: str | Path,
    *,
    Delta_ad: float | None = None,
    target: Sequence[int] | None = (1, 0, 1),
    t_max: float | None = None,
    points: int = 1000,
    cutoff: Sequence[int] = (4, 4, 4),
    open_system: bool = False,
    name: str | None = None,
    force: bool = False,
) -> list[Path]:
    """Super-Rabi dynamics from |000+> (Fig. 2(a-c), :func:`nrbundle.study.runs.dynamics_run`); returns the written
    paths (npz, json, pdf, png). ``force`` replaces files of the same name that another request wrote."""
    check_params(params)
    name = name or dynamics_name(direction, open_system)
    request = {"run": "dynamics", "params": params.to_dict(), "direction": direction, "Delta_ad": Delta_ad,
               "target": target, "t_max": t_max, "points": points,
               "cutoff": cutoff, "open_system": bool(open_system)}
    _claim(out, name, request, force)
    run = dynamics_run(params, direction, Delta_ad=Delta_ad, target=target, t_max=t_max, points=points,
                       cutoff=cutoff, open_system=open_system, name=name)
    return _write(run, out, draw_dynamics, request)


def run_trajectory(
    params: Params,
    direction: str,
    out: str | Path,
    *,
    Delta_ad: float | None = None,
    target: Sequence[int] | None = (1, 0, 1),
    t_max: float = 2.0e4,
    points: int = 2000,
    cutoff: Sequence[int] = (3, 3, 3),
    seed: int = 1,
    window: float | None = None,
    name: str | None = None,
    force: bool = False,
) -> list[Path]:
    """One quantum trajectory with its jumps (Fig. 2(d-g), :func:`nrbundle.study.runs.trajectory_run`) and bundle
    statistics; returns the written paths (npz, json, pdf, png). ``force`` replaces files of the same name that
    another request wrote."""
    check_params(params)
    name = name or trajectory_name(direction, seed)
    request = {"run": "trajectory", "params": params.to_dict(), "direction": direction, "Delta_ad": Delta_ad,
               "target": target, "t_max": t_max, "points": points,
               "cutoff": cutoff, "seed": seed, "window": window}
    _claim(out, name, request, force)
    run = trajectory_run(params, direction, Delta_ad=Delta_ad, target=target, t_max=t_max, points=points,
                         cutoff=cutoff, seed=seed, window=window, name=name)
    return _write(run, out, draw_trajectory, request)
