"""Figures 1-4 and the reproduce pipeline: files written, data equal to direct solves, helpers' contracts.

The figure functions run on tiny grids (a few Delta_ad or kappa values, small fixed cutoffs) with the serial
executor; the full-quality runs are marked slow.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import qutip

from nrbundle.errors import InputError, TruncationWarning
from nrbundle.figures import make_figures
from nrbundle.figures.fig1 import ladder_energies, make_fig1, spectrum_grid
from nrbundle.figures.fig2 import make_fig2
from nrbundle.figures.fig3 import kappa_point, make_fig3
from nrbundle.figures.fig4 import make_fig4
from nrbundle.figures.regimes import (
    cached_json,
    cutoff_for_kappa,
    locate_resonances,
    regime_Delta_ad,
    transition_key,
)
from nrbundle.figures.style import mask_spans
from nrbundle.params import get_preset

P = get_preset("fig1")

#: Smallest cutoff at which the bundle g2 (two quanta per mode) is defined with one spare level.
TINY_CUTOFF = (3, 3, 3)
#: Relative agreement of the same steady-state observable computed through the sweep and directly: both routes
#: call the same solver to a relative Liouvillian residual of 1e-15, so only round-off separates them.
SAME_SOLVER_RTOL = 1e-9
#: Agreement with QuTiP's direct sparse-LU steady state (an independent solver) at dimension 54; bundle g2
#: numerators are ~1e-6 here and the direct solve leaves ~1e-12 absolute error on rho.
INDEPENDENT_SOLVER_RTOL = 1e-5
#: The S16 ladder energies cross exactly at the closed-form resonance (an identity up to round-off).
LADDER_ATOL = 1e-12

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("figures")


@pytest.fixture(scope="module")
def tiny_runs(out_dir: Path) -> dict[str, list[Path]]:
    """Every figure on a tiny grid (serial executor, fixed small cutoffs, short records)."""
    res = locate_resonances(P, quick=True)
    centres = [res[transition_key((1, 0, 1), "left")]["ed"], res[transition_key((1, 1, 0), "right")]["ed"]]
    grid = sorted(set(np.round(np.concatenate([np.array(centres) + d for d in (-0.004, 0.0, 0.004)]), 9)))
    kap = [0.002, 0.02]
    return {
        "fig1": make_fig1(out_dir, quick=True, executor="serial", cutoff=TINY_CUTOFF, grid=grid),
        "fig2": make_fig2(out_dir, quick=True, executor="serial", trajectory_time=800.0),
        "fig3": make_fig3(out_dir, quick=True, executor="serial", kappas=kap, cutoff=TINY_CUTOFF, tau=[0.0, 20.0, 40.0]),
        "fig4": make_fig4(out_dir, quick=True, executor="serial", kappas=kap, cutoff=TINY_CUTOFF),
    }


@pytest.mark.parametrize("name", ["fig1", "fig2", "fig3", "fig4"])
def test_figure_writes_pdf_png_data_and_provenance(tiny_runs, out_dir, name):
    pdf, png = tiny_runs[name]
    assert pdf == out_dir / f"{name}.pdf" and png == out_dir / f"{name}.png"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 1000
    data = np.load(out_dir / f"{name}.npz")
    assert len(data.files) > 0
    prov = json.loads((out_dir / f"{name}.json").read_text())
    assert prov["params"]["preset"] == "fig1"
    assert prov["quick"] is True
    text = json.dumps(prov)
    assert "cutoff" in text  # every figure records the Fock cutoff it used


def test_provenance_records_the_cutoffs_used(tiny_runs, out_dir):
    f1 = json.loads((out_dir / "fig1.json").read_text())
    assert f1["cutoff"] == list(TINY_CUTOFF)
    f3 = json.loads((out_dir / "fig3.json").read_text())
    for r in ("blue", "pink", "orange"):
        assert f3["regimes"][r]["bands"] == [[0.002, list(TINY_CUTOFF)]]
    f2 = json.loads((out_dir / "fig2.json").read_text())
    assert f2["closed_cutoff"] == [4, 4, 4] and f2["trajectory"]["cutoff"] == [3, 3, 3]
    f4 = np.load(out_dir / "fig4.npz")
    assert f4["cutoff"].tolist() == [[list(TINY_CUTOFF)] * 2] * 2  # (direction, kappa, mode)


def test_fig3_point_equals_a_direct_solve_steady(tiny_runs, out_dir):
    """Two routes to the numbers behind Fig. 3: the checkpointed sweep versus solve_steady + explicit operators."""
    from nrbundle.numeric.convergence import solve_steady

    prov = json.loads((out_dir / "fig3.json").read_text())
    data = np.load(out_dir / "fig3.npz")
    k = 0
    kappa = float(data["kappa"][k])
    x = prov["regimes"]["blue"]["Delta_ad"]["Delta_ad"]
    with warnings.catch_warnings():
        # the tiny cutoff populates the top level (the sweep records the same warning per point); the comparison
        # of the two routes at the same cutoff does not depend on it
        warnings.simplefilter("ignore", TruncationWarning)
        st = solve_steady(P.replace(kappa=kappa), "left", x, cutoff=TINY_CUTOFF)
    ops = st.model.ops
    O = ops["a"] * ops["m"]
    n_O = qutip.expect(O.dag() * O, st.rho_ss)
    g2 = qutip.expect(O.dag() * O.dag() * O * O, st.rho_ss) / n_O**2
    na, nm = qutip.expect(ops["a"].dag() * ops["a"], st.rho_ss), qutip.expect(ops["m"].dag() * ops["m"], st.rho_ss)
    g1 = n_O / (na * nm)  # a and m commute: <a'a m'm> = <(am)'(am)>
    assert data["blue_g2_am"][0, k] == pytest.approx(g2, rel=SAME_SOLVER_RTOL)
    assert data["blue_g1_am"][0, k] == pytest.approx(g1, rel=SAME_SOLVER_RTOL)
    assert data["blue_n_m"][0, k] == pytest.approx(nm, rel=SAME_SOLVER_RTOL)


def test_kappa_point_agrees_with_an_independent_steady_state_solver():
    """The sweep point function against QuTiP's direct steady state of the same model (independent solver)."""
    from nrbundle.numeric.model import Model

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


def test_fig4_reuses_the_orange_sweep_of_fig3(tiny_runs, out_dir):
    """Fig. 4 after Fig. 3 with the same settings recomputes nothing (same checkpoints)."""
    prov = json.loads((out_dir / "fig4.json").read_text())
    assert prov["sweep"]["n_recomputed"] == 0
    d3, d4 = np.load(out_dir / "fig3.npz"), np.load(out_dir / "fig4.npz")
    assert np.array_equal(d3["orange_g2_ab"], d4["g2_ab"])
    assert np.all(d4["D1_ab"] >= 0.0) and np.all(d4["D1_ab"] == np.maximum(0.0, d4["W1_ab"]))


def test_fig1_spectrum_peaks_at_the_resonant_mode(tiny_runs, out_dir):
    """Nonreciprocity in the data of Fig. 1: at the |101-> resonance (left) the magnon is excited far more for left
    than for right driving, and at the |110-> resonance (right) the phonon for right than for left."""
    d = np.load(out_dir / "fig1.npz")
    prov = json.loads((out_dir / "fig1.json").read_text())
    x = d["Delta_ad"]
    i_blue = int(np.argmin(np.abs(x - prov["resonances"]["101-left"]["ed"])))
    i_pink = int(np.argmin(np.abs(x - prov["resonances"]["110-right"]["ed"])))
    assert d["n_m"][0, i_blue] > 5 * d["n_m"][1, i_blue]
    assert d["n_b"][1, i_pink] > 5 * d["n_b"][0, i_pink]


# ------------------------------------------------------------------------------------------- helpers
def test_ladder_energies_cross_at_the_closed_form():
    from nrbundle.analytic.resonances import closed_form

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


def test_mask_spans_meet_at_geometric_midpoints():
    x = [1.0, 2.0, 4.0, 8.0, 16.0]
    spans = mask_spans(x, [False, True, True, False, True])
    assert spans[0] == pytest.approx((math.sqrt(2.0), math.sqrt(32.0)))
    assert spans[1] == pytest.approx((math.sqrt(128.0), 16.0))
    assert mask_spans(x, [False] * 5) == []


def test_spectrum_grid_refines_around_each_centre():
    g = spectrum_grid([1.34, 1.37], 1.30, 1.43, coarse=2e-3, fine=2.5e-4, half_width=0.01)
    assert np.all(np.diff(g) > 0)
    assert np.any(np.isclose(g, 1.34, atol=1e-12)) and np.any(np.isclose(g, 1.37, atol=1e-12))
    near = g[np.abs(g - 1.34) < 0.01]
    assert np.max(np.diff(near)) <= 2.5e-4 + 1e-12
    assert g[0] == pytest.approx(1.30) and g[-1] == pytest.approx(1.43)


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


def test_make_figures_rejects_unknown_figures(tmp_path):
    with pytest.raises(InputError, match="which"):
        make_figures([5], tmp_path)
    with pytest.raises(InputError, match="which"):
        make_figures([], tmp_path)


def test_index_html_references_every_figure_png(tmp_path):
    from nrbundle.reproduce import write_index

    (tmp_path / "figures").mkdir()
    for k in range(1, 5):
        (tmp_path / "figures" / f"fig{k}.png").write_bytes(PNG_MAGIC)
    (tmp_path / "headline.md").write_text("# Headline\n\n| pair | g2 |\n|---|---|\n| ab | 0.3 |\n")
    rec = {"preset": "fig1", "quick": True, "stages": {"fig1": {"status": "ok", "time_s": 1.0}},
           "derivation": {"tex": "derivation/derivation.tex", "pdf": None, "pdf_error": "pdflatex not found"}}
    html = write_index(tmp_path, rec).read_text()
    for k in range(1, 5):
        assert f"src='figures/fig{k}.png'" in html
    assert "<td>ab</td>" in html and "resonances" in html.lower()


# ------------------------------------------------------------------------------------------- slow
@pytest.mark.slow
def test_reproduce_quick_writes_index_referencing_every_png(tmp_path):
    from nrbundle.reproduce import reproduce

    out = reproduce(tmp_path / "out", quick=True, executor="process", workers=2)
    html = (out / "index.html").read_text()
    rec = json.loads((out / "reproduce.json").read_text())
    for k in range(1, 5):
        assert (out / "figures" / f"fig{k}.png").exists()
        assert f"src='figures/fig{k}.png'" in html
    for name in ("derivation", "resonances", "fig1", "fig2", "fig3", "fig4", "headline"):
        assert rec["stages"][name]["status"] == "ok", rec["stages"][name]
    assert (out / "resonances.json").exists() and (out / "headline.json").exists()


@pytest.mark.slow
def test_full_fig3_cutoffs_are_converged(tmp_path):
    """The full Fig. 3 cutoff selection: every check point converged to 1e-2 in every plotted observable."""
    from nrbundle.figures.fig3 import cutoff_bands, kappa_grid

    res = locate_resonances(P)
    x = regime_Delta_ad(res, "blue")["Delta_ad"]
    sel = cutoff_bands(P, "blue", x, kappa_grid(P))
    for chk in sel["checks"]:
        for pt in chk["points"]:
            if pt["direction"] == "left":  # the resonant direction of the blue regime
                assert pt["converged"] and pt["truncation_error"] < 1e-2
