"""Population dynamics of Fig. 2(a-c): closed (Eq. 1) and open (Eq. 2) evolution from |000+>.

P_{n_a n_b n_m l}(t) = |<n_a n_b n_m l|psi(t)>|^2 (Fig. 2 caption), or <n_a n_b n_m l|rho(t)|n_a n_b n_m l> for the
master equation, with l in {+, -} the dressed atom states of S14 at the drive detuning of the run and l in {e, g}
the bare ones. The super-Rabi oscillation |000+> <-> |101-> (or |110->) of Fig. 2 has P_target(t) ~ sin^2(g_eff t)
on resonance, g_eff being half the minimum splitting of the avoided crossing (:mod:`nrbundle.numeric.spectrum`).

Time scale: at fig1, g_eff ~ 5.9e-4 omega_b, so the full transfer takes pi / (2 g_eff) ~ 2.7e3 / omega_b while the
state carries fast components at the level spacings (~1 omega_b). The default solver options are chosen for such
long, stiff-free but oscillatory runs (adams, atol 1e-10, rtol 1e-8, no step limit issue: nsteps 1e7).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import qutip
from scipy import optimize

from ..display import ShortRepr
from ..errors import ConvergenceError, InputError
from ..params import Params, check_direction, check_finite
from ..threads import single_blas_thread
from .labels import Label, format_label, parse_label, product_vector
from .model import Model

__all__ = [
    "Dynamics",
    "evolve",
    "super_rabi_frequency",
    "population_projectors",
    "initial_and_projectors",
    "DEFAULT_POPULATIONS",
    "CLOSED_OPTIONS",
    "OPEN_OPTIONS",
    "SOLVERS",
    "check_tlist",
]

#: Populations recorded by default: the pair states of both resonances (Fig. 2(a-c)), the initial state's
#: partner |000->, and the one-quantum states left behind by the first emission of a pair (Fig. 2(d-g)).
DEFAULT_POPULATIONS: tuple[str, ...] = ("000+", "000-", "101-", "110-", "100+", "100-", "001-", "010-")

#: qutip.sesolve options for the closed runs. ``normalize_output`` is off so that the recorded norm is the
#: integrator's, not a renormalised one (norm conservation is then a real check).
CLOSED_OPTIONS: dict[str, Any] = {
    "method": "adams",
    "atol": 1e-10,
    "rtol": 1e-8,
    "nsteps": 10**7,
    "progress_bar": "",
    "normalize_output": False,
}
#: qutip.mesolve options for the open runs (Eq. 2): the same integrator settings, kept as their own dict so that
#: either can be changed alone.
OPEN_OPTIONS: dict[str, Any] = dict(CLOSED_OPTIONS)
#: Solvers: ``sesolve`` (closed, QuTiP), ``eig`` (closed, exact propagation in the eigenbasis of Eq. 1),
#: ``mesolve`` (open, Eq. 2).
SOLVERS: tuple[str, ...] = ("sesolve", "eig", "mesolve")


@dataclass(frozen=True, eq=False, repr=False)
class Dynamics(ShortRepr):
    """Populations of product states along a closed or open evolution (Fig. 2(a-c)).

    Attributes
    ----------
    tlist
        Times (units of 1/omega_b for fig1).
    populations
        ``label -> array(len(tlist))``, e.g. ``"101-"``: P_{101-}(t).
    norm
        <psi|psi> (closed) or Tr rho (open) at each time.
    params, direction, Delta_ad, cutoff
        The model.
    initial
        Label of the initial product state.
    solver
        ``"sesolve"``, ``"eig"`` or ``"mesolve"``.
    options
        Solver options used.
    """

    tlist: np.ndarray
    populations: dict[str, np.ndarray]
    norm: np.ndarray
    params: Params
    direction: str
    Delta_ad: float
    cutoff: tuple[int, int, int]
    initial: str
    solver: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def open_system(self) -> bool:
        """Whether the run solved the master equation Eq. (2)."""
        return self.solver == "mesolve"


def check_tlist(tlist: Any) -> np.ndarray:
    """Validate an evolution time grid: a 1-d float array of at least two finite, strictly increasing times."""
    t = np.asarray(tlist, dtype=float)
    if t.ndim != 1 or t.size < 2:
        raise InputError("tlist: expected a 1-d array of at least two times")
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise InputError("tlist: times must be finite and strictly increasing")
    return t


def population_projectors(
    model: Model, Delta_ad: float, populations: Sequence[str | Sequence[Any]]
) -> dict[str, qutip.Qobj]:
    """Projectors |n_a n_b n_m l><n_a n_b n_m l| (S14 dressed for l = +-) keyed by text label."""
    out: dict[str, qutip.Qobj] = {}
    for lab in populations:
        parsed = parse_label(lab)
        ket = model.state(*parsed[:3], parsed[3], Delta_ad)
        out[format_label(*parsed)] = ket.proj()
    if not out:
        raise InputError("populations: need at least one state label")
    return out


@single_blas_thread

def initial_and_projectors(
    model: Model,
    Delta_ad: float,
    initial: str | Sequence[Any],
    populations: Sequence[str | Sequence[Any]] | None,
) -> tuple[Any, qutip.Qobj, list, list]:
    """Parsed initial label, initial product ket, population labels and projectors of a run.

    Shared by :func:`evolve` and :func:`nrbundle.numeric.trajectories.trajectory`.

    ``populations=None`` takes :data:`DEFAULT_POPULATIONS` that fit inside the model's cutoff.
    """
    init = parse_label(initial)
    psi0 = model.state(*init[:3], init[3], Delta_ad)
    if populations is None:
        labels = [
            l for l in (parse_label(x) for x in DEFAULT_POPULATIONS)
            if all(n < c for n, c in zip(l[:3], model.cutoff, strict=True))
        ]
    else:
        labels = [parse_label(x) for x in populations]
    return init, psi0, labels, population_projectors(model, Delta_ad, labels)


def evolve(
    params: Params,
    direction: str,
    Delta_ad: float,
    tlist: Sequence[float] | np.ndarray,
    *,
    cutoff: int | Sequence[int] = (4, 4, 4),
    open_system: bool = False,
    populations: Sequence[str | Sequence[Any]] | None = None,
    initial: str | Sequence[Any] = (0, 0, 0, "+"),
    solver: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Dynamics:
    """Evolve the product state ``initial`` under Eq. (1) (closed) or Eq. (2) (open) and record populations.

    Parameters
    ----------
    params, direction, Delta_ad, cutoff
        The model of Eq. (1)-(2) at drive detuning ``Delta_ad``.
    tlist
        Output times; the state at ``tlist[0]`` is ``initial``.
    open_system
        Solve the master equation Eq. (2) with ``model.c_ops`` (qutip.mesolve) instead of the Schroedinger equation.
    populations
        State labels (``"101-"`` or ``(1, 0, 1, "-")``); default :data:`DEFAULT_POPULATIONS` (those outside the
        cutoff are dropped from the default).
    initial
        Initial product state, default |000+> (dressed at ``Delta_ad``).
    solver
        ``"sesolve"`` (closed default), ``"eig"`` (closed, exact spectral propagation) or ``"mesolve"`` (open).
    options
        Overrides of :data:`CLOSED_OPTIONS` / :data:`OPEN_OPTIONS` passed to QuTiP.

    Returns
    -------
    Dynamics

    Raises
    ------
    ConvergenceError
        If the QuTiP integrator fails (e.g. too few ``nsteps``).
    """
    Delta_ad = check_finite("Delta_ad", Delta_ad)
    check_direction(direction)
    t = check_tlist(tlist)
    model = Model(params, direction, cutoff)
    if solver is None:
        solver = "mesolve" if open_system else "sesolve"
    if solver not in SOLVERS:
        raise InputError(f"solver: expected one of {', '.join(SOLVERS)}, got {solver!r}")
    if open_system != (solver == "mesolve"):
        raise InputError(f"solver: {solver!r} does not match open_system={open_system}")
    init, psi0, labels, projectors = initial_and_projectors(model, Delta_ad, initial, populations)
    H = model.H(Delta_ad)

    if solver == "eig":
        pops, norm = _evolve_eig(model, Delta_ad, t, init, labels)
        used: dict[str, Any] = {}
    else:
        base = CLOSED_OPTIONS if solver == "sesolve" else OPEN_OPTIONS
        used = {**base, **(dict(options) if options else {})}
        e_ops = {**projectors, "__norm__": model.ops["I"]}
        try:
            if solver == "sesolve":
                res = qutip.sesolve(H, psi0, t, e_ops=e_ops, options=used)
            else:
                res = qutip.mesolve(H, psi0, t, model.c_ops, e_ops=e_ops, options=used)
        except Exception as exc:  # QuTiP raises IntegratorException (a plain Exception) on failure
            if isinstance(exc, (InputError, KeyboardInterrupt)):
                raise
            raise ConvergenceError(f"{solver}: integration failed ({type(exc).__name__}: {exc})") from None
        expect = res.e_data
        pops = {k: np.real(np.asarray(expect[k])) for k in projectors}
        norm = np.real(np.asarray(expect["__norm__"]))
    return Dynamics(
        tlist=t,
        populations=pops,
        norm=norm,
        params=params,
        direction=direction,
        Delta_ad=Delta_ad,
        cutoff=model.cutoff,
        initial=format_label(*init),
        solver=solver,
        options=used,
    )


def _evolve_eig(
    model: Model, Delta_ad: float, t: np.ndarray, init: Label, labels: Sequence[Label]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Exact closed evolution: <phi|psi(t)> = sum_k <phi|k> exp(-i E_k (t - t0)) <k|psi0> (Eq. 1 eigenbasis)."""
    E, V = np.linalg.eigh(np.ascontiguousarray(model.H_matrix(Delta_ad).real))
    c0 = product_vector(model, init, Delta_ad) @ V
    phases = np.exp(-1j * np.outer(t - t[0], E))  # (nt, dim)
    pops = {}
    for lab in labels:
        cphi = product_vector(model, lab, Delta_ad) @ V
        pops[format_label(*lab)] = np.abs(phases @ (cphi * c0)) ** 2
    norm = np.full(t.shape, float(c0 @ c0))
    return pops, norm


def super_rabi_frequency(dynamics: Dynamics, label: str | Sequence[Any] = "101-", *, method: str = "fit") -> float:
    """Super-Rabi frequency g_eff of the oscillation |initial> <-> |label> in a closed run.

    Definition: g_eff is the frequency in P_label(t) = A sin^2(g_eff (t - t0)) + c. For the two-level super-Rabi
    oscillation on resonance, g_eff is half the minimum splitting of the avoided crossing and the full transfer
    happens at t - t0 = pi / (2 g_eff).

    Parameters
    ----------
    dynamics
        A closed run starting with P_label(t0) ~ 0; the record must contain the whole first maximum of P_label
        (until P_label falls back below half its maximum, i.e. >~ 1.5 pi / (2 g_eff)).
    label
        Target state.
    method
        ``"fit"`` (default): least-squares fit of (A, g_eff, c) over the whole record, started from the first
        maximum; the fast off-resonant ripple (~1% at fig1) averages out. ``"first-maximum"``: g_eff =
        pi / (2 t_max) with t_max the time of the largest P_label inside the first lobe (where P_label exceeds
        half its maximum); sensitive to the ripple at the peak.

    Raises
    ------
    ConvergenceError
        If the record does not contain a complete first maximum, or the fit fails.
    """
    if dynamics.open_system:
        raise InputError("dynamics: the super-Rabi frequency is defined for a closed run (open_system=False)")
    if method not in ("fit", "first-maximum"):
        raise InputError(f"method: expected 'fit' or 'first-maximum', got {method!r}")
    key = format_label(*parse_label(label))
    if key not in dynamics.populations:
        raise InputError(f"label: {key!r} was not recorded; recorded: {', '.join(dynamics.populations)}")
    t = dynamics.tlist - dynamics.tlist[0]
    P = dynamics.populations[key]
    pmax = float(np.max(P))
    if pmax < 0.05:
        raise ConvergenceError(f"super_rabi_frequency: P_{key} never exceeds 0.05 (max {pmax:.3g}); no oscillation")
    # first lobe: from the first time P >= pmax/2 to the first time after P >= 3 pmax/4 that P < pmax/2
    # (the 3/4 mark is a hysteresis against the fast ripple at the half level)
    start = int(np.argmax(P >= 0.5 * pmax))
    high = start + int(np.argmax(P[start:] >= 0.75 * pmax))
    below = np.flatnonzero(P[high:] < 0.5 * pmax)
    if below.size == 0:
        raise ConvergenceError(
            f"super_rabi_frequency: the record ends inside the first maximum of P_{key}; extend tlist (to >~ 1.6 "
            f"transfer times)"
        )
    stop = high + int(below[0])
    k = start + int(np.argmax(P[start:stop]))
    if t[k] <= 0:
        raise ConvergenceError(f"super_rabi_frequency: P_{key} is maximal at t0; is the initial state the target?")
    g0 = math.pi / (2.0 * t[k])
    if method == "first-maximum":
        return g0

    def model_fn(tt: np.ndarray, A: float, g: float, c: float) -> np.ndarray:
        return A * np.sin(g * tt) ** 2 + c

    try:
        with warnings.catch_warnings():
            # only the best-fit frequency is used, not its covariance estimate
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            popt, _ = optimize.curve_fit(model_fn, t, P, p0=(pmax, g0, 0.0), maxfev=20000)
    except RuntimeError as exc:
        raise ConvergenceError(f"super_rabi_frequency: fit of P_{key} failed ({exc})") from None
    g = abs(float(popt[1]))
    if not 0.5 * g0 < g < 2.0 * g0:
        raise ConvergenceError(
            f"super_rabi_frequency: fitted g_eff={g:.4g} is far from the first-maximum estimate {g0:.4g}"
        )
    return g
