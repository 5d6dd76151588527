"""``nrbundle sweep steady``: rtol, max_cutoff and fallback_rtol through --base, and the fallback of issue 12.

The point function (:func:`nrbundle.study.points.steady_point`) takes the options of ``cutoff="auto"`` as keyword
arguments; the CLI checks them before the sweep folder is written. A point that cannot meet ``rtol`` within
``max_cutoff`` keeps the largest cutoff reached (flagged ``fallback`` = 1, its reason in ``result.json``) when its
truncation error is within ``fallback_rtol``; otherwise it fails and the failure line says which option to change.
Cheap case: fig1, left drive, Delta_ad = 1.34 (the |101-> resonance) with ``max_cutoff=4``: the resonant pair
needs (7, 5, 5), so ``auto`` stops at (4, 4, 4) with a truncation error of 0.39 (raising N_a 3 -> 4 changed n_m by
39 %): above the default fallback_rtol = 0.1, so the point fails; with ``fallback_rtol=0.5`` it is kept, flagged.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nrbundle.cli import main
from nrbundle.params import get_preset
from nrbundle.study.points import steady_point

P = get_preset("fig1")
SWEEP = ["sweep", "steady", "--executor", "serial", "--no-progress", "--axis", "direction=left",
         "--base", "Delta_ad=1.34"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--base", "rtol=2"], "--base rtol: must lie in (0, 1), got 2"),
        (["--base", "rtol=0"], "--base rtol:"),
        (["--base", "max_cutoff=2"], "--base max_cutoff: must be >= 3, got 2"),
        (["--base", "max_cutoff=4.5"], "--base max_cutoff: expected an integer"),
        (["--base", "fallback_rtol=1e-4"], "--base fallback_rtol: must be >= rtol = 0.001"),
        (["--base", "kappa=0.01"], "--base kappa: not an argument of the steady point function"),
        (["--base", "maxcutoff=9"], "--base maxcutoff: not an argument of the steady point function (known: "),
    ],
)
def test_bad_options_are_refused_before_the_folder_is_written(tmp_path, capsys, extra, message):
    out = tmp_path / "s"
    assert main([*SWEEP, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not out.exists()


def test_point_function_fallback_is_flagged_and_keeps_its_truncation_estimate():
    with pytest.warns(Warning, match="fallback"):
        r = steady_point({"direction": "left"}, P, Delta_ad=1.34, max_cutoff=4, fallback_rtol=0.5)
    meta = r["meta"]
    assert r["fallback"] == 1.0 and meta["cutoff"] == [4, 4, 4]
    assert "did not converge to rtol=0.001 within max_cutoff=4" in meta["fallback"]
    assert 0.1 < meta["truncation_error"] <= 0.5  # missed rtol (and FALLBACK_RTOL), within the given bound
    assert set(meta["observable_errors"]) == {"n_a", "n_b", "n_m", "g2_ab", "g2_am"} and meta["not_judged"] == {}
    assert all(math.isfinite(r[k]) for k in ("n_a", "g1_am", "g2_am"))
    # a fixed cutoff has no fallback value (steady_values and the figures are unchanged)
    assert "fallback" not in steady_point({"direction": "left"}, P, Delta_ad=1.34, cutoff=3, truncation_check=False)


def test_sweep_with_max_cutoff_uses_the_fallback_and_exits_0(tmp_path, capsys):
    out = tmp_path / "s"
    assert main([*SWEEP, "--base", "max_cutoff=4", "--base", "fallback_rtol=0.5", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "nrbundle: warning: sweep: 1 of 1 points missed rtol within max_cutoff" in err
    with np.load(out / "result.npz") as data:
        assert data["fallback"].tolist() == [1.0] and not np.isnan(data["g2_am"]).any()
    point = json.loads((out / "result.json").read_text())["points"][0]
    assert "changed n_m by 0.388" in point["meta"]["fallback"] and point["status"] == "ok"
    assert any("fallback" in w for w in point.get("warnings", []))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["base"]["max_cutoff"] == 4  # the option is part of what the sweep is (resume checks it)


@pytest.mark.parametrize("fallback, why", [([], "no fallback: truncation_error 0.39 > fallback_rtol=0.1"),
                                           (["--base", "fallback_rtol=null"], "")])
def test_a_point_even_the_fallback_cannot_produce_fails_and_names_the_options(tmp_path, capsys, fallback, why):
    out = tmp_path / "s"
    assert main([*SWEEP, "--base", "max_cutoff=4", *fallback, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if x.startswith("nrbundle: failed point"))
    assert "raise max_cutoff (--base max_cutoff=N)" in line and "loosen rtol (--base rtol=X)" in line
    assert "mode a: N_a 3 -> 4 changed n_m by 0.388" in line  # the observable that did not settle
    assert why in line
    with np.load(out / "result.npz") as data:  # the only point failed: no value was produced
        assert "n_a" not in data.files or np.isnan(data["n_a"]).all()
