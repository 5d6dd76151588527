"""Quantum trajectories (Fig. 2(d-g)) and bundle detection: the pairing rule on synthetic records, determinism by
seed, the decay of a photon-magnon pair, and (slow) bundle statistics at the left-drive |101-> resonance against
the non-resonant right drive."""

from __future__ import annotations

import numpy as np
import pytest

from nrbundle.errors import InputError
from nrbundle.numeric.spectrum import avoided_crossing
from nrbundle.numeric.trajectories import JumpRecord, TrajectoryResult, detect_bundles, trajectory
from nrbundle.params import get_preset

FIG1 = get_preset("fig1")
KAPPA = FIG1.kappa
#: A pair state decays by two exponential steps (rate 2 kappa, then kappa): the delay between the two quanta is
#: Exp(kappa); a window of 3 / kappa holds 95% of them.
PAIR_WINDOW = 3.0 / KAPPA
#: fig1 |101-> left resonance at cutoff 5 (reference value); the cheap tests only need to be near the crossing.
RES_101_LEFT = 1.340779


# ------------------------------------------------------------------------------ synthetic records
def rec(channels=("a", "b", "m", "sigma"), t_end=2000.0, **times):
    jumps = [(t, c) for c, ts in times.items() for t in ts]
    return JumpRecord.from_sequence(jumps, channels, 0.0, t_end)


def test_detect_bundles_on_a_known_record():
    r = rec(a=[10, 50, 300, 1000], m=[12, 45, 500, 1003.5], sigma=[20])
    s = detect_bundles(r, ("a", "m"), window=10)
    # a10-m12 (a first, +2), m45-a50 (m first, -5), a1000-m1003.5 (+3.5); a300 and m500 have no partner in 10
    assert s.n_bundles == 3
    assert s.n_jumps == {"a": 4, "m": 4}
    assert s.unpaired == {"a": 1, "m": 1}
    assert s.bundle_fraction == {"a": 0.75, "m": 0.75}
    assert s.pair_fraction == 0.75
    assert list(s.delays) == [2.0, -5.0, 3.5]
    assert s.mean_delay == pytest.approx(3.5)
    assert s.std_delay == pytest.approx(np.std([2.0, 5.0, 3.5]))
    assert s.order_counts == {"a_first": 2, "m_first": 1}
    assert s.duration == 2000.0 and s.bundle_rate == pytest.approx(3 / 2000)


def test_each_jump_is_used_once_and_greedily():
    # m1 takes a0; m2 has no partner left
    s = detect_bundles(rec(a=[0.0], m=[1.0, 2.0]), window=5)
    assert s.n_bundles == 1 and s.unpaired == {"a": 0, "m": 1} and list(s.delays) == [1.0]
    # a0, m3, a6: m3 pairs with the earlier a0 (greedy in time order), a6 stays unpaired
    s = detect_bundles(rec(a=[0.0, 6.0], m=[3.0]), window=5)
    assert s.n_bundles == 1 and list(s.delays) == [3.0] and s.unpaired == {"a": 1, "m": 0}
    # the window is inclusive; simultaneous jumps count as pair[0] first
    s = detect_bundles(rec(a=[5.0, 20.0], m=[5.0, 30.0]), window=10)
    assert s.n_bundles == 2 and s.order_counts == {"a_first": 2, "m_first": 0}
    # other channels are ignored; the pair can be ("a", "b")
    s = detect_bundles(rec(a=[1.0], b=[2.0], m=[1.5]), pair=("a", "b"), window=5)
    assert s.n_bundles == 1 and s.pair == ("a", "b")


def test_records_are_not_paired_across_trajectories():
    s = detect_bundles([rec(a=[100.0]), rec(m=[101.0])], window=10)
    assert s.n_bundles == 0 and s.n_jumps == {"a": 1, "m": 1} and s.duration == 4000.0
    empty = detect_bundles(rec(), window=10)
    assert empty.n_bundles == 0 and np.isnan(empty.pair_fraction) and np.isnan(empty.mean_delay)


def test_detect_bundles_input_errors():
    r = rec(a=[1.0], m=[2.0])
    with pytest.raises(InputError, match="pair"):
        detect_bundles(r, ("a", "a"), window=1)
    with pytest.raises(InputError, match="pair"):
        detect_bundles(r, ("a", "x"), window=1)
    with pytest.raises(InputError, match="window"):
        detect_bundles(r)
    with pytest.raises(InputError, match="window"):
        detect_bundles(r, window=-1)
    with pytest.raises(InputError, match="channel"):
        JumpRecord.from_sequence([(1.0, "q")], ("a", "m"), 0, 1)


# ---------------------------------------------------------------------------------- mcsolve runs
@pytest.fixture(scope="module")
def pair_decay():
    """Six trajectories from the photon-magnon pair |101->, long enough (10 / kappa) for it to empty."""
    return trajectory(
        FIG1, "left", RES_101_LEFT, np.linspace(0.0, 2000.0, 201), cutoff=(2, 2, 2), seed=11, ntraj=6,
        initial="101-",
    )


def test_trajectory_shapes_and_channels(pair_decay):
    assert isinstance(pair_decay, TrajectoryResult)
    assert pair_decay.channels == ("a", "b", "m", "sigma")
    assert pair_decay.ntraj == 6 and len(pair_decay.jumps) == 6 and pair_decay.seed == 11
    assert pair_decay.initial == "101-" and pair_decay.cutoff == (2, 2, 2)
    for v in pair_decay.populations.values():
        assert v.shape == (6, 201)
        assert np.all(v > -1e-9) and np.all(v < 1 + 1e-9)
    assert np.allclose(pair_decay.populations["101-"][:, 0], 1.0)
    for r in pair_decay.jumps:
        assert r.channels == pair_decay.channels
        assert all(np.all(np.diff(ts) >= 0) for ts in r.times.values())
        assert all(np.all((ts >= 0) & (ts <= 2000.0)) for ts in r.times.values())


def test_pair_state_decays_as_a_photon_magnon_bundle(pair_decay):
    """|101-> holds one photon and one magnon: each trajectory emits both (exp(-10) chance to miss one), no phonon
    appears (|101-> has none; the linear coupling admixes b at ~(lambda_ab/omega_b)^2 ~ 5e-4), and the two
    quanta leave within a few 1/kappa of each other (the Exp(kappa) delay of the second one)."""
    for r in pair_decay.jumps:
        c = r.counts()
        assert c["a"] >= 1 and c["m"] >= 1 and c["b"] == 0
    s = detect_bundles(pair_decay, ("a", "m"), window=PAIR_WINDOW)
    assert s.n_bundles >= 5  # each trajectory's pair, minus at most one with a delay beyond 3/kappa
    assert s.bundle_fraction["m"] >= 5 / 6
    assert 0.3 / KAPPA < s.mean_delay < 3.0 / KAPPA  # mean of ~6 Exp(kappa) samples: 1/kappa within ~3 sigma
    assert sum(s.order_counts.values()) == s.n_bundles
    # the default window of a TrajectoryResult is 3 / min(kappa_a, kappa_m)
    assert detect_bundles(pair_decay).window == pytest.approx(PAIR_WINDOW)


def test_same_seed_gives_identical_jumps():
    kw = dict(cutoff=(2, 2, 2), ntraj=2, initial="101-")
    tl = np.linspace(0.0, 1500.0, 151)
    one = trajectory(FIG1, "left", RES_101_LEFT, tl, seed=7, **kw)
    two = trajectory(FIG1, "left", RES_101_LEFT, tl, seed=7, **kw)
    other = trajectory(FIG1, "left", RES_101_LEFT, tl, seed=8, **kw)
    assert [r.sequence for r in one.jumps] == [r.sequence for r in two.jumps]
    assert all(np.array_equal(one.populations[k], two.populations[k]) for k in one.populations)
    assert [r.sequence for r in one.jumps] != [r.sequence for r in other.jumps]


def test_trajectory_input_errors():
    tl = [0.0, 1.0]
    with pytest.raises(InputError, match="seed"):
        trajectory(FIG1, "left", 1.34, tl, cutoff=2, seed=-1)
    with pytest.raises(InputError, match="ntraj"):
        trajectory(FIG1, "left", 1.34, tl, cutoff=2, ntraj=0)
    with pytest.raises(InputError, match="decay"):
        trajectory(FIG1.replace(kappa=0.0, gamma=0.0), "left", 1.34, tl, cutoff=2)


@pytest.mark.slow
def test_bundles_are_nonreciprocal():
    """At the left-drive |101-> resonance (kappa = 0.005) photon-magnon bundles are emitted at a rate ~ 4 g^2 /
    (2 kappa) ~ 7e-5; driving from the right at the same Delta_ad detunes the pair by ~50 crossing widths and
    leaves only accidental coincidences. ~8 bundles expected in 6 x 3e4 time units (left)."""
    cut = (3, 2, 3)
    res = avoided_crossing(FIG1, (1, 0, 1), "left", cut).resonance
    tl = np.linspace(0.0, 3.0e4, 301)
    left = detect_bundles(trajectory(FIG1, "left", res, tl, cutoff=cut, seed=2024, ntraj=6))
    right = detect_bundles(trajectory(FIG1, "right", res, tl, cutoff=cut, seed=2024, ntraj=6))
    assert left.n_bundles >= 4
    assert left.n_bundles >= 3 * max(1, right.n_bundles)
    # magnons are only made through the pair state: almost every magnon jump belongs to a bundle
    assert left.bundle_fraction["m"] > 0.7
