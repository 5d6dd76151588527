"""Model-level steady state of Eq. (1)-(2) with Fock-truncation control, and its observables.

``solve_steady`` solves the master equation Eq. (2) for the Hamiltonian Eq. (1) with the solver of
:mod:`nrbundle.numeric.liouvillian` (every state carries its ``error_estimate``) and either a fixed cutoff or
``cutoff="auto"``, which raises the cutoff of one mode at a time until the requested observables stop changing
and no top level is populated. Either way the result reports ``truncation_error``.

Automatic truncation (documented in ``docs/performance.md``)
-----------------------------------------------------------
Start at ``start`` (default (3, 3, 3)). Keep, for each mode o in (a, b, m), delta_o: the relative
change of the observables caused by the last one-level raise of N_o. Repeat:

1. a mode whose top Fock level holds more than ``top_threshold`` must be raised;
2. otherwise a mode never raised yet, or whose delta_o >= rtol, must be raised;
3. raise the mode that must be raised with the most populated top level (1.) or, in 2., first the
   modes not yet probed (most populated top level first), then the largest delta_o;
4. solve again, warm-started from the previous steady state embedded in the larger space.

It stops when no mode must be raised: every top level holds <= top_threshold and every mode's last
raise changed every observable by < rtol (relative). ``truncation_error`` is max_o delta_o, the
largest relative change of any requested observable caused by the last raise of any mode.
A mode that needs raising beyond ``max_cutoff`` raises :class:`~nrbundle.errors.ConvergenceError`.

Fixed cutoff (documented in ``docs/steady_state.md``)
-----------------------------------------------------
A fixed cutoff gets the same estimate: one extra solve per mode with that mode raised by one level (warm-started
from the state embedded in the larger space) gives delta_o, and ``truncation_error = max_o delta_o``. The top-level
population alone is not a safe test: at fig1, left drive, Delta_ad = 1.3408, cutoff 3 keeps a top photon level of
9.4e-4 (below the 1e-3 threshold) while n_a is 31 % low. A ``truncation_error`` above ``truncation_threshold``
(1e-2) or a populated top level warns with one :class:`~nrbundle.errors.TruncationWarning` naming the estimate.

Undefined moments
-----------------
Bundle g2 of the pair (o, o') needs O^2 = o^2 o'^2, which vanishes identically when o or o' keeps only two Fock
levels: its value would be 0 by construction, not by physics. Such observables are NaN, and the result's
``undefined`` maps each to the reason (:func:`undefined_observables`).

Uniqueness rule
---------------
``solve_steady`` refuses (InputError) a parameter set with any zero decay rate among kappa_a,
kappa_b, kappa_m and gamma. Eq. (2) damps every mode and the atom; with a zero rate a mode keeps only
sympathetic relaxation through the couplings, and it has none at all (a conserved occupation, hence a
family of steady states) when its couplings vanish as well. Either way the answer would be
ill-conditioned or not unique.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import qutip

from ..errors import ConvergenceError, InputError, TruncationWarning
from ..limits import AUTO_CUTOFF_TIME_BUDGET, check_memory, steady_state_bytes
from ..params import Params, check_direction, check_finite
from ..threads import single_blas_thread
from .correlations import bundle_g2, g1
from .liouvillian import DEFAULT_ATOL, steady_state
from .model import MAX_DIMENSION, Model, parse_cutoff

__all__ = [
    "SteadyState",
    "solve_steady",
    "steady_observables",
    "model_observables",
    "top_level_population",
    "undefined_observables",
    "OBSERVABLE_NAMES",
    "DEFAULT_OBSERVABLES",
    "MODEL_TOL",
    "DEFAULT_START",
    "TRUNCATION_THRESHOLD",
]

#: Observables that :func:`model_observables` computes (keys of the CLI contract, minus the bookkeeping).
OBSERVABLE_NAMES: tuple[str, ...] = ("n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am")
#: Observables whose convergence ``cutoff="auto"`` checks by default.
DEFAULT_OBSERVABLES: tuple[str, ...] = ("n_a", "n_b", "n_m", "g2_ab", "g2_am")
#: Relative Liouvillian residual of every model solve. Bundle correlations of an off-resonant pair
#: (e.g. g2_ab at the |101-> resonance) have numerators ~1e-9 that sit in slowly relaxing (rate ~kappa)
#: sectors; their relative error is ~1e11 times the relative residual, so 1e-15 (a few times the
#: double-precision floor, ~2e-17) is needed to keep them to ~1e-4.
MODEL_TOL = 1e-15
#: First cutoff of the automatic truncation.
DEFAULT_START: tuple[int, int, int] = (3, 3, 3)
#: A fixed cutoff whose truncation_error exceeds this (relative) warns.
TRUNCATION_THRESHOLD = 1e-2
_MODES: tuple[str, str, str] = ("a", "b", "m")


@dataclass(frozen=True)
class SteadyState:
    """Steady state of Eq. (2) at one drive detuning, with its provenance.

    Attributes
    ----------
    rho_ss
        Steady-state density matrix (tensor order a, b, m, atom).
    params, direction, Delta_ad
        What was solved.
    cutoff
        Fock levels kept per mode, ``(N_a, N_b, N_m)``, of ``rho_ss``.
    residual
        Relative Liouvillian residual ||L rho_ss||_F / s_L (see :mod:`nrbundle.numeric.liouvillian`).
    error_estimate
        Estimate of ||rho_ss - rho_exact||_F for the exact steady state at this cutoff (the solver's
        :attr:`~nrbundle.numeric.liouvillian.SteadyStateResult.error_estimate`; truncation is ``truncation_error``).
    iterations
        GMRES iterations of the final solve.
    time
        Wall time in seconds of every solve together.
    top_level_population
        ``{"a", "b", "m"}`` -> population of the highest kept Fock level of that mode.
    truncation_error
        Largest relative change of the requested observables caused by a one-level raise of any mode:
        the last raise of each mode (``cutoff="auto"``) or one extra solve per mode (fixed cutoff); ``None``
        only when it was not estimated (``truncation_check=False``, or a raise beyond the dimension limit).
    history
        ``[(cutoff, observables), ...]`` for every cutoff solved, in order (for a fixed cutoff: the cutoff
        itself, then the one-level raises of the truncation check).
    mode_changes
        ``{"a", "b", "m"}`` -> relative change of the observables at the last (or the checking) raise of that mode.
    undefined
        Observable name -> why it is NaN at this cutoff (see :func:`undefined_observables`); empty if none.
    """

    rho_ss: qutip.Qobj
    params: Params
    direction: str
    Delta_ad: float
    cutoff: tuple[int, int, int]
    residual: float
    iterations: int
    time: float
    top_level_population: dict
    truncation_error: float | None
    history: list = field(default_factory=list)
    mode_changes: dict = field(default_factory=dict)
    error_estimate: float = math.nan
    undefined: dict = field(default_factory=dict)

    @property
    def model(self) -> Model:
        """The :class:`Model` (operators) at this state's cutoff."""
        return Model(self.params, self.direction, self.cutoff)


# ----------------------------------------------------------------------------- observables
def undefined_observables(cutoff: Sequence[int], names: Sequence[str] = OBSERVABLE_NAMES) -> dict[str, str]:
    """Observables among ``names`` that a truncation cannot represent, with the reason.

    Bundle g2 of (o, o') (Eq. 3 at tau = 0) has the numerator <O^dag O^dag O O>, O = o o', and O^2 = o^2 o'^2 is
    identically zero when o or o' keeps two Fock levels (o^2 maps |1> to 0 and |0> to 0): g2 would be 0 by
    construction.

    Returns
    -------
    dict
        ``{name: reason}``, e.g. ``{"g2_am": "O = a m: O^2 = 0 with 2 Fock levels of mode a (N_a=2); ..."}``.
    """
    N = dict(zip(_MODES, (int(n) for n in cutoff), strict=True))
    out: dict[str, str] = {}
    for name in names:
        if name in ("g2_ab", "g2_am"):
            short = [o for o in ("a", name[-1]) if N[o] < 3]
            if short:
                o = short[0]
                out[name] = (
                    f"O = a {name[-1]}: O^2 = 0 with {N[o]} Fock levels of mode {o} (N_{o}={N[o]}); "
                    "bundle g2 needs at least 3 levels per mode of the pair"
                )
    return out


def model_observables(model: Model, rho: qutip.Qobj, names: Sequence[str] = OBSERVABLE_NAMES) -> dict[str, float]:
    """Mean occupations and the correlations of Fig. 3 in a state of the model.

    n_o = <o^dag o>, n_atom = <sigma^dag sigma>; g1_oo' = g^(2)_{1,oo'}(0) (:func:`correlations.g1`) and
    g2_oo' = Eq. (3) at tau = 0 with O = o o' (:func:`correlations.bundle_g2`); NaN for an observable that the
    cutoff cannot represent (:func:`undefined_observables`).
    """
    ops = model.ops
    nums = model.number_ops()
    undefined = undefined_observables(model.cutoff, names)
    out: dict[str, float] = {}
    for name in names:
        if name in undefined:
            out[name] = math.nan
        elif name in nums:
            out[name] = float(qutip.expect(nums[name], rho))
        elif name in ("g1_ab", "g1_am"):
            out[name] = g1(rho, ops["a"], ops[name[-1]])
        elif name in ("g2_ab", "g2_am"):
            out[name] = bundle_g2(rho, ops["a"], ops[name[-1]])
        else:
            raise InputError(f"observables: unknown observable {name!r}; known: {', '.join(OBSERVABLE_NAMES)}")
    return out


def top_level_population(model: Model, rho: qutip.Qobj) -> dict[str, float]:
    """Population of the highest kept Fock level of each mode, ``{"a", "b", "m"}`` -> float."""
    return {o: float(qutip.expect(P, rho)) for o, P in model.top_level_projectors().items()}


def steady_observables(state: SteadyState, *, diagnostics: bool = False) -> dict[str, Any]:
    """The CLI contract of a steady state: occupations, correlations and how they were obtained.

    Parameters
    ----------
    state
        A result of :func:`solve_steady`.
    diagnostics
        Add ``"error_estimate"`` (float, :attr:`SteadyState.error_estimate`) and ``"undefined"``
        (``{name: reason}`` of the NaN observables, :attr:`SteadyState.undefined`), as ``nrbundle steady`` prints.

    Returns
    -------
    dict
        ``{"n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am"}`` (floats, NaN where the cutoff
        cannot represent them; Eq. 3 and the g1 of Fig. 3), ``"cutoff": [N_a, N_b, N_m]``, ``"residual"``
        (float) and ``"truncation_error"`` (float, ``None`` if not estimated), plus the ``diagnostics`` keys.
    """
    obs = model_observables(state.model, state.rho_ss, OBSERVABLE_NAMES)
    out: dict[str, Any] = {k: float(v) for k, v in obs.items()}
    out["cutoff"] = [int(n) for n in state.cutoff]
    out["residual"] = float(state.residual)
    out["truncation_error"] = None if state.truncation_error is None else float(state.truncation_error)
    if diagnostics:
        out["error_estimate"] = float(state.error_estimate)
        out["undefined"] = dict(state.undefined)
    return out


# ----------------------------------------------------------------------------- helpers
def _check_rates(params: Params) -> None:
    rates = params.rates
    for name, label in (("kappa_a", "mode a"), ("kappa_b", "mode b"), ("kappa_m", "mode m"), ("gamma", "the atom")):
        if not rates[name] > 0:
            raise InputError(
                f"{name}: is 0, so {label} has no decay channel of its own and Eq. (2) has no unique, "
                "well-conditioned steady state; solve_steady needs kappa_a, kappa_b, kappa_m, gamma > 0"
            )


def _relative_change(old: dict[str, float], new: dict[str, float], skip: Sequence[str] = ()) -> float:
    """Largest |new - old| / max(|new|, |old|) over the observables (inf if one is not finite), ``skip`` excluded."""
    return _largest_change(old, new, skip)[0]


def _largest_change(old: dict[str, float], new: dict[str, float], skip: Sequence[str] = ()) -> tuple[float, str]:
    """:func:`_relative_change` and the name of the observable that changed most."""
    worst, which = 0.0, ""
    for k, v in new.items():
        if k in skip:
            continue
        u = old[k]
        if not (math.isfinite(u) and math.isfinite(v)):
            return math.inf, k
        den = max(abs(v), abs(u))
        if den == 0.0:
            continue
        if abs(v - u) / den > worst:
            worst, which = abs(v - u) / den, k
    return worst, which


def _embed(rho: np.ndarray, old: tuple[int, int, int], new: tuple[int, int, int]) -> np.ndarray:
    """Zero-pad a density matrix of cutoff ``old`` into the space of cutoff ``new`` (each N_new >= N_old)."""
    shape_old = (*old, 2)
    shape_new = (*new, 2)
    R = rho.reshape(shape_old + shape_old)
    out = np.zeros(shape_new + shape_new, dtype=complex)
    out[tuple(slice(0, n) for n in shape_old + shape_old)] = R
    d = int(np.prod(shape_new))
    return out.reshape(d, d)


def _check_observable_names(observables: Sequence[str] | None) -> tuple[str, ...]:
    if observables is None:
        return DEFAULT_OBSERVABLES
    if isinstance(observables, str):
        observables = [observables]
    names = tuple(observables)
    if not names:
        raise InputError("observables: expected at least one name")
    for n in names:
        if n not in OBSERVABLE_NAMES:
            raise InputError(f"observables: unknown observable {n!r}; known: {', '.join(OBSERVABLE_NAMES)}")
    return names


def _fits(N: Sequence[int], max_cutoff: int | None = None) -> bool:
    return (max_cutoff is None or max(N) <= max_cutoff) and 2 * N[0] * N[1] * N[2] <= MAX_DIMENSION


def _truncation_warning(
    N: tuple[int, int, int],
    top: dict[str, float],
    top_threshold: float,
    err: float | None,
    worst: tuple[str, str],
    truncation_threshold: float,
    undefined: dict[str, str],
) -> str | None:
    """One line saying why a fixed-cutoff result is not to be trusted, or ``None`` if nothing is wrong."""
    parts = []
    if err is not None and err > truncation_threshold:
        mode, name = worst
        parts.append(
            f"truncation_error {err:.3g} > {truncation_threshold:g}: raising N_{mode} by one level changes {name} "
            f"by {100 * err:.3g}%"
        )
    bad = [f"{o} (N_{o}={n}): {top[o]:.3g}" for o, n in zip(_MODES, N, strict=True) if top[o] > top_threshold]
    if bad:
        parts.append(f"top Fock level populated above top_threshold={top_threshold:g} for mode " + "; ".join(bad))
    if not parts:
        return None
    text = f"cutoff {N}: " + "; ".join(parts)
    if undefined:
        text += f"; undefined at this cutoff: {', '.join(undefined)}"
    return text + " - raise the cutoff or use cutoff='auto'"


# ----------------------------------------------------------------------------- solver
@single_blas_thread
def solve_steady(
    params: Params,
    direction: str,
    Delta_ad: float,
    cutoff: str | int | Sequence[int] = "auto",
    *,
    rtol: float = 1e-3,
    top_threshold: float = 1e-3,
    max_cutoff: int = 8,
    observables: Sequence[str] | None = None,
    start: int | Sequence[int] = DEFAULT_START,
    tol: float = MODEL_TOL,
    atol: float = DEFAULT_ATOL,
    truncation_check: bool = True,
    truncation_threshold: float = TRUNCATION_THRESHOLD,
) -> SteadyState:
    """Steady state of Eq. (2) with the Hamiltonian Eq. (1), at a fixed or automatically converged cutoff.

    Parameters
    ----------
    params
        Physical parameters (every decay rate must be > 0, see the module's uniqueness rule).
    direction
        ``"left"`` or ``"right"`` (sign of Delta_F).
    Delta_ad
        Drive detuning of Eq. (1).
    cutoff
        ``"auto"`` (raise one mode at a time, see the module docstring), one int N for every mode,
        or ``(N_a, N_b, N_m)`` (or the text ``"NA,NB,NM"``).
    rtol
        ``"auto"``: largest allowed relative change of each requested observable under a one-level
        raise of any mode.
    top_threshold
        Largest allowed population of a mode's top kept Fock level; a fixed cutoff above it warns
        with :class:`~nrbundle.errors.TruncationWarning`.
    max_cutoff
        ``"auto"``: largest N per mode.
    observables
        Names (from :data:`OBSERVABLE_NAMES`) whose convergence ``"auto"`` checks and whose change gives
        ``truncation_error``; default :data:`DEFAULT_OBSERVABLES` (n_a, n_b, n_m, g2_ab, g2_am).
    start
        ``"auto"``: first cutoff.
    tol
        Relative Liouvillian residual required of every solve.
    atol
        Bound on the error estimate ||rho - rho_exact||_F of every solve
        (:func:`~nrbundle.numeric.liouvillian.steady_state`).
    truncation_check
        Fixed cutoff: estimate ``truncation_error`` with one extra solve per mode raised by one level
        (module docstring). ``False`` skips them (``truncation_error`` is then ``None``), for a cutoff already
        chosen by a convergence study.
    truncation_threshold
        Fixed cutoff: a ``truncation_error`` above this warns with :class:`~nrbundle.errors.TruncationWarning`.

    Returns
    -------
    SteadyState

    Raises
    ------
    InputError
        Bad input, or a zero decay rate (no unique steady state).
    ConvergenceError
        A solve missed ``tol`` or ``atol``, or ``"auto"`` needed a cutoff above ``max_cutoff`` (or the
        dimension limit); the exception's ``.state`` holds the last :class:`SteadyState` reached.
    """
    if not isinstance(params, Params):
        raise InputError(f"params: expected a nrbundle Params, got {type(params).__name__}")
    check_direction(direction)
    Delta_ad = check_finite("Delta_ad", Delta_ad)
    _check_rates(params)
    names = _check_observable_names(observables)
    for name, val in (("rtol", rtol), ("top_threshold", top_threshold), ("truncation_threshold", truncation_threshold)):
        v = check_finite(name, val)
        if not 0 < v < 1:
            raise InputError(f"{name}: must lie in (0, 1), got {val!r}")
    t0 = time.perf_counter()

    def fits_memory(N: tuple[int, int, int]) -> None:  # refuse before allocating (nrbundle.limits)
        d = 2 * N[0] * N[1] * N[2]
        check_memory(steady_state_bytes(d), f"the steady-state solve at cutoff {N} (dimension {d})", param="cutoff",
                     hint="lower the cutoff")

    def solve(N: tuple[int, int, int], rho0: np.ndarray | None = None) -> tuple[Model, Any, dict[str, float]]:
        fits_memory(N)
        model = Model(params, direction, N)
        res = steady_state(model.H(Delta_ad), model.c_ops, tol=tol, atol=atol, rho0=rho0)
        return model, res, model_observables(model, res.rho_ss, names)

    def raised(N: tuple[int, int, int], i: int) -> tuple[int, int, int]:
        return tuple(n + (k == i) for k, n in enumerate(N))  # type: ignore[return-value]

    if not (isinstance(cutoff, str) and cutoff.strip().lower() == "auto"):
        N = parse_cutoff(cutoff)
        for trial in [N, *([raised(N, i) for i in range(3) if _fits(raised(N, i))] if truncation_check else [])]:
            fits_memory(trial)
        model, res, obs = solve(N)
        top = top_level_population(model, res.rho_ss)
        history: list = [(N, obs)]
        changes: dict[str, float] = {}
        worst: dict[str, str] = {}
        err: float | None = None
        if truncation_check and all(_fits(raised(N, i)) for i in range(3)):
            for i, o in enumerate(_MODES):
                trial = raised(N, i)
                _, res_i, obs_i = solve(trial, _embed(res.rho_ss.full(), N, trial))
                changes[o], worst[o] = _largest_change(obs, obs_i, undefined_observables(N, names))
                history.append((trial, obs_i))
            err = max(changes.values())
        undefined = undefined_observables(N, OBSERVABLE_NAMES)
        worst_mode = max(changes, key=lambda o: changes[o]) if changes else ""
        msg = _truncation_warning(
            N, top, top_threshold, err, (worst_mode, worst.get(worst_mode, "")), truncation_threshold, undefined
        )
        if msg is not None:
            warnings.warn(msg, TruncationWarning, stacklevel=3)  # the caller of the single_blas_thread wrapper
        return SteadyState(
            rho_ss=res.rho_ss,
            params=params,
            direction=direction,
            Delta_ad=Delta_ad,
            cutoff=N,
            residual=res.residual,
            iterations=res.iterations,
            time=time.perf_counter() - t0,
            top_level_population=top,
            truncation_error=err,
            history=history,
            mode_changes=changes,
            error_estimate=res.error_estimate,
            undefined=undefined,
        )

    max_cutoff = int(max_cutoff)
    N = parse_cutoff(start)
    if max(N) > max_cutoff:
        raise InputError(f"max_cutoff: {max_cutoff} is below the starting cutoff {N}")
    model, res, obs = solve(N)
    top = top_level_population(model, res.rho_ss)
    history = [(N, obs)]
    delta: dict[str, float | None] = {o: None for o in _MODES}

    def state_now(err: float | None) -> SteadyState:
        return SteadyState(
            rho_ss=res.rho_ss,
            params=params,
            direction=direction,
            Delta_ad=Delta_ad,
            cutoff=N,
            residual=res.residual,
            iterations=res.iterations,
            time=time.perf_counter() - t0,
            top_level_population=top,
            truncation_error=err,
            history=list(history),
            mode_changes={o: v for o, v in delta.items() if v is not None},
            error_estimate=res.error_estimate,
            undefined=undefined_observables(N, OBSERVABLE_NAMES),
        )

    while True:
        if time.perf_counter() - t0 > AUTO_CUTOFF_TIME_BUDGET:  # bounded work (nrbundle.limits)
            exc = ConvergenceError(f"cutoff: 'auto' stopped after {time.perf_counter() - t0:.0f} s (budget "
                                   f"{AUTO_CUTOFF_TIME_BUDGET:.0f} s) at cutoff {N}; give a fixed cutoff")
            exc.state = state_now(max((v for v in delta.values() if v is not None), default=math.inf))  # type: ignore[attr-defined]
            raise exc
        populated = [o for o in _MODES if top[o] > top_threshold]
        if populated:
            order = sorted(populated, key=lambda o: -top[o])
        else:
            unprobed = sorted((o for o in _MODES if delta[o] is None), key=lambda o: -top[o])
            changing = sorted((o for o in _MODES if delta[o] is not None and delta[o] >= rtol), key=lambda o: -delta[o])
            order = unprobed + changing
        if not order:
            break
        choice = next((_MODES.index(o) for o in order if _fits(raised(N, _MODES.index(o)), max_cutoff)), None)
        if choice is None:
            err_now = max((v for v in delta.values() if v is not None), default=math.inf)
            state = state_now(err_now)
            why = ", ".join(
                f"{o}: top level {top[o]:.2g}" + (f", last change {delta[o]:.2g}" if delta[o] is not None else "")
                for o in order
            )
            exc = ConvergenceError(
                f"cutoff: 'auto' did not converge to rtol={rtol:g} within max_cutoff={max_cutoff} "
                f"(reached {N}; {why})"
            )
            exc.state = state  # type: ignore[attr-defined]
            raise exc
        old_N, N = N, raised(N, choice)
        model, res, new_obs = solve(N, _embed(res.rho_ss.full(), old_N, N))
        top = top_level_population(model, res.rho_ss)
        delta[_MODES[choice]] = _relative_change(obs, new_obs, undefined_observables(old_N, names))
        obs = new_obs
        history.append((N, obs))

    err = max(v for v in delta.values() if v is not None)
    return state_now(err)
