"""Plots of the single runs of ``nrbundle dynamics`` and ``nrbundle trajectory`` (:mod:`nrbundle.study.runs` records).

:func:`draw_dynamics`: the populations P_<label>(t) above 1e-2 of a super-Rabi run from |000+>.
:func:`draw_trajectory`: one quantum trajectory in three panels: the populations above 5e-2, the population of the
bundle state (|101-> for the photon-magnon pair, |110-> for the photon-phonon pair; small between jumps, so on its
own axis), and the jumps as a raster, one row per channel. Both in the shared style
(:mod:`nrbundle.figures.style`); no physics here.
"""

from __future__ import annotations

__all__ = ["POPULATION_COLORS", "bundle_state", "draw_dynamics", "draw_trajectory"]

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..study.runs import Run
from .style import (
    CHANNEL_COLORS,
    DOUBLE_WIDTH,
    FONT_SIZE,
    SMALL_FONT_SIZE,
    Figure,
    freq_value,
    new_figure,
    panel_label,
    time_label,
)

#: Colours of the population curves of the single runs, in order of appearance: neutral and paired tones that
#: are not the channel colours of the jump raster (:data:`nrbundle.figures.style.CHANNEL_COLORS`).
POPULATION_COLORS: tuple[str, ...] = ("k", "0.55", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#e377c2")

#: Mathtext names of the channels in the jump raster.
_CHANNEL_NAMES: Mapping[str, str] = {"a": "$a$", "b": "$b$", "m": "$m$", "sigma": r"$\sigma$",
                                     "a+": r"$a^\dagger$", "b+": r"$b^\dagger$", "m+": r"$m^\dagger$",
                                     "sigma_z": r"$\sigma_z$"}
#: Raster rows in order: the paper's channels, then thermal absorption and dephasing (present with noise only).
_CHANNEL_ORDER: tuple[str, ...] = ("a", "b", "m", "sigma", "a+", "b+", "m+", "sigma_z")


def bundle_state(partner: str) -> str:
    """Label of the two-quantum state whose decay emits an (a, ``partner``) bundle: ``"101-"`` or ``"110-"``."""
    return "101-" if partner == "m" else "110-"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def draw_dynamics(run: Run) -> Any:
    """Populations above 1e-2 versus time, legend outside right; return the Figure (call inside ``figure_style``)."""
    dyn = run.result
    fig, ax = new_figure(width=4.6, height=2.6)
    shown = [k for k, v in dyn.populations.items() if np.max(v) > 1e-2]
    for k, col in zip(shown, POPULATION_COLORS * (1 + len(shown) // len(POPULATION_COLORS)), strict=False):
        ax.plot(dyn.tlist, dyn.populations[k], color=col, label=f"$P_{{{k}}}$")
    ax.set_xlabel(time_label(run.params.units))
    ax.set_ylabel("population")
    ax.set_title(f"{run.direction} drive, " + freq_value(r"\Delta_{ad}", run.Delta_ad, run.params.units),
                 fontsize=SMALL_FONT_SIZE)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def draw_trajectory(run: Run) -> Any:
    """One trajectory: (a) populations above 5e-2, (b) the bundle state's population, (c) the jumps per channel;
    return the Figure (call inside ``figure_style``).

    Jumps are faint grey lines in (a, b) and ticks in (c), where the row names the channel: no colour carries two
    meanings (the population colours are not the channel colours).
    """
    tr = run.result
    rec = tr.jumps[0]
    t = tr.tlist
    partner = run.extra["partner"]
    pair_state = bundle_state(partner)
    fig = Figure(figsize=(DOUBLE_WIDTH, 3.8), layout="constrained")
    gs = fig.add_gridspec(3, 1, height_ratios=[1.0, 0.8, 0.55])
    ax_p = fig.add_subplot(gs[0])
    ax_b = fig.add_subplot(gs[1], sharex=ax_p)
    ax_j = fig.add_subplot(gs[2], sharex=ax_p)
    jump_times = [tj for c in tr.channels for tj in rec.times.get(c, [])]
    for ax in (ax_p, ax_b):
        for tj in jump_times:
            ax.axvline(tj, color="0.6", lw=0.5, alpha=0.5, zorder=0)
    big = [k for k, v in tr.populations.items() if k != pair_state and np.max(v[0]) > 5e-2]
    for k, col in zip(big, POPULATION_COLORS * (1 + len(big) // len(POPULATION_COLORS)), strict=False):
        ax_p.plot(t, tr.populations[k][0], color=col, lw=0.9, label=f"$P_{{{k}}}$")
    ax_p.set_ylabel("population")
    ax_p.set_ylim(-0.05, 1.1)
    ax_p.legend(fontsize=SMALL_FONT_SIZE - 1, loc="upper left", bbox_to_anchor=(1.005, 1.0), frameon=False)
    if pair_state in tr.populations:
        ax_b.plot(t, tr.populations[pair_state][0], color=CHANNEL_COLORS[partner], lw=0.9,
                  label=f"$P_{{{pair_state}}}$ (bundle state)")
        ax_b.legend(fontsize=SMALL_FONT_SIZE - 1, loc="upper left", bbox_to_anchor=(1.005, 1.0), frameon=False)
    ax_b.set_ylabel("population")
    chans = [c for c in _CHANNEL_ORDER if c in tr.channels]
    for row, c in enumerate(chans):
        ax_j.vlines(rec.times.get(c, []), row - 0.38, row + 0.38, color="k", lw=1.0)
    ax_j.set_yticks(range(len(chans)))
    ax_j.set_yticklabels([_CHANNEL_NAMES.get(c, c) for c in chans])
    ax_j.set_ylim(-0.7, len(chans) - 0.3)
    ax_j.set_ylabel("jumps")
    ax_j.set_xlabel(time_label(run.params.units))
    ax_j.set_xlim(t[0], t[-1])
    for ax in (ax_p, ax_b):
        ax.tick_params(labelbottom=False)
    for ax, lab in zip((ax_p, ax_b, ax_j), ("(a)", "(b)", "(c)"), strict=True):
        panel_label(ax, lab, loc="outside")
    n = int(run.extra["n_bundles"])
    ax_p.set_title(f"{run.direction} drive, "
                   + freq_value(r"\Delta_{ad}", run.Delta_ad, run.params.units)
                   + f", seed {run.extra['seed']}: {_plural(n, 'bundle')} of the pair (a, {partner})",
                   fontsize=FONT_SIZE - 1, pad=12)
    return fig
