"""Thermal noise and atomic dephasing (issue 13, item 2; docs/thermal.md): closed-form checks of the jump operators.

Master equation checked here (nrbundle.numeric.model):
    d rho/dt = -i[H, rho] + sum_o kappa_o [(n_th_o + 1) D[o] + n_th_o D[o^dag]] rho + gamma D[sigma] rho
               + (gamma_phi / 2) D[sigma_z] rho.
Independent references: the Bose-Einstein (geometric) state of a damped oscillator, the decay rate
gamma/2 + gamma_phi of an atomic coherence, and the c_ops of the paper's Eq. (2) built here by hand.
"""

import math

import numpy as np
import pytest
import qutip
from scipy import constants

from nrbundle.numeric import Model, solve_steady, steady_state, trajectory
from nrbundle.numeric.bundles import bundle_emission_rate, bundle_purity
from nrbundle.numeric.liouvillian import liouvillian_matrix
from nrbundle.params import get_preset

FIG1 = get_preset("fig1")
PHYS = get_preset("physical")
#: The photon-magnon pair resonance |000+> <-> |101-> for left driving at the fig1 point (issue 13 acceptance).
PAPER_DELTA_AD = 1.3408


def _paper_c_ops(model):
    """Eq. (2)/(S3) built by hand from the operators: sqrt(kappa_o) o (o = a, b, m) and sqrt(gamma) sigma."""
    r = model.params.rates
    o = model.ops
    return [math.sqrt(r["kappa_a"]) * o["a"], math.sqrt(r["kappa_b"]) * o["b"], math.sqrt(r["kappa_m"]) * o["m"],
            math.sqrt(r["gamma"]) * o["sigma"]]


def _zero_noise_variants(p):
    out = [p, p.replace(n_th_a=0.0, n_th_b=0.0, n_th_m=0.0, gamma_phi=0.0)]
    if p.units == "GHz":
        out.append(p.replace(temperature=0.0))
    return out


# ------------------------------------------------------------------------------ zero noise: Eq. (2) unchanged
@pytest.mark.parametrize("preset", ["fig1", "physical"])
def test_zero_noise_gives_exactly_the_paper_jump_operators(preset):
    for p in _zero_noise_variants(get_preset(preset)):
        M = Model(p, "left", (3, 2, 3))
        ref = _paper_c_ops(M)
        assert M.channels == ["a", "b", "m", "sigma"] and len(M.c_ops) == len(ref)
        for c, r in zip(M.c_ops, ref, strict=True):
            assert np.array_equal(c.full(), r.full())  # bit-identical matrices


def test_zero_noise_steady_state_at_the_paper_point_is_unchanged():
    # The steady state with the model's c_ops equals (bit for bit) the one with the hand-built c_ops of Eq. (2).
    for p in _zero_noise_variants(FIG1):
        M = Model(p, "left", 3)
        H = M.H(PAPER_DELTA_AD)
        new = steady_state(H, M.c_ops).rho_ss.full()
        ref = steady_state(H, _paper_c_ops(M)).rho_ss.full()
        assert np.max(np.abs(new - ref)) <= 1e-14


def test_zero_noise_model_observables_unchanged():
    base = solve_steady(FIG1, "left", PAPER_DELTA_AD, 3, truncation_check=False)
    same = solve_steady(FIG1.replace(n_th_b=0.0, gamma_phi=0.0), "left", PAPER_DELTA_AD, 3, truncation_check=False)
    assert np.array_equal(base.rho_ss.full(), same.rho_ss.full())
    (_, obs_base), (_, obs_same) = base.history[-1], same.history[-1]
    for k, v in obs_base.items():
        assert obs_same[k] == v or (math.isnan(v) and math.isnan(obs_same[k])), k


# ------------------------------------------------------------------------------ the thermal jump operators
def test_thermal_channels_are_named_and_scaled():
    p = FIG1.replace(n_th_a=0.1, n_th_b=0.5, kappa_m=0.02, n_th_m=2.0, gamma_phi=0.003)
    M = Model(p, "left", 3)
    assert M.channels == ["a", "a+", "b", "b+", "m", "m+", "sigma", "sigma_z"]
    k = p.kappa
    expect = [math.sqrt(k * 1.1) * M.ops["a"], math.sqrt(k * 0.1) * M.ops["a"].dag(),
              math.sqrt(k * 1.5) * M.ops["b"], math.sqrt(k * 0.5) * M.ops["b"].dag(),
              math.sqrt(0.02 * 3.0) * M.ops["m"], math.sqrt(0.02 * 2.0) * M.ops["m"].dag(),
              math.sqrt(p.gamma) * M.ops["sigma"]]
    for c, e in zip(M.c_ops, expect, strict=False):
        assert (c - e).norm() < 1e-15
    sz = qutip.tensor(qutip.qeye(3), qutip.qeye(3), qutip.qeye(3), qutip.sigmaz())  # basis (e, g): diag(1, -1)
    assert (M.c_ops[-1] - math.sqrt(0.003 / 2) * sz).norm() < 1e-15
    assert M.emission_rates == pytest.approx({"a": k * 1.1, "b": k * 1.5, "m": 0.02 * 3.0}, rel=1e-15)


def _geometric(n_th, N):
    """Bose-Einstein populations p_n = r^n (1 - r) / (1 - r^N), r = n_th/(n_th + 1), in N Fock levels.

    Detailed balance of the truncated jumps (up: kappa n_th (n+1), down: kappa (n_th+1)(n+1)) gives exactly this."""
    r = n_th / (n_th + 1.0)
    p = r ** np.arange(N)
    return p / p.sum()


@pytest.mark.parametrize("mode, index", [("a", 0), ("b", 1), ("m", 2)])
def test_decoupled_thermal_mode_relaxes_to_bose_einstein(mode, index):
    # All couplings off: mode `mode` is a damped oscillator omega_o o^dag o with a bath at n_th = 0.3. The other
    # modes keep 2 levels and stay in vacuum; the driven atom is independent.
    n_th, N = 0.3, 16  # r = 0.23, tail N r^N = 1e-9: the truncated mean equals n_th well within 1e-8
    cut = [2, 2, 2]
    cut[index] = N
    p = FIG1.replace(lambda_as=0.0, lambda_ab=0.0, lambda_am=0.0, **{f"n_th_{mode}": n_th})
    M = Model(p, "left", tuple(cut))
    res = steady_state(M.H(PAPER_DELTA_AD), M.c_ops)
    rho_o = res.rho_ss.ptrace(index).full()
    assert np.max(np.abs(np.diag(rho_o).real - _geometric(n_th, N))) < 1e-8
    assert np.max(np.abs(rho_o - np.diag(np.diag(rho_o)))) < 1e-8  # no coherences in the Fock basis
    n_mean = qutip.expect(M.ops[mode].dag() * M.ops[mode], res.rho_ss)
    assert n_mean == pytest.approx(n_th, abs=1e-8)


def test_temperature_gives_the_bose_einstein_phonon_state():
    # physical preset (GHz): T = 50 mK and omega_b/2pi = 2 GHz; n_th from scipy.constants by hand (0.1719).
    T, f = 0.05, 2.0e9
    n_hand = 1.0 / (math.exp(constants.h * f / (constants.k * T)) - 1.0)
    p = PHYS.replace(lambda_as=0.0, lambda_ab=0.0, lambda_am=0.0, temperature=T)
    assert p.thermal_occupations["n_th_b"] == pytest.approx(n_hand, rel=1e-12)
    assert n_hand == pytest.approx(0.1719, rel=1e-3)
    N = 14  # r = 0.147, tail N r^N = 3e-11
    M = Model(p, "left", (2, N, 2))
    assert M.channels == ["a", "b", "b+", "m", "m+", "sigma"]  # optical mode: n_th_a = 0 at 50 mK, no a+ channel
    res = steady_state(M.H(2.0), M.c_ops)
    rho_b = res.rho_ss.ptrace(1).full()
    assert np.max(np.abs(np.diag(rho_b).real - _geometric(n_hand, N))) < 1e-8
    assert qutip.expect(M.ops["b"].dag() * M.ops["b"], res.rho_ss) == pytest.approx(n_hand, abs=1e-8)


# ------------------------------------------------------------------------------ dephasing
def test_dephasing_decays_the_atomic_coherence_at_gamma_phi():
    # L(|g><e| (x) |000><000|) = -(gamma/2 + gamma_phi) |g><e| (x) |000><000| for H = 0, the modes in vacuum:
    # gamma D[sigma] gives gamma/2, (gamma_phi/2) D[sigma_z] gives (gamma_phi/2)(sigma_z X sigma_z - X) = -gamma_phi X.
    gamma, gamma_phi = 0.001, 0.004
    p = FIG1.replace(gamma=gamma, gamma_phi=gamma_phi)
    M = Model(p, "left", 2)
    vac = M.state(0, 0, 0, "g") * M.state(0, 0, 0, "e").dag()
    L = liouvillian_matrix(0 * M.ops["I"], M.c_ops)
    x = vac.full().reshape(-1, order="F")  # column stacking, as qutip's operator_to_vector
    y = L @ x
    assert np.max(np.abs(y + (gamma / 2 + gamma_phi) * x)) < 1e-15
    # and the same rate in a short master-equation run: <sigma>(t) = <sigma>(0) exp(-(gamma/2 + gamma_phi) t)
    plus = (M.state(0, 0, 0, "e") + M.state(0, 0, 0, "g")).unit()
    t = np.linspace(0.0, 200.0, 5)
    out = qutip.mesolve(0 * M.ops["I"], plus, t, M.c_ops, e_ops=[M.ops["sigma"]],
                        options={"atol": 1e-12, "rtol": 1e-10}).expect[0]
    assert np.allclose(out, 0.5 * np.exp(-(gamma / 2 + gamma_phi) * t), rtol=1e-7, atol=1e-12)


def test_dephasing_leaves_populations_alone():
    # sigma_z commutes with sigma^dag sigma: without decay and drive the excited population stays put.
    p = FIG1.replace(gamma=0.0, gamma_phi=0.01)
    M = Model(p, "left", 2)
    rho = qutip.ket2dm((M.state(0, 0, 0, "e") + M.state(0, 0, 0, "g")).unit())
    L = liouvillian_matrix(0 * M.ops["I"], [c for c, n in zip(M.c_ops, M.channels, strict=True) if n == "sigma_z"])
    y = L @ rho.full().reshape(-1, order="F")
    diag = y.reshape(rho.shape, order="F").diagonal()
    assert np.max(np.abs(diag)) < 1e-16


# ------------------------------------------------------------------------------ trajectories label absorptions
def test_trajectory_jump_records_label_thermal_absorption():
    p = FIG1.replace(lambda_as=0.0, lambda_ab=0.0, lambda_am=0.0, n_th_b=1.0, kappa_b=0.05)
    tr = trajectory(p, "left", 0.0, np.linspace(0.0, 200.0, 3), cutoff=(2, 8, 2), seed=3, ntraj=2)
    assert "b+" in tr.channels and "b" in tr.channels
    n_abs = sum(r.times["b+"].size for r in tr.jumps)
    n_em = sum(r.times["b"].size for r in tr.jumps)
    # expected ~ kappa_b n_th <b b^dag> t = 0.05 * 2 * 200 = 20 absorptions per trajectory: both labels seen
    assert n_abs > 0 and n_em > 0


def test_bundle_emission_counts_the_emission_jumps_only():
    """A decoupled thermal mode in its Bose-Einstein state: the emission flux out of it is kappa (n_th + 1) <a^dag a>
    (closed form kappa (n_th + 1) n_th), and the single-quantum 'bundle' |100> has purity P_1 kappa (n_th + 1) /
    flux = P_1 / n_th with P_1 = n_th / (1 + n_th)^2 (geometric populations), not the zero-temperature coefficient."""
    n_th, N = 0.3, 16
    p = FIG1.replace(lambda_as=0.0, lambda_ab=0.0, lambda_am=0.0, n_th_a=n_th)
    M = Model(p, "left", (N, 2, 2))
    rho = steady_state(M.H(PAPER_DELTA_AD), M.c_ops).rho_ss
    kappa = p.rates["kappa_a"]
    P1, gamma_B, flux = bundle_emission_rate(M, rho, (1, 0, 0))
    assert P1 == pytest.approx(n_th / (1 + n_th) ** 2, rel=1e-7)
    assert flux == pytest.approx(kappa * (n_th + 1) * n_th, rel=1e-7)
    assert gamma_B == pytest.approx(P1 * kappa * (n_th + 1), rel=1e-7)
    assert bundle_purity(M, rho, (1, 0, 0)) == pytest.approx(1.0 / (1 + n_th) ** 2, rel=1e-7)
