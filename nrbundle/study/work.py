"""The working folder of a figure run: its caches and its checkpointed, resumable parameter sweeps.

Everything a figure run may want to skip on a rerun lives under ``<out_dir>/work``: cached resonance searches and
convergence checks (:func:`nrbundle.provenance.cached_json` files named ``<what>-<hash>.json``) and the sweep
directories ``sweeps/<name>-<hash>`` of :func:`figure_sweep`. No equation of the paper is implemented here.
"""

from __future__ import annotations

__all__ = ["work_dir", "figure_sweep"]

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..provenance import short_hash
from ..sweep import Grid, SweepResult, run_sweep
from . import progress


def work_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Folder for the checkpoints and caches of the figures written to ``out_dir``: ``<out_dir>/work`` (created).

    An absolute path, so that it names the same folder from any working directory.
    """
    p = Path(out_dir).resolve() / "work"
    p.mkdir(parents=True, exist_ok=True)
    return p


def figure_sweep(
    func: Callable[..., Any],
    axes: Mapping[str, Any],
    base: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    name: str,
    *,
    executor: str = "process",
    workers: int | None = None,
) -> SweepResult:
    """A checkpointed, resumable sweep of ``func`` over the product grid ``axes`` (:func:`nrbundle.sweep.run_sweep`).

    The sweep directory is ``<out_dir>/work/sweeps/<name>-<hash>``, the hash taken over the function, grid and
    ``base``, so a rerun with the same settings resumes from the checkpoints (a finished sweep is read back as it
    was written: ``run_sweep(..., reuse_result=True)``) while other settings get their own directory. Progress: a
    tqdm bar on a terminal, unless a runner collects the progress of this process
    (:mod:`nrbundle.study.progress`; ``nrbundle reproduce`` prints it in its stage lines).

    Raises
    ------
    nrbundle.sweep.SweepError
        If a point failed (after all other points finished and were checkpointed: a rerun recomputes only the
        failed ones).
    """
    grid = Grid(axes)
    tag = short_hash({"func": f"{func.__module__}:{func.__qualname__}", "grid": grid.to_dict(), "base": base})
    path = work_dir(out_dir) / "sweeps" / f"{name}-{tag}"
    progress.expect_points(name, grid.size)
    res = run_sweep(func, grid, base=dict(base), out=path, executor=executor, workers=workers,
                    progress=not progress.installed(), resume=True, reuse_result=True)
    res.raise_if_failed()
    return res
