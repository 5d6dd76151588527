"""nrbundle: nonreciprocal bundle emission of entangled photon-phonon and photon-magnon pairs.

The facade: the names a first session needs. ``import nrbundle`` stays light (parameters, errors and the paper's
transition table only); the numeric names are resolved on first access through the module ``__getattr__``
(PEP 562), so that QuTiP and SciPy load only when a steady state is asked for.

Parameters
    :class:`Params`, :data:`PRESETS`, :func:`get_preset`, :data:`PARAM_NAMES`, :data:`DIRECTIONS`.
The paper's transitions
    :class:`Transition`, :data:`PAPER_TRANSITIONS` (target, direction, pair, regime, equation).
Steady state of Eq. (2) (loaded on first use from :mod:`nrbundle.numeric`)
    :func:`solve_steady`, :class:`SteadyState`, :func:`steady_observables`.
Errors
    :class:`NrbundleError`, :class:`InputError`, :class:`ConvergenceError`, :class:`TruncationWarning`.

Subpackages
-----------
analytic
    SymPy derivations (S1-S22), effective couplings and level shifts, LaTeX, lambdified functions.
numeric
    QuTiP/NumPy/SciPy numerics of Eq. (1)-(2): spectra, dynamics, steady states, correlations, witness.
study
    The paper's regimes on the numbers: resonance placement, cutoff choice, point functions, kappa sweeps.
crosscheck
    Analytic claims held against exact numerics, with tolerances.
sweep
    Checkpointed, resumable parameter sweeps (serial, process pool, Dask).
figures
    The paper's figures (plotting only).
"""

from __future__ import annotations

__all__ = [
    "Params",
    "PRESETS",
    "PARAM_NAMES",
    "DIRECTIONS",
    "get_preset",
    "Transition",
    "PAPER_TRANSITIONS",
    "solve_steady",
    "SteadyState",
    "steady_observables",
    "steadystate",
    "NrbundleError",
    "InputError",
    "ConvergenceError",
    "TruncationWarning",
]

import importlib
from typing import Any

from .errors import ConvergenceError, InputError, NrbundleError, TruncationWarning
from .params import DIRECTIONS, PARAM_NAMES, PRESETS, Params, get_preset
from .transitions import PAPER_TRANSITIONS, Transition

__version__ = "0.1.0"

#: Facade names loaded on first access: name -> the module that exports it (``steadystate`` is the QuTiP-style
#: front door: ``from nrbundle import steadystate`` in place of ``from qutip import steadystate``).
_LAZY: dict[str, str] = {
    "solve_steady": "nrbundle.numeric",
    "SteadyState": "nrbundle.numeric",
    "steady_observables": "nrbundle.numeric",
    "steadystate": "nrbundle.numeric",
}


def __getattr__(name: str) -> Any:
    """Resolve a numeric facade name on first access (keeps ``import nrbundle`` free of QuTiP and SciPy)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nrbundle' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
