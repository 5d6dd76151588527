"""Single runs behind ``nrbundle dynamics`` and ``nrbundle trajectory``: compute, write .npz + JSON provenance, plot.

Each run writes ``<out>/<name>.npz`` (the arrays), ``<out>/<name>.json`` (parameters, cutoff, solver, versions,
command line) and ``<out>/<name>.pdf``/``.png``. This module composes: the run is computed by
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
from .params import Params
from .provenance import write_arrays
from .study.runs import Run, dynamics_run, trajectory_run


def _write(run: Run, out: str | Path, draw: Callable[[Run], Any]) -> list[Path]:
    """Write the run's arrays and provenance (with the command line) and its figure; return the four paths."""
    paths = write_arrays(out, run.name, run.arrays, {**run.provenance, "command": sys.argv})
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
) -> list[Path]:
    """Super-Rabi dynamics from |000+> (Fig. 2(a-c), :func:`nrbundle.study.runs.dynamics_run`); returns the written
    paths (npz, json, pdf, png)."""
    run = dynamics_run(params, direction, Delta_ad=Delta_ad, target=target, t_max=t_max, points=points,
                       cutoff=cutoff, open_system=open_system, name=name)
    return _write(run, out, draw_dynamics)


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
) -> list[Path]:
    """One quantum trajectory with its jumps (Fig. 2(d-g), :func:`nrbundle.study.runs.trajectory_run`) and bundle
    statistics; returns the written paths (npz, json, pdf, png)."""
    run = trajectory_run(params, direction, Delta_ad=Delta_ad, target=target, t_max=t_max, points=points,
                         cutoff=cutoff, seed=seed, window=window, name=name)
    return _write(run, out, draw_trajectory)
