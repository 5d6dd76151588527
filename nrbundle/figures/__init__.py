"""The paper's figures, regenerated: one function per figure, one shared style (:mod:`nrbundle.figures.style`).

The figures only draw: what they plot is computed by the study layer (:mod:`nrbundle.study`).

- :func:`figure1` / :func:`~nrbundle.figures.fig1.make_fig1`: Fig. 1(c,d) steady-state excitation spectra, (e) the
  S16 ladder.
- :func:`figure2` / :func:`~nrbundle.figures.fig2.make_fig2`: Fig. 2(a-c) super-Rabi oscillations, (d-g) one
  quantum trajectory.
- :func:`figure3` / :func:`~nrbundle.figures.fig3.make_fig3`: Fig. 3(a-f) g1 and bundle g2 (Eq. 3) versus kappa,
  plus g2(tau).
- :func:`figure4` / :func:`~nrbundle.figures.fig4.make_fig4`: Fig. 4(a,b) entanglement witnesses D1 (Eq. 4) versus
  kappa.
- :func:`figure_beyond` / :func:`make_beyond` (beyond the paper, ``beyond.*``): design maps of nonreciprocal bundle
  emission over (Delta_F, kappa) and bundle g2 / isolation ratio versus temperature
  (:mod:`nrbundle.figures.beyond`; not one of the numbered :data:`FIGURES`).

In a notebook, ``figureN(params=None, *, out_dir, quick=False, ...)`` returns the matplotlib ``Figure`` (drawn
without pyplot; ``out_dir`` only keeps the sweep checkpoints and caches in ``out_dir/work``), and
:func:`save_figure` writes it as PDF and PNG: drawing and writing are separate calls.

Every ``make_figN(out_dir, *, params=None, quick=False, executor="process", workers=None)`` draws the same figure
and writes ``figN.pdf``/``figN.png`` and the plotted data ``figN.npz`` with its provenance ``figN.json``
(parameters, Fock cutoffs and their convergence check, a one-line ``cutoff_summary``, resonance positions, solver
residuals, timings) into ``out_dir``, and returns the PDF and PNG paths (the CLI and ``reproduce`` use these).
Figures of a quick run are stamped QUICK in the image and their PDF is a raster copy of the PNG (a preview).
Parameter sweeps run through :func:`nrbundle.sweep.run_sweep` with checkpoints under ``out_dir/work``, so an
interrupted run resumes. The single runs of ``nrbundle dynamics``/``trajectory`` are drawn by
:mod:`nrbundle.figures.runs`. See ``docs/figures.md``.
"""

from __future__ import annotations

__all__ = ["make_figures", "FIGURES", "figure1", "figure2", "figure3", "figure4", "figure_beyond", "make_beyond",
           "save_figure"]

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..params import Params, get_preset
from ..study.resonances import locate_resonances
from ..study.work import work_dir
from .beyond import figure_beyond, make_beyond
from .fig1 import figure1, make_fig1
from .fig2 import figure2, make_fig2
from .fig3 import figure3, make_fig3
from .fig4 import figure4, make_fig4
from .style import save_figure

#: Figure numbers that :func:`make_figures` knows.
FIGURES: tuple[int, ...] = (1, 2, 3, 4)


def make_figures(
    which: Iterable[int],
    out_dir: str | os.PathLike[str],
    *,
    quick: bool = False,
    params: Params | None = None,
    executor: str | None = None,
    workers: int | None = None,
    resonances: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Draw the figures ``which`` (subset of 1, 2, 3, 4) into ``out_dir``; return every PDF and PNG written.

    Parameters
    ----------
    which
        Figure numbers, e.g. ``[1, 3]``.
    out_dir
        Output folder.
    quick
        Coarse grids and small (recorded) cutoffs: minutes instead of tens of minutes.
    params
        Parameter set (default: preset ``fig1``).
    executor, workers
        Sweep executor (default ``"process"``) and worker processes (default: all cores).
    resonances
        The run's resonance table (:func:`nrbundle.study.resonances.locate_resonances` for ``params`` and
        ``quick``), shared by every figure; located once (or read from the cache in ``out_dir/work``) when
        ``None``.
    """
    nums = []
    for w in which:
        try:
            k = int(w)
        except (TypeError, ValueError):
            raise InputError(f"which: expected figure numbers among {FIGURES}, got {w!r}") from None
        if k not in FIGURES:
            raise InputError(f"which: expected figure numbers among {FIGURES}, got {w!r}")
        if k not in nums:
            nums.append(k)
    if not nums:
        raise InputError("which: no figure requested")
    ex = "process" if executor is None else executor
    params = get_preset("fig1") if params is None else params
    res = locate_resonances(params, quick=quick, work=work_dir(out_dir)) if resonances is None else resonances
    makers = {1: make_fig1, 2: make_fig2, 3: make_fig3, 4: make_fig4}
    paths: list[Path] = []
    for k in sorted(nums):
        paths += makers[k](out_dir, params=params, quick=quick, executor=ex, workers=workers, resonances=res)
    return paths
