"""nrbundle: nonreciprocal bundle emission of entangled photon-phonon and photon-magnon pairs.

Subpackages
-----------
analytic
    SymPy derivations (S1-S22), effective couplings and level shifts, LaTeX, lambdified functions.
numeric
    QuTiP/NumPy/SciPy numerics of Eq. (1)-(2): spectra, dynamics, steady states, correlations, witness.
crosscheck
    Analytic claims held against exact numerics, with tolerances.
"""

from .errors import ConvergenceError, InputError, NrbundleError, TruncationWarning
from .params import DIRECTIONS, PARAM_NAMES, PRESETS, Params, get_preset

__all__ = [
    "Params",
    "PRESETS",
    "PARAM_NAMES",
    "DIRECTIONS",
    "get_preset",
    "NrbundleError",
    "InputError",
    "ConvergenceError",
    "TruncationWarning",
]
__version__ = "0.1.0"
