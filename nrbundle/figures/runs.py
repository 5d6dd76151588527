"""Plots of the single runs of ``nrbundle dynamics`` and ``nrbundle trajectory`` (:mod:`nrbundle.study.runs` records).

:func:`draw_dynamics`: the populations P_<label>(t) above 1e-2 of a super-Rabi run from |000+>.
:func:`draw_trajectory`: the populations above 5e-2 of one quantum trajectory, its jumps as dotted lines per channel.
Both in the shared style (:mod:`nrbundle.figures.style`); no physics here.
"""

from __future__ import annotations

__all__ = ["JUMP_COLORS", "draw_dynamics", "draw_trajectory"]

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..study.runs import Run
from .style import new_figure, time_label

#: Colour of the jump lines of each decay channel.
JUMP_COLORS: Mapping[str, str] = {"a": "tab:red", "b": "tab:green", "m": "tab:blue", "sigma": "0.4"}


def draw_dynamics(run: Run) -> Any:
    """Populations above 1e-2 versus time, legend outside right; return the Figure (call inside ``figure_style``)."""
    dyn = run.result
    fig, ax = new_figure(width=4.6, height=2.6)
    for k, v in dyn.populations.items():
        if np.max(v) > 1e-2:
            ax.plot(dyn.tlist, v, label=f"$P_{{{k}}}$")
    ax.set_xlabel(time_label(run.params.units))
    ax.set_ylabel("population")
    ax.set_title(f"{run.direction} drive, $\\Delta_{{ad}}$ = {run.Delta_ad:.6f}", fontsize=8)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def draw_trajectory(run: Run) -> Any:
    """Populations above 5e-2 of one trajectory with its jumps (dotted, per channel); return the Figure (call inside
    ``figure_style``)."""
    tr = run.result
    rec = tr.jumps[0]
    fig, ax = new_figure(width="double", height=2.6)
    for k, v in tr.populations.items():
        if np.max(v[0]) > 5e-2:
            ax.plot(tr.tlist, v[0], lw=0.8, label=f"$P_{{{k}}}$")
    for c in tr.channels:
        for t in rec.times.get(c, []):
            ax.axvline(t, color=JUMP_COLORS.get(c, "k"), lw=0.6, ls=":", zorder=0)
    for c in tr.channels:
        ax.plot([], [], color=JUMP_COLORS.get(c, "k"), ls=":", label=f"jump {c}")
    ax.set_xlabel(time_label(run.params.units))
    ax.set_ylabel("population")
    ax.set_title(f"{run.direction} drive, seed {run.extra['seed']}: {run.extra['n_bundles']} "
                 f"a-{run.extra['partner']} bundles", fontsize=8)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig
