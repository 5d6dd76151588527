"""Resonance conditions S16-S22: solved forms against the paper (typed here), numbers, extraneous roots, orange."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nrbundle.analytic import symbols as s
from nrbundle.analytic.resonances import (
    closed_form,
    closed_form_function,
    ladder_energy,
    prove_orange_coincidence,
    solve_resonance,
)
from nrbundle.errors import InputError
from nrbundle.params import get_preset
from nrbundle.transitions import PAPER_TRANSITIONS

#: |E(000+) - E(target -)| at a solved Delta_ad, in units of omega_b, for O(1) parameters (double rounding).
ENERGY_TOL = 1e-10
#: Closed forms quoted to 6 decimals by the project's notes (independent evaluation of S18-S22 at fig1).
QUOTED_TOL = 1e-6

F = s.Delta_F_abs
Dsa, xi, wb, wm, Dad = s.Delta_sa, s.xi, s.omega_b, s.omega_m, s.Delta_ad
R = sp.sqrt((Dsa + Dad) ** 2 + 4 * xi**2)

#: The Supplement's S18, S19, S21, S22 (typed from the paper).
PAPER = {
    ((1, 0, 1), "left"): (Dsa**2 + 4 * xi**2 - (wm + F) ** 2) / (2 * (wm + F - Dsa)),  # S18
    ((1, 0, 1), "right"): (Dsa**2 + 4 * xi**2 - (wm - F) ** 2) / (2 * (wm - F - Dsa)),  # S19
    ((1, 1, 0), "left"): (Dsa**2 + 4 * xi**2 - (wb + F) ** 2) / (2 * (wb + F - Dsa)),  # S21
    ((1, 1, 0), "right"): (Dsa**2 + 4 * xi**2 - (wb - F) ** 2) / (2 * (wb - F - Dsa)),  # S22
}


def dressed_energies(Delta_sa: float, Delta_ad: float, xi_val: float) -> tuple[float, float]:
    """(E_-, E_+) from numpy.linalg.eigh of [[D, xi], [xi, 0]], independent of the SymPy derivation."""
    w = np.linalg.eigvalsh(np.array([[Delta_sa + Delta_ad, xi_val], [xi_val, 0.0]]))
    return float(w[0]), float(w[1])


def energy_mismatch(p, target, direction, Delta_ad: float) -> float:
    n_a, n_b, n_m = target
    dF = p.Delta_F_signed(direction)
    Em, Ep = dressed_energies(p.Delta_sa, Delta_ad, p.xi)
    E0 = Ep
    E1 = n_a * (Delta_ad + dF) + n_b * p.omega_b + n_m * p.omega_m + Em
    return E0 - E1


def test_ladder_energy_is_S16() -> None:
    E = ladder_energy(2, 1, 3, "-")
    expected = 2 * (Dad + s.Delta_F) + wb + 3 * wm + (Dsa + Dad - R) / 2
    assert sp.simplify(E - expected) == 0
    assert sp.simplify(ladder_energy(0, 0, 0, "+") - (Dsa + Dad + R) / 2) == 0


@pytest.mark.parametrize("pt", PAPER_TRANSITIONS, ids=lambda p: f"{p.target}-{p.direction}")
def test_solved_forms_equal_the_paper(pt) -> None:
    sol = solve_resonance(pt.target, pt.direction)
    assert sol.paper_equation == pt.equation
    assert len(sol.solutions) == 1 and sol.rejected == ()
    assert sp.simplify(sol.solutions[0] - PAPER[(pt.target, pt.direction)]) == 0


def test_unsquared_conditions_S17_S20() -> None:
    S17 = (Dad + F) + wm - R
    S20 = (Dad + F) + wb - R
    assert sp.simplify(solve_resonance((1, 0, 1), "left").unsquared - S17) == 0
    assert sp.simplify(solve_resonance((1, 1, 0), "left").unsquared - S20) == 0


def test_paper_transitions_and_figure_misprint() -> None:
    table = {(p.target, p.direction): p for p in PAPER_TRANSITIONS}
    assert set(table) == set(PAPER)
    assert [p.equation for p in PAPER_TRANSITIONS] == ["S18", "S19", "S21", "S22"]
    assert table[((1, 0, 1), "left")].unsquared_equation == "S17"
    assert table[((1, 1, 0), "left")].unsquared_equation == "S20"
    # NOTES misprint 5: the right-driven photon-magnon resonance belongs to Fig. 1(d), not 1(c)
    right_pm = table[((1, 0, 1), "right")]
    assert "1(d)" in right_pm.figure and "orange" in right_pm.figure
    assert "1(c)" in right_pm.note
    for p in PAPER_TRANSITIONS:
        assert ("1(c)" if p.direction == "left" else "1(d)") in p.figure


def test_fig1_closed_forms_match_quoted_values() -> None:
    p = get_preset("fig1")
    quoted = {"S18": 1.319087, "S19": 1.347803, "S21": 1.347803, "S22": 1.376610}
    for pt in PAPER_TRANSITIONS:
        assert abs(closed_form(p, pt.target, pt.direction) - quoted[pt.equation]) < QUOTED_TOL


TARGETS = [(1, 0, 1), (1, 1, 0), (2, 0, 2), (2, 2, 0), (1, 1, 1), (3, 1, 0), (2, 0, 0)]


@pytest.mark.parametrize("direction", ["left", "right"])
def test_solution_makes_levels_degenerate_numerically(direction) -> None:
    """E(000+) - E(target -) = 0 at the solved Delta_ad, with energies from numpy (fig1 and random points)."""
    rng = np.random.default_rng(1622)
    presets = [get_preset("fig1"), get_preset("physical")]
    for _ in range(6):
        presets.append(
            get_preset("fig1").replace(
                Delta_sa=rng.uniform(-5, -1),
                omega_m=rng.uniform(0.8, 1.3),
                Delta_F=rng.uniform(0, 0.1),
                xi=rng.uniform(0.3, 1.5),
            )
        )
    for p in presets:
        for target in TARGETS:
            Dad_val = closed_form(p, target, direction)
            assert abs(energy_mismatch(p, target, direction, Dad_val)) < ENERGY_TOL * max(1.0, abs(Dad_val))


def test_extraneous_root_rejected_for_two_photon_target() -> None:
    sol = solve_resonance((2, 0, 2), "left")
    assert len(sol.solutions) == 1 and len(sol.rejected) == 1
    assert sol.condition is sp.true
    p = get_preset("fig1")
    vals = {Dsa: p.Delta_sa, xi: p.xi, wb: p.omega_b, wm: p.omega_m, F: p.Delta_F}
    bad = float(sol.rejected[0].subs(vals))
    good = float(sol.solutions[0].subs(vals))
    # both satisfy the squared condition, only the accepted one the unsquared one
    assert abs(float(sol.squared.subs(vals).subs(Dad, bad))) < 1e-9
    assert abs(float(sol.squared.subs(vals).subs(Dad, good))) < 1e-9
    assert float(sol.lhs.subs(vals).subs(Dad, bad)) < 0
    assert abs(energy_mismatch(p, (2, 0, 2), "left", bad)) > 1.0
    assert abs(energy_mismatch(p, (2, 0, 2), "left", good)) < ENERGY_TOL


def test_single_photon_root_invalid_when_condition_fails() -> None:
    """n_a = 1: the only root is extraneous when omega_m + Delta_F <= Delta_sa (validity condition)."""
    sol = solve_resonance((1, 0, 1), "left")
    assert sp.simplify(sol.condition.lhs - (wm + F - Dsa)) == 0
    p = get_preset("fig1").replace(Delta_sa=2.0)  # omega_m + |Delta_F| - Delta_sa < 0
    with pytest.raises(InputError, match="target"):
        closed_form(p, (1, 0, 1), "left")
    # the root of the squared equation exists but gives u = -R
    vals = {Dsa: p.Delta_sa, xi: p.xi, wm: p.omega_m, F: p.Delta_F}
    root = float(sol.solutions[0].subs(vals))
    assert float(sol.lhs.subs(vals).subs(Dad, root)) < 0
    assert abs(energy_mismatch(p, (1, 0, 1), "left", root)) > 1.0


def test_zero_photon_targets_have_two_branches() -> None:
    sol = solve_resonance((0, 1, 1), "left")
    assert len(sol.solutions) == 2 and sol.rejected == ()
    assert sp.simplify(sol.condition.lhs - (wb + wm - 2 * xi)) == 0
    p = get_preset("fig1")
    lo, hi = (closed_form(p, (0, 1, 1), "left", root=k) for k in (0, 1))
    assert lo < hi
    for v in (lo, hi):
        assert abs(energy_mismatch(p, (0, 1, 1), "left", v)) < ENERGY_TOL
    with pytest.raises(InputError, match="root"):
        closed_form(p, (0, 1, 1), "left")
    # below threshold (omega_b + omega_m < 2 xi) there is no resonance
    with pytest.raises(InputError, match="target"):
        closed_form(p.replace(xi=1.5), (0, 1, 1), "left", root=0)


def test_direction_none_keeps_signed_shift() -> None:
    general = solve_resonance((1, 0, 1), None).solutions[0]
    left = solve_resonance((1, 0, 1), "left").solutions[0]
    right = solve_resonance((1, 0, 1), "right").solutions[0]
    assert sp.simplify(general.subs(s.Delta_F, F) - left) == 0
    assert sp.simplify(general.subs(s.Delta_F, -F) - right) == 0


def test_vectorised_closed_form_gives_nan_where_invalid() -> None:
    f = closed_form_function((1, 1, 0), "left")
    p = get_preset("fig1")
    Delta_sa = np.array([-3.1, -1.0, 0.5, 1.5, 3.0])
    out = f.at(p, "left", Delta_sa=Delta_sa)
    assert out.shape == Delta_sa.shape
    valid = p.omega_b + p.Delta_F - Delta_sa > 0
    assert np.all(np.isfinite(out[valid])) and np.all(np.isnan(out[~valid]))
    assert abs(out[0] - closed_form(p, (1, 1, 0), "left")) < 1e-14


def test_orange_coincidence_proof() -> None:
    proof = prove_orange_coincidence()
    assert proof.proven
    assert proof.cofactor_sign == -1
    assert sp.expand(proof.factor - (wm - wb - 2 * F)) == 0
    S19, S21 = PAPER[((1, 0, 1), "right")], PAPER[((1, 1, 0), "left")]
    assert sp.simplify(S19 - S21 - proof.factor * proof.cofactor) == 0
    # numerically: equal when omega_m - omega_b = 2|Delta_F| (fig1), different otherwise
    p = get_preset("fig1")
    assert abs(closed_form(p, (1, 0, 1), "right") - closed_form(p, (1, 1, 0), "left")) < 1e-12
    q = p.replace(omega_m=1.07)
    assert abs(closed_form(q, (1, 0, 1), "right") - closed_form(q, (1, 1, 0), "left")) > 1e-3


def test_input_validation() -> None:
    with pytest.raises(InputError, match="target"):
        solve_resonance((0, 0, 0), "left")
    with pytest.raises(InputError, match="target"):
        solve_resonance((1, -1, 0), "left")
    with pytest.raises(InputError, match="direction"):
        solve_resonance((1, 0, 1), "up")
    with pytest.raises(InputError, match="label"):
        ladder_energy(1, 0, 1, "e")
    with pytest.raises(InputError, match="n_b"):
        ladder_energy(1, 1.5, 1, "+")
    assert solve_resonance("1,0,1", "left") is solve_resonance((1, 0, 1), "left")
