"""Design maps of nonreciprocal bundle emission (nrbundle.study.design_map, nrbundle map, figures.beyond).

Default run: a 2 x 2 quick map through the CLI (files, resume after an interruption, same numbers), bad input, the
analytic placement against exact diagonalization at the paper's point, the isolation ratio of the paper's
nonreciprocal transitions, g2_B against the pair g2 of the steady-state code (two routes), the figures. Slow: the
documented full map and the reproduce stage with its cost budget.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import time

import numpy as np
import pytest
from matplotlib.figure import Figure

from nrbundle import get_preset
from nrbundle.cli import EXIT_STATUS, main
from nrbundle.errors import InputError
from nrbundle.figures.beyond import axis_label, draw_beyond, figure_map
from nrbundle.numeric.steady import solve_steady, steady_observables
from nrbundle.study.beyond import first_crossing
from nrbundle.study.design_map import (
    ED_TOLERANCE,
    DesignMap,
    check_axis,
    design_direction,
    design_map,
    map_point,
    quick_cutoff,
)
from nrbundle.sweep import load_sweep

FIG1 = get_preset("fig1")
#: The paper's Fig. 1 point: |Delta_F| = 0.025, kappa = 0.005 (units of omega_b).
PAPER_POINT = {"Delta_F": 0.025, "kappa": 0.005}
TINY = ["--x", "Delta_F=0.01:0.04:2", "--y", "kappa=0.002:0.02:2:log", "--target", "1,0,1", "--quick",
        "--executor", "serial", "--no-progress"]


@pytest.fixture(scope="module")
def tiny_map(tmp_path_factory):
    """The 2 x 2 quick map of |101-> through the CLI: (folder, JSON summary)."""
    out = tmp_path_factory.mktemp("map") / "m"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = main(["map", *TINY, "--out", str(out), "--json"])
    assert status == 0
    return out, json.loads(buf.getvalue())


# ------------------------------------------------------------------------------------------------ CLI
def test_cli_map_writes_data_figure_and_provenance(tiny_map):
    out, summary = tiny_map
    for name in ("design_map.npz", "design_map.json", "design_map.pdf", "design_map.png", "sweep/result.npz",
                 "sweep/result.json", "sweep/manifest.json"):
        assert (out / name).exists(), name
    assert summary["n_points"] == 4 and summary["n_failed"] == 0
    assert summary["target"] == [1, 0, 1] and summary["direction"] == "left" and summary["quick"] is True
    assert summary["cutoff"] == list(quick_cutoff((1, 0, 1)))
    assert summary["n_ed_checked"] == 4 and summary["max_truncation_error"] is not None
    data = np.load(out / "design_map.npz")
    assert data["isolation"].shape == (2, 2) and np.all(np.isfinite(data["isolation"]))
    prov = json.loads((out / "design_map.json").read_text())
    assert "P_B(d) / P_B(-d)" in prov["definitions"]["isolation"]


def test_cli_map_resumes_after_an_interruption_with_the_same_numbers(tiny_map, capsys):
    out, _ = tiny_map
    before = {k: v.copy() for k, v in np.load(out / "design_map.npz").items()}
    # the state an interruption leaves: the manifest and some checkpoints, no result
    points = sorted((out / "sweep" / "points").glob("*.json"))
    points[0].unlink()
    for name in ("result.npz", "result.json", "result.nc"):
        (out / "sweep" / name).unlink(missing_ok=True)
    assert main(["map", *TINY, "--out", str(out)]) == 0
    capsys.readouterr()
    sweep = load_sweep(out / "sweep")
    assert sweep.n_resumed == 3 and sweep.n_recomputed == 1
    after = np.load(out / "design_map.npz")
    for k, v in before.items():
        np.testing.assert_array_equal(after[k], v, err_msg=k)


@pytest.mark.parametrize("args, flag", [
    (["--x", "Delta_X=0.01:0.04:2"], "--x"),
    (["--x", "Delta_F=0.01:0.04:zero"], "--x Delta_F"),
    (["--y", "kappa=-1:0.02:2"], "--y kappa"),
    (["--y", "Delta_F=0.01:0.02:2"], "--y"),
    (["--target", "0,0,0"], "--target"),
    (["--target", "1,x,1"], "--target"),
    (["--ratio-threshold", "0.5"], "--ratio-threshold"),
    (["--checks", "some"], "--checks"),
])
def test_cli_map_bad_input_is_one_line_and_exit_2(args, flag, tmp_path, capsys):
    base = {"--x": "Delta_F=0.01:0.04:2", "--y": "kappa=0.002:0.02:2:log", "--target": "1,0,1"}
    argv = ["map", "--quick", "--executor", "serial", "--out", str(tmp_path / "m")]
    for k, v in {**base, **dict(zip(args[::2], args[1::2], strict=True))}.items():
        argv += [k, v]
    assert main(argv) == EXIT_STATUS["input"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"nrbundle: error: {flag}"), err
    assert not (tmp_path / "m" / "sweep").exists()


# ------------------------------------------------------------------------------------------------ library
def test_library_errors_name_the_parameter():
    with pytest.raises(InputError, match=r"^x: 'foo' is not a parameter name"):
        check_axis("x", ("foo", [1.0]), FIG1)
    with pytest.raises(InputError, match=r"^y kappa: "):
        check_axis("y", ("kappa", [-1.0]), FIG1)
    with pytest.raises(InputError, match=r"^y: the same parameter as x"):
        design_map(FIG1, (1, 0, 1), ("kappa", [0.005]), ("kappa", [0.01]), quick=True)
    with pytest.raises(InputError, match=r"^ratio_threshold: "):
        design_map(FIG1, (1, 0, 1), ("Delta_F", [0.02]), ("kappa", [0.005]), quick=True, ratio_threshold=1)
    with pytest.raises(InputError, match=r"^target: "):
        design_map(FIG1, (0, 0, 0), ("Delta_F", [0.02]), ("kappa", [0.005]), quick=True)


def test_design_direction_and_quick_cutoff():
    assert design_direction((1, 0, 1)) == "left" and design_direction((1, 1, 0)) == "right"
    assert design_direction((2, 0, 1)) == "left"
    assert quick_cutoff((1, 0, 1)) == (3, 2, 3) and quick_cutoff((2, 0, 1)) == (5, 2, 3)


def test_first_crossing_interpolates_in_log_x():
    assert first_crossing([1.0, 100.0], [0.0, 2.0], 1.0) == pytest.approx(10.0)
    assert first_crossing([1.0, 2.0, 3.0], [0.5, 0.7, 0.9], 1.0) is None
    assert first_crossing([0.0, 2.0], [0.0, 2.0], 1.0) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def paper_points():
    """map_point at the paper's Fig. 1 point for |101-> (left) and |110-> (right), cutoff (3, 3, 3), all checks."""
    return {tgt: map_point(PAPER_POINT, FIG1, tgt, design_direction(tgt), cutoff=(3, 3, 3), checks="all")
            for tgt in ((1, 0, 1), (1, 1, 0))}


def test_analytic_placement_agrees_with_ed_at_the_paper_point(paper_points):
    for tgt, r in paper_points.items():
        assert r["ed_flag"] == 0.0, tgt
        assert abs(r["ed_offset"]) < ED_TOLERANCE, tgt
        assert abs(r["Delta_ad_ed"] - r["Delta_ad"]) < ED_TOLERANCE * r["line_width"]
        # the line width: kappa_a + kappa_m = 0.01 over a slope of ~1.7, broadened a little by g_eff
        assert 4e-3 < r["line_width"] < 8e-3


@pytest.mark.filterwarnings("ignore::nrbundle.errors.TruncationWarning")  # (3, 3, 3) on purpose
def test_isolation_ratio_of_the_paper_transitions_and_its_inverse(paper_points):
    for tgt, r in paper_points.items():
        d = design_direction(tgt)
        other = "right" if d == "left" else "left"
        assert r["isolation"] > 10, (tgt, r["isolation"])
        # second route: the two steady states solved here, P_B = population of |target> (x) atom
        p = FIG1.replace(**PAPER_POINT)
        pb = {}
        for direction in (d, other):
            st = solve_steady(p, direction, r["Delta_ad"], cutoff=(3, 3, 3), truncation_check=False)
            diag = np.real(np.diag(st.rho_ss.full())).reshape(*st.cutoff, 2).sum(axis=-1)
            pb[direction] = float(diag[tgt])
        assert pb[d] / pb[other] == pytest.approx(r["isolation"], rel=1e-9)
        assert pb[other] / pb[d] == pytest.approx(1.0 / r["isolation"], rel=1e-9)
        assert pb[other] / pb[d] < 0.1


@pytest.mark.filterwarnings("ignore::nrbundle.errors.TruncationWarning")  # (3, 3, 3) on purpose
def test_g2_B_equals_the_pair_g2_of_the_steady_state_code(paper_points):
    for tgt, key in (((1, 0, 1), "g2_am"), ((1, 1, 0), "g2_ab")):
        r = paper_points[tgt]
        st = solve_steady(FIG1.replace(**PAPER_POINT), design_direction(tgt), r["Delta_ad"], cutoff=(3, 3, 3),
                          truncation_check=False)
        assert r["g2_B"] == pytest.approx(steady_observables(st)[key], rel=1e-10), tgt
        assert r["g2_B"] < 1


def test_design_map_record_round_trips(tiny_map):
    out, _ = tiny_map
    dm = design_map(FIG1, (1, 0, 1), ("Delta_F", [0.01, 0.04]), ("kappa", [0.002, 0.02]), quick=True,
                    out=out, executor="serial", progress_bar=False)
    assert dm.sweep["n_recomputed"] == 0  # the CLI run's checkpoints
    back = DesignMap.from_dict(json.loads(json.dumps(dm.to_dict())))
    for k, v in dm.arrays.items():
        np.testing.assert_array_equal(back.arrays[k], v, err_msg=k)
    assert back.summary() == dm.summary()


# ------------------------------------------------------------------------------------------------ figures
def test_figures_draw_maps_and_temperature_curves(tiny_map):
    out, _ = tiny_map
    dm = design_map(FIG1, (1, 0, 1), ("Delta_F", [0.01, 0.04]), ("kappa", [0.002, 0.02]), quick=True,
                    out=out, executor="serial", progress_bar=False)
    phys = get_preset("physical")
    curve = design_map(phys, (1, 0, 1), ("temperature", [0.005, 0.1]), ("kappa", [phys.kappa]), quick=True,
                       checks="none", progress_bar=False)
    assert curve.arrays["g2_B"][0, 0] < 1 < curve.arrays["g2_B"][1, 0]  # antibunching lost between 5 and 100 mK
    assert isinstance(figure_map(dm), Figure)
    fig = draw_beyond({"maps": {"101": dm, "110": dm}, "temperature": {"101": curve},
                       "findings": {"101": {"T_antibunching_lost": 0.03}}}, quick=True)
    assert isinstance(fig, Figure) and len(fig.axes) >= 9
    assert axis_label("Delta_F", "omega_b") == r"$\Delta_{F}/\omega_b$"
    assert axis_label("temperature", "GHz") == r"$T$ (mK)"


# ------------------------------------------------------------------------------------------------ slow
@pytest.mark.slow
def test_full_map_of_the_documented_example(tmp_path, capsys):
    """The documented CLI example without --quick (auto cutoffs; minutes on 2 cores)."""
    out = tmp_path / "full"
    argv = ["map", "--x", "Delta_F=0.005:0.05:10", "--y", "kappa=0.001:0.03:10:log", "--target", "1,0,1",
            "--out", str(out), "--json", "--workers", "2"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_points"] == 100 and summary["n_failed"] == 0
    assert summary["n_ed_flagged"] == 0 and summary["n_both"] > 0


@pytest.mark.slow
def test_reproduce_beyond_stage_within_its_cost_budget(tmp_path):
    from nrbundle.figures.beyond import make_beyond
    from nrbundle.study.tasks import cpu_seconds

    make_beyond(tmp_path / "warm", quick=True)  # symbolic caches, imports
    for quick, budget in ((True, 5.0 * 1.5), (False, 60.0 * 1.2)):  # allowance for a loaded machine
        c0, t0 = cpu_seconds(), time.perf_counter()
        paths = make_beyond(tmp_path / f"q{quick}", quick=quick)
        cpu = cpu_seconds() - c0
        assert all(p.exists() for p in paths)
        prov = json.loads((tmp_path / f"q{quick}" / "beyond.json").read_text())
        assert cpu < budget, (quick, cpu, time.perf_counter() - t0)
        for key in ("101", "110"):
            lost = prov["findings"][key]["T_antibunching_lost"]
            assert lost is None or math.isfinite(lost)
