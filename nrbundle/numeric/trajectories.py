"""Quantum trajectories of Eq. (2) (Fig. 2(d-g)) and detection of photon-magnon / photon-phonon bundles.

A Monte Carlo wave-function run (qutip.mcsolve) unravels the master equation Eq. (2) into jumps of the collapse
operators sqrt(kappa_o) o (o = a, b, m) and sqrt(gamma) sigma (with thermal noise or dephasing also the absorptions
"a+", "b+", "m+" and "sigma_z", :attr:`nrbundle.numeric.model.Model.c_ops`). Along one trajectory we record the
populations of product states (as in Fig. 2(d-g)) and the jump record: which channel jumped when. A bundle is a
photon jump ("a") and a magnon ("m") or phonon ("b") jump close together in time (:func:`detect_bundles`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import qutip

from ..display import ShortRepr
from ..errors import ConvergenceError, InputError
from ..params import Params, check_direction, check_finite
from ..threads import single_blas_thread
from .dynamics import check_tlist, initial_and_projectors
from .labels import format_label
from .model import Model

__all__ = [
    "JumpRecord",
    "TrajectoryResult",
    "BundleStats",
    "trajectory",
    "detect_bundles",
    "MC_OPTIONS",
]

#: qutip.mcsolve options: serial map (reproducible, no nested parallelism), no progress bar, Verner 7 (2-3x faster
#: than adams here), tight integration and jump-time location (norm_t_tol). Jump records are reproducible for a
#: given seed *and* these options: the jump times of a trajectory depend continuously on integration error, and
#: after a few jumps two integrators with the same random numbers follow different (equally valid) trajectories.
MC_OPTIONS: dict[str, Any] = {
    "method": "vern7",
    "atol": 1e-9,
    "rtol": 1e-7,
    "nsteps": 10**7,
    "progress_bar": "",
    "map": "serial",
    "keep_runs_results": True,
    "norm_t_tol": 1e-6,
}


@dataclass(frozen=True, eq=False, repr=False)
class JumpRecord(ShortRepr):
    """Jumps of one quantum trajectory.

    Attributes
    ----------
    times
        ``channel -> sorted array`` of jump times, for every channel of the model (``"a"``, ``"b"``, ``"m"``,
        ``"sigma"``; thermal absorptions ``"a+"``, ``"b+"``, ``"m+"`` and dephasing ``"sigma_z"`` when present;
        channels with zero rate are absent from the model and so from here).
    t_start, t_end
        The time interval the trajectory covered.
    """

    times: dict[str, np.ndarray]
    t_start: float
    t_end: float

    @property
    def channels(self) -> tuple[str, ...]:
        """Channel names in model order."""
        return tuple(self.times)

    @property
    def sequence(self) -> list[tuple[float, str]]:
        """All jumps in time order as ``(time, channel)``."""
        return sorted((float(t), c) for c, ts in self.times.items() for t in ts)

    @property
    def duration(self) -> float:
        """Length of the recorded interval."""
        return self.t_end - self.t_start

    def counts(self) -> dict[str, int]:
        """Number of jumps per channel."""
        return {c: int(ts.size) for c, ts in self.times.items()}

    @classmethod
    def from_sequence(
        cls, jumps: Sequence[tuple[float, str]], channels: Sequence[str], t_start: float, t_end: float
    ) -> JumpRecord:
        """Build a record from ``(time, channel)`` pairs (e.g. a synthetic one)."""
        times: dict[str, list[float]] = {c: [] for c in channels}
        for t, c in jumps:
            if c not in times:
                raise InputError(f"channel: {c!r} is not one of {', '.join(channels)}")
            times[c].append(check_finite("jump time", t))
        return cls({c: np.sort(np.asarray(v, dtype=float)) for c, v in times.items()}, float(t_start), float(t_end))


@dataclass(frozen=True, eq=False, repr=False)
class TrajectoryResult(ShortRepr):
    """Monte Carlo trajectories of Eq. (2) (qutip.mcsolve).

    Attributes
    ----------
    tlist
        Output times.
    populations
        ``label -> array (ntraj, len(tlist))``: populations of the product states along each trajectory (the
        expectation of the projector in the normalised trajectory state); ``populations[label][i]`` is trajectory i
        (Fig. 2(d-g) shows one).
    jumps
        One :class:`JumpRecord` per trajectory.
    channels
        Channel names in collapse-operator order (``model.channels``).
    params, direction, Delta_ad, cutoff
        The model.
    seed
        Seed the trajectories' generators were spawned from (same seed -> same jumps).
    ntraj
        Number of trajectories.
    initial
        Label of the initial product state.
    options
        mcsolve options used.
    """

    tlist: np.ndarray
    populations: dict[str, np.ndarray]
    jumps: tuple[JumpRecord, ...]
    channels: tuple[str, ...]
    params: Params
    direction: str
    Delta_ad: float
    cutoff: tuple[int, int, int]
    seed: int
    ntraj: int
    initial: str
    options: dict[str, Any] = field(default_factory=dict)


@single_blas_thread
def trajectory(
    params: Params,
    direction: str,
    Delta_ad: float,
    tlist: Sequence[float] | np.ndarray,
    *,
    cutoff: int | Sequence[int] = (3, 3, 3),
    seed: int = 1,
    ntraj: int = 1,
    populations: Sequence[str | Sequence[Any]] | None = None,
    initial: str | Sequence[Any] = (0, 0, 0, "+"),
    options: Mapping[str, Any] | None = None,
) -> TrajectoryResult:
    """Quantum trajectories of Eq. (2) from a product state, with their jump records (Fig. 2(d-g)).

    Parameters
    ----------
    params, direction, Delta_ad, cutoff
        The model of Eq. (1)-(2).
    tlist
        Output times of the populations; jumps are located in continuous time between them.
    seed
        Non-negative integer seed; the generator of trajectory i is spawned from it (numpy SeedSequence), so the
        same seed reproduces the same jumps.
    ntraj
        Number of trajectories.
    populations
        State labels; default :data:`nrbundle.numeric.dynamics.DEFAULT_POPULATIONS` (within the cutoff).
    initial
        Initial product state, default |000+> (dressed at ``Delta_ad``).
    options
        Overrides of :data:`MC_OPTIONS`.

    Returns
    -------
    TrajectoryResult
    """
    Delta_ad = check_finite("Delta_ad", Delta_ad)
    check_direction(direction)
    t = check_tlist(tlist)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed: expected a non-negative integer, got {seed!r}")
    if isinstance(ntraj, bool) or not isinstance(ntraj, (int, np.integer)) or ntraj < 1:
        raise InputError(f"ntraj: expected a positive integer, got {ntraj!r}")
    model = Model(params, direction, cutoff)
    if not model.c_ops:
        raise InputError("params: all decay rates are zero; a trajectory needs at least one collapse operator")
    init, psi0, labels, projectors = initial_and_projectors(model, Delta_ad, initial, populations)
    used = {**MC_OPTIONS, **(dict(options) if options else {})}
    used["keep_runs_results"] = True
    try:
        res = qutip.mcsolve(
            model.H(Delta_ad), psi0, t, model.c_ops, e_ops=projectors, ntraj=int(ntraj), seeds=int(seed), options=used
        )
    except Exception as exc:  # QuTiP integrator failures are plain Exceptions
        if isinstance(exc, (InputError, KeyboardInterrupt)):
            raise
        raise ConvergenceError(f"mcsolve: integration failed ({type(exc).__name__}: {exc})") from None
    channels = tuple(model.channels)
    records = []
    for times, which in zip(res.col_times, res.col_which, strict=True):
        per = {c: [] for c in channels}
        for tj, w in zip(times, which, strict=True):
            per[channels[int(w)]].append(float(tj))
        records.append(JumpRecord({c: np.asarray(v, dtype=float) for c, v in per.items()}, float(t[0]), float(t[-1])))
    runs = res.runs_e_data
    pops = {k: np.real(np.asarray(runs[k])).reshape(int(ntraj), t.size) for k in projectors}
    return TrajectoryResult(
        tlist=t,
        populations=pops,
        jumps=tuple(records),
        channels=channels,
        params=params,
        direction=direction,
        Delta_ad=Delta_ad,
        cutoff=model.cutoff,
        seed=int(seed),
        ntraj=int(ntraj),
        initial=format_label(*init),
        options=used,
    )


@dataclass(frozen=True, eq=False, repr=False)
class BundleStats(ShortRepr):
    """Bundles found in jump records by :func:`detect_bundles`.

    Attributes
    ----------
    pair
        The two channels, e.g. ``("a", "m")``.
    window
        Largest time between the two jumps of a bundle.
    n_bundles
        Number of bundles.
    n_jumps
        Jumps per channel of the pair.
    unpaired
        Jumps per channel of the pair that are in no bundle.
    bundle_fraction
        Per channel: fraction of its jumps that are in bundles (NaN without jumps).
    pair_fraction
        Fraction of all jumps of the two channels that are in bundles, 2 n_bundles / (n_0 + n_1) (NaN without jumps).
    delays
        Signed delays t(pair[1]) - t(pair[0]) of the bundles, in detection order.
    mean_delay, std_delay
        Mean and standard deviation of |delay| (NaN without bundles).
    order_counts
        ``{"<pair[0]>_first": n, "<pair[1]>_first": n}``; equal times count as pair[0] first.
    duration
        Total recorded time over the records.
    """

    pair: tuple[str, str]
    window: float
    n_bundles: int
    n_jumps: dict[str, int]
    unpaired: dict[str, int]
    bundle_fraction: dict[str, float]
    pair_fraction: float
    delays: np.ndarray
    mean_delay: float
    std_delay: float
    order_counts: dict[str, int]
    duration: float

    @property
    def bundle_rate(self) -> float:
        """Bundles per unit time."""
        return self.n_bundles / self.duration if self.duration > 0 else math.nan


def _pair_jumps(t0: np.ndarray, t1: np.ndarray, window: float) -> list[tuple[float, float]]:
    """Greedy time-ordered pairing: each jump pairs with the earliest still-unpaired jump of the other channel
    no more than ``window`` before it; otherwise it waits for a later partner. Returns ``(t_pair0, t_pair1)``."""
    events = sorted([(float(t), 0) for t in t0] + [(float(t), 1) for t in t1])
    pending: tuple[deque[float], deque[float]] = (deque(), deque())
    pairs = []
    for t, c in events:
        other = pending[1 - c]
        while other and t - other[0] > window:
            other.popleft()  # too old: stays unpaired for good
        if other:
            tp = other.popleft()
            pairs.append((tp, t) if c == 1 else (t, tp))
        else:
            pending[c].append(t)
    return pairs


def detect_bundles(
    record: JumpRecord | TrajectoryResult | Sequence[JumpRecord],
    pair: tuple[str, str] = ("a", "m"),
    *,
    window: float | None = None,
) -> BundleStats:
    """Pair jumps of two channels that occur within ``window`` of each other (bundles, Fig. 2(d-g)).

    Greedy in time order: scanning all jumps of the two channels chronologically, a jump is paired with the earliest
    still-unpaired jump of the other channel at most ``window`` earlier; otherwise it stays open for a later partner.
    Each jump is used at most once; jumps of different trajectories are never paired.

    Parameters
    ----------
    record
        One record, several, or a :class:`TrajectoryResult` (all its trajectories).
    pair
        Two distinct channel names, e.g. ``("a", "m")`` (photon-magnon) or ``("a", "b")`` (photon-phonon).
    window
        Largest delay within a bundle. Default (only with a :class:`TrajectoryResult`): 3 / kappa_o' with kappa_o'
        the smaller rate of the two channels: the second quantum of a bundle leaves at its rate after the first one
        (exponential delay), so 3 / kappa keeps ~95% of true bundles while accidental coincidences stay rare at the
        low jump rates of the bundle regime.

    Returns
    -------
    BundleStats
    """
    if len(pair) != 2 or pair[0] == pair[1]:
        raise InputError(f"pair: expected two distinct channel names, got {pair!r}")
    if isinstance(record, TrajectoryResult):
        records: Sequence[JumpRecord] = record.jumps
        if window is None:
            rates = record.params.rates
            name = {"a": "kappa_a", "b": "kappa_b", "m": "kappa_m", "sigma": "gamma"}
            r = min(rates[name[c]] for c in pair if c in name)
            if r <= 0:
                raise InputError("window: a channel of the pair has zero rate; pass window explicitly")
            window = 3.0 / r
    elif isinstance(record, JumpRecord):
        records = [record]
    else:
        records = list(record)
        if not all(isinstance(r, JumpRecord) for r in records):
            raise InputError("record: expected a JumpRecord, a list of them or a TrajectoryResult")
    if window is None:
        raise InputError("window: required unless record is a TrajectoryResult")
    window = check_finite("window", window)
    if window < 0:
        raise InputError(f"window: must be >= 0, got {window!r}")
    for r in records:
        for c in pair:
            if c not in r.times:
                raise InputError(f"pair: channel {c!r} not in the record (channels: {', '.join(r.times)})")

    delays: list[float] = []
    n_jumps = {c: 0 for c in pair}
    duration = 0.0
    for r in records:
        pairs = _pair_jumps(r.times[pair[0]], r.times[pair[1]], window)
        delays.extend(t1 - t0 for t0, t1 in pairs)
        for c in pair:
            n_jumps[c] += int(r.times[c].size)
        duration += r.duration
    n_b = len(delays)
    d = np.asarray(delays, dtype=float)
    absd = np.abs(d)
    first0 = int(np.sum(d >= 0))
    total = n_jumps[pair[0]] + n_jumps[pair[1]]
    return BundleStats(
        pair=(pair[0], pair[1]),
        window=window,
        n_bundles=n_b,
        n_jumps=n_jumps,
        unpaired={c: n_jumps[c] - n_b for c in pair},
        bundle_fraction={c: (n_b / n_jumps[c] if n_jumps[c] else math.nan) for c in pair},
        pair_fraction=(2.0 * n_b / total if total else math.nan),
        delays=d,
        mean_delay=float(absd.mean()) if n_b else math.nan,
        std_delay=float(absd.std()) if n_b else math.nan,
        order_counts={f"{pair[0]}_first": first0, f"{pair[1]}_first": n_b - first0},
        duration=duration,
    )
