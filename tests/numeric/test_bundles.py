"""Bundles of any size (issue 13, item 1): the general bundle statistics equal the pair code on the paper's pairs,
closed forms on reference states, NaN-with-reason for undefined values, and the trajectory purity (clusters of jumps
within a window) on synthetic records and against the steady-state purity.

Closed forms used below (B = a^n_a b^n_b m^n_m, independent modes):

* coherent |alpha>: <o^dag^k o^k> = |alpha|^(2k), so g1_B = 1 and g2_B = 1 for every target;
* thermal with mean nbar: <o^dag^k o^k> = k! nbar^k, so g1_B = prod_o n_o! and g2_B = prod_o (2 n_o)! / (n_o!)^2;
* Fock |n_a n_b n_m>: <o^dag^k o^k> = n!/(n-k)! (0 for k > n), so g1_B = prod_o n_o! / n_o^n_o and g2_B = 0.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import qutip

import nrbundle
from nrbundle.errors import ConvergenceError, InputError, TruncationWarning
from nrbundle.numeric import (
    Model,
    bundle_g2,
    bundle_statistics,
    cross_g2,
    g1_bundle,
    g2_bundle,
    g2_tau,
    solve_steady,
    steady_observables,
    trajectory,
    trajectory_purity,
)
from nrbundle.numeric.bundle_purity import cluster_purity, cluster_rate, jump_clusters, purity_vs_window
from nrbundle.numeric.bundles import (
    bundle_operator,
    bundle_purity,
    bundle_start,
    bundle_undefined,
    g2_bundle_tau,
    state_observables,
)
from nrbundle.numeric.steady import DEFAULT_OBSERVABLES, DEFAULT_START
from nrbundle.numeric.trajectories import JumpRecord, detect_bundles
from nrbundle.params import get_preset
from nrbundle.study.points import steady_point

FIG1 = get_preset("fig1")
RES_101_LEFT = 1.340779  # fig1 |101-> left resonance (tests/numeric/test_trajectories.py)
RES_201_LEFT = 0.8614199991698859  # fig1 |201-> left, analytic corrected resonance (nrbundle resonances --target 2,0,1)


@pytest.fixture(scope="module")
def state444():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        return solve_steady(FIG1, "left", RES_101_LEFT, (4, 4, 4), truncation_check=False)


# ------------------------------------------------------------------------------ pair code = general code
def test_general_code_equals_pair_code_on_the_papers_pairs(state444):
    ops, rho = state444.model.ops, state444.rho_ss
    obs = steady_observables(state444)
    point = steady_point({}, FIG1, Delta_ad=RES_101_LEFT, direction="left", cutoff=(4, 4, 4), truncation_check=False)
    for target, pair in (((1, 0, 1), "am"), ((1, 1, 0), "ab")):
        o = ops[pair[1]]
        g1B, g2B = g1_bundle(rho, ops, target), g2_bundle(rho, ops, target)
        for ref_g1, ref_g2 in ((cross_g2(rho, ops["a"], o), bundle_g2(rho, ops["a"], o)),
                               (obs[f"g1_{pair}"], obs[f"g2_{pair}"]), (point[f"g1_{pair}"], point[f"g2_{pair}"])):
            assert g1B == pytest.approx(ref_g1, rel=1e-10, abs=0)
            assert g2B == pytest.approx(ref_g2, rel=1e-10, abs=0)
        stats = bundle_statistics(state444, target)
        assert stats.g1_B == g1B and stats.g2_B == g2B and stats.cutoff == (4, 4, 4)
        assert stats.truncation_error is None and stats.residual == state444.residual and stats.undefined == {}


def test_g2_tau_by_quantum_regression(state444):
    m = state444.model
    H, c_ops, rho, ops = m.H(RES_101_LEFT), m.c_ops, state444.rho_ss, m.ops
    taus = np.array([0.0, 1.0, 5.0])
    g = g2_bundle_tau(H, c_ops, rho, ops, (1, 0, 1), taus)
    # tau = 0 is the equal-time bundle g2; the general B = a m is the pair operator of correlations.g2_tau
    assert g[0] == pytest.approx(g2_bundle(rho, ops, (1, 0, 1)), rel=1e-9)
    np.testing.assert_allclose(g, g2_tau(H, c_ops, rho, ops["a"] * ops["m"], taus), rtol=1e-12)
    stats = bundle_statistics(state444, (1, 0, 1), tlist=taus)
    np.testing.assert_allclose(stats.g2_tau, g, rtol=1e-12)
    assert stats.to_dict()["g2_tau"] == [float(x) for x in g]


def test_steady_state_rate_and_purity(state444):
    s = bundle_statistics(state444, (1, 0, 1))
    kap = FIG1.kappa
    # Gamma_B = P_B (kappa_a + kappa_m); purity = 2 Gamma_B / (kappa_a n_a + kappa_m n_m)
    assert s.rate_B == pytest.approx(2 * kap * s.P_B, rel=1e-12)
    n = steady_observables(state444)
    assert s.emission_rate == pytest.approx(kap * (n["n_a"] + n["n_m"]), rel=1e-10)
    assert s.purity_B == pytest.approx(2 * s.rate_B / s.emission_rate, rel=1e-12)
    assert 0.5 < s.purity_B < 1.0  # the blue resonance emits mostly photon-magnon pairs
    assert bundle_purity(state444.model, state444.rho_ss, (1, 0, 1)) == s.purity_B


# ------------------------------------------------------------------------------ closed forms
CUT = (12, 8, 8)
TARGETS = [(1, 0, 1), (1, 1, 0), (2, 0, 1), (1, 1, 1), (3, 0, 0), (2, 1, 2)]
#: Truncating a mode at N levels removes the tail P_n, n >= N (~ x^N, x = nbar/(1+nbar) or |alpha|^2), which
#: shifts a factorial moment of order k by a relative ~ C(N, k) x^(N-k): at most ~3e-7 here ((2,1,2), thermal m:
#: k = 4, N = 8, x = 0.008).
RTOL = 1e-6


@pytest.fixture(scope="module")
def ops9():
    return Model(FIG1, "left", CUT).ops


def coherent(N, alpha):
    """Truncated coherent state: amplitudes alpha^n / sqrt(n!), n < N, normalised (exact arithmetic per entry)."""
    amp = np.array([alpha**n / math.sqrt(math.factorial(n)) for n in range(N)], dtype=complex)
    amp /= np.linalg.norm(amp)
    return np.outer(amp, amp.conj())


def product(dms):
    """Product state (x) atom |g>, built with NumPy: qutip.tensor would drop entries below its auto-tidyup
    tolerance (1e-14), which shifts the tiny high-order moments by ~1e-6 relative."""
    out = np.diag([0.0, 1.0]).astype(complex)
    for dm in reversed(dms):
        out = np.kron(dm.full() if isinstance(dm, qutip.Qobj) else dm, out)
    return out


@pytest.mark.parametrize("target", TARGETS)
def test_coherent_states_give_one(ops9, target):
    alphas = (0.1, 0.08 + 0.05j, 0.1j)
    if any(2 * k + 1 > N for k, N in zip(target, CUT, strict=True)):
        pytest.skip("truncation too small for g2 of this target")
    rho = product([coherent(N, al) for N, al in zip(CUT, alphas, strict=True)])
    assert g1_bundle(rho, ops9, target) == pytest.approx(1.0, rel=RTOL)
    assert g2_bundle(rho, ops9, target) == pytest.approx(1.0, rel=RTOL)


@pytest.mark.parametrize("target", TARGETS)
def test_thermal_states_give_factorials(ops9, target):
    if any(2 * k + 1 > N for k, N in zip(target, CUT, strict=True)):
        pytest.skip("truncation too small for g2 of this target")
    nbar = (0.01, 0.012, 0.008)
    rho = product([qutip.thermal_dm(N, nb) for N, nb in zip(CUT, nbar, strict=True)])
    g1_ref = math.prod(math.factorial(k) for k in target)
    g2_ref = math.prod(math.factorial(2 * k) / math.factorial(k) ** 2 for k in target)
    assert g1_bundle(rho, ops9, target) == pytest.approx(g1_ref, rel=RTOL)
    assert g2_bundle(rho, ops9, target) == pytest.approx(g2_ref, rel=RTOL)


@pytest.mark.parametrize("target", [(1, 0, 1), (2, 0, 1), (1, 2, 1), (3, 1, 2)])
def test_fock_state_of_the_target(ops9, target):
    rho = product([qutip.fock_dm(N, k) for N, k in zip(CUT, target, strict=True)])
    ref = math.prod(math.factorial(k) / k**k for k in target if k)
    assert g1_bundle(rho, ops9, target) == pytest.approx(ref, rel=1e-12)
    assert g2_bundle(rho, ops9, target) == 0.0  # B^2 annihilates exactly one bundle


def test_bundle_operator_is_the_product_of_powers(ops9):
    B = bundle_operator(ops9, "2,0,1")
    assert (B - ops9["a"] * ops9["a"] * ops9["m"]).norm() == 0.0
    with pytest.raises(InputError, match="target"):
        bundle_operator(ops9, (0, 0, 0))
    with pytest.raises(InputError, match="ops"):
        bundle_operator({"a": ops9["a"]}, (1, 0, 1))


# ------------------------------------------------------------------------------ undefined values
def test_undefined_values_are_nan_with_a_reason():
    assert bundle_undefined((4, 4, 4), (1, 0, 1)) == {}
    r = bundle_undefined((3, 3, 2), (1, 0, 1))
    assert set(r) == {"g2_B"} and "N_m=2" in r["g2_B"]
    r = bundle_undefined((2, 3, 3), (2, 0, 1))
    assert set(r) >= {"g1_B", "g2_B", "purity_B"} and "B = 0" in r["g1_B"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        st = solve_steady(FIG1, "left", RES_101_LEFT, (2, 2, 2), truncation_check=False)
    s = bundle_statistics(st, (1, 0, 1), tlist=[0.0, 1.0])
    assert math.isnan(s.g2_B) and np.all(np.isnan(s.g2_tau)) and "g2_B" in s.undefined and "g2_tau" in s.undefined
    assert math.isfinite(s.g1_B) and math.isfinite(s.purity_B)
    s = bundle_statistics(st, (2, 0, 1))
    assert all(math.isnan(v) for v in s.values().values()) and "B = 0" in s.undefined["purity_B"]


def test_zero_denominator_is_nan(ops9):
    vac = product([qutip.fock_dm(N, 0) for N in CUT])
    assert math.isnan(g1_bundle(vac, ops9, (1, 0, 1))) and math.isnan(g2_bundle(vac, ops9, (1, 0, 1)))
    with pytest.raises(InputError, match="rho"):
        g1_bundle(2 * vac, ops9, (1, 0, 1))


# ------------------------------------------------------------------------------ trajectory purity
def rec(t_end=10_000.0, **times):
    jumps = [(t, c) for c, ts in times.items() for t in ts]
    return JumpRecord.from_sequence(jumps, ("a", "b", "m", "sigma"), 0.0, t_end)


def test_clusters_on_a_known_record():
    r = rec(a=[10, 1000, 1001, 3000, 5000], m=[14, 1003, 3050, 6000], sigma=[11, 5001])
    # window 10: (a10 m14) (a1000 a1001 m1003) (a3000) (m3050) (a5000) (m6000); sigma is not a bundle channel
    assert jump_clusters(r, (1, 0, 1), 10) == [(1, 0, 1), (2, 0, 1), (1, 0, 0), (0, 0, 1), (1, 0, 0), (0, 0, 1)]
    p = trajectory_purity(r, (1, 0, 1), 10)
    assert p.n_bundles == 1 and p.n_jumps == 9 and p.purity == pytest.approx(2 / 9) and math.isnan(p.stderr)
    # a larger window joins a3000 and m3050 into a second bundle
    assert trajectory_purity(r, "1,0,1", 60).n_bundles == 2
    # three-quanta bundle |2 0 1->: the (a1000 a1001 m1003) cluster
    assert trajectory_purity(r, (2, 0, 1), 10).n_bundles == 1
    # t_skip drops the first cluster
    assert trajectory_purity(r, (1, 0, 1), 10, t_skip=500).n_jumps == 7


def test_window_effect_splits_then_merges():
    # isolated pairs with a delay of 5, 1000 apart: window < 5 splits every pair, window >= 1000 merges them all
    a = np.arange(10) * 1000.0
    r = rec(a=a, m=a + 5.0)
    ps = purity_vs_window(r, (1, 0, 1), [1.0, 5.0, 100.0, 1000.0])
    assert [p.purity for p in ps] == [0.0, 1.0, 1.0, 0.0]
    assert ps[-1].compositions == {(10, 0, 10): 1}


def test_pairs_agree_with_detect_bundles_on_isolated_pairs():
    rng = np.random.default_rng(4)
    records = []
    for _ in range(5):
        starts = np.cumsum(1000.0 + rng.exponential(1000.0, 30))  # events >= 1000 apart, delays <= 250 < window
        is_pair = rng.random(30) < 0.7
        a = starts[is_pair | (rng.random(30) < 0.5)]
        m = starts[is_pair] + rng.uniform(0.0, 250.0, int(is_pair.sum()))
        records.append(rec(t_end=float(starts[-1] + 500), a=a, m=m))
    p = trajectory_purity(records, (1, 0, 1), 300.0)
    d = detect_bundles(records, ("a", "m"), window=300.0)
    assert p.n_bundles == d.n_bundles and p.purity == pytest.approx(d.pair_fraction, rel=1e-12)
    # delta-method standard error of the ratio estimator over the five trajectories
    c = np.array([2 * trajectory_purity(r, (1, 0, 1), 300.0).n_bundles for r in records], dtype=float)
    j = np.array([trajectory_purity(r, (1, 0, 1), 300.0).n_jumps for r in records], dtype=float)
    ref = math.sqrt(np.sum((c - p.purity * j) ** 2) / 20.0) / j.mean()
    assert p.stderr == pytest.approx(ref, rel=1e-12) and p.n_trajectories == 5


def test_trajectory_purity_input_errors():
    r = rec(a=[1.0])
    with pytest.raises(InputError, match="window"):
        trajectory_purity(r, (1, 0, 1), -1.0)
    with pytest.raises(InputError, match="t_skip"):
        trajectory_purity(r, (1, 0, 1), 1.0, t_skip=-1.0)
    with pytest.raises(InputError, match="record"):
        trajectory_purity([], (1, 0, 1), 1.0)
    with pytest.raises(InputError, match="target"):
        trajectory_purity(JumpRecord.from_sequence([], ("a", "sigma"), 0, 1), (1, 0, 1), 1.0)
    empty = trajectory_purity(rec(), (1, 0, 1), 1.0)
    assert math.isnan(empty.purity) and empty.n_jumps == 0


# ------------------------------------------------------------------------------ truncation of the bundle values
def test_truncation_check_equals_the_pair_check_on_a_pair(state_checked_444):
    """For B = a m the bundle check (bundles.py: own embedding, own values) and the pair check of solve_steady
    (steady.py: g2_am at the three one-level raises) solve the same problems: the same numbers."""
    state, stats = state_checked_444
    assert [N for N, _ in stats.history] == [N for N, _ in state.history[1:]] == [(5, 4, 4), (4, 5, 4), (4, 4, 5)]
    for (_, pair), (_, bundle) in zip(state.history[1:], stats.history, strict=True):
        assert bundle["g2_B"] == pytest.approx(pair["g2_am"], rel=1e-9, abs=0)
    g0 = state.history[0][1]["g2_am"]
    ref = max(abs(o["g2_am"] - g0) / max(abs(o["g2_am"]), abs(g0)) for _, o in state.history[1:])
    assert stats.value_truncation["g2_B"] == pytest.approx(ref, rel=1e-9)
    # cutoff 4 is too small for g2 at this resonance (docs/steady_state.md: n_a 31 % low at cutoff 3): N_a dominates
    assert stats.value_truncation["g2_B"] > 0.05 and max(stats.mode_truncation, key=stats.mode_truncation.get) == "a"
    assert stats.bundle_truncation_error == max(stats.value_truncation.values())
    assert stats.cutoff == (4, 4, 4) and stats.g2_B == pytest.approx(g0, rel=1e-12)


@pytest.fixture(scope="module")
def state_checked_444():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        state = solve_steady(FIG1, "left", RES_101_LEFT, (4, 4, 4))
        stats = bundle_statistics(state, (1, 0, 1), truncation="check")
    msgs = [str(w.message) for w in caught if issubclass(w.category, TruncationWarning)]
    assert any("bundle truncation estimate of target (1, 0, 1)" in m and "N_a" in m and "g2_B" in m for m in msgs)
    return state, stats


def test_truncation_converge_reaches_rtol_and_equals_an_independent_solve():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        state = solve_steady(FIG1, "left", RES_101_LEFT, (3, 3, 3), truncation_check=False)
    rtol = 1e-2
    s = bundle_statistics(state, (1, 0, 1), truncation="converge", rtol=rtol)
    assert all(v < rtol for v in s.value_truncation.values()) and s.cutoff != (3, 3, 3)
    solved = [N for N, _ in s.history]
    # the final estimate compares the final cutoff with each of its one-level raises
    assert all((s.cutoff[0] + (i == 0), s.cutoff[1] + (i == 1), s.cutoff[2] + (i == 2)) in solved for i in range(3))
    # the values are those of a cold solve at the reached cutoff, by the pair code (both solves to atol 1e-10)
    ref = solve_steady(FIG1, "left", RES_101_LEFT, s.cutoff, truncation_check=False)
    o = ref.model.ops
    assert s.g2_B == pytest.approx(bundle_g2(ref.rho_ss, o["a"], o["m"]), rel=1e-6)
    assert s.g1_B == pytest.approx(cross_g2(ref.rho_ss, o["a"], o["m"]), rel=1e-6)


def test_truncation_converge_beyond_max_cutoff_raises():
    # g2_B of |201-> needs four-photon states: N_a = 5 -> 6 changes it by ~66 % (docs/bundles.md)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        state = solve_steady(FIG1, "left", RES_201_LEFT, (5, 3, 3), truncation_check=False, observables=("n_a",))
    with pytest.raises(ConvergenceError, match=r"max_cutoff=5 .*a: 0\.\d") as info:
        bundle_statistics(state, (2, 0, 1), truncation="converge", max_cutoff=5)
    st = info.value.statistics
    assert st.cutoff == (5, 3, 3) and st.value_truncation["g2_B"] > 0.3 and math.isfinite(st.g2_B)


def test_bundle_start_holds_g2_of_the_target():
    assert bundle_start((1, 0, 1)) == bundle_start((1, 1, 0)) == DEFAULT_START
    assert bundle_start("2,0,1") == (5, 3, 3) and bundle_start((0, 3, 1)) == (3, 7, 3)
    for t in ((2, 0, 1), (3, 1, 2)):
        assert "g2_B" not in bundle_undefined(bundle_start(t), t)
    assert state_observables((1, 0, 1)) == DEFAULT_OBSERVABLES and state_observables((2, 0, 1)) == ("n_a", "n_b", "n_m")


def test_truncation_input_errors(state444):
    with pytest.raises(InputError, match="truncation"):
        bundle_statistics(state444, (1, 0, 1), truncation="yes")
    with pytest.raises(InputError, match="rtol"):
        bundle_statistics(state444, (1, 0, 1), truncation="converge", rtol=0.0)


def test_reprs_are_short(state444):
    """The shared short repr (nrbundle.display.ShortRepr): arrays by shape, never their content."""
    s = bundle_statistics(state444, (1, 0, 1), tlist=np.linspace(0.0, 10.0, 40))
    text = repr(s)
    assert text.startswith("BundleStatistics(") and "g2_B=0." in text and "g2_tau=array(shape=(40,)" in text
    assert len(text) < 2000 and "<table>" in s._repr_html_()
    p = trajectory_purity(rec(a=[10.0, 20.0], m=[12.0]), (1, 0, 1), 5.0)
    assert repr(p).startswith("TrajectoryPurity(") and "purity=0.666667" in repr(p) and len(repr(p)) < 2000
    assert "<table>" in p._repr_html_()


# ------------------------------------------------------------------------------ cluster purity from the steady state
def _poisson_source(F_target: float = 0.02, N: int = 20):
    """A coherently driven damped cavity: its photons leave as a Poisson process of rate F = kappa |alpha|^2."""
    kappa, Delta = 0.1, 0.05
    a = qutip.destroy(N)
    alpha2 = F_target / kappa
    eps = math.sqrt(alpha2 * ((kappa / 2) ** 2 + Delta**2))
    H = Delta * a.dag() * a + eps * (a + a.dag())
    c_ops = [math.sqrt(kappa) * a]
    rho = nrbundle.steadystate(H, c_ops)
    return H, c_ops, rho, kappa * qutip.expect(a.dag() * a, rho)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_cluster_rate_of_a_poisson_source_has_its_closed_form(k):
    """Poisson emission of rate F: a cluster of exactly k jumps (single linkage, gap <= w) starts with probability
    e^{-F w} (no jump in the window before), continues k - 1 times with 1 - e^{-F w} and ends with e^{-F w}:
    R_k = F e^{-2 F w} (1 - e^{-F w})^{k - 1}."""
    H, c_ops, rho, F = _poisson_source()
    assert F == pytest.approx(0.02, rel=1e-9)
    for w in (5.0, 40.0):
        ref = F * math.exp(-2 * F * w) * (1 - math.exp(-F * w)) ** (k - 1)
        assert cluster_rate(H, c_ops, rho, [0], [0] * k, w) == pytest.approx(ref, rel=1e-7)


def test_cluster_purity_is_below_the_cascade_estimate_and_tends_to_zero_with_the_window():
    """At the point of docs/bundles.md (conversion by lambda_am breaks cascades): pi_ss(w) sits on a plateau
    near 0.18 for w = 150-300 (trajectories there: 0.158 +- 0.018 and 0.193 +- 0.035), below the cascade upper
    estimate 0.257, and falls to 0 as the window shrinks below the cascade delays (~1/kappa = 50)."""
    st = _purity_point()
    cascade = bundle_purity(st.model, st.rho_ss, (1, 0, 1))
    plateau = [cluster_purity(st, (1, 0, 1), w) for w in (150.0, 300.0)]
    assert abs(plateau[0] - plateau[1]) < 0.01 and 0.15 < plateau[0] < 0.21
    assert max(plateau) < cascade
    assert cluster_purity(st, (1, 0, 1), 0.5) < 0.01


def _purity_point():
    p = FIG1.replace(kappa=0.02, gamma=0.004, lambda_am=0.06)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)  # (2, 2, 2): one quantum per mode, as the trajectories
        return solve_steady(p, "left", 1.25, cutoff=(2, 2, 2), truncation_check=False)


@pytest.mark.slow
def test_cluster_purity_agrees_with_trajectories():
    """Two independent routes to the same number: the steady-state cluster purity and the trajectory estimate with
    the same window agree within 3 standard errors. A point with frequent bundles (kappa = 0.1, gamma = 0.02,
    lambda_am = 0.2: 250-480 bundles in 8 trajectories of 1e5, about 45 s), where the cascade estimate (0.77) is
    far off: measured 0.346 +- 0.012 / 0.364, 0.272 +- 0.010 / 0.294, 0.180 +- 0.012 / 0.190 at w = 50, 100, 200."""
    p = FIG1.replace(kappa=0.1, gamma=0.02, lambda_am=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)  # (2, 2, 2): the trajectories' space, on purpose
        st = solve_steady(p, "left", 1.25, cutoff=(2, 2, 2), truncation_check=False)
    tr = trajectory(p, "left", 1.25, np.linspace(0.0, 1.0e5, 2001), cutoff=(2, 2, 2), seed=11, ntraj=8)
    assert bundle_purity(st.model, st.rho_ss, (1, 0, 1)) > 0.7  # the cascade upper estimate is far off here
    for w in (50.0, 100.0, 200.0):
        traj = trajectory_purity(tr, (1, 0, 1), w, t_skip=200.0)
        ss = cluster_purity(st, (1, 0, 1), w)
        assert traj.n_bundles > 200 and abs(traj.purity - ss) < 3 * traj.stderr, (w, traj.purity, traj.stderr, ss)
