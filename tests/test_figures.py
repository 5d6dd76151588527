"""Figures 1-4 and the reproduce pipeline: files written, data equal to direct solves, the plotting helpers.

The study layer behind the figures (resonances, cutoffs, point functions, grids) is tested in ``tests/study``.

The figure functions run on tiny grids (a few Delta_ad or kappa values, small fixed cutoffs) with the serial
executor; the full-quality runs are marked slow.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import qutip
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nrbundle.errors import InputError, TruncationWarning
from nrbundle.figures import make_figures
from nrbundle.figures.fig1 import figure1, make_fig1
from nrbundle.figures.fig2 import figure2, make_fig2
from nrbundle.figures.fig3 import figure3, make_fig3
from nrbundle.figures.fig4 import draw_fig4, figure4, make_fig4
from nrbundle.figures.runs import bundle_state, draw_trajectory
from nrbundle.figures.style import QUICK_STAMP, Figure, figure_style, mask_spans, save_figure
from nrbundle.params import get_preset
from nrbundle.study.resonances import locate_resonances
from nrbundle.study.runs import trajectory_run
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
def tiny_kwargs() -> dict[str, dict]:
    """Settings of every figure on a tiny grid (serial executor, fixed small cutoffs, short records)."""
    res = locate_resonances(P, quick=True)
    centres = [res[transition_key((1, 0, 1), "left")]["ed"], res[transition_key((1, 1, 0), "right")]["ed"]]
    grid = sorted(set(np.round(np.concatenate([np.array(centres) + d for d in (-0.004, 0.0, 0.004)]), 9)))
    kap = [0.002, 0.02]
    return {
        "fig1": {"quick": True, "executor": "serial", "cutoff": TINY_CUTOFF, "grid": grid},
        "fig2": {"quick": True, "executor": "serial", "trajectory_time": 800.0},
        "fig3": {"quick": True, "executor": "serial", "kappas": kap, "cutoff": TINY_CUTOFF, "tau": [0.0, 20.0, 40.0]},
        "fig4": {"quick": True, "executor": "serial", "kappas": kap, "cutoff": TINY_CUTOFF},
    }


@pytest.fixture(scope="module")
def tiny_runs(out_dir: Path, tiny_kwargs: dict[str, dict]) -> dict[str, list[Path]]:
    """Every figure on a tiny grid, written by make_figN."""
    return {
        "fig1": make_fig1(out_dir, **tiny_kwargs["fig1"]),
        "fig2": make_fig2(out_dir, **tiny_kwargs["fig2"]),
        "fig3": make_fig3(out_dir, **tiny_kwargs["fig3"]),
        "fig4": make_fig4(out_dir, **tiny_kwargs["fig4"]),
    }


@pytest.fixture(scope="module")
def tiny_figures(out_dir: Path, tiny_kwargs: dict[str, dict], tiny_runs) -> dict[str, Figure]:
    """The same figures as matplotlib Figures (figureN, reusing the checkpoints of ``tiny_runs``)."""
    makers = {"fig1": figure1, "fig2": figure2, "fig3": figure3, "fig4": figure4}
    return {name: makers[name](out_dir=out_dir, **kw) for name, kw in tiny_kwargs.items()}


def _rendered(fig: Figure) -> Any:
    """Lay out and draw ``fig`` on an Agg canvas (so text extents and tick labels are final); return the renderer."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


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


# ------------------------------------------------------------------------------------------- Figure objects
@pytest.mark.parametrize("name", ["fig1", "fig2", "fig3", "fig4"])
def test_figure_functions_return_a_figure_and_writing_is_separate(tiny_figures, tmp_path, name):
    fig = tiny_figures[name]
    assert isinstance(fig, Figure)
    pdf, png = save_figure(fig, tmp_path, name)
    assert pdf.read_bytes()[:5] == b"%PDF-" and png.read_bytes()[:8] == PNG_MAGIC


def test_figure_function_writes_no_figure_file(tiny_runs, tiny_kwargs, out_dir):
    before = {p.name: p.stat().st_mtime_ns for p in out_dir.iterdir() if p.is_file()}
    assert isinstance(figure4(out_dir=out_dir, **tiny_kwargs["fig4"]), Figure)
    assert {p.name: p.stat().st_mtime_ns for p in out_dir.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("name", ["fig1", "fig2", "fig3", "fig4"])
def test_quick_figures_are_stamped(tiny_figures, name):
    fig = tiny_figures[name]
    assert any(t.get_text() == "QUICK" for t in fig.texts)
    assert fig.get_supxlabel() == QUICK_STAMP


def test_full_figures_carry_no_stamp():
    ks = np.array([1e-3, 1e-2])
    arrays = {f"{k}_{p}": np.full((2, 2), 0.5) for k in ("g1", "g2") for p in ("ab", "am")}
    arrays.update({f"D1_{p}": np.full((2, 2), 0.1) for p in ("ab", "am", "absigma", "amsigma")})
    with figure_style():
        fig, _ = draw_fig4(ks, arrays, P, quick=False)
    assert not any("QUICK" in t.get_text() for t in fig.texts) and fig.get_supxlabel() == ""


def test_fig1_ladder_names_coincident_lines_and_marks_exact_resonances(tiny_figures):
    ax = tiny_figures["fig1"].axes[2]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("LD =" in t and "RD" in t for t in labels)  # |110-> LD = |101-> RD (S19 = S21 at fig1)
    assert "exact (ED)" in labels
    top = [t.get_text() for t in tiny_figures["fig1"].legends[0].get_texts()]
    assert "exact (ED)" in top


def test_fig2_time_axes_have_no_offset_text_and_titles_carry_units(tiny_figures):
    fig = tiny_figures["fig2"]
    _rendered(fig)
    for ax in fig.axes:
        assert ax.xaxis.get_offset_text().get_text() == ""
    titles = [ax.get_title() for ax in fig.axes[:3]]
    assert all(r"\omega_b" in t and r"\Delta_{ad}" in t for t in titles), titles


def test_fig3_panel_letters_sit_outside_the_axes(tiny_figures):
    fig = tiny_figures["fig3"]
    renderer = _rendered(fig)
    seen = 0
    for ax in fig.axes:
        for t in ax.texts:
            if re.fullmatch(r"\([a-g]\)", t.get_text()):
                seen += 1
                assert t.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1 - 0.5, t.get_text()
    assert seen == 7


def test_fig3_and_fig4_legends_explain_the_faint_curves(tiny_figures):
    for name in ("fig3", "fig4"):
        leg = tiny_figures[name].legends[0]
        labels = [t.get_text() for t in leg.get_texts()]
        assert "other pair (faint)" in labels and "pair resonant in that drive" in labels
        colour_entries = [h for h, lab in zip(leg.legend_handles, labels, strict=True) if "pair" not in lab]
        assert {h.get_linewidth() for h in colour_entries} == {1.1}  # the same weight: true for both panels


def test_fig3_g_inset_has_a_y_label():
    from nrbundle.figures.fig3 import draw_fig3

    ks = np.array([1e-3, 1e-2])
    reg = {"sweep": {f"{k}_{p}": np.full((2, 2), 0.5) for k in ("g1", "g2") for p in ("ab", "am")}}
    data = {"kappa": ks, "regimes": {r: reg for r in ("blue", "pink", "orange")}}
    tau = {"tau": np.linspace(0, 6000, 301), "g2": np.linspace(0.1, 1.0, 301), "tau_zoom": np.linspace(0, 30, 301),
           "g2_zoom": np.full(301, 0.1), "kappa": 0.005, "cutoff": [6, 2, 6]}
    with figure_style():
        fig = draw_fig3(data, tau, P)
    axg = fig.axes[6]
    assert axg.get_xlim()[1] == pytest.approx(30.0)  # the main panel resolves the dip near tau = 0
    (ins,) = axg.child_axes
    assert ins.get_ylabel() and ins.get_xlim()[1] == pytest.approx(6000.0)


def test_trajectory_plot_shows_the_bundle_state_and_one_meaning_per_colour():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        run = trajectory_run(P, "left", t_max=3000.0, points=300, cutoff=(3, 3, 3), seed=1)
    with figure_style():
        fig = draw_trajectory(run)
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    state = bundle_state(run.extra["partner"])
    assert any(state in t for t in labels)
    raster = fig.axes[2]
    colours = {tuple(np.round(c, 3)) for coll in raster.collections for c in coll.get_colors()}
    assert colours <= {(0.0, 0.0, 0.0, 1.0)}  # jumps: black ticks in rows named by channel
    n = run.extra["n_bundles"]
    title = fig.axes[0].get_title()
    assert (f"{n} bundle " in title) if n == 1 else (f"{n} bundles " in title)


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


def test_save_figure_lays_out_once_and_gives_the_figure_back_as_it_was(tmp_path, monkeypatch):
    # the PNG's save computes the constrained layout (a layout pass and the rendering); the PDF reuses it with no
    # engine (one pass): 3 draw passes, not 4; the caller's figure keeps its layout engine
    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.subplots()
    ax.plot([1e-3, 1e-1], [1.0, 2.0])
    ax.set_xscale("log")
    ax.set_xlabel(r"$\kappa/\omega_b$")
    engine = fig.get_layout_engine()
    passes = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (passes.append(1), original(self, renderer))[1])
    paths = save_figure(fig, tmp_path, "x")
    assert [p.name for p in paths] == ["x.pdf", "x.png"] and all(p.stat().st_size > 0 for p in paths)
    assert len(passes) == 3
    assert fig.get_layout_engine() is engine
    assert Path(paths[0]).read_bytes().startswith(b"%PDF") and Path(paths[1]).read_bytes()[:4] == b"\x89PNG"


def _pdf_image(pdf: bytes) -> tuple[tuple[float, float], int, int, bytes]:
    """Page size (points), image width and height, and the decompressed pixels of a one-image PDF."""
    import zlib

    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    head = re.search(rb"/Width (\d+) /Height (\d+) .*?/Length (\d+) >>\nstream\n", pdf)
    assert box and head, "not a one-image PDF"
    start = head.end()
    return ((float(box[1]), float(box[2])), int(head[1]), int(head[2]),
            zlib.decompress(pdf[start:start + int(head[3])]))


def test_raster_pdf_holds_the_png_pixels_on_a_page_of_the_png_size(tmp_path):
    from PIL import Image

    from nrbundle.figures.style import raster_pdf

    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    rgba[:5, :, 3] = 0  # transparent rows show the white page
    buf = tmp_path / "x.png"
    Image.fromarray(rgba, "RGBA").save(buf)
    pdf = raster_pdf(buf.read_bytes(), 300, title="x")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    (w_pt, h_pt), w, h, pixels = _pdf_image(pdf)
    assert (w, h) == (53, 37) and (w_pt, h_pt) == pytest.approx((53 * 72 / 300, 37 * 72 / 300), abs=1e-4)
    # alpha over white, computed here by hand: c a / 255 + 255 (1 - a / 255), rounded as Pillow rounds
    a = rgba[..., 3:].astype(float) / 255.0
    expected = rgba[..., :3] * a + 255.0 * (1.0 - a)
    got = np.frombuffer(pixels, dtype=np.uint8).reshape(37, 53, 3)
    assert np.max(np.abs(got - expected)) <= 1.0
    assert np.all(got[:5] == 255)
    # the cross-reference table points at every object (a reader that follows it finds them)
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split()[0])
    assert pdf[xref:xref + 4] == b"xref"
    for k, line in enumerate(pdf[xref:].split(b"\n")[3:9], start=1):
        assert pdf[int(line[:10]):].startswith(f"{k} 0 obj".encode())


def test_raster_pdf_of_the_pixels_equals_that_of_their_png_and_the_png_is_savefigs(tmp_path):
    """The PDF made from an RGBA array (opaque: colours taken as they are; with transparency: composited) is the one
    made from the same pixels' PNG; the PNG that save_figure writes is byte for byte savefig(format="png")."""
    import io

    from PIL import Image

    from nrbundle.figures.style import DPI, figure_style, raster_pdf

    rng = np.random.default_rng(5)
    for alpha in (255, None):
        rgba = rng.integers(0, 256, size=(29, 41, 4), dtype=np.uint8)
        if alpha is not None:
            rgba[..., 3] = alpha
        png = io.BytesIO()
        Image.fromarray(rgba).save(png, format="png")
        assert raster_pdf(rgba, 300, title="x") == raster_pdf(png.getvalue(), 300, title="x")
    fig = Figure(figsize=(3, 2), layout="constrained")
    fig.subplots().semilogy([1, 2, 3], [1e-3, 1e-1, 1.0])
    save_figure(fig, tmp_path, "f", vector=False)
    with figure_style():
        direct = io.BytesIO()
        fig.savefig(direct, format="png", dpi=DPI)
    assert (tmp_path / "f.png").read_bytes() == direct.getvalue()


def test_quick_pdfs_are_raster_copies_of_the_png_and_full_pdfs_are_vector(tiny_runs, tmp_path):
    from PIL import Image

    pdf, png = tiny_runs["fig3"]  # a quick figure
    data = pdf.read_bytes()
    assert b"/Subtype /Image" in data and b"/Font" not in data
    (w_pt, h_pt), w, h, pixels = _pdf_image(data)
    assert (w_pt, h_pt) == pytest.approx((w * 72 / 300, h * 72 / 300), abs=1e-3)  # the PNG's 300 dpi
    with Image.open(png) as im:
        assert im.size == (w, h)
        page = Image.new("RGBA", im.size, "white")
        page.alpha_composite(im.convert("RGBA"))
    assert pixels == page.convert("RGB").tobytes()
    fig = Figure(figsize=(3, 2), layout="constrained")
    fig.subplots().set_xlabel(r"$\kappa/\omega_b$")
    vector_pdf, _ = save_figure(fig, tmp_path, "full")  # the default: vector, Type 42 fonts
    assert b"/FontFile2" in vector_pdf.read_bytes() and b"/Subtype /Image" not in vector_pdf.read_bytes()
