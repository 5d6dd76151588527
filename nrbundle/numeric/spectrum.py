"""Exact diagonalization of Eq. (1): spectra, dressed-state labels and the avoided crossings of S17-S22.

The closed forms S16-S22 place the pair resonances |000+> <-> |n_a n_b n_m -> where the *uncoupled* dressed
ladder (S16) is degenerate. The JC and linear couplings shift the levels by much more than the width of the
avoided crossing, so the resonance one can actually sit on is found here numerically: the drive detuning
``Delta_ad`` where the two eigenstates of Eq. (1) that carry |000+> and the target are closest in energy.

Labelling convention (used everywhere in this module)
-----------------------------------------------------
For each ``Delta_ad`` the pair is the two eigenvectors psi_k of H(Delta_ad) with the largest summed overlap
``|<psi_k|000+>|^2 + |<psi_k|target->|^2`` with the two dressed product states of S14 at that ``Delta_ad``
(:meth:`nrbundle.numeric.model.Model.state`). The splitting is their energy difference; the resonance is the
``Delta_ad`` of its minimum and ``half_splitting`` is half the minimum (the super-Rabi coupling g_eff).

Refinement (why Hellmann-Feynman rather than minimising the splitting)
----------------------------------------------------------------------
Near the minimum the splitting is s(x) ~ sqrt(4 g^2 + sigma^2 x^2), x = Delta_ad - resonance. With g ~ 6e-4 and
sigma ~ 1.7 a shift x = 1e-9 changes s by sigma^2 x^2 / (4 g) ~ 1e-15, i.e. by round-off of the eigenvalues, so a
minimiser of s cannot locate the minimum to 1e-9. Its derivative, however, is exact by Hellmann-Feynman,
ds/dDelta_ad = <psi_hi|dH|psi_hi> - <psi_lo|dH|psi_lo> with dH/dDelta_ad = a'a + s's (Eq. 1), and crosses zero
linearly with slope sigma^2/(2g) ~ 5e3, so a root finder on it reaches 1e-12. ``method="minimize"`` keeps the
direct bounded minimisation of the splitting as an independent second route (accurate to ~1e-8).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import optimize

from ..display import ShortRepr
from ..errors import ConvergenceError, InputError
from ..ladder import bare_resonance
from ..params import Params, check_finite, parse_target
from ..threads import single_blas_thread
from .labels import Label, format_label, label_eigenstates, parse_label, product_vector
from .model import Model, parse_cutoff

__all__ = [
    "Spectrum",
    "AvoidedCrossing",
    "ResonanceScan",
    "spectrum",
    "pair_splitting",
    "avoided_crossing",
    "avoided_crossing_converged",
    "resonance_scan",
    "MIN_PAIR_WEIGHT",
    "SOURCE",
]

#: The initial state of every pair resonance of the paper: |000+> (S17-S22).
SOURCE: Label = (0, 0, 0, "+")

#: Smallest summed overlap |<psi|000+>|^2 + |<psi|target->|^2 each eigenvector of the chosen pair must have at the
#: resonance. Two eigenvectors above 0.8 leave at most 0.4 for all others, so no third eigenvector can outrank
#: them: the labelling is then unambiguous. (At fig1 the pair weights are ~0.95; the rest is the perturbative
#: dressing by the JC coupling.)
MIN_PAIR_WEIGHT = 0.8

#: Default half-width of the scan window around the S16 degeneracy, in units of omega_b (the fig1 shifts are ~0.02).
DEFAULT_WINDOW = 0.1
#: Default scan step in units of omega_b. Near its minimum the splitting grows monotonically with
#: |Delta_ad - resonance|, so the grid minimum is the grid point nearest the resonance and the refinement bracket
#: (its two neighbouring cells) contains it even when the step exceeds the ~7e-4 width of the fig1 crossings; the
#: step only has to keep other features of the splitting (labelling switches at other crossings, >~0.03 away) apart.
#: 5e-3 finds the same resonances as 1e-3 (to 1e-13 at fig1 and physical, all four transitions) with 5x fewer
#: diagonalisations in the scan.
DEFAULT_STEP = 5e-3


def _parse_target(target: str | Sequence[int]) -> tuple[int, int, int]:
    """A target |n_a n_b n_m -> as three ints: the label forms ``"101"``, ``"101-"``, ``"1,0,1-"``, or anything
    :func:`nrbundle.params.parse_target` accepts (``"1,0,1"``, ``(1, 0, 1)``)."""
    if isinstance(target, str):
        text = target.strip()
        if "," in text and not text.endswith("-"):
            return parse_target(text)
        lab = parse_label(text if text.endswith("-") else text + "-")
        if lab[3] != "-":
            raise InputError(f"target: the pair partner of |000+> is a |n_a n_b n_m -> state, got {target!r}")
        return parse_target(lab[:3])
    return parse_target(target)


# -------------------------------------------------------------------------------------------- spectrum
@dataclass(frozen=True, eq=False, repr=False)
class Spectrum(ShortRepr):
    """Eigenvalues of Eq. (1) on a grid of drive detunings, with dressed-state labels.

    Attributes
    ----------
    Delta_ad
        Drive detunings, shape ``(n,)``.
    energies
        Ascending eigenvalues, shape ``(n, dim)``.
    labels
        ``labels[i, k]``: text label (e.g. ``"101-"``) of the dressed product state (S14) with the largest overlap
        with eigenvector k at ``Delta_ad[i]``.
    label_overlaps
        That largest overlap ``|<n_a n_b n_m l|psi_k>|^2``, shape ``(n, dim)``.
    vectors
        Eigenvectors as columns, shape ``(n, dim, dim)``, or ``None`` if not kept.
    params, direction, cutoff
        How the spectrum was obtained.
    """

    Delta_ad: np.ndarray
    energies: np.ndarray
    labels: np.ndarray
    label_overlaps: np.ndarray
    vectors: np.ndarray | None
    params: Params
    direction: str
    cutoff: tuple[int, int, int]

    def level(self, label: str | Sequence[Any]) -> np.ndarray:
        """Energy of the eigenstate labelled ``label`` at each ``Delta_ad`` (the one with the largest overlap if
        several carry that label; NaN where none does)."""
        text = format_label(*parse_label(label))
        out = np.full(self.Delta_ad.shape, np.nan)
        for i in range(self.Delta_ad.size):
            hits = np.flatnonzero(self.labels[i] == text)
            if hits.size:
                out[i] = self.energies[i, hits[np.argmax(self.label_overlaps[i, hits])]]
        return out


def _eigh_real(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition of the (real symmetric) matrix of Eq. (1)."""
    if np.iscomplexobj(H):
        if np.max(np.abs(H.imag)) > 0:
            return np.linalg.eigh(H)
        H = np.ascontiguousarray(H.real)
    return np.linalg.eigh(H)


@single_blas_thread
def spectrum(model: Model, Delta_ad_values: Iterable[float] | float, *, keep_vectors: bool = False) -> Spectrum:
    """Exact diagonalization of Eq. (1) for each drive detuning, with S14 dressed-state labels.

    Parameters
    ----------
    model
        Parameters, drive direction and cutoff.
    Delta_ad_values
        Drive detunings (a scalar or a 1-d sequence).
    keep_vectors
        Keep all eigenvectors (memory ``n * dim^2``).

    Returns
    -------
    Spectrum
    """
    grid = np.atleast_1d(np.asarray(Delta_ad_values, dtype=float))
    if grid.ndim != 1 or grid.size == 0:
        raise InputError("Delta_ad_values: expected a non-empty 1-d sequence of numbers")
    if not np.all(np.isfinite(grid)):
        raise InputError("Delta_ad_values: must be finite")
    n, dim = grid.size, model.dimension
    energies = np.empty((n, dim))
    overlaps = np.empty((n, dim))
    labels = np.empty((n, dim), dtype=object)
    vecs = np.empty((n, dim, dim), dtype=complex) if keep_vectors else None
    for i, x in enumerate(grid):
        E, V = _eigh_real(model.H_matrix(float(x)))
        energies[i] = E
        lab, ov = label_eigenstates(model, float(x), E, V)
        labels[i] = lab
        overlaps[i] = ov
        if vecs is not None:
            vecs[i] = V
    return Spectrum(
        Delta_ad=grid,
        energies=energies,
        labels=labels.astype(str),
        label_overlaps=overlaps,
        vectors=vecs,
        params=model.params,
        direction=model.direction,
        cutoff=model.cutoff,
    )


# ---------------------------------------------------------------------------------- avoided crossings
class _PairProblem:
    """Dense H(Delta_ad) = H0 + Delta_ad * dH and the pair selection of the module docstring."""

    def __init__(self, model: Model, target: tuple[int, int, int], source: Label = SOURCE) -> None:
        self.model = model
        self.target = target
        self.source = source
        H0 = model.H_matrix(0.0)
        H1 = model.H_matrix(1.0)
        self.H0 = np.ascontiguousarray(H0.real)
        self.dH = np.ascontiguousarray((H1 - H0).real)
        if np.max(np.abs(H0.imag)) > 0 or np.max(np.abs(H1.imag)) > 0:
            raise InputError("Eq. (1) with real parameters is real; got a complex Hamiltonian")  # pragma: no cover
        # dH/dDelta_ad = a'a + s's is diagonal in the Fock/bare-atom basis
        self.dH_diag = np.diag(self.dH).copy()
        # touching the states validates that source and target fit in the cutoff (InputError otherwise)
        model.state(*source[:3], source[3], 0.0)
        model.state(*target, "-", 0.0)

    def states(self, x: float) -> tuple[np.ndarray, np.ndarray]:
        return (
            product_vector(self.model, self.source, x),
            product_vector(self.model, (*self.target, "-"), x),
        )

    def solve(self, x: float) -> dict[str, Any]:
        E, V = np.linalg.eigh(self.H0 + x * self.dH)
        s, t = self.states(x)
        os_, ot = (s @ V) ** 2, (t @ V) ** 2
        w = os_ + ot
        two = np.argsort(w)[-2:]
        lo, hi = sorted(two, key=lambda k: E[k])
        slopes = (V[:, [lo, hi]] ** 2).T @ self.dH_diag  # Hellmann-Feynman dE_k/dDelta_ad
        return {
            "E": (E[lo], E[hi]),
            "splitting": E[hi] - E[lo],
            "dsplitting": slopes[1] - slopes[0],
            "weights": (w[lo], w[hi]),
            "overlaps": ((os_[lo], ot[lo]), (os_[hi], ot[hi])),
        }


@single_blas_thread
def pair_splitting(
    params: Params,
    target: str | Sequence[int],
    direction: str,
    Delta_ad_values: Iterable[float] | float,
    cutoff: int | Sequence[int] = (4, 4, 4),
) -> np.ndarray:
    """Energy difference of the labelled pair (module docstring) at each drive detuning, shape ``(n,)``."""
    prob = _PairProblem(Model(params, direction, cutoff), _parse_target(target))
    grid = np.atleast_1d(np.asarray(Delta_ad_values, dtype=float))
    return np.array([prob.solve(float(x))["splitting"] for x in grid])


@dataclass(frozen=True, repr=False)
class AvoidedCrossing(ShortRepr):
    """The avoided crossing of |000+> with |target -> in the exact spectrum of Eq. (1) (cf. S17-S22).

    Attributes
    ----------
    target
        ``(n_a, n_b, n_m)`` of the partner state |n_a n_b n_m ->.
    direction
        Drive direction (sign of Delta_F).
    resonance
        ``Delta_ad`` of the minimum splitting of the labelled pair.
    half_splitting
        Half the minimum splitting: the effective super-Rabi coupling g_eff (transfer time pi / (2 g_eff)).
    cutoff
        Fock levels per mode.
    overlaps
        ``overlaps[i][j] = |<psi_i|phi_j>|^2`` at the resonance for the lower (i=0) and upper (i=1) eigenstate and
        phi_0 = |000+>, phi_1 = |target ->.
    params
        Parameters used.
    method
        How the minimum was refined: ``"hellmann-feynman"`` (Brent root of the exact derivative of the splitting)
        or ``"minimize"`` (bounded Brent minimisation of the splitting).
    bare_resonance
        The S16 degeneracy (closed-form level crossing) the scan was centred on, or ``None`` with a ``bracket``.
    scan
        ``(lo, hi, step)`` of the scan grid.
    xtol
        Absolute tolerance of the refinement in ``Delta_ad``.
    derivative_at_resonance
        d(splitting)/dDelta_ad at the returned resonance (Hellmann-Feynman; 0 at an exact minimum).
    convergence
        ``None``, or (from :func:`avoided_crossing_converged`) a dict with the cutoffs, the resonances and
        half-splittings per cutoff and ``resonance_change`` / ``half_splitting_change`` between the last two.
    """

    target: tuple[int, int, int]
    direction: str
    resonance: float
    half_splitting: float
    cutoff: tuple[int, int, int]
    overlaps: tuple[tuple[float, float], tuple[float, float]]
    params: Params
    method: str
    bare_resonance: float | None
    scan: tuple[float, float, float]
    xtol: float
    derivative_at_resonance: float
    convergence: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def pair_weights(self) -> tuple[float, float]:
        """Summed overlap of each eigenstate of the pair with |000+> and |target->."""
        return (sum(self.overlaps[0]), sum(self.overlaps[1]))

    @property
    def splitting(self) -> float:
        """The minimum splitting 2 g_eff."""
        return 2.0 * self.half_splitting

    @property
    def super_rabi_period(self) -> float:
        """Full transfer time |000+> -> |target-> on resonance, pi / (2 g_eff)."""
        return math.pi / (2.0 * self.half_splitting)


@single_blas_thread
def avoided_crossing(
    params: Params,
    target: str | Sequence[int],
    direction: str,
    cutoff: int | Sequence[int] = (4, 4, 4),
    *,
    bracket: tuple[float, float] | None = None,
    xtol: float = 1e-10,
    step: float | None = None,
    window: float = DEFAULT_WINDOW,
    method: str = "hellmann-feynman",
) -> AvoidedCrossing:
    """Find the avoided crossing of |000+> and |target -> in the exact spectrum of Eq. (1).

    Scans ``Delta_ad`` (default: ``bare_resonance +- window * omega_b`` with step ``step``), takes the grid
    minimum of the pair splitting (module docstring for the labelling) and refines it inside the two neighbouring
    grid cells.

    Parameters
    ----------
    params, target, direction, cutoff
        Model and partner state |n_a n_b n_m -> (``(1, 0, 1)``, ``"1,0,1"`` or ``"101"``).
    bracket
        Scan interval ``(lo, hi)`` instead of the window around the S16 degeneracy.
    xtol
        Absolute tolerance of the refinement in ``Delta_ad``.
    step
        Scan step (default :data:`DEFAULT_STEP` * omega_b). It only has to resolve the minimum among other
        features of the splitting: the refinement bracket is the two grid cells around the grid minimum.
    window
        Half-width of the default scan around the S16 degeneracy, in units of omega_b.
    method
        ``"hellmann-feynman"`` (default; see module docstring) or ``"minimize"``.

    Raises
    ------
    ConvergenceError
        If the minimum is at the scan edge, the refinement fails, or the labelled pair is ambiguous at the minimum
        (a pair weight below :data:`MIN_PAIR_WEIGHT`).
    """
    model = Model(params, direction, cutoff)
    tgt = _parse_target(target)
    xtol = check_finite("xtol", xtol)
    if xtol <= 0:
        raise InputError(f"xtol: must be > 0, got {xtol!r}")
    if method not in ("hellmann-feynman", "minimize"):
        raise InputError(f"method: expected 'hellmann-feynman' or 'minimize', got {method!r}")
    scale = params.omega_b
    step = DEFAULT_STEP * scale if step is None else check_finite("step", step)
    if step <= 0:
        raise InputError(f"step: must be > 0, got {step!r}")
    prob = _PairProblem(model, tgt)

    if bracket is None:
        x0 = bare_resonance(params, tgt, direction)
        lo, hi = x0 - window * scale, x0 + window * scale
    else:
        lo, hi = (check_finite("bracket", b) for b in bracket)
        if not lo < hi:
            raise InputError(f"bracket: expected lo < hi, got {bracket!r}")
        try:
            x0 = bare_resonance(params, tgt, direction, bracket=(lo, hi))
        except InputError:
            x0 = None
    n = max(3, int(math.ceil((hi - lo) / step)) + 1)
    grid = np.linspace(lo, hi, n)
    split = np.array([prob.solve(float(x))["splitting"] for x in grid])
    k = int(np.argmin(split))
    if k == 0 or k == n - 1:
        raise ConvergenceError(
            f"avoided crossing |000+>-|{format_label(*tgt, '-')}> ({direction}): the smallest splitting on "
            f"[{lo:.6g}, {hi:.6g}] is at the scan edge; widen the bracket"
        )
    a, b = float(grid[k - 1]), float(grid[k + 1])

    if method == "hellmann-feynman":
        def deriv(x: float) -> float:
            return prob.solve(x)["dsplitting"]

        da, db = deriv(a), deriv(b)
        if not (da < 0 < db):
            raise ConvergenceError(
                f"avoided crossing |000+>-|{format_label(*tgt, '-')}> ({direction}): the splitting derivative does "
                f"not change sign around the grid minimum at {grid[k]:.9g} ({da:.3g}, {db:.3g}); reduce step"
            )
        res = float(optimize.brentq(deriv, a, b, xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=200))
    else:
        opt = optimize.minimize_scalar(
            lambda x: prob.solve(float(x))["splitting"], bounds=(a, b), method="bounded",
            options={"xatol": xtol, "maxiter": 500},
        )
        if not opt.success:
            raise ConvergenceError(f"avoided crossing: bounded minimisation failed: {opt.message}")
        res = float(opt.x)

    sol = prob.solve(res)
    if min(sol["weights"]) < MIN_PAIR_WEIGHT:
        raise ConvergenceError(
            f"avoided crossing |000+>-|{format_label(*tgt, '-')}> ({direction}) at Delta_ad={res:.9g}: pair weights "
            f"{sol['weights'][0]:.3f}, {sol['weights'][1]:.3f} < {MIN_PAIR_WEIGHT} (labelling ambiguous; raise the "
            f"cutoff or choose another bracket)"
        )
    overlaps = tuple(tuple(float(v) for v in row) for row in sol["overlaps"])
    return AvoidedCrossing(
        target=tgt,
        direction=direction,
        resonance=res,
        half_splitting=0.5 * float(sol["splitting"]),
        cutoff=model.cutoff,
        overlaps=overlaps,  # type: ignore[arg-type]
        params=params,
        method=method,
        bare_resonance=x0,
        scan=(float(lo), float(hi), float(grid[1] - grid[0])),
        xtol=xtol,
        derivative_at_resonance=float(sol["dsplitting"]),
    )


def avoided_crossing_converged(
    params: Params,
    target: str | Sequence[int],
    direction: str,
    cutoffs: Sequence[int | Sequence[int]] = (4, 5, 6),
    *,
    tol: float | None = None,
    zoom: float = 0.01,
    **kwargs: Any,
) -> AvoidedCrossing:
    """:func:`avoided_crossing` at increasing cutoffs; the last result with a ``convergence`` record.

    The first cutoff scans the full window; each further cutoff scans ``previous resonance +- zoom * omega_b``.

    Parameters
    ----------
    cutoffs
        Increasing cutoffs (ints mean the same N for every mode).
    tol
        If given, raise :class:`ConvergenceError` when the resonance moved by more than ``tol`` between the last
        two cutoffs.
    zoom
        Half-width of the scan at the higher cutoffs, in units of omega_b.
    kwargs
        Passed to :func:`avoided_crossing` (``xtol``, ``step``, ``window``, ``method``, ``bracket`` for the first).
    """
    cuts = [parse_cutoff(c) for c in cutoffs]
    if len(cuts) < 2:
        raise InputError("cutoffs: need at least two cutoffs to estimate convergence")
    results: list[AvoidedCrossing] = []
    first_kwargs = dict(kwargs)
    later_kwargs = {k: v for k, v in kwargs.items() if k not in ("bracket", "window")}
    for i, c in enumerate(cuts):
        if i == 0:
            r = avoided_crossing(params, target, direction, c, **first_kwargs)
        else:
            prev = results[-1].resonance
            br = (prev - zoom * params.omega_b, prev + zoom * params.omega_b)
            r = avoided_crossing(params, target, direction, c, bracket=br, **later_kwargs)
        results.append(r)
    d_res = abs(results[-1].resonance - results[-2].resonance)
    d_half = abs(results[-1].half_splitting - results[-2].half_splitting)
    conv = {
        "cutoffs": tuple(cuts),
        "resonances": tuple(r.resonance for r in results),
        "half_splittings": tuple(r.half_splitting for r in results),
        "resonance_change": d_res,
        "half_splitting_change": d_half,
    }
    if tol is not None and d_res > tol:
        raise ConvergenceError(
            f"avoided crossing: resonance moved by {d_res:.3g} > tol={tol:.3g} between cutoffs {cuts[-2]} and "
            f"{cuts[-1]}"
        )
    return replace(results[-1], convergence=conv)


# ------------------------------------------------------------------------------------- resonance scan
@dataclass(frozen=True, eq=False, repr=False)
class ResonanceScan(ShortRepr):
    """Long-time average of closed-system populations starting from |000+>, versus ``Delta_ad``.

    Attributes
    ----------
    Delta_ad
        Drive detunings, shape ``(n,)``.
    mean_populations
        ``label -> array (n,)``: P_bar = sum_k |<label|psi_k>|^2 |<psi_k|000+>|^2, the infinite-time average of
        |<label|psi(t)>|^2 under Eq. (1) for a non-degenerate spectrum. It is ~1/2 on a pair resonance and ~0 off
        it, so its peaks mark the resonances of Figs. 1(c,d) without a master equation.
    params, direction, cutoff
        How it was obtained.
    """

    Delta_ad: np.ndarray
    mean_populations: dict[str, np.ndarray]
    params: Params
    direction: str
    cutoff: tuple[int, int, int]


@single_blas_thread
def resonance_scan(
    params: Params,
    direction: str,
    Delta_ad_values: Iterable[float],
    *,
    labels: Sequence[str | Sequence[Any]] = ("101-", "110-"),
    cutoff: int | Sequence[int] = (4, 4, 4),
    initial: str | Sequence[Any] = SOURCE,
) -> ResonanceScan:
    """Infinite-time-averaged populations of ``labels`` from ``initial`` (dressed, S14) under Eq. (1).

    A cheap closed-system picture of the resonances: one diagonalization per ``Delta_ad``.
    """
    model = Model(params, direction, cutoff)
    grid = np.atleast_1d(np.asarray(Delta_ad_values, dtype=float))
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
        raise InputError("Delta_ad_values: expected a non-empty 1-d sequence of finite numbers")
    init = parse_label(initial)
    labs = [parse_label(l) for l in labels]
    out = {format_label(*l): np.empty(grid.size) for l in labs}
    for i, x in enumerate(grid):
        x = float(x)
        E, V = _eigh_real(model.H_matrix(x))
        w0 = np.abs(product_vector(model, init, x) @ V) ** 2
        for l in labs:
            out[format_label(*l)][i] = float(np.sum(np.abs(product_vector(model, l, x) @ V) ** 2 * w0))
    return ResonanceScan(Delta_ad=grid, mean_populations=out, params=params, direction=direction, cutoff=model.cutoff)
