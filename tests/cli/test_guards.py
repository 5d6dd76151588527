"""The guards of issue 10 one by one: the overwrite policy, memory and work limits, API type checks, stage failures."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import numpy as np
import pytest

from nrbundle import get_preset
from nrbundle.cli import EXIT_STATUS, main
from nrbundle.crosscheck.checks import Check, CrosscheckReport
from nrbundle.errors import InputError, MemoryLimitError
from nrbundle.limits import (
    MAX_INTEGRATION_WORK,
    available_memory,
    check_integration,
    check_memory,
    format_bytes,
    parse_size,
)
from nrbundle.outputs import (
    TEX_HEADER,
    check_output_dir,
    check_replace_outputs,
    check_replace_tex,
    is_nrbundle_tex,
)
from nrbundle.provenance import write_arrays

FIG1 = get_preset("fig1")


# ------------------------------------------------------------------------------------------------ overwrite policy
def test_derive_refuses_a_foreign_tex_file_and_replaces_its_own(tmp_path, capsys):
    mine = tmp_path / "mine.tex"
    mine.write_text("\\documentclass{article}\n% my thesis\n")
    assert main(["derive", "--latex", str(mine)]) == EXIT_STATUS["input"]
    assert "--force" in capsys.readouterr().err and mine.read_text().endswith("% my thesis\n")
    ours = tmp_path / "ours.tex"
    assert main(["derive", "--latex", str(ours)]) == 0
    text = ours.read_text()
    assert text.startswith("\\documentclass") and text.splitlines()[1].startswith(TEX_HEADER) and is_nrbundle_tex(ours)
    assert main(["derive", "--latex", str(ours), "--shift-order", "2"]) == 0  # its own file: replaced
    assert main(["derive", "--latex", str(mine), "--force"]) == 0 and is_nrbundle_tex(mine)
    capsys.readouterr()


def test_check_replace_tex_and_output_dir(tmp_path):
    (tmp_path / "a.tex").write_text("x\n")
    with pytest.raises(InputError, match="^path: .*not written by nrbundle; pass force=True"):
        check_replace_tex(tmp_path / "a.tex", force=False, param="path")
    check_replace_tex(tmp_path / "a.tex", force=True, param="path")
    check_replace_tex(tmp_path / "new.tex", force=False, param="path")
    assert check_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # nothing is created by the check
    with pytest.raises(InputError, match="exists and is not a folder"):
        check_output_dir(tmp_path / "a.tex")
    with pytest.raises(InputError, match="is not a folder"):
        check_output_dir(tmp_path / "a.tex" / "sub")
    with pytest.raises(PermissionError, match="cannot write into the folder"):
        check_output_dir("/sys/nrbundle-test")


def test_run_files_of_another_request_are_refused_same_request_replaced(tmp_path):
    request = {"run": "dynamics", "t_max": 10.0, "params": FIG1.to_dict()}
    write_arrays(tmp_path, "dyn", {"t": [0.0]}, {"request": request})
    check_replace_outputs(tmp_path, "dyn", ("npz", "json"), {"request": request}, force=False)
    with pytest.raises(InputError, match=r"other parameters \(differ: t_max\); pass force=True"):
        check_replace_outputs(tmp_path, "dyn", ("npz", "json"), {"request": {**request, "t_max": 20.0}},
                              force=False)
    check_replace_outputs(tmp_path, "dyn", ("npz",), {"request": {**request, "t_max": 20.0}}, force=True)
    (tmp_path / "other.png").write_bytes(b"png")
    with pytest.raises(InputError, match="was not written by nrbundle"):
        check_replace_outputs(tmp_path, "other", ("png", "json"), {}, force=False)


def test_dynamics_rerun_replaces_its_own_files_and_refuses_other_parameters(tmp_path, capsys):
    argv = ["dynamics", "--direction", "left", "--cutoff", "2", "--points", "20", "--t-max", "50", "--out",
            str(tmp_path)]
    assert main(argv) == 0
    assert main(argv) == 0  # the same command into the same place
    before = (tmp_path / "dynamics_left_closed.npz").read_bytes()
    capsys.readouterr()
    assert main([*argv[:-4], "--t-max", "60", "--out", str(tmp_path)]) == EXIT_STATUS["input"]
    err = capsys.readouterr().err
    assert "differ: t_max" in err and "--force" in err
    assert (tmp_path / "dynamics_left_closed.npz").read_bytes() == before
    assert main([*argv[:-4], "--t-max", "60", "--out", str(tmp_path), "--force"]) == 0
    assert json.loads((tmp_path / "dynamics_left_closed.json").read_text())["request"]["t_max"] == 60.0
    capsys.readouterr()


def test_figures_of_other_parameters_are_not_replaced(tmp_path, capsys):
    write_arrays(tmp_path, "fig1", {"x": [1.0]}, {"params": get_preset("physical").to_dict(), "quick": True})
    assert main(["figures", "--which", "1", "--quick", "--out", str(tmp_path)]) == EXIT_STATUS["input"]
    err = capsys.readouterr().err
    assert "written with other parameters (differ: " in err and "--force" in err


# ------------------------------------------------------------------------------------------------ limits
def test_parse_size_and_the_environment_override(monkeypatch):
    assert parse_size("6G") == 6 * 2**30 and parse_size("512MiB") == 512 * 2**20 and parse_size("1000") == 1000
    for bad in ("6Q", "-1G", "", "1_000"):
        with pytest.raises(InputError, match="NRBUNDLE_MEMORY_LIMIT"):
            parse_size(bad)
    monkeypatch.setenv("NRBUNDLE_MEMORY_LIMIT", "2G")
    assert available_memory() == (2 * 2**30, "NRBUNDLE_MEMORY_LIMIT")
    check_memory(2**30, "a thing", param="cutoff", hint="lower it")
    with pytest.raises(MemoryLimitError, match=r"^cutoff: a thing needs about 3 GiB, more than the 2 GiB .*lower it"):
        check_memory(3 * 2**30, "a thing", param="cutoff", hint="lower it")
    assert format_bytes(1536) == "1.5 KiB" and format_bytes(12) == "12 B"


def test_integration_work_limit_names_t_max():
    check_integration(1e3, 10.0, 128, what="x")
    with pytest.raises(InputError, match="^t_max: .*the largest t_max here is about"):
        check_integration(1e300, 10.0, 128, what="x")
    assert MAX_INTEGRATION_WORK >= 3e8  # the documented open run (cutoff 4, default t_max) stays allowed


# ------------------------------------------------------------------------------------------------ API types
def test_api_functions_refuse_wrong_types_and_non_integers():
    from nrbundle.analytic.predict import resonance_table
    from nrbundle.numeric.correlations import bundle_g2, cross_g2
    from nrbundle.numeric.model import Model, parse_cutoff
    from nrbundle.numeric.spectrum import avoided_crossing

    with pytest.raises(InputError, match="^params: "):
        resonance_table("fig1", [(1, 0, 1)], ["left"])
    with pytest.raises(InputError, match="^params: "):
        Model({"xi": 1.0}, "left", 3)
    with pytest.raises(InputError, match="^cutoff: "):
        parse_cutoff((3.9, 3, 3))
    with pytest.raises(InputError, match="^target: "):
        avoided_crossing(FIG1, (1.5, 0, 1), "left", cutoff=3)
    m = Model(FIG1, "left", 3)
    a, b = m.ops["a"], m.ops["b"]
    d = m.dimension
    good = np.eye(d) / d
    assert np.isfinite(cross_g2(good, a, b))
    bad = {"not Hermitian": good + np.triu(np.ones((d, d)), 1) * 1e-3, "trace": 2 * good,
           "negative population": good + np.diag([0.5, -0.5] + [0.0] * (d - 2))}
    for what, rho in bad.items():
        for f in (cross_g2, bundle_g2):
            with pytest.raises(InputError, match=f"^rho: not a density matrix: .*{what.split()[0]}"):
                f(rho, a, b)


# ------------------------------------------------------------------------------------------------ reports
def test_crosscheck_table_says_why_a_check_could_not_be_computed():
    report = CrosscheckReport("fig1", "omega_b", [
        Check("steady[101-,left]", None, None, None, None, False,
              "the check could not be computed: InputError: kappa_a: is 0", True, "nonreciprocity"),
    ])
    assert "FAIL: the check could not be computed: InputError: kappa_a: is 0" in report.table()


def test_reproduce_stage_failure_is_logged_and_the_cli_exits_1(tmp_path, monkeypatch, caplog, capsys):
    import nrbundle.reproduce as rep

    with caplog.at_level(logging.ERROR, logger="nrbundle.reproduce"):
        rep._log_failure(SimpleNamespace(name="fig1", record={"error": "InputError: workers: must be >= 1"}))
    assert "stage fig1 failed: InputError: workers" in caplog.text

    def fake_reproduce(out, **kwargs):
        out.mkdir(parents=True, exist_ok=True)
        (out / "reproduce.json").write_text(json.dumps({
            "stages": {"derivation": {"status": "ok"}, "fig3": {"status": "failed", "error": "boom"}},
            "versions": {"nrbundle": "x"}, "preset": "fig1", "quick": True}))
        return out

    monkeypatch.setattr(rep, "reproduce", fake_reproduce)
    assert main(["reproduce", "--quick", "--out", str(tmp_path / "r")]) == EXIT_STATUS["failed"]
    err = capsys.readouterr().err
    assert "reproduce stage(s) fig3 failed" in err


def test_trajectory_window_remedy_names_the_option(capsys):
    from nrbundle.cli.messages import with_flag

    assert with_flag("window: a channel of the pair has zero rate; pass window explicitly") == (
        "--window: a channel of the pair has zero rate; pass --window"
    )
    assert "pass --restart" in with_flag("out: 'x' is unreadable; pass resume=False to start afresh")
