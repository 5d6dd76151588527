"""Exact diagonalization of Eq. (1): hermiticity, the uncoupled S16 ladder, the JC vacuum Rabi splitting, and the
four avoided crossings of the paper (|000+> with |101-> and |110->, left and right drive) at fig1."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nrbundle.errors import ConvergenceError, InputError
from nrbundle.ladder import bare_resonance
from nrbundle.numeric.labels import parse_label
from nrbundle.numeric.model import Model
from nrbundle.numeric.spectrum import (
    MIN_PAIR_WEIGHT,
    avoided_crossing,
    avoided_crossing_converged,
    pair_splitting,
    resonance_scan,
    spectrum,
)
from nrbundle.params import get_preset

FIG1 = get_preset("fig1")
UNCOUPLED = FIG1.replace(lambda_as=0.0, lambda_ab=0.0, lambda_am=0.0)
TRANSITIONS = [((1, 0, 1), "left"), ((1, 0, 1), "right"), ((1, 1, 0), "left"), ((1, 1, 0), "right")]

#: Eigenvalues of a dense symmetric eigensolver are exact to ~ n * eps * ||H|| ~ 1e-13 for ||H|| ~ 10.
EIG_TOL = 1e-11
#: The finder's contract: resonance to 1e-9 in Delta_ad (refinement xtol is 1e-10).
RESONANCE_TOL = 1e-9
#: The minimizer route is limited by the flatness of the splitting at its minimum: a shift x changes it by
#: sigma^2 x^2 / (4 g) ~ 1e-15 (round-off) at x ~ 3e-9, so the two routes can only agree to ~1e-8.
ROUTES_TOL = 1e-8
#: The reference resonances at fig1 (REFERENCE) were measured at cutoff 5; cutoff 4 differs from cutoff 5 by <= 5e-6
#: (measured truncation change), so cutoff-4 results must agree within 1e-5 in Delta_ad ...
REFERENCE_TOL = 1e-5
#: ... and within 0.5% in the half-splitting (cutoff 4 -> 5 changes it by ~0.2%).
REFERENCE_REL_TOL = 5e-3
#: At the minimum of the splitting the effective two-level mixing angle is pi/4 up to corrections of relative
#: order g' g / sigma^2 ~ 1e-6 and the admixture of other states (~3% of each eigenvector, shared almost equally):
#: the normalised weights are 1/2 within 1e-2.
MIXING_TOL = 1e-2

#: Reference values at cutoff 5 (fig1), measured independently (exact diagonalization on a fine grid).
REFERENCE = {
    ((1, 0, 1), "left"): (1.340779, 5.863e-4),
    ((1, 0, 1), "right"): (1.369660, 6.740e-4),
    ((1, 1, 0), "left"): (1.369561, 4.822e-4),
    ((1, 1, 0), "right"): (1.398539, 5.485e-4),
}


def s16_ladder(params, direction, Delta_ad, cutoff):
    """Closed-form S16 energies of every dressed product state (independent of the code under test)."""
    D = params.Delta_sa + Delta_ad
    R = math.sqrt(D * D + 4 * params.xi**2)
    DF = params.Delta_F if direction == "left" else -params.Delta_F
    out = {}
    for na in range(cutoff[0]):
        for nb in range(cutoff[1]):
            for nm in range(cutoff[2]):
                base = na * (Delta_ad + DF) + nb * params.omega_b + nm * params.omega_m
                out[(na, nb, nm, "+")] = base + (D + R) / 2
                out[(na, nb, nm, "-")] = base + (D - R) / 2
    return out


def closed_form_resonance(params, target, direction):
    """S18-S22: Delta_ad = (Delta_sa^2 + 4 xi^2 - W^2) / (2 (W - Delta_sa)), W = omega + Delta_F (signed)."""
    omega = params.omega_m if target == (1, 0, 1) else params.omega_b
    W = omega + (params.Delta_F if direction == "left" else -params.Delta_F)
    return (params.Delta_sa**2 + 4 * params.xi**2 - W**2) / (2 * (W - params.Delta_sa))


# ------------------------------------------------------------------------------------------ basics
@pytest.mark.parametrize("direction", ["left", "right"])
@pytest.mark.parametrize("Delta_ad", [-0.7, 1.3408, 2.5])
def test_hamiltonian_is_hermitian_and_real(direction, Delta_ad):
    H = Model(FIG1, direction, (3, 4, 2)).H_matrix(Delta_ad)
    assert np.allclose(H, H.conj().T, atol=0, rtol=0)
    assert np.all(H.imag == 0)  # Eq. (1) has real coefficients in the Fock basis


# ------------------------------------------------------------------------ uncoupled limit (S16)
@pytest.mark.parametrize("direction", ["left", "right"])
def test_uncoupled_spectrum_is_the_s16_ladder(direction):
    cutoff = (3, 3, 2)
    grid = [0.4, 1.319087, 2.2]
    sp = spectrum(Model(UNCOUPLED, direction, cutoff), grid, keep_vectors=True)
    for i, x in enumerate(grid):
        ladder = s16_ladder(UNCOUPLED, direction, x, cutoff)
        assert np.allclose(sp.energies[i], np.sort(list(ladder.values())), atol=EIG_TOL, rtol=0)
        # each eigenvalue is the S16 energy of its label (within a degenerate level the best label is one of the
        # level's states, so this holds even there)
        for k in range(sp.energies.shape[1]):
            lab = parse_label(sp.labels[i, k])
            assert abs(ladder[lab] - sp.energies[i, k]) < EIG_TOL
    # Delta_ad = 0.4 has no degeneracy: every eigenvector is a dressed product state (overlap 1)
    assert np.all(sp.label_overlaps[0] > 1 - 1e-12)
    expected = s16_ladder(UNCOUPLED, direction, 0.4, cutoff)[(0, 0, 0, "+")]
    assert sp.level("000+")[0] == pytest.approx(expected, abs=EIG_TOL)


@pytest.mark.parametrize("target,direction", TRANSITIONS)
def test_uncoupled_crossing_is_the_closed_form(target, direction):
    """With every coupling off the levels cross exactly at S18-S22 and the splitting vanishes."""
    expected = closed_form_resonance(UNCOUPLED, target, direction)
    assert bare_resonance(UNCOUPLED, target, direction) == pytest.approx(expected, abs=1e-12)
    r = avoided_crossing(UNCOUPLED, target, direction, 3)
    assert r.resonance == pytest.approx(expected, abs=RESONANCE_TOL)
    assert r.half_splitting < 1e-9
    assert min(r.pair_weights) > 1 - 1e-12


# ----------------------------------------------------------------- JC vacuum Rabi (reference system)
def test_jaynes_cummings_vacuum_rabi_splitting():
    """lambda_ab = lambda_am = 0, xi -> 0 and Delta_sa = Delta_F (cavity and atom resonant in the rotating frame):
    the n-excitation JC doublet (|n g> +- |n-1 e>)/sqrt 2 is split by 2 lambda_as sqrt(n) for any Delta_ad."""
    lam = FIG1.lambda_as
    p = FIG1.replace(lambda_ab=0.0, lambda_am=0.0, xi=1e-8, Delta_sa=FIG1.Delta_F)
    model = Model(p, "left", (4, 2, 2))
    for x in (0.512, 1.3):
        sp = spectrum(model, [x], keep_vectors=True)
        E, V = sp.energies[0], sp.vectors[0]
        omega = x + p.Delta_F
        for n in (1, 2, 3):
            g_vec = model.state(n, 0, 0, "g").full().ravel()
            e_vec = model.state(n - 1, 0, 0, "e").full().ravel()
            wg, we = np.abs(g_vec @ V) ** 2, np.abs(e_vec @ V) ** 2
            doublet = np.flatnonzero(wg > 0.25)
            assert doublet.size == 2
            # xi = 1e-8 perturbs at order xi^2 / omega ~ 1e-16
            assert np.allclose(wg[doublet], 0.5, atol=1e-9) and np.allclose(we[doublet], 0.5, atol=1e-9)
            lo, hi = np.sort(E[doublet])
            assert hi - lo == pytest.approx(2 * lam * math.sqrt(n), abs=1e-9)
            assert (hi + lo) / 2 == pytest.approx(n * omega, abs=1e-9)


# -------------------------------------------------------------------- the four fig1 crossings
@pytest.fixture(scope="module")
def fig1_crossings():
    return {(t, d): avoided_crossing(FIG1, t, d, 4) for t, d in TRANSITIONS}


@pytest.mark.parametrize("target,direction", TRANSITIONS)
def test_fig1_crossing_is_maximal_mixing(fig1_crossings, target, direction):
    r = fig1_crossings[(target, direction)]
    assert r.cutoff == (4, 4, 4) and r.target == target and r.direction == direction
    assert min(r.pair_weights) > MIN_PAIR_WEIGHT
    ov = np.array(r.overlaps)  # rows: lower/upper eigenstate; columns: |000+>, |target->
    # each eigenstate carries each of the two states about equally (maximal mixing)
    assert np.all(ov > 0.4)
    # each of |000+> and |target-> is shared equally by the two eigenstates (columns normalised). Rows are not
    # expected to be 1/2: |target-> is dressed more strongly by the JC coupling than |000+> (0.47 vs 0.50).
    assert np.allclose(ov / ov.sum(axis=0), 0.5, atol=MIXING_TOL)


@pytest.mark.parametrize("target,direction", TRANSITIONS)
def test_fig1_crossing_is_a_minimum(fig1_crossings, target, direction):
    r = fig1_crossings[(target, direction)]
    x = r.resonance
    s = pair_splitting(FIG1, target, direction, [x - 1e-6, x, x + 1e-6, x - 5e-3, x + 5e-3], cutoff=4)
    assert s[1] == pytest.approx(2 * r.half_splitting, rel=1e-12)
    # a displacement of 1e-6 raises the splitting by sigma^2 x^2 / (4 g) ~ 1e-9, far above round-off (~1e-14)
    assert s[0] > s[1] and s[2] > s[1]
    # ~7 crossing widths away the hyperbola sqrt(4 g^2 + sigma^2 x^2), sigma ~ 1.7, has grown several-fold ...
    assert s[3] > 3 * s[1] and s[4] > 3 * s[1]
    # ... symmetrically about the minimum, up to the curvature of the diabatic levels (relative ~ x ~ 5e-3)
    assert s[3] == pytest.approx(s[4], rel=5e-3)


@pytest.mark.parametrize("target,direction", TRANSITIONS)
def test_fig1_crossing_matches_reference(fig1_crossings, target, direction):
    r = fig1_crossings[(target, direction)]
    res, half = REFERENCE[(target, direction)]
    assert r.resonance == pytest.approx(res, abs=REFERENCE_TOL)
    assert r.half_splitting == pytest.approx(half, rel=REFERENCE_REL_TOL)
    # the JC/linear level shifts move the resonance by ~0.021 above the S16 degeneracy (~30 splitting widths)
    assert 0.015 < r.resonance - closed_form_resonance(FIG1, target, direction) < 0.03


def test_fig1_nonreciprocal_displacement_follows_closed_form(fig1_crossings):
    """The level shifts nearly cancel in the left-right displacement of a resonance: S19 - S18 (S22 - S21) holds
    to ~2%: the shifts (~0.021) change by only a few percent over the ~0.03 between the two resonances."""
    for target in [(1, 0, 1), (1, 1, 0)]:
        ed = fig1_crossings[(target, "right")].resonance - fig1_crossings[(target, "left")].resonance
        cf = closed_form_resonance(FIG1, target, "right") - closed_form_resonance(FIG1, target, "left")
        assert ed == pytest.approx(cf, rel=2e-2)


# ------------------------------------------------------------------------- finder robustness
def test_finder_is_independent_of_the_scan_grid():
    results = [
        avoided_crossing(FIG1, (1, 0, 1), "left", 3, step=step, window=window).resonance
        for step, window in [(1e-3, 0.1), (6.1e-4, 0.08), (2.3e-4, 0.05), (1.7e-3, 0.12)]
    ]
    results.append(avoided_crossing(FIG1, (1, 0, 1), "left", 3, bracket=(1.33, 1.35), step=3e-4).resonance)
    assert max(results) - min(results) < RESONANCE_TOL


@pytest.mark.parametrize("target,direction", [((1, 0, 1), "right"), ((1, 1, 0), "left")])
def test_two_refinement_routes_agree(target, direction):
    hf = avoided_crossing(FIG1, target, direction, 3)
    mn = avoided_crossing(FIG1, target, direction, 3, method="minimize")
    assert hf.method == "hellmann-feynman" and mn.method == "minimize"
    assert mn.resonance == pytest.approx(hf.resonance, abs=ROUTES_TOL)
    assert mn.half_splitting == pytest.approx(hf.half_splitting, rel=1e-9)


def test_convergence_record():
    r = avoided_crossing_converged(FIG1, (1, 0, 1), "left", cutoffs=(3, 4))
    conv = r.convergence
    assert r.cutoff == (4, 4, 4) and conv["cutoffs"] == ((3, 3, 3), (4, 4, 4))
    assert conv["resonance_change"] == pytest.approx(abs(conv["resonances"][1] - conv["resonances"][0]))
    # cutoff 3 -> 4 moves the fig1 resonance by ~6e-4 and the coupling by ~30%: truncation matters
    assert 1e-5 < conv["resonance_change"] < 5e-3
    with pytest.raises(ConvergenceError, match="tol"):
        avoided_crossing_converged(FIG1, (1, 0, 1), "left", cutoffs=(3, 4), tol=1e-7)


def test_finder_errors():
    with pytest.raises(ConvergenceError, match="edge"):
        avoided_crossing(FIG1, (1, 0, 1), "left", 3, bracket=(1.0, 1.2))
    with pytest.raises(InputError, match="cutoff|outside"):
        avoided_crossing(FIG1, (1, 0, 2), "left", 2)
    with pytest.raises(InputError, match="direction"):
        avoided_crossing(FIG1, (1, 0, 1), "up", 3)
    with pytest.raises(InputError, match="target"):
        avoided_crossing(FIG1, "1,0", "left", 3)
    with pytest.raises(InputError, match="target"):
        bare_resonance(FIG1, (0, 1, 0), "left")


def test_resonance_scan_peaks_at_the_crossing():
    r = avoided_crossing(FIG1, (1, 0, 1), "left", 3)
    on = resonance_scan(FIG1, "left", [r.resonance], cutoff=3).mean_populations["101-"][0]
    off = resonance_scan(FIG1, "right", [r.resonance], cutoff=3).mean_populations["101-"][0]
    # on resonance: sum over the pair of |<k|101->|^2 |<k|000+>|^2 ~ 2 * 0.48 * 0.5
    assert on == pytest.approx(float(np.sum(np.prod(np.array(r.overlaps), axis=1))), rel=1e-2)
    assert on > 0.4 and off < 1e-2


def test_physical_preset_is_fig1_in_ghz():
    """`physical` is fig1 with every frequency doubled (omega_b = 2 GHz): Eq. (1) scales, so does the crossing."""
    fig1 = avoided_crossing(FIG1, (1, 1, 0), "right", 3)
    phys = avoided_crossing(get_preset("physical"), (1, 1, 0), "right", 3)
    assert phys.resonance == pytest.approx(2 * fig1.resonance, abs=2 * RESONANCE_TOL)
    assert phys.half_splitting == pytest.approx(2 * fig1.half_splitting, rel=1e-9)
