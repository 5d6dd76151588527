"""The paper's figures, regenerated: one function per figure, one shared style (:mod:`nrbundle.figures.style`).

- :func:`~nrbundle.figures.fig1.make_fig1`: Fig. 1(c,d) steady-state excitation spectra, (e) the S16 ladder.
- :func:`~nrbundle.figures.fig2.make_fig2`: Fig. 2(a-c) super-Rabi oscillations, (d-g) one quantum trajectory.
- :func:`~nrbundle.figures.fig3.make_fig3`: Fig. 3(a-f) g1 and bundle g2 (Eq. 3) versus kappa, plus g2(tau).
- :func:`~nrbundle.figures.fig4.make_fig4`: Fig. 4(a,b) entanglement witnesses D1 (Eq. 4) versus kappa.

Every ``make_figN(out_dir, *, params=None, quick=False, executor="process", workers=None)`` writes
``figN.pdf``/``figN.png`` and the plotted data ``figN.npz`` with its provenance ``figN.json`` (parameters, Fock
cutoffs and their convergence check, resonance positions, solver residuals, timings) into ``out_dir``, and returns
the PDF and PNG paths. Parameter sweeps run through :func:`nrbundle.sweep.run_sweep` with checkpoints under
``out_dir/work``, so an interrupted run resumes. See ``docs/figures.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from ..params import Params

__all__ = ["make_figures", "FIGURES"]

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
    from . import fig1, fig2, fig3, fig4

    makers = {1: fig1.make_fig1, 2: fig2.make_fig2, 3: fig3.make_fig3, 4: fig4.make_fig4}
    paths: list[Path] = []
    for k in sorted(nums):
        paths += makers[k](out_dir, params=params, quick=quick, executor=ex, workers=workers)
    return paths
