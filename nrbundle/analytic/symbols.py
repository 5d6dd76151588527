"""Every SymPy symbol of the model, defined once with its assumptions.

Names follow the paper: ``Delta_ad`` is the cavity-drive detuning, ``Delta_sa`` the atom-cavity detuning
(Delta_{sigma a}), ``Delta_F`` the *signed* Fizeau shift as it enters Eq. (1), ``Delta_F_abs`` its magnitude
(S17-S22 are written with |Delta_F|).
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "Delta_ad",
    "Delta_sa",
    "Delta_sd",
    "Delta_F",
    "Delta_F_abs",
    "omega_a",
    "omega_b",
    "omega_m",
    "omega_s",
    "omega_d",
    "lambda_as",
    "lambda_ab",
    "lambda_am",
    "lambdap_as",
    "lambdap_ab",
    "lambdap_am",
    "xi",
    "xi_d",
    "xi_p",
    "gamma",
    "kappa",
    "kappa_a",
    "kappa_b",
    "kappa_m",
    "D",
    "R",
    "E_plus",
    "E_minus",
    "c_plus",
    "c_minus",
    "PARAMETER_SYMBOLS",
]

# Detunings and frequencies (rotating frame of the drive, S2/S11)
Delta_ad = sp.Symbol("Delta_ad", real=True)
Delta_sa = sp.Symbol("Delta_sa", real=True)
Delta_sd = sp.Symbol("Delta_sd", real=True)
Delta_F = sp.Symbol("Delta_F", real=True)
Delta_F_abs = sp.Symbol("Delta_F_abs", nonnegative=True)
omega_a = sp.Symbol("omega_a", positive=True)
omega_b = sp.Symbol("omega_b", positive=True)
omega_m = sp.Symbol("omega_m", positive=True)
omega_s = sp.Symbol("omega_sigma", positive=True)
omega_d = sp.Symbol("omega_d", positive=True)

# Couplings: effective (S7) and bare (primed, S1)
lambda_as = sp.Symbol("lambda_as", real=True)
lambda_ab = sp.Symbol("lambda_ab", real=True)
lambda_am = sp.Symbol("lambda_am", real=True)
lambdap_as = sp.Symbol("lambda'_as", real=True)
lambdap_ab = sp.Symbol("lambda'_ab", real=True)
lambdap_am = sp.Symbol("lambda'_am", real=True)
xi = sp.Symbol("xi", positive=True)
xi_d = sp.Symbol("xi_d", real=True)
xi_p = sp.Symbol("xi_p", real=True)

# Rates (Eq. 2, S3)
gamma = sp.Symbol("gamma", nonnegative=True)
kappa = sp.Symbol("kappa", nonnegative=True)
kappa_a = sp.Symbol("kappa_a", nonnegative=True)
kappa_b = sp.Symbol("kappa_b", nonnegative=True)
kappa_m = sp.Symbol("kappa_m", nonnegative=True)

# Dressed-atom shorthands (S12-S15): D = Delta_sa + Delta_ad, R = sqrt(D^2 + 4 xi^2)
D = sp.Symbol("D", real=True)
R = sp.Symbol("R", positive=True)
E_plus = sp.Symbol("E_+", real=True)
E_minus = sp.Symbol("E_-", real=True)
c_plus = sp.Symbol("c_+", positive=True)
c_minus = sp.Symbol("c_-", positive=True)

#: Map from :data:`nrbundle.params.PARAM_NAMES` entries to symbols (Delta_F -> its magnitude).
PARAMETER_SYMBOLS: dict[str, sp.Symbol] = {
    "omega_b": omega_b,
    "omega_m": omega_m,
    "Delta_sa": Delta_sa,
    "Delta_F": Delta_F_abs,
    "lambda_as": lambda_as,
    "lambda_ab": lambda_ab,
    "lambda_am": lambda_am,
    "xi": xi,
    "gamma": gamma,
    "kappa": kappa,
    "kappa_a": kappa_a,
    "kappa_b": kappa_b,
    "kappa_m": kappa_m,
}
