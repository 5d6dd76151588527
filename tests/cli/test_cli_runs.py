"""The numeric CLI commands end to end on small cutoffs: contract keys, files written, provenance."""

import json

import numpy as np
import pytest

from nrbundle.cli import main
from nrbundle.cli.messages import warning_line
from nrbundle.errors import TruncationWarning
from nrbundle.numeric.spectrum import avoided_crossing
from nrbundle.params import get_preset


def _json_out(capsys):
    return json.loads(capsys.readouterr().out)


def test_resonances_json_contract(capsys):
    assert main(["resonances", "--preset", "fig1", "--json"]) == 0
    d = _json_out(capsys)
    assert set(d) == {"preset", "units", "parameters", "transitions"}
    assert len(d["transitions"]) == 4
    keys = {"target", "direction", "closed_form", "corrected", "shift_order", "g_eff", "g_eff_order", "valid"}
    for t in d["transitions"]:
        assert set(t) == keys
        assert t["valid"] and t["g_eff_order"] == 3 and t["shift_order"] == 4
        assert t["corrected"] - t["closed_form"] > 0.015  # the level shifts push every resonance up (errata 7)


def test_resonances_general_target_and_order(capsys):
    assert main(["resonances", "--target", "2,0,2", "--direction", "left", "--shift-order", "2", "--json"]) == 0
    (t,) = _json_out(capsys)["transitions"]
    # g_eff order 4: two lambda_am, two lambda_as (docs/effective.md)
    assert t["target"] == [2, 0, 2] and t["shift_order"] == 2 and t["g_eff_order"] == 4


def test_spectrum_matches_library(capsys):
    assert main(["spectrum", "--target", "1,1,0", "--direction", "right", "--cutoff", "3", "--json"]) == 0
    d = _json_out(capsys)
    assert set(d) == {"target", "direction", "resonance", "half_splitting", "cutoff"}
    ac = avoided_crossing(get_preset("fig1"), (1, 1, 0), "right", cutoff=3)
    assert d["resonance"] == pytest.approx(ac.resonance, abs=1e-9)
    assert d["cutoff"] == [3, 3, 3]


def test_steady_json_contract(capsys):
    # A fixed cutoff gets a truncation estimate (one extra solve per mode); cutoff 3 at this point is too small,
    # so the command warns (one TruncationWarning naming the estimate) and still prints the full contract.
    with pytest.warns(TruncationWarning, match=r"cutoff \(3, 3, 3\): truncation_error"):
        assert main(["steady", "--direction", "left", "--delta-ad", "1.3402", "--cutoff", "3", "--json"]) == 0
    d = _json_out(capsys)
    assert set(d) == {"n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am", "cutoff", "residual",
                      "truncation_error", "error_estimate", "undefined"}
    assert d["cutoff"] == [3, 3, 3] and d["residual"] < 1e-10
    assert isinstance(d["truncation_error"], float) and d["truncation_error"] > 0.01  # the warned estimate
    assert isinstance(d["error_estimate"], float) and 0 <= d["error_estimate"] < 1e-6
    assert d["undefined"] == {}  # three levels per mode represent every observable
    for name in ("n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am"):
        assert isinstance(d[name], float) and d[name] >= 0


def test_steady_json_names_undefined_observables(capsys):
    # two levels of mode b: the bundle g2 of (a, b) is 0 by construction, so it is null with its reason
    with pytest.warns(TruncationWarning):
        assert main(["steady", "--direction", "left", "--delta-ad", "1.3402", "--cutoff", "3,2,3", "--json"]) == 0
    d = _json_out(capsys)
    assert d["g2_ab"] is None and set(d["undefined"]) == {"g2_ab"} and "N_b=2" in d["undefined"]["g2_ab"]
    assert d["g2_am"] is not None


def test_warnings_print_as_one_line():
    line = warning_line(TruncationWarning("cutoff (3, 3, 3): truncation_error 0.4\nsecond line"),
                         TruncationWarning, "x.py", 1)
    assert line == "nrbundle: warning: cutoff (3, 3, 3): truncation_error 0.4\n"


def test_dynamics_and_trajectory_write_data_and_figures(tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["dynamics", "--direction", "left", "--cutoff", "3", "--points", "200", "--out", str(out)]) == 0
    prov = json.loads((out / "dynamics_left_closed.json").read_text())
    assert prov["cutoff"] == [3, 3, 3] and prov["Delta_ad_from"].startswith("ED resonance")
    data = np.load(out / "dynamics_left_closed.npz")
    assert data["P_101-"].max() > 0.8  # full super-Rabi transfer on resonance
    assert prov["super_rabi_g_eff"] == pytest.approx(prov["ed_half_splitting"], rel=0.03)
    assert main(["trajectory", "--direction", "left", "--cutoff", "2", "--t-max", "2000", "--points", "100",
                 "--seed", "3", "--out", str(out)]) == 0
    tp = json.loads((out / "trajectory_left_seed3.json").read_text())
    assert tp["seed"] == 3 and set(tp["channels"]) <= {"a", "b", "m", "sigma"}
    for stem in ("dynamics_left_closed", "trajectory_left_seed3"):
        for ext in ("pdf", "png"):
            assert (out / f"{stem}.{ext}").stat().st_size > 1000


def test_sweep_cli_resumes(tmp_path, capsys):
    argv = ["sweep", "steady", "--axis", "Delta_ad=1.335:1.345:3", "--axis", "direction=left", "--base",
            "cutoff=[2,2,2]", "--out", str(tmp_path / "s"), "--executor", "serial", "--no-progress"]
    assert main(argv) == 0
    assert "3 computed" in capsys.readouterr().out
    assert main(argv) == 0
    assert "3 resumed" in capsys.readouterr().out
    res = np.load(tmp_path / "s" / "result.npz")
    assert res["n_m"].shape == (3, 1)
