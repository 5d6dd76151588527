"""Population dynamics of Fig. 2(a-c): norm and trace, two closed-evolution routes, super-Rabi transfer at the
exact-diagonalization resonance, its frequency against the ED splitting, nonreciprocity, and an open-system limit
with a closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nrbundle.errors import ConvergenceError, InputError
from nrbundle.numeric.dynamics import DEFAULT_POPULATIONS, evolve, super_rabi_frequency
from nrbundle.numeric.labels import format_label
from nrbundle.numeric.spectrum import avoided_crossing
from nrbundle.params import get_preset

FIG1 = get_preset("fig1")
#: Cutoff 3 keeps the physics of the pair resonances (pair weights ~0.97, g_eff within 30% of cutoff 5) at
#: dimension 54, so a run over two transfer times (~7e3 / omega_b) takes ~2 s with sesolve.
CUTOFF = 3
#: sesolve (adams, atol 1e-10, rtol 1e-8) over ~1e5 steps: the norm drifts by ~1e-7; 1e-6 is the bound.
NORM_TOL = 1e-6
#: sesolve against exact propagation in the eigenbasis: integration error of the same size as the norm drift.
ROUTE_TOL = 1e-5
#: g_eff from a fit of the P_target(t) record against half the ED minimum splitting. For a two-level super-Rabi
#: oscillation they are the same number; the fast off-resonant ripple (~1% of P) averages out in a fit over two
#: transfer times, so 1% is a generous bound (observed: ~1e-8).
FREQ_REL_TOL = 1e-2
#: Opposite drive direction: the target is detuned by ~2|Delta_F| (S18 vs S19) ~ 50 widths: transfer ~ (g/delta)^2.
OFF_RESONANT_MAX = 0.1


@pytest.fixture(scope="module")
def crossing():
    return avoided_crossing(FIG1, (1, 0, 1), "left", CUTOFF)


@pytest.fixture(scope="module")
def tlist(crossing):
    return np.linspace(0.0, 2.0 * crossing.super_rabi_period, 2001)


@pytest.fixture(scope="module")
def closed(crossing, tlist):
    return evolve(FIG1, "left", crossing.resonance, tlist, cutoff=CUTOFF)


def test_closed_run_records_the_default_populations(closed, crossing, tlist):
    assert closed.solver == "sesolve" and not closed.open_system
    assert closed.cutoff == (3, 3, 3) and closed.Delta_ad == crossing.resonance and closed.initial == "000+"
    assert set(closed.populations) == set(DEFAULT_POPULATIONS)
    assert all(v.shape == tlist.shape for v in closed.populations.values())
    assert closed.populations["000+"][0] == pytest.approx(1.0, abs=1e-14)
    assert closed.options["normalize_output"] is False


def test_closed_norm_is_conserved(closed):
    assert np.max(np.abs(closed.norm - 1.0)) < NORM_TOL


def test_sesolve_matches_exact_propagation(closed, crossing, tlist):
    exact = evolve(FIG1, "left", crossing.resonance, tlist, cutoff=CUTOFF, solver="eig")
    for k, v in closed.populations.items():
        assert np.max(np.abs(v - exact.populations[k])) < ROUTE_TOL, k


def test_super_rabi_transfer_at_the_ed_resonance(closed, crossing, tlist):
    P = closed.populations["101-"]
    # ED eigenstates are ~50/50 mixtures of |000+> and |101-> (each carrying ~0.97 of the two): transfer ~0.95
    assert P.max() > 0.8
    # and it happens at the transfer time pi / (2 g_eff) of the ED splitting (within the time grid, 0.1%)
    assert tlist[np.argmax(P[: len(tlist) * 3 // 4])] == pytest.approx(crossing.super_rabi_period, rel=1e-2)
    # populations in the super-Rabi doublet are complementary up to the dressing (~5%)
    assert np.all(P + closed.populations["000+"] > 0.9)


def test_super_rabi_frequency_matches_half_splitting(closed, crossing):
    g_fit = super_rabi_frequency(closed, "101-")
    assert g_fit == pytest.approx(crossing.half_splitting, rel=FREQ_REL_TOL)
    # the cruder first-maximum estimate is limited by the time grid and the ripple at the peak
    assert super_rabi_frequency(closed, "101-", method="first-maximum") == pytest.approx(
        crossing.half_splitting, rel=3e-2
    )


def test_opposite_direction_does_not_transfer(crossing, tlist):
    """Nonreciprocity (Fig. 2(a) inset): at the left-drive resonance the right-driven system stays in |000+>."""
    right = evolve(FIG1, "right", crossing.resonance, tlist, cutoff=CUTOFF)
    assert right.populations["101-"].max() < OFF_RESONANT_MAX
    assert right.populations["110-"].max() < OFF_RESONANT_MAX
    assert right.populations["000+"].min() > 0.9


def test_orange_region_pumps_different_pairs_in_opposite_directions():
    """Fig. 2(c): at the right-drive |101-> resonance, the left-driven system makes |110-> instead (their ED
    resonances lie ~1e-4 apart, well inside one crossing width)."""
    r = avoided_crossing(FIG1, (1, 0, 1), "right", CUTOFF)
    tl = np.linspace(0.0, 2.0 * r.super_rabi_period, 4001)
    rd = evolve(FIG1, "right", r.resonance, tl, cutoff=CUTOFF, solver="eig")
    ld = evolve(FIG1, "left", r.resonance, tl, cutoff=CUTOFF, solver="eig")
    assert rd.populations["101-"].max() > 0.8 and rd.populations["110-"].max() < OFF_RESONANT_MAX
    assert ld.populations["110-"].max() > 0.8 and ld.populations["101-"].max() < OFF_RESONANT_MAX


@pytest.fixture(scope="module")
def open_run(crossing):
    return evolve(FIG1, "left", crossing.resonance, np.linspace(0.0, 400.0, 201), cutoff=CUTOFF, open_system=True)


def test_open_trace_is_preserved(open_run):
    assert open_run.solver == "mesolve" and open_run.open_system
    assert np.max(np.abs(open_run.norm - 1.0)) < 1e-8
    for v in open_run.populations.values():
        assert np.all(v > -1e-10) and np.all(v < 1 + 1e-10)


def test_open_single_photon_decay():
    """Couplings off, xi -> 0: a photon in |100g> leaks at kappa_a (Eq. 2), P_100g = exp(-kappa_a t)."""
    p = FIG1.replace(lambda_as=0.0, lambda_ab=0.0, lambda_am=0.0, xi=1e-9, kappa_a=0.02)
    t = np.linspace(0.0, 150.0, 61)
    run = evolve(p, "left", 1.0, t, cutoff=2, open_system=True, initial="100g", populations=["100g", "000g"])
    assert np.allclose(run.populations["100g"], np.exp(-0.02 * t), atol=1e-7)
    assert np.allclose(run.populations["000g"], 1 - np.exp(-0.02 * t), atol=1e-7)


def test_input_errors(crossing, open_run):
    with pytest.raises(InputError, match="tlist"):
        evolve(FIG1, "left", 1.34, [0.0, 0.0, 1.0], cutoff=2)
    with pytest.raises(InputError, match="solver"):
        evolve(FIG1, "left", 1.34, [0.0, 1.0], cutoff=2, solver="mesolve")
    with pytest.raises(InputError, match="direction"):
        evolve(FIG1, "up", 1.34, [0.0, 1.0], cutoff=2)
    with pytest.raises(InputError, match="outside"):
        evolve(FIG1, "left", 1.34, [0.0, 1.0], cutoff=2, populations=["200+"])
    with pytest.raises(InputError, match="closed"):
        super_rabi_frequency(open_run, "101-")


def test_record_too_short_is_reported(crossing):
    tl = np.linspace(0.0, 0.8 * crossing.super_rabi_period, 300)
    short = evolve(FIG1, "left", crossing.resonance, tl, cutoff=CUTOFF, solver="eig")
    with pytest.raises(ConvergenceError, match="extend tlist"):
        super_rabi_frequency(short, "101-")
    with pytest.raises(InputError, match="not recorded"):
        super_rabi_frequency(short, format_label(0, 1, 1, "-"))
    assert math.isfinite(short.populations["101-"].max())
