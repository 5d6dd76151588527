"""``nrbundle steady --target`` (issue 13, item 1): the pair keys of the CLI contract unchanged, a "bundle" object
added, the drive at the target's corrected resonance, truncation estimates and undefined values, input errors.

The acceptance commands themselves (cutoff auto, about a minute each on 2 loaded cores) are marked slow; the default
variants use small fixed cutoffs, where the same code paths run with the truncation check instead of the convergence.
"""

import json
import math

import numpy as np
import pytest

from nrbundle.cli import main
from nrbundle.errors import TruncationWarning
from nrbundle.numeric.bundles import BUNDLE_KEYS

STEADY = ["steady", "--direction", "left"]
PAIR_KEYS = {"n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am", "cutoff", "residual",
             "truncation_error", "error_estimate", "undefined"}
BUNDLE_BLOCK = {"target", "Delta_ad", "Delta_ad_source", *BUNDLE_KEYS, "definitions", "undefined", "truncation",
                "truncation_error", "mode_truncation", "cutoff", "residual", "error_estimate", "state_observables"}


def _run(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _corrected(capsys, target, direction="left"):
    """The corrected resonance printed by ``nrbundle resonances`` (the analytic API, independent of steady)."""
    d = _run(capsys, ["resonances", "--target", target, "--direction", direction, "--json"])
    (row,) = d["transitions"]
    return row["corrected"]


def _same_pair_keys(a, b):
    assert set(a) == set(b) == PAIR_KEYS
    for k in PAIR_KEYS:
        if isinstance(a[k], float):
            assert a[k] == pytest.approx(b[k], rel=1e-12, abs=0), k
        else:
            assert a[k] == b[k], k


def _check_pair_bundle(d):
    """On the paper's pair |101-> the general code equals the pair code (B = a m): g1_B = g1_am, g2_B = g2_am."""
    b = d["bundle"]
    assert set(b) == BUNDLE_BLOCK and b["target"] == [1, 0, 1] and b["cutoff"] == d["cutoff"]
    assert b["g1_B"] == pytest.approx(d["g1_am"], rel=1e-12) and b["g2_B"] == pytest.approx(d["g2_am"], rel=1e-12)
    assert b["state_observables"] == ["n_a", "n_b", "n_m", "g2_ab", "g2_am"] and b["undefined"] == {}
    assert set(b["truncation"]) == set(BUNDLE_KEYS) and all(v >= 0 for v in b["truncation"].values())
    assert b["truncation_error"] == max(b["truncation"].values())
    # Gamma_B = P_B (kappa_a + kappa_m), pi_B = 2 Gamma_B / (kappa_a n_a + kappa_m n_m); fig1: all kappa = 0.005
    assert b["rate_B"] == pytest.approx(2 * 0.005 * b["P_B"], rel=1e-12)
    assert b["emission_rate"] == pytest.approx(0.005 * (d["n_a"] + d["n_m"]), rel=1e-10)
    assert 0.5 < b["purity_B"] < 1.0


def test_target_101_adds_the_bundle_and_keeps_the_pair_numbers(capsys):
    argv = STEADY + ["--delta-ad", "1.3408", "--cutoff", "4", "--json"]
    with pytest.warns(TruncationWarning):
        plain = _run(capsys, argv)
    with pytest.warns(TruncationWarning) as rec:
        d = _run(capsys, argv + ["--target", "1,0,1"])
    _same_pair_keys({k: v for k, v in d.items() if k != "bundle"}, plain)
    _check_pair_bundle(d)
    b = d["bundle"]
    assert b["Delta_ad"] == 1.3408 and b["Delta_ad_source"] == "--delta-ad"
    # the bundle check of g2_B is the pair check of g2_am (cutoff 4 is too small: N_a changes it by ~15 %)
    assert b["truncation"]["g2_B"] == pytest.approx(d["truncation_error"], rel=1e-9) and b["truncation_error"] > 0.05
    assert any("bundle truncation estimate of target (1, 0, 1)" in str(w.message) for w in rec)


def test_target_201_at_its_corrected_resonance_fixed_cutoff(capsys):
    res = _corrected(capsys, "2,0,1")
    with pytest.warns(TruncationWarning, match="bundle truncation estimate of target .2, 0, 1.*N_a.*g2_B"):
        d = _run(capsys, STEADY + ["--target", "2,0,1", "--cutoff", "6,3,4", "--json"])
    b = d["bundle"]
    assert b["Delta_ad"] == res and b["Delta_ad_source"].startswith("corrected resonance")
    assert b["target"] == [2, 0, 1] and b["cutoff"] == [6, 3, 4] and b["undefined"] == {}
    assert b["state_observables"] == ["n_a", "n_b", "n_m"]
    assert all(math.isfinite(b[k]) for k in BUNDLE_KEYS)
    # g2_B of a three-quanta bundle needs four-photon states: at N_a = 6 it is far from converged (docs/bundles.md)
    assert b["truncation"]["g2_B"] > 0.1 and b["mode_truncation"]["a"] == b["truncation_error"]
    # the occupations are converged well before: the bundle sector population changes little
    assert b["truncation"]["P_B"] < 0.01


def test_undefined_bundle_values_are_null_with_a_reason(capsys):
    with pytest.warns(TruncationWarning):  # "--delta-ad resonance" places the drive as no --delta-ad does
        d = _run(capsys, STEADY + ["--target", "2,0,1", "--delta-ad", "resonance", "--cutoff", "4,3,3", "--json"])
    b = d["bundle"]
    assert b["Delta_ad"] == pytest.approx(0.86142, abs=1e-5) and b["Delta_ad_source"].startswith("corrected")
    # N_a = 4 <= 2 n_a: B^2 = a^4 m^2 = 0 identically, so g2_B is undefined (null), never 0
    assert b["g2_B"] is None and "N_a >= 5" in b["undefined"]["g2_B"] and b["truncation"]["g2_B"] is None
    assert b["g1_B"] > 0 and b["truncation"]["g1_B"] is not None
    with pytest.warns(TruncationWarning):
        d = _run(capsys, STEADY + ["--target", "2,0,1", "--delta-ad", "0.8614", "--cutoff", "2,3,3", "--json"])
    b = d["bundle"]
    assert all(b[k] is None and k in b["undefined"] for k in BUNDLE_KEYS)  # B = a^2 m = 0 with two photon levels
    assert all(v is None for v in b["truncation"].values()) and b["truncation_error"] is None


def test_text_output_shows_the_bundle(capsys):
    with pytest.warns(TruncationWarning):
        assert main(STEADY + ["--delta-ad", "1.3408", "--cutoff", "3", "--target", "1,0,1"]) == 0
    out = capsys.readouterr().out
    assert "           g2_am: " in out and "          bundle: |101-> at Delta_ad = 1.3408 (--delta-ad)" in out
    assert "            g2_B: " in out and "(truncation " in out


def test_without_target_the_output_has_no_bundle(capsys):
    with pytest.warns(TruncationWarning):
        d = _run(capsys, STEADY + ["--delta-ad", "1.3408", "--cutoff", "3", "--json"])
    assert set(d) == PAIR_KEYS


@pytest.mark.parametrize("argv, expected", [
    (STEADY + ["--delta-ad", "1.3", "--target", "1.5"], "--target: expected NA,NB,NM"),
    (STEADY + ["--delta-ad", "1.3", "--target=-1,0,1"], "--target: occupation numbers must be >= 0"),
    (STEADY + ["--delta-ad", "1.3", "--target", "-1,0,1"], "--target"),
    (STEADY + ["--delta-ad", "1.3", "--target", "1,0"], "--target: expected NA,NB,NM"),
    (STEADY + ["--delta-ad", "1.3", "--target", "0,0,0"], "--target: must hold at least one quantum"),
    (STEADY + ["--delta-ad", "1.3", "--target", ""], "--target: expected NA,NB,NM"),
    (STEADY, "--delta-ad: required"),
    (STEADY + ["--delta-ad", "resonance"], "--delta-ad: required"),
    (STEADY + ["--target", "0,1,1"], "--target: n_a must be >= 1"),
    (STEADY + ["--target", "1,0,1", "--delta-ad", "nan"], "--delta-ad: must be finite"),
])
def test_bad_input_is_one_line(capsys, argv, expected):
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse: "-1,0,1" after --target looks like an option
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nrbundle: error: ") and expected in err


# ------------------------------------------------------------------------------ the acceptance commands (slow)
@pytest.mark.slow
def test_acceptance_101_auto(capsys):
    plain = _run(capsys, STEADY + ["--delta-ad", "1.3408", "--json"])
    d = _run(capsys, ["steady", "--target", "1,0,1", "--direction", "left", "--delta-ad", "1.3408", "--json"])
    _same_pair_keys({k: v for k, v in d.items() if k != "bundle"}, plain)
    _check_pair_bundle({**d, "bundle": {**d["bundle"], "cutoff": d["cutoff"]}})
    assert d["bundle"]["truncation_error"] < 1e-3  # converged to the default rtol


@pytest.mark.slow
def test_acceptance_201_auto_at_the_corrected_resonance(capsys):
    res = _corrected(capsys, "2,0,1")
    d = _run(capsys, STEADY + ["--target", "2,0,1", "--json"])
    b = d["bundle"]
    assert b["Delta_ad"] == res and b["undefined"] == {}
    assert all(math.isfinite(b[k]) for k in BUNDLE_KEYS)
    assert b["truncation_error"] < 1e-3 and all(v < 1e-3 for v in b["truncation"].values())
    assert b["cutoff"][0] >= 5 and b["cutoff"][2] >= 3  # 2 n_o + 1 levels at least
    # measured (docs/bundles.md): g2_B = 0.4815 at cutoff (10, 5, 5); antibunched three-quanta bundles
    assert 0.3 < b["g2_B"] < 0.7 and 0.3 < b["purity_B"] < 0.6


def test_sweep_steady_with_a_target(tmp_path, capsys):
    out = tmp_path / "sweep"
    argv = ["sweep", "steady", "--axis", "Delta_ad=1.3408", "--base", "direction=left", "--base", "cutoff=3",
            "--base", "target=1,0,1", "--executor", "serial", "--no-progress", "--out", str(out)]
    assert main(argv) == 0  # the sweep records the TruncationWarnings per point (cutoff 3 is too small)
    capsys.readouterr()
    data = np.load(out / "result.npz")
    for k in (*BUNDLE_KEYS, "truncation_B", "g2_am"):
        assert data[k].shape == (1,) and np.isfinite(data[k]).all(), k
    # the pair's bundle is the pair: general code = pair code at every grid point
    np.testing.assert_allclose(data["g2_B"], data["g2_am"], rtol=1e-12)
    np.testing.assert_allclose(data["g1_B"], data["g1_am"], rtol=1e-12)
    assert data["truncation_B"][0] > 0.01  # cutoff 3 is too small here (the warned estimate)
    assert main(argv[:-1] + [str(tmp_path / "bad"), "--base", "target=1.5"]) == 2
    assert "--base target: expected" in capsys.readouterr().err
