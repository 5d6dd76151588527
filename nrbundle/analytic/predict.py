"""Resonance predictions for users: closed forms (S17-S22) next to level-shift-corrected resonances and g_eff.

This module composes :mod:`nrbundle.analytic.resonances` (the symbolic solution of E(|000+>) = E(|target->),
S16-S22) and :mod:`nrbundle.analytic.effective` (quasi-degenerate perturbation theory: g_eff and the level
shifts through fourth order). It is what ``nrbundle resonances`` prints; the paper's transitions are
:data:`nrbundle.transitions.PAPER_TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..params import Params, check_direction, check_params, parse_target
from .effective import corrected_resonance
from .resonances import closed_form

__all__ = ["predict_transition", "resonance_table"]


def predict_transition(params: Params, target: Sequence[int], direction: str, shift_order: int = 4) -> dict[str, Any]:
    """One row of the resonance table for |000+> <-> |target ->.

    Returns
    -------
    dict
        ``target, direction, closed_form, corrected, shift_order, g_eff, g_eff_order, valid`` with
        Delta_ad values in the units of ``params``. ``closed_form`` is the root of S16 degeneracy solved
        symbolically (S18/S19/S21/S22 for the paper's targets); ``corrected`` the root of the degeneracy condition
        with the level shifts through ``shift_order`` (equal to ``closed_form`` for ``shift_order=0``).
    """
    check_params(params)
    check_direction(direction)
    target = parse_target(target)
    closed = closed_form(params, target, direction)
    corr = corrected_resonance(params, target, direction, shift_order=shift_order)
    return {
        "target": list(target),
        "direction": direction,
        "closed_form": float(closed),
        "corrected": float(corr.Delta_ad),
        "shift_order": int(shift_order),
        "g_eff": float(corr.g_eff),
        "g_eff_order": int(corr.g_eff_order),
        "valid": bool(corr.valid),
    }


def resonance_table(
    params: Params,
    targets: Iterable[Sequence[int]],
    directions: Iterable[str],
    shift_order: int = 4,
) -> dict[str, Any]:
    """The JSON object of ``nrbundle resonances --json`` (keys fixed by the CLI contract)."""
    check_params(params)
    rows = [predict_transition(params, t, d, shift_order) for t in targets for d in directions]
    return {
        "preset": params.preset,
        "units": params.units,
        "parameters": params.physics_dict(),
        "transitions": rows,
    }
