"""Bad input to the CLI: exit status 2 and exactly one line on stderr that names the bad input."""

import subprocess
import sys

import pytest

import nrbundle
from nrbundle.cli import main

BAD = [
    (["resonances", "--preset", "fig9"], "fig9"),
    (["resonances", "--set", "lambda_xx=1"], "lambda_xx"),
    (["resonances", "--set", "kappa=1", "--set", "kappa=2"], "kappa"),
    (["resonances", "--set", "kappa=abc"], "kappa"),
    (["resonances", "--set", "xi=nan"], "xi"),
    (["resonances", "--set", "xi=inf"], "xi"),
    (["resonances", "--set", "gamma=-0.1"], "gamma"),
    (["resonances", "--set", "kappa_b=-1e-3"], "kappa_b"),
    (["resonances", "--target", "1,0"], "target"),
    (["resonances", "--target", "x,y,z"], "target"),
    (["resonances", "--direction", "up"], "direction"),
    (["resonances", "--shift-order", "two"], "shift-order"),
    (["resonances", "--shift-order", "9"], "shift-order"),
    (["resonances", "--shift-order", "1"], "shift-order"),
    (["nonsense"], "nonsense"),
    (["steady", "--direction", "left", "--delta-ad", "1.3408", "--rtol", "2"], "--rtol"),
    (["steady", "--direction", "left", "--delta-ad", "1.3408", "--max-cutoff", "2"], "--max-cutoff"),
]


@pytest.mark.parametrize("argv, word", BAD)
def test_bad_input_exit_2_one_line(argv, word, capsys):
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(argv))
    assert info.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert word in lines[0]
    assert "Traceback" not in err


def test_console_script_bad_preset_has_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "nrbundle.cli", "resonances", "--preset", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "nope" in proc.stderr and "Traceback" not in proc.stderr


NUMERIC_BAD = [
    (["steady", "--direction", "both", "--delta-ad", "1.34"], "direction"),
    (["steady", "--direction", "left", "--delta-ad", "nan"], "delta-ad"),
    (["steady", "--direction", "left", "--delta-ad", "inf"], "delta-ad"),
    (["steady", "--direction", "left", "--delta-ad", "1.3", "--cutoff", "1"], "cutoff"),
    (["steady", "--direction", "left", "--delta-ad", "1.3", "--cutoff", "40"], "cutoff"),
    (["steady", "--direction", "left", "--delta-ad", "1.3", "--cutoff", "3,3"], "cutoff"),
    (["steady", "--direction", "left", "--delta-ad", "1.3", "--set", "kappa=-1"], "kappa"),
    (["spectrum", "--target", "1,0,1", "--direction", "sideways"], "direction"),
    (["spectrum", "--target", "1;0;1", "--direction", "left"], "target"),
    (["spectrum", "--target", "1,0,1", "--direction", "left", "--cutoff", "auto"], "cutoff"),
]


@pytest.mark.parametrize("argv, word", NUMERIC_BAD)
def test_numeric_bad_input_exit_2_one_line(argv, word, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and word in lines[0], err


FLAGGED = [
    (["steady", "--direction", "left", "--delta-ad", "nan"], "--delta-ad: must be finite"),
    (["resonances", "--set", "kappa=abc"], "--set kappa: expected a number"),
    (["resonances", "--set", "kappa"], "--set: expected NAME=VALUE"),
    (["resonances", "--preset", "fig9"], "--preset: unknown preset 'fig9'"),
    (["steady", "--direction", "left", "--delta-ad", "1.3", "--cutoff", "3,3"], "--cutoff: "),
    (["sweep", "steady", "--axis", "x=1:2", "--out", "unused"], "--axis x: expected START:STOP:NUM"),
]


@pytest.mark.parametrize("argv, text", FLAGGED)
def test_library_errors_name_the_parameter_and_the_cli_prints_the_option(argv, text, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("nrbundle: error: ") and text in err, err


def test_python_dash_m_nrbundle_is_the_cli():
    proc = subprocess.run([sys.executable, "-m", "nrbundle", "--version"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == f"nrbundle {nrbundle.__version__}"
    proc = subprocess.run([sys.executable, "-m", "nrbundle", "resonances", "--preset", "nope"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "nope" in proc.stderr and "Traceback" not in proc.stderr


RUN_WITH_EXIT_HANDLER = """
import atexit, pathlib, sys
marker = pathlib.Path(sys.argv[1])
atexit.register(lambda: marker.write_text("exit handlers ran"))
from nrbundle.cli import run
run(sys.argv[2:])
raise SystemExit(99)  # not reached: run() ends the process with main()'s status
"""


@pytest.mark.parametrize("argv, status", [(["--version"], 0), (["resonances", "--preset", "nope"], 2)])
def test_console_entry_runs_the_exit_handlers_flushes_and_exits_with_the_status(tmp_path, argv, status):
    """``run`` (the console script) skips only the interpreter's teardown: the exit handlers run, the output is
    complete, the status is main()'s."""
    marker = tmp_path / "marker.txt"
    proc = subprocess.run([sys.executable, "-c", RUN_WITH_EXIT_HANDLER, str(marker), *argv], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == status, proc.stderr
    assert marker.read_text() == "exit handlers ran"
    if status == 0:
        assert proc.stdout == f"nrbundle {nrbundle.__version__}\n"
    else:
        assert proc.stderr.count("\n") == 1 and "nope" in proc.stderr


def test_steady_names_the_options_to_change_when_auto_cannot_converge(capsys):
    """max_cutoff 4 is too small at the photon-magnon resonance (n_m changes by ~40 % from N_a = 3 to 4): exit 1,
    one line naming max_cutoff and rtol, the options the user can change."""
    code = main(["steady", "--direction", "left", "--delta-ad", "1.3408", "--max-cutoff", "4", "--json"])
    assert code == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "max_cutoff" in err[0] and "rtol" in err[0], err
