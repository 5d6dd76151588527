"""Command-line interface: argument parsing and printing only; every command composes the layers.

Exit status: 0 success, 1 a check or computation failed, 2 bad input (one line on stderr naming it).
"""

from __future__ import annotations

__all__ = ["main", "build_parser", "resolve_params", "FLAGS"]

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, NrbundleError
from .params import DIRECTIONS, Params, check_finite, get_preset, parse_overrides, parse_target
from .provenance import dumps
from .transitions import PAPER_TARGETS

#: Level-shift orders of ``nrbundle resonances``: symbolic through 4, the float Schrieffer-Wolff recursion above.
SHIFT_ORDERS: tuple[int, ...] = (0, 2, 3, 4, 5, 6, 7, 8)

#: Library parameter name -> the option that sets it. Library errors name the parameter (``"Delta_ad: must be
#: finite"``); :func:`main` prints them with the option of the command (``"--delta-ad: must be finite"``).
FLAGS: dict[str, str] = {
    "preset": "--preset",
    "overrides": "--set",
    "target": "--target",
    "direction": "--direction",
    "shift_order": "--shift-order",
    "cutoff": "--cutoff",
    "Delta_ad": "--delta-ad",
    "t_max": "--t-max",
    "points": "--points",
    "seed": "--seed",
    "which": "--which",
    "workers": "--workers",
    "executor": "--executor",
    "scheduler": "--scheduler",
    "axis": "--axis",
    "base": "--base",
    "out": "--out",
    "latex": "--latex",
}


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"nrbundle: error: {message}\n")
        raise SystemExit(2)


def _with_flag(message: str, args: argparse.Namespace | None = None) -> str:
    """A library error message with its leading parameter name replaced by the option of :data:`FLAGS`.

    ``"Delta_ad: must be finite"`` -> ``"--delta-ad: must be finite"``; ``"axis kappa: NUM must be ..."`` ->
    ``"--axis kappa: NUM must be ..."``. Names without an option (in ``args``' command) stay as they are.
    """
    head, sep, rest = message.partition(": ")
    name, _, qualifier = head.partition(" ")
    flag = FLAGS.get(name)
    if flag is None or not sep:
        return message
    dest = "overrides" if flag == "--set" else flag[2:].replace("-", "_")
    if args is not None and not hasattr(args, dest):
        return message
    return f"{flag}{' ' + qualifier if qualifier else ''}: {rest}"


def resolve_params(preset: str, overrides: Sequence[str] | None) -> Params:
    """The preset with ``--set NAME=VALUE`` overrides applied (validated).

    Raises
    ------
    InputError
        ``"preset: ..."`` for an unknown preset; ``"--set NAME: ..."`` (``"--set: ..."`` for a malformed item)
        for a bad override.
    """
    base = get_preset(preset)
    try:
        values = parse_overrides(overrides or [])
        return base.replace(**values) if values else base
    except InputError as exc:  # "overrides: ..." -> "--set: ...", "kappa: ..." -> "--set kappa: ..."
        message = str(exc)
        raise InputError(_with_flag(message) if message.startswith("overrides: ") else f"--set {message}") from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="fig1", help="parameter preset: fig1 (units of omega_b) or physical (GHz)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one parameter by its paper name (repeatable)",
    )


def _directions(text: str, allow_both: bool = True) -> list[str]:
    if text == "both" and allow_both:
        return list(DIRECTIONS)
    if text not in DIRECTIONS:
        choices = "left, right or both" if allow_both else "left or right"
        raise InputError(f"--direction: expected {choices}, got {text!r}")
    return [text]


# ---------------------------------------------------------------- resonances
def _cmd_resonances(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    targets = [parse_target(args.target)] if args.target else list(PAPER_TARGETS)
    directions = _directions(args.direction)
    if args.shift_order not in SHIFT_ORDERS:
        raise InputError(f"--shift-order: expected 0 or 2..8, got {args.shift_order}")
    from .analytic.predict import resonance_table

    table = resonance_table(params, targets, directions, shift_order=args.shift_order)
    if args.json:
        print(dumps(table))
        return 0
    print(f"preset {table['preset']}  (Delta_ad in units of {table['units']})")
    print(f"{'target':>8} {'dir':>5} {'closed form':>13} {'corrected':>13} {'K':>2} {'g_eff':>11} {'order':>5} valid")
    for t in table["transitions"]:
        tgt = "|" + "".join(map(str, t["target"])) + "->"
        print(
            f"{tgt:>8} {t['direction']:>5} {t['closed_form']:13.8f} {t['corrected']:13.8f} "
            f"{t['shift_order']:2d} {t['g_eff']:11.4e} {t['g_eff_order']:5d} {t['valid']}"
        )
    return 0


# -------------------------------------------------------------------- derive
def _cmd_derive(args: argparse.Namespace) -> int:
    from .analytic.latex import write_latex

    params = resolve_params(args.preset, args.overrides)
    if not args.latex:
        raise InputError("--latex: give the path of the .tex file to write")
    path = write_latex(Path(args.latex), params=params, shift_order=args.shift_order, pdf=args.pdf)
    print(str(path))
    return 0


# ------------------------------------------------------------------ numeric
def _cutoff_arg(text: str, allow_auto: bool) -> Any:
    from .numeric.model import parse_cutoff

    if text == "auto":
        if not allow_auto:
            raise InputError("--cutoff: 'auto' is not available for this command; give N or NA,NB,NM")
        return "auto"
    return parse_cutoff(text)


def _cmd_spectrum(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    target = parse_target(args.target)
    direction = _directions(args.direction, allow_both=False)
    cutoff = _cutoff_arg(args.cutoff, allow_auto=False)
    from .numeric.spectrum import avoided_crossing

    ac = avoided_crossing(params, target, direction[0], cutoff=cutoff)
    out = {
        "target": list(target),
        "direction": direction[0],
        "resonance": ac.resonance,
        "half_splitting": ac.half_splitting,
        "cutoff": list(ac.cutoff),
    }
    if args.json:
        print(dumps(out))
    else:
        print(
            f"|000+> <-> |{''.join(map(str, target))}->  ({direction[0]} drive, cutoff {tuple(ac.cutoff)}): "
            f"minimum splitting at Delta_ad = {ac.resonance:.10f} {params.units}, "
            f"half splitting {ac.half_splitting:.6e}"
        )
    return 0


def _cmd_steady(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    direction = _directions(args.direction, allow_both=False)
    Delta_ad = check_finite("Delta_ad", args.delta_ad)
    cutoff = _cutoff_arg(args.cutoff, allow_auto=True)
    from .numeric.steady import solve_steady, steady_observables

    state = solve_steady(params, direction[0], Delta_ad, cutoff=cutoff)
    obs = steady_observables(state, diagnostics=True)
    if args.json:
        print(dumps(obs))
    else:
        for k, v in obs.items():
            print(f"{k:>16}: {v}")
    return 0


# ---------------------------------------------------------------- crosscheck
def _cmd_crosscheck(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    from .crosscheck import run_checks

    progress = None if args.json else (lambda msg: sys.stderr.write(f"  ... {msg}\n"))
    report = run_checks(params, progress=progress)
    print(dumps(report.to_dict()) if args.json else report.table())
    return 0 if report.passed else 1


# --------------------------------------------------------------------- sweep
def _point_function(name: str) -> Any:
    """The point function of ``nrbundle sweep FUNC``: a built-in name, else ``FUNC`` (``module:function``) itself."""
    from .study.points import steady_point

    builtin = {"steady": steady_point}
    return builtin.get(name, name)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import EXECUTORS, Grid, parse_axis, run_sweep

    params = resolve_params(args.preset, args.overrides)
    if not args.axis:
        raise InputError("--axis: give at least one axis, e.g. --axis Delta_ad=1.30:1.40:101")
    axes = [parse_axis(spec) for spec in args.axis]
    names = [a[0] for a in axes]
    if len(set(names)) != len(names):
        raise InputError(f"--axis: an axis name is repeated in {names}")
    base: dict[str, Any] = {"params": params}
    for item in args.base:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise InputError(f"--base: expected NAME=VALUE, got {item!r}")
        try:
            base[name] = json.loads(raw)
        except json.JSONDecodeError:
            base[name] = raw
    func = _point_function(args.point_func)
    if args.executor not in EXECUTORS:
        choices = f"{', '.join(EXECUTORS[:-1])} or {EXECUTORS[-1]}"
        raise InputError(f"--executor: expected {choices}, got {args.executor!r}")
    result = run_sweep(
        func,
        Grid(axes),
        base=base,
        out=args.out,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        resume=not args.restart,
        retry_failed=not args.keep_failed,
    )
    print(result.summary())
    if result.failed:
        for f in result.failed:
            sys.stderr.write(f"failed point {f.point}: {f.error}\n")
        return 1
    return 0


# ------------------------------------------------------- figures / reproduce
def _which(text: str) -> list[int]:
    from .figures import FIGURES

    numbers = ",".join(map(str, FIGURES))
    try:
        which = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise InputError(f"--which: expected figure numbers like {numbers}, got {text!r}") from None
    if not which or any(w not in FIGURES for w in which):
        names = f"{', '.join(map(str, FIGURES[:-1]))} and {FIGURES[-1]}"
        raise InputError(f"--which: figures are {names}, got {text!r}")
    return which


def _cmd_figures(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    which = _which(args.which)
    from .figures import make_figures

    paths = make_figures(which, Path(args.out), quick=args.quick, params=params, workers=args.workers)
    for path in paths:
        print(path)
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    get_preset(args.preset)  # refuse an unknown preset before the long run starts
    from .reproduce import reproduce

    out = reproduce(Path(args.out), quick=args.quick, preset=args.preset, workers=args.workers)
    print(out)
    return 0


# ------------------------------------------------------- dynamics / trajectory
def _run_common(args: argparse.Namespace) -> tuple[Params, str, float | None, Any, Any]:
    params = resolve_params(args.preset, args.overrides)
    direction = _directions(args.direction, allow_both=False)[0]
    Delta_ad = None if args.delta_ad is None else check_finite("Delta_ad", args.delta_ad)
    target = parse_target(args.target) if args.target else None
    if Delta_ad is None and target is None:
        target = PAPER_TARGETS[0]  # |101->, the default of --target
    from .numeric.model import parse_cutoff

    cutoff = parse_cutoff(args.cutoff)
    return params, direction, Delta_ad, target, cutoff


def _cmd_dynamics(args: argparse.Namespace) -> int:
    params, direction, Delta_ad, target, cutoff = _run_common(args)
    t_max = None if args.t_max is None else check_finite("t_max", args.t_max)
    from .runs import run_dynamics

    for path in run_dynamics(params, direction, Path(args.out), Delta_ad=Delta_ad, target=target, t_max=t_max,
                             points=args.points, cutoff=cutoff, open_system=args.open):
        print(path)
    return 0


def _cmd_trajectory(args: argparse.Namespace) -> int:
    params, direction, Delta_ad, target, cutoff = _run_common(args)
    t_max = check_finite("t_max", args.t_max)
    from .runs import run_trajectory

    for path in run_trajectory(params, direction, Path(args.out), Delta_ad=Delta_ad, target=target, t_max=t_max,
                               points=args.points, cutoff=cutoff, seed=args.seed):
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``nrbundle`` argument parser (sub-commands)."""
    parser = _Parser(prog="nrbundle", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"nrbundle {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("resonances", help="closed-form (S17-S22) and level-shift-corrected resonances, g_eff")
    _common(p)
    p.add_argument("--target", help="NA,NB,NM of the target |NA NB NM ->; default: the paper's |101-> and |110->")
    p.add_argument("--direction", default="both", help="left, right or both (default)")
    p.add_argument("--shift-order", type=int, default=4,
                   help="order of the level shifts (0 = closed form S18-S22, 2..8; default 4)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_resonances)

    p = sub.add_parser("derive", help="write the LaTeX derivation document (S1-S22, g_eff, shifts)")
    _common(p)
    p.add_argument("--latex", metavar="PATH", help="path of the .tex file to write")
    p.add_argument("--pdf", action="store_true", help="also compile it with pdflatex")
    p.add_argument("--shift-order", type=int, default=4)
    p.set_defaults(func=_cmd_derive)

    p = sub.add_parser("spectrum", help="exact diagonalization: avoided crossing of |000+> and a target")
    _common(p)
    p.add_argument("--target", required=True, help="NA,NB,NM of the target |NA NB NM ->")
    p.add_argument("--direction", required=True, help="left or right")
    p.add_argument("--cutoff", default="4", help="N or NA,NB,NM Fock levels per mode (default 4)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_spectrum)

    p = sub.add_parser("steady", help="steady state of Eq. (2): populations, g1 and bundle g2 (Eq. 3)")
    _common(p)
    p.add_argument("--direction", required=True, help="left or right")
    p.add_argument("--delta-ad", required=True, help="drive detuning Delta_ad (preset units)")
    p.add_argument("--cutoff", default="auto", help="auto (default), N or NA,NB,NM")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_steady)

    p = sub.add_parser("crosscheck", help="every analytic claim vs exact diagonalization and the master equation")
    _common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_crosscheck)

    p = sub.add_parser("sweep", help="run a point function over a parameter grid (checkpointed, resumable)")
    _common(p)
    p.add_argument("point_func", metavar="FUNC", help="'steady' (built in) or module:function of a point function")
    p.add_argument("--axis", action="append", default=[], metavar="SPEC",
                   help="NAME=START:STOP:NUM[:log] or NAME=a,b,c (repeatable; see docs/sweeps.md)")
    p.add_argument("--out", required=True, help="output directory (checkpoints, result.npz, result.json)")
    p.add_argument("--base", action="append", default=[], metavar="NAME=VALUE",
                   help="further fixed keyword arguments of the point function (JSON values)")
    p.add_argument("--executor", default="process", help="serial, process (default) or dask")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, help="dask: tcp://HOST:PORT of a scheduler, or local")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--restart", action="store_true", help="discard checkpoints and start afresh")
    p.add_argument("--keep-failed", action="store_true", help="on resume, do not retry failed points")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("figures", help="regenerate the paper's figures (PDF and PNG)")
    _common(p)
    p.add_argument("--which", default="1,2,3,4", help="comma-separated figure numbers (default 1,2,3,4)")
    p.add_argument("--out", default="nrbundle-out/figures", help="output directory")
    p.add_argument("--quick", action="store_true", help="coarse grids; finishes in minutes")
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=_cmd_figures)

    p = sub.add_parser("reproduce", help="derivation, resonances, crosscheck, figures and report in one folder")
    p.add_argument("--preset", default="fig1")
    p.add_argument("--out", default="nrbundle-out", help="output directory (default ./nrbundle-out)")
    p.add_argument("--quick", action="store_true", help="coarse grids; finishes in minutes")
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=_cmd_reproduce)

    for name, helptext in (("dynamics", "super-Rabi population dynamics from |000+> (Fig. 2(a-c))"),
                           ("trajectory", "one quantum trajectory with its jumps and bundles (Fig. 2(d-g))")):
        p = sub.add_parser(name, help=helptext)
        _common(p)
        p.add_argument("--direction", required=True, help="left or right")
        p.add_argument("--delta-ad", default=None, help="drive detuning; default: the ED resonance of --target")
        p.add_argument("--target", default=None, help="NA,NB,NM whose resonance to sit on (default 1,0,1)")
        p.add_argument("--cutoff", default="4" if name == "dynamics" else "3", help="N or NA,NB,NM")
        p.add_argument("--points", type=int, default=1000 if name == "dynamics" else 2000, help="output times")
        p.add_argument("--out", default="nrbundle-out/runs", help="output directory")
        if name == "dynamics":
            p.add_argument("--t-max", default=None, help="final time (default 2.5 super-Rabi transfer times)")
            p.add_argument("--open", action="store_true", help="master equation Eq. (2) instead of closed dynamics")
            p.set_defaults(func=_cmd_dynamics)
        else:
            p.add_argument("--t-max", default="20000", help="final time (default 2e4)")
            p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same jumps)")
            p.set_defaults(func=_cmd_trajectory)

    return parser


def _warning_line(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    return f"nrbundle: warning: {message}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nrbundle`` console script."""
    import warnings

    warnings.formatwarning = _warning_line  # one readable line per warning (e.g. TruncationWarning)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        sys.stderr.write(f"nrbundle: error: {_with_flag(str(exc), args)}\n")
        return 2
    except NrbundleError as exc:
        sys.stderr.write(f"nrbundle: failed: {exc}\n")
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        sys.stderr.write("nrbundle: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
