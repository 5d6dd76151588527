"""Figures 1-4 and the reproduce pipeline: files written, data equal to direct solves, the plotting helpers.

The study layer behind the figures (resonances, cutoffs, point functions, grids) is tested in ``tests/study``.

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
from nrbundle.figures.fig1 import make_fig1
from nrbundle.figures.fig2 import make_fig2
from nrbundle.figures.fig3 import make_fig3
from nrbundle.figures.fig4 import make_fig4
from nrbundle.figures.style import mask_spans
from nrbundle.params import get_preset
from nrbundle.study.resonances import locate_resonances
from nrbundle.transitions import transition_key

P = get_preset("fig1")

#: Smallest cutoff at which the bundle g2 (two quanta per mode) is defined with one spare level.
TINY_CUTOFF = (3, 3, 3)
#: Relative agreement of the same steady-state observable computed through the sweep and directly: both routes
#: call the same solver to a relative Liouvillian residual of 1e-15, so only round-off separates them.
SAME_SOLVER_RTOL = 1e-9

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
        "fig3": make_fig3(out_dir, quick=True, executor="serial", kappas=kap, cutoff=TINY_CUTOFF,
                          tau=[0.0, 20.0, 40.0]),
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
    from nrbundle.numeric.steady import solve_steady

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


# ------------------------------------------------------------------------------------------- plotting helpers
def test_mask_spans_meet_at_geometric_midpoints():
    x = [1.0, 2.0, 4.0, 8.0, 16.0]
    spans = mask_spans(x, [False, True, True, False, True])
    assert spans[0] == pytest.approx((math.sqrt(2.0), math.sqrt(32.0)))
    assert spans[1] == pytest.approx((math.sqrt(128.0), 16.0))
    assert mask_spans(x, [False] * 5) == []


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
