"""The command line explains itself and shows that it is alive: help for every option with its default, a
description and working examples for every command, -q/-v, stage lines, and `derive` leaving no auxiliary files."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nrbundle
from nrbundle import progress
from nrbundle.analytic.latex import document as document_mod
from nrbundle.cli import COMMANDS, build_parser, main
from nrbundle.outputs import PDF_CREATOR, is_nrbundle_pdf
from nrbundle.sweep import run_sweep
from nrbundle.sweep import runner as runner_mod

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
import _sweep_points as sp  # noqa: E402

HAVE_PDFLATEX = shutil.which("pdflatex") is not None
#: A document that pdflatex compiles in a fraction of a second (the real one takes seconds to build).
TINY = "\\documentclass{article}\n\\begin{document}\nHello\n\\end{document}\n"


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_command_has_a_description_and_examples():
    subs = _subparsers()
    assert set(subs) == set(COMMANDS)
    for name, p in subs.items():
        assert p.description and len(p.description) > 150, name
        assert p.epilog and p.epilog.startswith("examples:\n  nrbundle "), name


def _examples(text: str) -> list[list[str]]:
    """The command lines of an examples block (continuation lines joined, comments dropped)."""
    lines, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and not line.startswith("nrbundle "):
            continue
        current += " " + line.rstrip("\\").strip()
        if not line.endswith("\\"):
            lines.append(shlex.split(current.split(" # ")[0].split(" > ")[0])[1:])  # no comment, no redirection
            current = ""
    return lines


def test_every_example_parses():
    parser = build_parser()
    examples = [ex for p in _subparsers().values() for ex in _examples(p.epilog)]
    examples += [ex for ex in _examples(parser.epilog) if "COMMAND" not in ex]
    assert len(examples) >= 25
    for argv in examples:
        args = parser.parse_args(argv)  # a bad example exits 2 here
        assert args.func is not None, argv


def test_every_option_has_help_and_shows_its_default():
    for name, p in _subparsers().items():
        text = p.format_help()
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and len(action.help) > 10, (name, action.dest)
            if action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
                assert f"(default: {action.default})" in text or "default" in action.help, (name, action.dest)
    for flag in ("--json", "--workers", "--no-progress", "--shift-order", "--preset"):
        owners = [p for p in _subparsers().values() if flag in p._option_string_actions]
        assert owners and all(p._option_string_actions[flag].help for p in owners), flag


def test_top_level_help_speaks_physics_and_lists_commands(capsys):
    assert main([]) == 0  # `nrbundle` / `python -m nrbundle` alone: what it can do
    out = capsys.readouterr().out
    assert "photon-phonon" in out and "Sagnac" in out and "omega_b" in out
    for name in COMMANDS:
        assert name in out
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"nrbundle {nrbundle.__version__}"


def test_quiet_and_verbose_are_global_and_exclusive(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(document_mod, "derivation_document", lambda params=None, shift_order=4: TINY)
    parser = build_parser()
    assert parser.parse_args(["-q", "resonances"]).quiet
    assert parser.parse_args(["resonances", "-q"]).quiet
    assert parser.parse_args(["-v", "steady", "--direction", "left", "--delta-ad", "1"]).verbose == 1
    assert main(["-q", "resonances", "-v", "--target", "1,0,1", "--direction", "left"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--quiet" in err
    level = progress.verbosity()
    assert main(["-q", "derive", "--latex", str(tmp_path / "x.tex")]) == 0
    assert progress.verbosity() == level and os.environ.get(progress.ENV) != "0"  # restored after the command


def test_stage_lines_obey_the_level(capsys):
    with progress.verbosity_as(progress.NORMAL):
        with progress.stage("work", "a test", delay=0.0) as st:
            time.sleep(0.2)
            st.note("half way")
            st.done("42 things")
        with progress.stage("short", delay=10.0):
            pass  # work that ends before its delay prints nothing
        progress.detail("not shown")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and err[0].endswith("work: started (a test)") and err[1].endswith("work: half way")
    assert err[2].startswith("[") and "work: done in" in err[2] and err[2].endswith(", 42 things")
    with progress.verbosity_as(progress.QUIET):
        with progress.stage("work", delay=0.0) as st:
            st.note("x")
        progress.say("x")
    with progress.verbosity_as(progress.VERBOSE):
        progress.detail("shown")
    assert capsys.readouterr().err.strip().endswith("] shown")
    with pytest.raises(ValueError), progress.stage("failing", delay=0.0):  # the caller reports the error: no line
        raise ValueError("x")
    assert "failing: done" not in capsys.readouterr().err


def test_sweep_progress_lines(capsys, monkeypatch):
    grid = {"x": np.linspace(0.0, 1.0, 3), "direction": ["left"]}
    with progress.verbosity_as(progress.VERBOSE):
        run_sweep(sp.quadratic, grid)
    err = capsys.readouterr().err
    assert err.count("sweep quadratic: point ") == 3 and "point 3/3 {'x': 1.0, 'direction': 'left'} ok in" in err
    monkeypatch.setattr(runner_mod, "HEARTBEAT", 0.0)  # stderr is no terminal here: summary lines instead of a bar
    with progress.verbosity_as(progress.NORMAL):
        run_sweep(sp.quadratic, grid)
    err = capsys.readouterr().err
    assert "sweep quadratic: 1/3 points, 0 failed, about" in err and "point " not in err
    with progress.verbosity_as(progress.QUIET):
        run_sweep(sp.quadratic, grid)
    assert capsys.readouterr().err == ""


def test_steady_verbose_shows_every_solve(capsys):
    with pytest.warns(nrbundle.TruncationWarning):
        assert main(["-v", "steady", "--direction", "left", "--delta-ad", "1.3402", "--cutoff", "3", "--json"]) == 0
    err = capsys.readouterr().err
    assert "steady: cutoff (3, 3, 3): n_a=" in err and "steady: cutoff (4, 3, 3): " in err  # the check's raises


@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")
def test_derive_pdf_leaves_only_the_pdf(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(document_mod, "derivation_document", lambda params=None, shift_order=4: TINY)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    assert main(["derive", "--latex", "out/d.tex", "--pdf"]) == 0
    assert capsys.readouterr().out.strip() == str(Path("out/d.pdf"))
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["d.pdf", "d.tex", "out"]  # no .aux/.log anywhere
    pdf = tmp_path / "out" / "d.pdf"
    assert f"/Creator ({PDF_CREATOR} ".encode() in pdf.read_bytes() and is_nrbundle_pdf(pdf)
    assert main(["derive", "--latex", "out/d.tex", "--pdf"]) == 0  # its own PDF is replaced
    (tmp_path / "mine.pdf").write_bytes(b"%PDF-1.5 my paper")
    assert main(["derive", "--latex", "mine.tex", "--pdf"]) == 2  # refused before anything is written
    assert "--latex: 'mine.pdf' exists and was not written by nrbundle" in capsys.readouterr().err
    assert not (tmp_path / "mine.tex").exists() and (tmp_path / "mine.pdf").read_bytes() == b"%PDF-1.5 my paper"
    assert main(["derive", "--latex", "mine.tex", "--pdf", "--force"]) == 0 and is_nrbundle_pdf(tmp_path / "mine.pdf")


def test_a_pdf_beside_an_nrbundle_tex_counts_as_nrbundle_s(tmp_path, monkeypatch):
    monkeypatch.setattr(document_mod, "derivation_document", lambda params=None, shift_order=4: TINY)
    tex = tmp_path / "d.tex"
    document_mod.write_latex(tex)
    (tmp_path / "d.pdf").write_bytes(b"%PDF-1.5 compiled before the Creator mark")
    assert is_nrbundle_pdf(tmp_path / "d.pdf") and not is_nrbundle_pdf(tmp_path / "nothing.pdf")
    assert "\\pdfinfo{/Creator (nrbundle " in tex.read_text().splitlines()[2]
