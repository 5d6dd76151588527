"""Bundle purity on the cluster definition: from quantum-trajectory jump records, and exactly from the steady state.

The fraction of emitted quanta that leave in complete bundles, defined on jump records (the cascade estimate of the
steady state and its references are in :mod:`nrbundle.numeric.bundles`). In each
:class:`~nrbundle.numeric.trajectories.JumpRecord` keep the jumps of the bundle's channels (the emission jumps of
the modes o with n_o > 0), in time order, and split them into clusters: a jump joins the current cluster when it
follows the previous kept jump by at most ``window`` (single linkage), otherwise it starts a new cluster. A cluster
is a complete bundle when it holds exactly n_a jumps of ``a``, n_b of ``b`` and n_m of ``m``. Then

    pi_traj = n_tot * (complete bundles) / (jumps of the bundle's channels).

Window: a cascade's quanta follow each other after exponential delays of mean ~ 1 / kappa, so a window of a few
1 / kappa keeps nearly all of them together; a too small window splits bundles (pi falls), a too large one merges
unrelated jumps into clusters of the wrong composition (pi falls again). :func:`purity_vs_window` shows the plateau
in between. Statistical error: the ratio estimator over independent trajectories, with the delta-method standard
error sqrt(sum_i (c_i - pi j_i)^2 / (T (T - 1))) / mean_i(j_i), c_i and j_i the bundle quanta and jumps of
trajectory i, T trajectories (NaN for T < 2).

The same quantity from the steady state (:func:`cluster_purity`), exactly, by the quantum regression theorem on
the jump unravelling of Eq. (2). Split the Liouvillian as L = L_0 + sum_{o kept} J_o, with J_o X = C_o X C_o^dag the
kept emission jumps (C_o = sqrt(kappa_o (n_th_o + 1)) o) and L_0 everything else (the evolution between kept jumps,
the other channels unobserved). In the steady state rho, the rate of clusters whose jumps come in the order
o_1, ..., o_n (n = n_tot) is

    R(o_1..o_n) = Tr[ e^{L_0 w} J_{o_n} I_w ... J_{o_2} I_w J_{o_1} e^{L_0 w} rho ],   I_w = int_0^w e^{L_0 t} dt:

the first e^{L_0 w} is "no kept jump in the window before o_1" (the cluster starts there), each I_w J a next kept
jump within the window, and the trace of the last e^{L_0 w} "no kept jump in the window after o_n" (it ends). Summing
over the distinct orders of the target's multiset gives the rate of complete bundles, and

    pi_ss(w) = n_tot sum_orders R / sum_{o kept} Tr[J_o rho].

This is the trajectory estimator's expectation, with no assumption about how cascades complete (the cascade
estimate of :func:`nrbundle.numeric.bundles.bundle_purity` assumes every cascade started completes through the
mode channels, an upper estimate). I_w v is the upper block of exp([[L_0, v], [0, 0]] w) (0, 1): one
``expm_multiply`` of the Liouvillian bordered by one row and column.
"""

from __future__ import annotations

__all__ = [
    "TrajectoryPurity",
    "jump_clusters",
    "trajectory_purity",
    "purity_vs_window",
    "cluster_rate",
    "cluster_purity",
]

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..display import ShortRepr
from ..errors import InputError
from ..params import check_finite, parse_target
from ._linalg import to_dense
from .liouvillian import liouvillian_matrix
from .steady import SteadyState
from .trajectories import JumpRecord, TrajectoryResult

_MODES: tuple[str, str, str] = ("a", "b", "m")


@dataclass(frozen=True, repr=False)
class TrajectoryPurity(ShortRepr):
    """Bundle purity measured on jump records (a short repr: large cluster tables by size).

    Attributes
    ----------
    target
        (n_a, n_b, n_m).
    window
        Largest gap between consecutive jumps of one cluster.
    t_skip
        Jumps earlier than ``t_start + t_skip`` of each record were ignored (the transient from the initial state).
    purity, stderr
        pi_traj and its standard error (NaN without jumps; ``stderr`` NaN for fewer than two trajectories or
        without a complete bundle, where the delta method would give a meaningless 0).
    n_bundles, n_jumps, n_clusters
        Complete bundles, jumps of the bundle's channels and clusters, over all records.
    n_trajectories, duration
        Records used and their total time after ``t_skip``.
    compositions
        Cluster composition (jumps of a, b, m) -> number of clusters.
    """

    target: tuple[int, int, int]
    window: float
    t_skip: float
    purity: float
    stderr: float
    n_bundles: int
    n_jumps: int
    n_clusters: int
    n_trajectories: int
    duration: float
    compositions: dict = field(default_factory=dict)


def _records(record: JumpRecord | TrajectoryResult | Sequence[JumpRecord]) -> list[JumpRecord]:
    if isinstance(record, TrajectoryResult):
        return list(record.jumps)
    if isinstance(record, JumpRecord):
        return [record]
    records = list(record)
    if not records or not all(isinstance(r, JumpRecord) for r in records):
        raise InputError("record: expected a JumpRecord, a non-empty list of them or a TrajectoryResult")
    return records


def _window(window: float) -> float:
    w = check_finite("window", window)
    if w < 0:
        raise InputError(f"window: must be >= 0, got {window!r}")
    return w


def _positive_window(window: float) -> float:
    w = _window(window)
    if w <= 0:
        raise InputError(f"window: must be > 0, got {window!r}")
    return w


def jump_clusters(
    record: JumpRecord, target: str | Sequence[int], window: float, *, t_skip: float = 0.0
) -> list[tuple[int, int, int]]:
    """Compositions (jumps of a, b, m) of the clusters of one record, in time order (module docstring)."""
    n = parse_target(target)
    window = _window(window)
    channels = [o for o, k in zip(_MODES, n, strict=True) if k > 0]
    for o in channels:
        if o not in record.times:
            raise InputError(f"target: channel {o!r} is not in the record (channels: {', '.join(record.times)})")
    t0 = record.t_start + check_finite("t_skip", t_skip)
    events = sorted((float(t), _MODES.index(o)) for o in channels for t in record.times[o] if t >= t0)
    clusters: list[tuple[int, int, int]] = []
    current = [0, 0, 0]
    last = -math.inf
    for t, i in events:
        if t - last > window and any(current):
            clusters.append((current[0], current[1], current[2]))
            current = [0, 0, 0]
        current[i] += 1
        last = t
    if any(current):
        clusters.append((current[0], current[1], current[2]))
    return clusters


def trajectory_purity(
    record: JumpRecord | TrajectoryResult | Sequence[JumpRecord],
    target: str | Sequence[int],
    window: float,
    *,
    t_skip: float = 0.0,
) -> TrajectoryPurity:
    """Bundle purity pi_traj = n_tot (complete bundles) / (jumps of the bundle's channels) from jump records.

    Parameters
    ----------
    record
        One record, several (independent trajectories), or a :class:`TrajectoryResult`.
    target
        (n_a, n_b, n_m).
    window
        Largest gap between consecutive jumps of a cluster (time units of the model).
    t_skip
        Ignore the jumps of the first ``t_skip`` of every record (relaxation from the initial state), so that the
        estimate refers to the steady state.

    Returns
    -------
    TrajectoryPurity
    """
    n = parse_target(target)
    records = _records(record)
    window = _window(window)
    t_skip = check_finite("t_skip", t_skip)
    if t_skip < 0:
        raise InputError(f"t_skip: must be >= 0, got {t_skip!r}")
    n_tot = sum(n)
    comps: Counter[tuple[int, int, int]] = Counter()
    c_i, j_i = [], []
    duration = 0.0
    for r in records:
        clusters = jump_clusters(r, n, window, t_skip=t_skip)
        comps.update(clusters)
        c_i.append(n_tot * sum(1 for c in clusters if c == n))
        j_i.append(sum(sum(c) for c in clusters))
        duration += max(0.0, r.duration - t_skip)
    c, j = np.asarray(c_i, dtype=float), np.asarray(j_i, dtype=float)
    T = len(records)
    purity = float(c.sum() / j.sum()) if j.sum() > 0 else math.nan
    if T >= 2 and j.sum() > 0 and c.sum() > 0:
        stderr = float(math.sqrt(np.sum((c - purity * j) ** 2) / (T * (T - 1))) / j.mean())
    else:
        stderr = math.nan
    return TrajectoryPurity(
        target=n,
        window=window,
        t_skip=t_skip,
        purity=purity,
        stderr=stderr,
        n_bundles=int(c.sum() // n_tot),
        n_jumps=int(j.sum()),
        n_clusters=int(sum(comps.values())),
        n_trajectories=T,
        duration=duration,
        compositions=dict(comps),
    )


def purity_vs_window(
    record: JumpRecord | TrajectoryResult | Sequence[JumpRecord],
    target: str | Sequence[int],
    windows: Sequence[float] | np.ndarray,
    *,
    t_skip: float = 0.0,
) -> list[TrajectoryPurity]:
    """:func:`trajectory_purity` at each window (the window's effect: a plateau between split and merged bundles)."""
    ws = np.asarray(windows, dtype=float)
    if ws.ndim != 1 or ws.size == 0:
        raise InputError("windows: expected a non-empty 1-d sequence")
    return [trajectory_purity(record, target, float(w), t_skip=t_skip) for w in ws]


def _orders(n: tuple[int, int, int]) -> list[tuple[str, ...]]:
    """The distinct orders in which the jumps of a bundle (n_a of a, n_b of b, n_m of m) can come."""
    out: set[tuple[str, ...]] = set()

    def grow(prefix: tuple[str, ...], left: list[int]) -> None:
        if not any(left):
            out.add(prefix)
        for i, k in enumerate(left):
            if k:
                grow(prefix + (_MODES[i],), [v - (j == i) for j, v in enumerate(left)])

    grow((), list(n))
    return sorted(out)


def cluster_rate(
    H: Any, c_ops: Sequence[Any], rho: Any, kept: Sequence[int], order: Sequence[int], window: float
) -> float:
    """Rate of clusters of kept jumps that come exactly in ``order``, in the steady state ``rho`` (module docstring).

    R = Tr[e^{L_0 w} J_{o_n} I_w ... J_{o_2} I_w J_{o_1} e^{L_0 w} rho], L_0 = L - sum_{k in kept} J_k: a cluster
    starts (no kept jump in the ``window`` before), each next kept jump follows within the window, and it ends (none
    in the window after). Any model: ``H`` and ``c_ops`` as for :func:`nrbundle.numeric.liouvillian.steady_state`.

    Parameters
    ----------
    H, c_ops
        Hamiltonian and collapse operators C_k of the master equation (J_k X = C_k X C_k^dag).
    rho
        Steady state.
    kept
        Indices into ``c_ops`` of the observed (clustered) channels.
    order
        Indices (among ``kept``) of the channels of the cluster's jumps, in time order.
    window
        Largest gap between consecutive jumps of a cluster, > 0.

    Returns
    -------
    float
        Clusters per unit time.
    """
    w = _positive_window(window)
    kept = [int(k) for k in kept]
    if not order or any(int(k) not in kept for k in order):
        raise InputError("order: expected a non-empty sequence of indices of kept channels")
    if any(not 0 <= k < len(c_ops) for k in kept):
        raise InputError(f"kept: indices must lie in [0, {len(c_ops)})")
    rates, _ = _cluster_rates(H, c_ops, rho, kept, [[int(k) for k in order]], w)
    return rates[0]


def _cluster_rates(
    H: Any, c_ops: Sequence[Any], rho: Any, kept: Sequence[int], orders: Sequence[Sequence[int]], w: float
) -> tuple[list[float], float]:
    """:func:`cluster_rate` of each of ``orders`` (arguments checked) and the flux sum_{k kept} Tr[J_k rho], with
    the Liouvillian, the jump superoperators and the cluster-start state e^{L_0 w} rho built once for all orders."""
    R = to_dense(rho, "rho")
    d = R.shape[0]
    dense = {k: to_dense(c_ops[k], f"c_ops[{k}]") for k in kept}
    jumps = {k: sp.csr_array(sp.kron(sp.csr_array(C), sp.csr_array(C.conj()))) for k, C in dense.items()}
    L0 = liouvillian_matrix(H, c_ops)
    for J in jumps.values():
        L0 = L0 - J
    L0 = sp.csr_array(L0)
    D = d * d
    last_row = sp.csr_array((1, D + 1), dtype=complex)
    unit = np.zeros(D + 1, dtype=complex)
    unit[D] = 1.0
    trace = np.eye(d).reshape(-1)  # Tr[X] = trace . vec(X) (row-major vec)

    def within(v: np.ndarray) -> np.ndarray:  # I_w v: upper block of exp([[L_0, v], [0, 0]] w) (0, 1)
        B = sp.csr_array(sp.vstack([sp.hstack([L0, sp.csr_array(v.reshape(-1, 1))]), last_row]))
        return spla.expm_multiply(B * w, unit)[:D]

    vec_rho = R.reshape(-1).astype(complex)
    start = spla.expm_multiply(L0 * w, vec_rho)  # no kept jump in the window before the cluster
    rates = []
    for order in orders:
        v = jumps[order[0]] @ start
        for k in order[1:]:
            v = jumps[k] @ within(v)
        rates.append(float(np.dot(trace, spla.expm_multiply(L0 * w, v)).real))
    flux = sum(float(np.dot(trace, J @ vec_rho).real) for J in jumps.values())
    return rates, flux


def cluster_purity(state: SteadyState, target: str | Sequence[int], window: float) -> float:
    """Steady-state bundle purity on the cluster definition of :func:`trajectory_purity`, exactly (module docstring).

    pi_ss(w) = n_tot sum_orders R(order) / sum_{o kept} Tr[J_o rho] with R from :func:`cluster_rate`: the
    expectation of pi_traj with the same ``window``, from the steady state alone.

    Parameters
    ----------
    state
        Steady state of the model (:func:`nrbundle.numeric.steady.solve_steady`); its cutoff, error estimate and
        truncation error apply to the result.
    target
        (n_a, n_b, n_m), at least one quantum.
    window
        Largest gap between consecutive jumps of a cluster (time units of the model), > 0.

    Returns
    -------
    float
        pi_ss(w); NaN when no quanta are emitted through the bundle's channels.

    Raises
    ------
    InputError
        A bad target or window, or a bundle mode with no emission channel.
    """
    if not isinstance(state, SteadyState):
        raise InputError("state: expected a SteadyState (nrbundle.numeric.solve_steady)")
    n = parse_target(target)
    if sum(n) == 0:
        raise InputError("target: a bundle needs at least one quantum")
    model = state.model
    names = model.channels
    missing = [o for o, k in zip(_MODES, n, strict=True) if k > 0 and o not in names]
    if missing:
        raise InputError(f"target: mode(s) {missing} have no emission channel (zero decay rate)")
    kept = [names.index(o) for o, k in zip(_MODES, n, strict=True) if k > 0]
    w = _positive_window(window)
    orders = [[names.index(o) for o in order] for order in _orders(n)]
    rates, flux = _cluster_rates(model.H(state.Delta_ad), model.c_ops, state.rho_ss, kept, orders, w)
    return sum(n) * sum(rates) / flux if flux > 0 else math.nan
