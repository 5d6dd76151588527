"""The study layer: resonance placement, cutoff choice, the steady-state point function, grids and single runs.

What the figures, the report and the single runs compute, tested without drawing (the figures are tested in
``tests/test_figures.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
import qutip

from nrbundle.analytic.predict import predict_transition
from nrbundle.analytic.resonances import closed_form
from nrbundle.errors import InputError
from nrbundle.numeric.model import Model
from nrbundle.numeric.steady import OBSERVABLE_NAMES
from nrbundle.params import get_preset
from nrbundle.provenance import cached_json, short_hash
from nrbundle.study.cutoffs import cutoff_bands, cutoff_for_kappa
from nrbundle.study.kappa import kappa_grid, kappa_point
from nrbundle.study.points import steady_point, steady_values, with_common_kappa
from nrbundle.study.resonances import (
    SUMMARY_FIELDS,
    locate_resonances,
    regime_Delta_ad,
    resonance_report,
    resonance_summary,
)
from nrbundle.study.runs import resolve_delta_ad, time_grid, trajectory_run
from nrbundle.study.spectra import LINE_SPACING, TAIL_SPACING, ladder_energies, line_widths, spectrum_grid
from nrbundle.transitions import PAPER_TRANSITIONS, transition_key

P = get_preset("fig1")

#: Smallest cutoff at which the bundle g2 (two quanta per mode) is defined with one spare level.
TINY_CUTOFF = (3, 3, 3)
#: Agreement with QuTiP's direct sparse-LU steady state (an independent solver) at dimension 54; bundle g2
#: numerators are ~1e-6 here and the direct solve leaves ~1e-12 absolute error on rho.
INDEPENDENT_SOLVER_RTOL = 1e-5
#: The S16 ladder energies cross exactly at the closed-form resonance (an identity up to round-off).
LADDER_ATOL = 1e-12
#: The tiny cutoff is truncated (top levels populated, results cutoff-dependent); the tests marked with it compare
#: keys or two routes at the same cutoff and do not depend on it.
TINY_CUTOFF_WARNS = pytest.mark.filterwarnings("ignore::nrbundle.errors.TruncationWarning")
#: The meta keys of ``nrbundle sweep steady`` (its result contract).
STEADY_META = {"cutoff", "residual", "truncation_error", "iterations", "time", "top_level_population"}


# ------------------------------------------------------------------------------------------- point function
@TINY_CUTOFF_WARNS
def test_steady_point_keys_are_the_sweep_steady_contract():
    r = steady_point({"Delta_ad": 1.3402, "direction": "left"}, P, cutoff=TINY_CUTOFF)
    assert set(r) == set(OBSERVABLE_NAMES) | {"meta"}
    assert set(r["meta"]) == STEADY_META
    assert r["meta"]["cutoff"] == list(TINY_CUTOFF)


@TINY_CUTOFF_WARNS
def test_steady_point_adds_witnesses_on_request():
    r = steady_point({}, P, Delta_ad=1.3402, direction="left", cutoff=TINY_CUTOFF, witness_parties=("ab", "amsigma"))
    assert {"W1_ab", "D1_ab", "W1_amsigma", "D1_amsigma"} <= set(r)
    assert r["D1_ab"] == max(0.0, r["W1_ab"])
    assert set(r["meta"]) == STEADY_META | {"witness"} and set(r["meta"]["witness"]) == {"ab", "amsigma"}


@TINY_CUTOFF_WARNS
def test_witnesses_evaluated_on_a_recently_solved_point_equal_those_of_a_solve_with_witnesses():
    """A point solved without witnesses and asked for them afterwards (a cutoff check, then its sweep point) gives
    the record of one solve with witnesses, number for number, and solves nothing again."""
    from nrbundle.study import points

    parties = ("ab", "amsigma")
    x = 1.3402 + 1e-7 * np.random.default_rng().random()  # a point no other test has cached in this process
    direct = steady_point({}, P, Delta_ad=x, direction="left", cutoff=TINY_CUTOFF, witness_parties=parties)
    plain = steady_values(P, "left", x, TINY_CUTOFF)
    solves = []
    real = points.solve_steady
    points.solve_steady = lambda *a, **k: solves.append(a) or real(*a, **k)
    try:
        later = steady_values(P, "left", x, TINY_CUTOFF, witness_parties=parties)
    finally:
        points.solve_steady = real
    assert solves == []
    assert {k: v for k, v in later.items() if k != "meta"} == {k: v for k, v in direct.items() if k != "meta"}
    assert later["meta"]["witness"] == direct["meta"]["witness"]
    assert {k: v for k, v in later["meta"].items() if k not in ("time", "witness")} == {
        k: v for k, v in plain["meta"].items() if k != "time"}


def test_steady_point_names_a_bad_axis():
    with pytest.raises(InputError, match="axis"):
        steady_point({"Delta_ad": 1.34, "direction": "left", "colour": 1.0}, P, cutoff=TINY_CUTOFF)
    with pytest.raises(InputError, match="Delta_ad"):
        steady_point({"direction": "left"}, P, cutoff=TINY_CUTOFF)


@TINY_CUTOFF_WARNS
def test_kappa_point_is_the_steady_point_at_a_common_kappa():
    p = P.replace(kappa_a=0.02)  # a per-mode rate the kappa axis overrides
    r = kappa_point({"direction": "right", "kappa": 0.01}, params=p, Delta_ad=1.3408,
                    bands={"left": [[0.0, [4, 4, 4]]], "right": [[0.0, list(TINY_CUTOFF)]]})
    s = steady_point({}, with_common_kappa(p, 0.01), Delta_ad=1.3408, direction="right", cutoff=TINY_CUTOFF)
    assert with_common_kappa(p, 0.01).rates["kappa_a"] == 0.01
    assert {k: r[k] for k in OBSERVABLE_NAMES} == {k: s[k] for k in OBSERVABLE_NAMES}


@TINY_CUTOFF_WARNS
def test_kappa_point_agrees_with_an_independent_steady_state_solver():
    """The sweep point function against QuTiP's direct steady state of the same model (independent solver)."""
    kappa, x = 0.01, 1.3408
    r = kappa_point({"direction": "left", "kappa": kappa}, params=P, Delta_ad=x, bands=[[0.0, list(TINY_CUTOFF)]])
    m = Model(P.replace(kappa=kappa), "left", TINY_CUTOFF)
    rho = qutip.steadystate(m.H(x), m.c_ops)
    a, mm = m.ops["a"], m.ops["m"]
    O = a * mm
    g2 = qutip.expect(O.dag() * O.dag() * O * O, rho) / qutip.expect(O.dag() * O, rho) ** 2
    assert r["g2_am"] == pytest.approx(g2, rel=INDEPENDENT_SOLVER_RTOL)
    assert r["n_a"] == pytest.approx(qutip.expect(a.dag() * a, rho), rel=INDEPENDENT_SOLVER_RTOL)
    assert r["meta"]["cutoff"] == list(TINY_CUTOFF)


def test_ladder_energies_cross_at_the_closed_form():
    for target in ((1, 0, 1), (1, 1, 0)):
        for d in ("left", "right"):
            xc = closed_form(P, target, d)
            E = ladder_energies(P, np.array([xc - 0.01, xc, xc + 0.01]))
            diff = E[transition_key(target, d)] - E["000+"]
            assert abs(diff[1]) < LADDER_ATOL
            assert diff[0] < 0 < diff[2]  # the target level rises through |000+> (slope 1 - D/R > 0)


def test_regime_delta_ad_rules():
    res = {
        "101-left": {"ed": 1.0, "half_splitting": 1e-3},
        "101-right": {"ed": 2.0, "half_splitting": 1e-3},
        "110-left": {"ed": 1.9, "half_splitting": 2e-3},
        "110-right": {"ed": 3.0, "half_splitting": 1e-3},
    }
    assert regime_Delta_ad(res, "blue")["Delta_ad"] == 1.0
    assert regime_Delta_ad(res, "pink")["Delta_ad"] == 3.0
    o = regime_Delta_ad(res, "orange")
    assert o["Delta_ad"] == pytest.approx(1.95)
    assert o["detuning_over_half_splitting"]["110-left"] == pytest.approx(0.05 / 2e-3)


def test_cutoff_bands_pick_the_band_below():
    bands = [[0.001, [8, 6, 6]], [0.003, [7, 5, 5]], [0.01, [6, 5, 5]]]
    assert cutoff_for_kappa(bands, 0.001) == (8, 6, 6)
    assert cutoff_for_kappa(bands, 0.0029) == (8, 6, 6)
    assert cutoff_for_kappa(bands, 0.003) == (7, 5, 5)
    assert cutoff_for_kappa(bands, 0.1) == (6, 5, 5)
    per_direction = {"left": bands, "right": [[0.001, [5, 5, 5]]]}
    assert cutoff_for_kappa(per_direction, 0.002, "left") == (8, 6, 6)
    assert cutoff_for_kappa(per_direction, 0.002, "right") == (5, 5, 5)


def test_spectrum_grid_puts_points_where_the_lines_are():
    lines = [(1.34, 3e-3), (1.37, 2e-3)]
    g = spectrum_grid(lines, 1.30, 1.43, spacing=LINE_SPACING[False], tail=TAIL_SPACING[False], background=5e-3,
                      keep=[1.355])
    assert np.all(np.diff(g) > 0)
    for x in (1.34, 1.37, 1.355):
        assert np.any(g == x)  # centres and kept points exactly
    for c, w in lines:
        near = g[np.abs(g - c) <= w * (1 + 1e-9)]
        assert np.max(np.diff(near)) <= LINE_SPACING[False] * w * (1 + 1e-9)  # across the line top
    assert g[0] == pytest.approx(1.30) and g[-1] == pytest.approx(1.43)
    assert np.max(np.diff(g)) <= 5e-3 * (1 + 1e-9)  # the background step bounds every gap
    for c, w in lines:  # beyond the line top the spacing grows with the distance from the line
        far = g[(g > c + 2 * w) & (g < c + 8 * w)]
        assert np.all(np.diff(far) <= LINE_SPACING[False] * w + TAIL_SPACING[False] * (far[1:] - c) + 1e-12)
    assert g.size < 0.5 * (1.43 - 1.30) / 2.5e-4  # far fewer points than a uniform grid fine enough for the lines


def test_line_widths_predict_the_steady_state_line():
    """The analytic half-width (driven two-level system with the ED g_eff) is that of the steady-state line to 30 %."""
    res = locate_resonances(P, quick=True)
    w = line_widths(P, res)
    for key, d, obs in (("101-left", "left", "n_m"), ("110-right", "right", "n_b")):
        x0, hw = res[key]["ed"], w[key]
        n = [steady_values(P, d, x, (4, 3, 3))[obs] for x in (x0 - hw, x0, x0 + hw)]
        for r in (n[0] / n[1], n[2] / n[1]):
            true_half_width = hw / np.sqrt(1.0 / r - 1.0)  # Lorentzian through the value at one half-width
            assert 0.7 < true_half_width / hw < 1.3


def test_cached_json_recomputes_for_another_key(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"value": len(calls)}

    p = tmp_path / "c.json"
    assert cached_json(p, {"k": 1}, compute) == {"value": 1}
    assert cached_json(p, {"k": 1}, compute) == {"value": 1}
    assert cached_json(p, {"k": 2}, compute) == {"value": 2}
    assert len(calls) == 2


@pytest.mark.slow
def test_full_fig3_cutoffs_are_converged(tmp_path):
    """The full Fig. 3 cutoff selection: every check point converged to 1e-2 in every plotted observable."""
    res = locate_resonances(P)
    x = regime_Delta_ad(res, "blue")["Delta_ad"]
    sel = cutoff_bands(P, "blue", x, kappa_grid(P))
    for chk in sel["checks"]:
        for pt in chk["points"]:
            if pt["direction"] == "left":  # the resonant direction of the blue regime
                assert pt["converged"] and pt["truncation_error"] < 1e-2


# ------------------------------------------------------------------------------------------- resonance table
def _fake_table() -> dict:
    out = {}
    for i, t in enumerate(PAPER_TRANSITIONS):
        out[t.key] = {"target": list(t.target), "direction": t.direction, "closed_form": 1.0 + i,
                      "corrected": 1.1 + i, "shift_order": 4, "g_eff": -1e-4 * (i + 1), "g_eff_order": 3,
                      "valid": True, "g_eff_corrected": 1e-4 * (i + 1), "ed": 1.2 + i, "half_splitting": 2e-4,
                      "ed_cutoff": [4, 4, 4], "ed_convergence": None, "time_s": 0.1}
    return out


def test_resonance_report_is_the_resonances_json_contract():
    rep = resonance_report(P, _fake_table())
    assert set(rep) == {"preset", "units", "parameters", "transitions"}
    keys = {"target", "direction", "closed_form", "corrected", "shift_order", "g_eff", "g_eff_order", "valid", "ed",
            "ed_half_splitting", "ed_cutoff"}
    assert [set(r) for r in rep["transitions"]] == [keys] * 4
    assert [(tuple(r["target"]), r["direction"]) for r in rep["transitions"]] == [
        (t.target, t.direction) for t in PAPER_TRANSITIONS]
    assert rep["transitions"][1]["g_eff"] == -2e-4 and rep["transitions"][1]["ed_half_splitting"] == 2e-4


def test_resonance_summary_keeps_the_figure_fields():
    s = resonance_summary(_fake_table())
    assert all(list(r) == list(SUMMARY_FIELDS) for r in s.values())


def test_locate_resonances_is_computed_once_per_work_folder(tmp_path):
    res = locate_resonances(P, quick=True, work=tmp_path)
    files = list(tmp_path.glob("resonances-*.json"))
    assert [f.name for f in files] == [f"resonances-{short_hash([P.to_dict(), True])}.json"]
    stamp = files[0].stat().st_mtime_ns
    assert locate_resonances(P, quick=True, work=tmp_path) == res  # read back, not recomputed
    assert files[0].stat().st_mtime_ns == stamp
    for t in PAPER_TRANSITIONS:
        row = predict_transition(P, t.target, t.direction, shift_order=4)
        rec = res[t.key]
        for k in ("closed_form", "corrected", "g_eff", "g_eff_order", "valid", "shift_order"):
            assert rec[k] == pytest.approx(row[k], rel=1e-12)
        assert rec["ed_cutoff"] == [4, 4, 4] and rec["half_splitting"] > 0


# ------------------------------------------------------------------------------------------- single runs
def test_single_run_errors_name_the_parameter():
    with pytest.raises(InputError, match="^Delta_ad:"):
        resolve_delta_ad(P, "left", None, None, TINY_CUTOFF)
    with pytest.raises(InputError, match="^Delta_ad:"):
        resolve_delta_ad(P, "left", float("nan"), None, TINY_CUTOFF)
    with pytest.raises(InputError, match="^points:"):
        time_grid(100.0, 5)
    with pytest.raises(InputError, match="^t_max:"):
        time_grid(-1.0, 100)
    with pytest.raises(InputError, match="^seed:"):
        trajectory_run(P, "left", Delta_ad=1.34, seed=-1)
