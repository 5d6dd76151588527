"""Bundle purity from quantum-trajectory jump records: clusters of jumps within a window, and the window's effect.

The trajectory estimate of the fraction of emitted quanta that leave in complete bundles (the steady-state estimate
and its references are in :mod:`nrbundle.numeric.bundles`). In each :class:`~nrbundle.numeric.trajectories.JumpRecord`
keep the jumps of the bundle's channels (modes o with n_o > 0), in time order, and split them into clusters: a jump
joins the current cluster when it follows the previous kept jump by at most ``window`` (single linkage), otherwise it
starts a new cluster. A cluster is a complete bundle when it holds exactly n_a jumps of ``a``, n_b of ``b`` and n_m of
``m``. Then

    pi_traj = n_tot * (complete bundles) / (jumps of the bundle's channels).

Window: a cascade's quanta follow each other after exponential delays of mean ~ 1 / kappa, so a window of a few
1 / kappa keeps nearly all of them together; a too small window splits bundles (pi falls), a too large one merges
unrelated jumps into clusters of the wrong composition (pi falls again). :func:`purity_vs_window` shows the plateau
in between. Statistical error: the ratio estimator over independent trajectories, with the delta-method standard
error sqrt(sum_i (c_i - pi j_i)^2 / (T (T - 1))) / mean_i(j_i), c_i and j_i the bundle quanta and jumps of
trajectory i, T trajectories (NaN for T < 2).
"""

from __future__ import annotations

__all__ = ["TrajectoryPurity", "jump_clusters", "trajectory_purity", "purity_vs_window"]

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..display import ShortRepr
from ..errors import InputError
from ..params import check_finite, parse_target
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
