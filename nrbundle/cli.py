"""Command-line interface: argument parsing and printing only; every command composes the layers.

Exit status (``docs/cli.md``): 0 success; 1 a check or computation failed (failed sweep points, failed reproduce
stages, a solver that missed its target); 2 bad input; 3 an operating-system or I/O fault (an unwritable path, a
full disk, a closed output pipe); 4 out of memory, or a request refused because its estimate exceeds the memory
available; 130 interrupted (Ctrl-C). Every failure is one line on stderr (``nrbundle: error: ...``), never a
traceback (set ``NRBUNDLE_TRACEBACK=1`` to see one for an unexpected error).
"""

from __future__ import annotations

__all__ = ["main", "build_parser", "resolve_params", "FLAGS", "REMEDIES", "EXIT_STATUS"]

import argparse
import atexit
import json
import logging
import os
import sys
import textwrap
import threading
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import __version__, progress
from .errors import InputError, MemoryLimitError, NrbundleError, shorten
from .outputs import check_output_dir, check_replace_outputs
from .params import (
    DIRECTIONS,
    PARAM_NAMES,
    Params,
    check_direction,
    check_finite,
    check_integer,
    get_preset,
    parse_overrides,
    parse_target,
)
from .provenance import dumps, read_json
from .transitions import PAPER_TARGETS

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
    "window": "--window",
    "which": "--which",
    "workers": "--workers",
    "executor": "--executor",
    "scheduler": "--scheduler",
    "axis": "--axis",
    "grid": "--axis",
    "base": "--base",
    "out": "--out",
    "latex": "--latex",
    "path": "--latex",
    "x": "--x",
    "y": "--y",
    "ratio_threshold": "--ratio-threshold",
    "checks": "--checks",
    "rtol": "--rtol",
    "max_cutoff": "--max-cutoff",
}

#: Remedies that library messages name as API arguments -> the option of the command line.
REMEDIES: dict[str, str] = {
    "pass resume=False": "pass --restart",
    "pass force=True": "pass --force",
    "pass allow_version_change=True": "pass --allow-version-change",
    "pass window explicitly": "pass --window",
    "give t_max explicitly": "give --t-max",
}

#: Exit status by outcome (module docstring).
EXIT_STATUS: dict[str, int] = {
    "ok": 0,
    "failed": 1,
    "input": 2,
    "os": 3,
    "memory": 4,
    "interrupted": 130,
}

#: Characters of an error line kept (an argument of 100 kB is never echoed whole).
MAX_LINE = 400


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"nrbundle: error: {shorten(message, MAX_LINE)}\n")
        raise SystemExit(EXIT_STATUS["input"])


def _with_flag(message: str, args: argparse.Namespace | None = None) -> str:
    """A library error message with its leading parameter name replaced by the option of :data:`FLAGS`.

    ``"Delta_ad: must be finite"`` -> ``"--delta-ad: must be finite"``; ``"axis kappa: NUM must be ..."`` ->
    ``"--axis kappa: NUM must be ..."``. Names without an option (in ``args``' command) stay as they are. The
    remedies of :data:`REMEDIES` (``pass resume=False``) become options (``pass --restart``).
    """
    for api, option in REMEDIES.items():
        message = message.replace(api, option)
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
    p.add_argument("--preset", default="fig1", metavar="fig1|physical",
                   help="parameter set: fig1 (Fig. 1 of the paper, frequencies in units of omega_b) or physical "
                        "(the paper's experimental numbers, in GHz)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change one parameter of the preset by its paper name, e.g. kappa=0.01 or Delta_F=0.03 (repeatable; "
             "names: " + ", ".join(PARAM_NAMES) + ")",
    )


def _directions(text: str, allow_both: bool = True) -> list[str]:
    if text == "both" and allow_both:
        return list(DIRECTIONS)
    if text not in DIRECTIONS:
        choices = "left, right or both" if allow_both else "left or right"
        raise InputError(f"--direction: expected {choices}, got {shorten(repr(text), 80)}")
    return [text]


def _workers(text: str | None) -> int | None:
    """``--workers``: None (all cores) or a positive integer, checked before anything runs."""
    return None if text is None else check_integer("workers", text, minimum=1)


def _shift_order(text: str) -> int:
    """``--shift-order``: one of :data:`nrbundle.analytic.effective.SHIFT_ORDERS` (0 and 2..8)."""
    from .analytic.effective import SHIFT_ORDERS

    K = check_integer("shift_order", text)
    if K not in SHIFT_ORDERS:
        raise InputError(f"shift_order: expected 0 or 2..{max(SHIFT_ORDERS)} (first-order shifts vanish), got {K}")
    return K


# ---------------------------------------------------------------- resonances
def _cmd_resonances(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    targets = [parse_target(args.target)] if args.target else list(PAPER_TARGETS)
    directions = _directions(args.direction)
    shift_order = _shift_order(args.shift_order)
    from .analytic.predict import resonance_table

    table = resonance_table(params, targets, directions, shift_order=shift_order)
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
    params = resolve_params(args.preset, args.overrides)
    shift_order = _shift_order(args.shift_order)
    if not args.latex:
        raise InputError("--latex: give the path of the .tex file to write")
    from .analytic.latex import write_latex

    what = "derivation and pdflatex, about 15 s" if args.pdf else "derivation, a few seconds"
    with progress.stage("derive", what):
        path = write_latex(Path(args.latex), params=params, shift_order=shift_order, pdf=args.pdf, force=args.force)
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


#: ``--delta-ad`` value that places the drive at the analytic corrected resonance of ``--target`` (as omitting it).
_AT_RESONANCE = "resonance"
#: Shift order of that placement (the default of ``nrbundle resonances``).
_RESONANCE_SHIFT_ORDER = 4


def _steady_detuning(text: str | None, params: Params, direction: str, target: Any) -> tuple[float, str]:
    """``--delta-ad X``, or with ``--target`` (``--delta-ad resonance`` or none) the target's corrected resonance."""
    if text is not None and text.strip().lower() != _AT_RESONANCE:
        return check_finite("Delta_ad", text), "--delta-ad"
    if target is None:
        raise InputError("--delta-ad: required (a detuning X; 'resonance' or no --delta-ad needs --target NA,NB,NM, "
                         "whose corrected resonance it then drives)")
    from .analytic.effective import corrected_resonance

    res = corrected_resonance(params, target, direction, shift_order=_RESONANCE_SHIFT_ORDER)
    if not res.valid:
        raise InputError(f"target: |{''.join(map(str, target))}-> has no resonance with |000+> for the {direction} "
                         "drive (no S16 degeneracy); give --delta-ad")
    return float(res.Delta_ad), f"corrected resonance (analytic, shift order {_RESONANCE_SHIFT_ORDER})"


def _bundle_block(stats: Any, Delta_ad: float, source: str, state_observables: Sequence[str]) -> dict[str, Any]:
    """The ``"bundle"`` object of ``nrbundle steady --target`` (keys in docs/cli.md and docs/bundles.md)."""
    from .numeric.bundles import BUNDLE_DEFINITIONS, BUNDLE_KEYS

    return {
        "target": list(stats.target),
        "Delta_ad": Delta_ad,
        "Delta_ad_source": source,
        **stats.values(),
        "definitions": {k: BUNDLE_DEFINITIONS[k] for k in BUNDLE_KEYS},
        "undefined": dict(stats.undefined),
        "truncation": {k: stats.value_truncation.get(k) for k in BUNDLE_KEYS},
        "truncation_error": stats.bundle_truncation_error,
        "mode_truncation": dict(stats.mode_truncation),
        "cutoff": list(stats.cutoff),
        "residual": stats.residual,
        "error_estimate": stats.error_estimate,
        "state_observables": list(state_observables),
    }


def _cmd_steady(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    direction = _directions(args.direction, allow_both=False)
    target = None if args.target is None else parse_target(args.target)
    cutoff = _cutoff_arg(args.cutoff, allow_auto=True)
    Delta_ad, source = _steady_detuning(args.delta_ad, params, direction[0], target)
    from .numeric.bundles import solve_bundle_steady, state_observables
    from .numeric.steady import solve_steady, steady_observables

    def solve() -> Any:
        opts = {k: v for k, v in (("rtol", args.rtol), ("max_cutoff", args.max_cutoff)) if v is not None}
        if target is None:
            state, stats = solve_steady(params, direction[0], Delta_ad, cutoff=cutoff, **opts), None
        else:
            state, stats = solve_bundle_steady(params, target, direction[0], Delta_ad, cutoff=cutoff, **opts)
        for N, values in state.history + (stats.history if stats else []):  # -v: every cutoff solved, in order
            shown = ", ".join(f"{k}={v:.6g}" for k, v in values.items() if isinstance(v, float))
            progress.detail(f"steady: cutoff {tuple(N)}: {shown}")
        return state, stats

    if cutoff == "auto":
        more = "" if target is None else ", then the bundle values' own convergence"
        with progress.stage("steady", f"{direction[0]} drive, Delta_ad = {Delta_ad:g}; cutoff auto raises one mode "
                                      f"at a time{more}, tens of seconds near a resonance") as st:
            state, stats = solve()
            extra = "" if stats is None else f"; bundle cutoff {tuple(stats.cutoff)} after {len(stats.history)} more"
            st.done(f"cutoff {tuple(state.cutoff)} after {len(state.history)} solves{extra}")
    else:
        state, stats = solve()
    obs = steady_observables(state, diagnostics=True)
    if stats is not None:  # without --target the output is unchanged (no "bundle" key)
        obs["bundle"] = _bundle_block(stats, Delta_ad, source, state_observables(target))
    if args.json:
        print(dumps(obs))
    else:
        for k, v in obs.items():
            if k != "bundle":
                print(f"{k:>16}: {v}")
        if stats is not None:
            b = obs["bundle"]
            err = b["truncation_error"]
            print(f"{'bundle':>16}: |{''.join(map(str, b['target']))}-> at Delta_ad = {Delta_ad:.10g} ({source}), "
                  f"cutoff {tuple(b['cutoff'])}, truncation estimate {'-' if err is None else f'{err:.2g}'}")
            for k, v in stats.values().items():
                trunc = b["truncation"][k]
                shown = f"undefined: {b['undefined'][k]}" if k in b["undefined"] else f"{v:.10g}"
                note = "" if trunc is None else f"  (truncation {trunc:.2g})"
                print(f"{k:>16}: {shown}{note}")
    return 0


# ---------------------------------------------------------------- crosscheck
def _cmd_crosscheck(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    from .crosscheck import run_checks

    with progress.stage("crosscheck", f"preset {params.preset}; about 20 s on 2 cores") as st:
        report = run_checks(params, progress=st.note)
        st.done(f"{sum(c.passed for c in report.checks)} of {len(report.checks)} checks passed")
    print(dumps(report.to_dict()) if args.json else report.table())
    return 0 if report.passed else 1


# --------------------------------------------------------------------- sweep
def _point_function(name: str) -> Any:
    """The point function of ``nrbundle sweep FUNC``: a built-in name, else ``FUNC`` (``module:function``) itself."""
    if name != "steady":
        return name
    from .study.points import steady_point  # QuTiP and SciPy load only for the built-in function

    return steady_point


def _base_value(name: str, raw: str) -> Any:
    """``--base NAME=VALUE``: a plain number (strictly parsed), else JSON (lists, true, "text"), else the text."""
    try:
        return check_integer(name, raw)
    except InputError:
        pass
    try:
        return check_finite(name, raw)
    except InputError as exc:
        if "expected a number" not in str(exc):  # a number, but not finite or too small
            raise InputError(f"base {exc}") from None
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # JSON spellings the check above refused
        raise InputError(f"base {name}: expected a plain decimal number, got {shorten(repr(raw), 80)}")
    return value


def _check_steady_sweep(params: Params, axes: Sequence[tuple[str, Any]], base: Mapping[str, Any]) -> None:
    """Refuse, before the sweep folder is written, what the built-in ``steady`` point function would refuse at
    every point: unknown axes, a missing ``Delta_ad``/``direction``, and axis or base values it cannot use."""
    from .numeric.model import parse_cutoff

    known = set(PARAM_NAMES) | {"Delta_ad", "direction", "cutoff"}
    unknown = [name for name, _ in axes if name not in known]
    if unknown:
        raise InputError(
            f"axis {unknown[0]}: not an axis of the steady point function (parameter names, Delta_ad, direction "
            "or cutoff)"
        )
    given = {name for name, _ in axes} | set(base)
    missing = [name for name in ("Delta_ad", "direction") if name not in given]
    if missing:
        raise InputError(
            f"axis: the steady point function needs {' and '.join(missing)} as an axis or a base value, e.g. "
            + " ".join("--axis direction=left,right" if m == "direction" else "--base Delta_ad=1.34" for m in missing)
        )
    values = [(f"axis {name}", name, v) for name, arr in axes for v in arr.tolist()]
    values += [(f"base {name}", name, v) for name, v in base.items() if name != "params"]
    for where, name, v in values:
        try:
            if name == "direction":
                check_direction(v)
            elif name == "Delta_ad" or name in PARAM_NAMES:
                x = check_finite(name, v)
                if name in PARAM_NAMES:
                    params.replace(**{name: x})
            elif name == "cutoff" and v != "auto":
                parse_cutoff(v)
            elif name == "target":  # the bundle statistics of nrbundle steady --target (base value only)
                parse_target(v)
            elif name in ("rtol", "fallback_rtol") and not (name == "fallback_rtol" and v is None):
                if not 0 < check_finite(name, v) < 1:  # fallback_rtol=null: no fallback
                    raise InputError(f"{name}: must lie in (0, 1), got {v!r}")
            elif name == "max_cutoff":
                check_integer(name, v, minimum=3)
        except InputError as exc:
            raise InputError(f"{where}: {str(exc).partition(': ')[2] or exc}") from None
    import inspect

    from .study.points import steady_point

    signature = inspect.signature(steady_point).parameters
    accepted = set(signature) - {"point"}
    foreign = [name for name in base if name not in accepted]
    if foreign:
        hint = "; set parameters with --set NAME=VALUE or sweep them with --axis" if foreign[0] in PARAM_NAMES else ""
        raise InputError(f"base {foreign[0]}: not an argument of the steady point function (known: "
                         f"{', '.join(sorted(accepted - {'params'}))}){hint}")
    rtol = base.get("rtol", signature["rtol"].default)
    fallback = base.get("fallback_rtol", signature["fallback_rtol"].default)
    if fallback is not None and fallback < rtol:
        raise InputError(f"base fallback_rtol: must be >= rtol = {rtol:g} (the fallback is the looser bound), got "
                         f"{fallback!r}")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import EXECUTORS, Grid, parse_axis, run_sweep

    params = resolve_params(args.preset, args.overrides)
    workers = _workers(args.workers)
    if args.executor not in EXECUTORS:
        choices = f"{', '.join(EXECUTORS[:-1])} or {EXECUTORS[-1]}"
        raise InputError(f"--executor: expected {choices}, got {shorten(repr(args.executor), 80)}")
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
            raise InputError(f"--base: expected NAME=VALUE, got {shorten(repr(item), 80)}")
        base[name] = _base_value(name, raw)
    func = _point_function(args.point_func)
    if args.point_func == "steady":
        _check_steady_sweep(params, axes, base)
    grid = Grid(axes)
    check_output_dir(args.out)
    result = run_sweep(
        func,
        grid,
        base=base,
        out=args.out,
        executor=args.executor,
        workers=workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        resume=not args.restart,
        retry_failed=not args.keep_failed,
        allow_version_change=args.allow_version_change,
    )
    print(result.summary())
    if args.point_func == "steady" and "fallback" in result:  # docs/steady_state.md, "Fallback"
        used = int((result["fallback"] == 1.0).sum())
        if used:
            sys.stderr.write(f"nrbundle: warning: sweep: {used} of {result.grid.size} points missed rtol within "
                             "max_cutoff and use the largest cutoff reached (result 'fallback' = 1; truncation "
                             "estimates in result.json); --base max_cutoff=N or --base rtol=X changes that\n")
    if result.failed:
        for f in result.failed[:10]:
            error = f.error.replace("raise max_cutoff", "raise max_cutoff (--base max_cutoff=N)").replace(
                "loosen rtol", "loosen rtol (--base rtol=X)")
            sys.stderr.write(f"nrbundle: failed point {f.point}: {shorten(error, MAX_LINE)}\n")
        return EXIT_STATUS["failed"]
    return 0


# ----------------------------------------------------------------------- map
def _map_axis(name: str, spec: str) -> tuple[str, Any]:
    """``--x``/``--y NAME=START:STOP:NUM[:log]`` (the axis grammar of ``nrbundle sweep --axis``)."""
    from .sweep import parse_axis

    try:
        return parse_axis(spec)
    except InputError as exc:  # "axis kappa: ..." -> "x kappa: ..." (printed as "--x kappa: ...")
        text = str(exc)
        raise InputError(f"{name}{text[4:]}" if text.startswith("axis") else f"{name}: {text}") from None


def _cmd_map(args: argparse.Namespace) -> int:
    from .sweep import EXECUTORS

    params = resolve_params(args.preset, args.overrides)
    target = parse_target(args.target)
    direction = None if args.direction is None else _directions(args.direction, allow_both=False)[0]
    x, y = _map_axis("x", args.x), _map_axis("y", args.y)
    workers = _workers(args.workers)
    if args.executor not in EXECUTORS:
        choices = f"{', '.join(EXECUTORS[:-1])} or {EXECUTORS[-1]}"
        raise InputError(f"--executor: expected {choices}, got {shorten(repr(args.executor), 80)}")
    threshold = check_finite("ratio_threshold", args.ratio_threshold)
    cutoff = None if args.cutoff is None else _cutoff_arg(args.cutoff, allow_auto=True)
    tag = "".join(map(str, target))
    out = check_output_dir(args.out or f"nrbundle-map-{tag}-{x[0]}-{y[0]}{'-quick' if args.quick else ''}")
    from .figures.beyond import make_map_figure
    from .study.design_map import design_map

    dm = design_map(params, target, x, y, direction=direction, quick=args.quick, cutoff=cutoff, checks=args.checks,
                    ratio_threshold=threshold, out=out, executor=args.executor, workers=workers,
                    scheduler=args.scheduler, progress_bar=not args.no_progress, resume=not args.restart)
    files = [out / f"design_map.{ext}" for ext in ("npz", "json")]
    files += [out / "design_map.nc"] if (out / "design_map.nc").exists() else []
    files += make_map_figure(dm)
    summary = {**dm.summary(), "files": [str(f) for f in files]}
    if args.json:
        print(dumps(summary))
    else:
        for f in files:
            print(f)
        trunc = summary["max_truncation_error"]
        print(f"map |{tag}-> ({dm.direction} drive){' QUICK' if dm.quick else ''}: {summary['n_points']} points, "
              f"{summary['n_nonreciprocal']} nonreciprocal (I > {threshold:g}), {summary['n_antibunched']} "
              f"antibunched (g2_B < 1), {summary['n_both']} both; ED checked {summary['n_ed_checked']}, flagged "
              f"{summary['n_ed_flagged']}; largest truncation estimate "
              f"{'not estimated' if trunc is None else f'{trunc:.2g}'}; {summary['n_failed']} failed")
    if dm.failed:
        for f in dm.failed[:10]:
            sys.stderr.write(f"nrbundle: failed point {f['point']}: {shorten(f['error'], MAX_LINE)}\n")
        return EXIT_STATUS["failed"]
    return 0


# ------------------------------------------------------- figures / reproduce
def _which(text: str) -> list[int]:
    from .figures import FIGURES

    numbers = ",".join(map(str, FIGURES))
    try:
        which = sorted({check_integer("which", x) for x in text.split(",") if x.strip()})
    except InputError:
        raise InputError(f"--which: expected figure numbers like {numbers}, got {shorten(repr(text), 80)}") from None
    if not which or any(w not in FIGURES for w in which):
        names = f"{', '.join(map(str, FIGURES[:-1]))} and {FIGURES[-1]}"
        raise InputError(f"--which: figures are {names}, got {shorten(repr(text), 80)}")
    return which


def _cmd_figures(args: argparse.Namespace) -> int:
    params = resolve_params(args.preset, args.overrides)
    which = _which(args.which)
    workers = _workers(args.workers)
    if args.out is None:  # a quick run never replaces a full one: its own folder, as for reproduce
        from .reproduce import DEFAULT_OUT

        args.out = str(Path(DEFAULT_OUT[bool(args.quick)]) / "figures")
    out = check_output_dir(args.out)
    for k in which:  # a figure of other parameters, or a file nrbundle did not write, is not replaced
        check_replace_outputs(out, f"fig{k}", ("pdf", "png", "npz", "json"),
                              {"params": params.to_dict(), "quick": bool(args.quick)}, force=args.force)
    from .figures import make_figures

    for k in which:  # one figure at a time, each a stage (they share the resonance table cached in out/work)
        with progress.stage(f"fig{k}", f"{'quick' if args.quick else 'full'} grids -> {out}/"):
            paths = make_figures([k], out, quick=args.quick, params=params, workers=workers)
        for path in paths:
            print(path, flush=True)
    return 0


#: Files ``nrbundle reproduce`` writes at the top of its folder (besides ``figures/`` and ``derivation/``).
_REPRODUCE_FILES = ("index.html", "reproduce.json", "resonances.json", "resonances.md", "crosscheck.json",
                    "crosscheck.md", "headline.json", "headline.md")


def _check_reproduce_folder(out: Path, preset: str, quick: bool, force: bool) -> None:
    """Refuse a folder whose reproduction files nrbundle did not write, or wrote for another preset or mode."""
    if force:
        return
    existing = [name for name in _REPRODUCE_FILES if (out / name).exists() or (out / name).is_symlink()]
    if not existing:
        return
    try:
        record = read_json(out / "reproduce.json")
    except (OSError, ValueError):
        record = None
    ours = isinstance(record, dict) and isinstance(record.get("versions"), dict) and "stages" in record
    if not ours:
        raise InputError(f"out: {str(out / existing[0])!r} exists and was not written by nrbundle reproduce; "
                         "pass force=True to replace it or choose another folder")
    differ = [k for k, v in (("preset", preset), ("quick", bool(quick))) if record.get(k) != v]
    if differ:
        raise InputError(f"out: {str(out)!r} holds a reproduction with other settings (differ: {', '.join(differ)}); "
                         "pass force=True to replace it or choose another folder")


def _cmd_reproduce(args: argparse.Namespace) -> int:
    get_preset(args.preset)  # refuse an unknown preset before the long run starts
    workers = _workers(args.workers)
    from .study.tasks import fewer_collections

    with fewer_collections():  # the imports allocate ~1e6 objects as well: ~0.4 CPU-s of collections saved
        from .reproduce import DEFAULT_OUT, reproduce

        out = check_output_dir(DEFAULT_OUT[bool(args.quick)] if args.out is None else args.out)
        _check_reproduce_folder(out, args.preset, args.quick, args.force)
        folder = reproduce(out, quick=args.quick, preset=args.preset, workers=workers,
                           progress_lines=not progress.is_quiet())
    print(folder)
    record = read_json(Path(folder) / "reproduce.json")
    failed = [name for name, st in (record.get("stages") or {}).items() if st.get("status") != "ok"]
    if failed:
        sys.stderr.write(f"nrbundle: failed: reproduce stage(s) {', '.join(failed)} failed "
                         f"(see {Path(folder) / 'reproduce.json'})\n")
        return EXIT_STATUS["failed"]
    return 0


# ------------------------------------------------------- dynamics / trajectory
def _run_common(args: argparse.Namespace) -> tuple[Params, str, float | None, Any, Any, int]:
    params = resolve_params(args.preset, args.overrides)
    direction = _directions(args.direction, allow_both=False)[0]
    Delta_ad = None if args.delta_ad is None else check_finite("Delta_ad", args.delta_ad)
    target = parse_target(args.target) if args.target else None
    if Delta_ad is None and target is None:
        target = PAPER_TARGETS[0]  # |101->, the default of --target
    from .numeric.model import parse_cutoff

    cutoff = parse_cutoff(args.cutoff)
    points = check_integer("points", args.points, minimum=10)
    check_output_dir(args.out)
    return params, direction, Delta_ad, target, cutoff, points


def _cmd_dynamics(args: argparse.Namespace) -> int:
    params, direction, Delta_ad, target, cutoff, points = _run_common(args)
    t_max = None if args.t_max is None else check_finite("t_max", args.t_max)
    from .runs import run_dynamics

    for path in run_dynamics(params, direction, Path(args.out), Delta_ad=Delta_ad, target=target, t_max=t_max,
                             points=points, cutoff=cutoff, open_system=args.open, force=args.force):
        print(path)
    return 0


def _cmd_trajectory(args: argparse.Namespace) -> int:
    params, direction, Delta_ad, target, cutoff, points = _run_common(args)
    t_max = check_finite("t_max", args.t_max)
    seed = check_integer("seed", args.seed, minimum=0)
    window = None if args.window is None else check_finite("window", args.window)
    from .runs import run_trajectory

    for path in run_trajectory(params, direction, Path(args.out), Delta_ad=Delta_ad, target=target, t_max=t_max,
                               points=points, cutoff=cutoff, seed=seed, window=window, force=args.force):
        print(path)
    return 0


def _force(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--force", action="store_true",
                   help=f"replace {what} that another request wrote, or that nrbundle did not write")


class _Formatter(argparse.HelpFormatter):
    """Help with every option's default (``(default: fig1)``, unless the help states it in words or the option is a
    flag); descriptions wrapped to the terminal paragraph by paragraph, example blocks (indented lines) as written."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (not action.option_strings or "default" in text or default in (None, False, argparse.SUPPRESS)
                or default == []):
            return text
        return f"{text} (default: %(default)s)"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = []
        for block in text.split("\n\n"):
            lines = block.splitlines()
            if any(line.startswith("  ") for line in lines):
                blocks.append("\n".join(indent + line for line in lines))
            else:
                blocks.append(textwrap.fill(" ".join(line.strip() for line in lines), width,
                                            initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(blocks)


#: Top-level description (``nrbundle --help``).
DESCRIPTION = """\
Nonreciprocal bundle emission of entangled photon-phonon and photon-magnon pairs (Bin, Jing, Wu, Nori, Lu).

A strongly driven two-level atom couples to a spinning resonator whose optical mode a talks to a mechanical
mode b and a magnon mode m. Spinning splits the two circulating directions (Sagnac-Fizeau shift Delta_F), so
the drive detuning Delta_ad at which the atom, dressed by the drive, resonantly creates a photon-phonon pair
|101-> or a photon-magnon pair |110-> depends on the drive direction. nrbundle derives these resonance
conditions (S16-S22) with their level shifts and super-Rabi couplings, finds them exactly by diagonalization,
solves the master equation Eq. (2) for occupations and the pair and bundle correlations g1 and g2 (Eq. 3),
follows dynamics and quantum trajectories, checks every analytic claim against these numerics, and redraws
Figs. 1-4 of the paper.

Units: hbar = 1; frequencies in units of omega_b (preset fig1) or in GHz (preset physical, values omega/2pi).
Parameters use the paper's names (--set kappa=0.01, --set Delta_F=0.03)."""

EPILOG = """\
examples:
  nrbundle reproduce --quick        # everything in ./nrbundle-out-quick (under a minute)
  nrbundle resonances               # where the pair resonances lie, per direction
  nrbundle steady --direction left --delta-ad 1.3408
  nrbundle COMMAND --help           # what a command computes, options, examples

-q/--quiet and -v/--verbose work before or after COMMAND. Results go to stdout; progress, warnings (one line
each) and errors go to stderr. Exit status: 0 success, 1 a computation or check failed, 2 bad input, 3 an I/O
fault, 4 too little memory, 130 interrupted. Documentation: docs/cli.md."""

#: Per command: (one-line summary for the command list, description, examples).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "resonances": (
        "drive detunings of the pair resonances |000+> <-> |101->, |110-> (S17-S22, shifted) and g_eff",
        """\
Where the super-Rabi resonances lie. For each target |n_a n_b n_m -> (default: the paper's photon-phonon pair
|101-> and photon-magnon pair |110->) and drive direction: the detuning Delta_ad at which |000+> is degenerate
with it on the bare ladder (closed forms S17-S22 of S16), the same resonance moved by the level shifts to order K
(the true resonance lies many linewidths away from the closed form), and the effective super-Rabi coupling
g_eff between the two states with its perturbative order. Delta_ad is in the preset's units. Takes seconds.""",
        """\
  nrbundle resonances
  nrbundle resonances --direction left --json
  nrbundle resonances --target 2,0,2 --direction right --shift-order 2
  nrbundle resonances --preset physical --set Delta_F=0.08""",
    ),
    "derive": (
        "write the derivation (S1-S22, g_eff, level shifts) as a LaTeX document, optionally as PDF",
        """\
Writes the derivation as a standalone LaTeX document: the linearized Hamiltonian (S1 -> S11 = Eq. 1), the dressed
atom (S12-S15), the ladder energies and resonance conditions (S16-S22), the effective super-Rabi couplings and
level shifts to order K, and a table of numbers at the preset. With --pdf it is compiled with pdflatex in a
temporary folder and only the PDF is placed beside the .tex (no .aux or .log files are left). An existing file
that nrbundle did not write is not replaced without --force. Takes seconds (with --pdf, a few more).""",
        """\
  nrbundle derive --latex derivation.tex
  nrbundle derive --latex derivation.tex --pdf
  nrbundle derive --latex notes/physical.tex --preset physical --shift-order 6""",
    ),
    "spectrum": (
        "exact diagonalization: avoided crossing of |000+> and a target state",
        """\
Exact diagonalization of Eq. (1) in a truncated Fock space: follows the two levels |000+> and |n_a n_b n_m ->
through their avoided crossing in Delta_ad and reports the detuning of the smallest splitting (the exact
resonance; compare 'corrected' of nrbundle resonances) and half that splitting (the exact super-Rabi coupling;
compare g_eff). Takes seconds at the default cutoff.""",
        """\
  nrbundle spectrum --target 1,0,1 --direction left
  nrbundle spectrum --target 1,1,0 --direction right --cutoff 5 --json""",
    ),
    "steady": (
        "steady state of the master equation Eq. (2): occupations, pair g1 and bundle g2 (Eq. 3)",
        """\
Steady state of the master equation Eq. (2) (decay kappa_a, kappa_b, kappa_m of the modes and gamma of the atom)
at one drive detuning Delta_ad. Prints the mean numbers of photons n_a, phonons n_b, magnons n_m and the atomic
excitation n_atom; the cross correlations g1_ab, g1_am = g^(2)_{1,ab}(0), g^(2)_{1,am}(0) of Fig. 3; the bundle
correlations g2_ab, g2_am = g^(2)_{2,ab}(0), g^(2)_{2,am}(0) of Eq. (3) (below 1: antibunched pairs); and how
well the state is known: the Fock cutoff, the solver residual and error estimate, and truncation_error, the
largest relative change of an observable when one mode gets one more Fock level.

--cutoff auto raises the cutoff one mode at a time until the observables settle (tens of seconds near a
resonance); a fixed cutoff is checked with one extra solve per mode and warns when it is too small.

--target NA,NB,NM adds a "bundle" object: the statistics of the bundle B = a^NA b^NB m^NM (g1_B, g2_B, the bundle
sector population P_B, emission rate and purity; docs/bundles.md), each with its own truncation estimate (the
cutoff auto keeps raising modes until they settle, at least 2 NA+1, 2 NB+1, 2 NM+1 levels). Without --delta-ad
(or with --delta-ad resonance) the drive sits at the target's analytic corrected resonance.""",
        """\
  nrbundle steady --direction left --delta-ad 1.3408
  nrbundle steady --direction left --target 2,0,1 --json
  nrbundle steady --direction right --delta-ad 1.3408 --cutoff 4 --json
  nrbundle -v steady --direction left --delta-ad 1.3408 --set kappa=0.01""",
    ),
    "crosscheck": (
        "hold every analytic claim against exact diagonalization and the master equation",
        """\
Checks every analytic claim at the preset against exact numerics: the dressed atom, each of the paper's four
transitions (closed-form and shifted resonance against the exact avoided crossing, g_eff against half the
splitting, super-Rabi transfer in closed dynamics), the steady-state bundle statistics and the entanglement
witnesses. Prints a table of analytic value, numeric value, error and tolerance; exit status 1 when a check that
is expected to pass fails. About 20 s on 2 cores; progress lines on stderr.""",
        """\
  nrbundle crosscheck
  nrbundle crosscheck --preset physical --json > crosscheck.json""",
    ),
    "sweep": (
        "evaluate a point function (e.g. the steady state) over a parameter grid, checkpointed and resumable",
        """\
Evaluates a point function at every point of a product grid of named axes and writes the results as arrays
shaped like the grid (result.npz, result.nc when xarray is installed, with provenance in result.json). FUNC
'steady' gives the observables of nrbundle steady at each point; its axes may be any parameter name
(kappa, Delta_F, ...), Delta_ad, direction or cutoff, and fixed values go into --base. Every finished point is
checkpointed: rerun the same command after an interruption and it resumes. A progress bar shows the points done,
failed and the time left.""",
        """\
  nrbundle sweep steady --axis Delta_ad=1.30:1.40:101 --axis direction=left,right --out runs/spectrum
  nrbundle sweep steady --axis kappa=0.001:0.05:11:log --axis direction=left,right \\
      --base Delta_ad=1.3408 --out runs/kappa
  nrbundle sweep steady --axis Delta_F=0.01,0.02,0.03 --base direction=left --base Delta_ad=1.3408 \\
      --base cutoff=4 --out runs/fizeau --workers 2""",
    ),
    "map": (
        "design map: isolation ratio, bundle g2 and purity over two parameters, at the analytic resonance",
        """\
A design map of nonreciprocal bundle emission over a grid of two parameters (--x, --y: any parameter names, the
axis grammar of nrbundle sweep --axis). At each point the drive detuning Delta_ad sits on the analytic corrected
resonance of --target for --direction (default: the paper's isolated direction, left for 1,0,1 and right for
1,1,0), and the steady state is solved for both drive directions there. Writes into --out: the isolation ratio
I = P_B(resonant direction) / P_B(other direction) (P_B: population of the bundle state |NA NB NM>), the bundle
g2_B and purity of the resonant direction, the exact-diagonalization check of the placement (flagged where it
differs by more than a tenth of the line width) and the truncation estimate per point, as design_map.npz/.json,
design_map.nc and a figure (design_map.pdf/.png) outlining the region that is nonreciprocal (I above
--ratio-threshold) and antibunched (g2_B < 1). Checkpointed: rerun the same command after an interruption and it
resumes. The full map uses the fixed cutoff (5, 3, 5) for 1,0,1 (2 n + 3 levels per bundle mode, 3 otherwise) with
its truncation estimate at every point (minutes on 2 cores; docs/performance.md); --cutoff auto converges it at
every point (ten times longer); --quick uses the smallest cutoff on which g2_B is defined (stamped QUICK).""",
        """\
  nrbundle map --x Delta_F=0.005:0.05:10 --y kappa=0.001:0.03:10:log --target 1,0,1 --quick
  nrbundle map --x Delta_F=0.005:0.05:10 --y kappa=0.001:0.03:10:log --target 1,1,0 --workers 2
  nrbundle map --preset physical --x temperature=0.005:0.2:8:log --y kappa=0.004:0.04:4:log --target 1,0,1 \\
      --quick --executor dask --json""",
    ),
    "figures": (
        "redraw the paper's Figs. 1-4 (PDF and PNG, with their data)",
        """\
Redraws the paper's figures: 1 (excitation spectra versus Delta_ad for both drive directions, with the resonance
ladder), 2 (super-Rabi dynamics and a quantum trajectory), 3 (g1 and bundle g2 versus kappa in the three
regimes, and g2(tau)), 4 (entanglement witnesses versus kappa). Each figure is written as PDF and PNG with its
data (.npz) and provenance (.json). Full grids take a few minutes on 2 cores (Fig. 3 the most); --quick uses
coarse grids and cutoffs checked to 10 % (under a minute), stamps the figures QUICK, writes their PDFs as raster
copies of the PNGs (previews; vector PDFs come from full runs) and writes to its own folder. Interrupted sweeps
resume.""",
        """\
  nrbundle figures --which 3 --quick
  nrbundle figures --which 1,2 --out my-figures --workers 2""",
    ),
    "reproduce": (
        "the whole reproduction (derivation, resonances, crosscheck, figures, headline numbers) in one folder",
        """\
Regenerates everything in one folder with an index.html that shows it together: the LaTeX derivation (and its
PDF when pdflatex is installed), the resonance table, the crosscheck report, Figs. 1-4, the paper's headline
g2 numbers next to ours and, beyond the paper, design maps of nonreciprocal bundle emission (docs/beyond.md).
About 2 minutes on 2 cores (--quick: coarse grids, about 22 s, in its own folder).
Stage lines on stderr tell what runs and how long is left; rerunning reuses every cached result.""",
        """\
  nrbundle reproduce
  nrbundle reproduce --quick
  nrbundle reproduce --preset physical --out physical-run --workers 2""",
    ),
    "dynamics": (
        "super-Rabi population dynamics from |000+> (Fig. 2(a-c))",
        """\
Population dynamics from |000+>, sitting on the exact resonance of --target (default |101->) or at --delta-ad:
the super-Rabi oscillation that carries the system to the pair state (closed system), or with --open its decay
under the master equation Eq. (2). Writes the populations (.npz), provenance (.json) and plots (.pdf, .png).""",
        """\
  nrbundle dynamics --direction left
  nrbundle dynamics --direction right --target 1,1,0 --open --out runs""",
    ),
    "trajectory": (
        "one quantum trajectory with its jumps and the pair bundles in it (Fig. 2(d-g))",
        """\
One quantum-jump trajectory (Monte Carlo wave function) at a pair resonance: the state populations, the jumps of
each decay channel and the bundles (a photon and a magnon, or a photon and a phonon, emitted within the
coincidence window) found in them. The same seed gives the same jumps.""",
        """\
  nrbundle trajectory --direction left --seed 1
  nrbundle trajectory --direction right --target 1,1,0 --t-max 5000 --seed 7""",
    ),
}


def _chatter(p: argparse.ArgumentParser, top: bool) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` (:mod:`nrbundle.progress`), on the top parser and on every command."""
    g = p.add_argument_group("progress output")
    g.add_argument("-q", "--quiet", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="no progress bars or stage lines; warnings and errors are still printed, one line each")
    g.add_argument("-v", "--verbose", action="count", default=0 if top else argparse.SUPPRESS,
                   help="more detail: a line per sweep point and per steady-state solve, informational messages")


def _command(sub: Any, name: str) -> argparse.ArgumentParser:
    summary, description, examples = COMMANDS[name]
    p = sub.add_parser(name, help=summary, description=description, epilog=f"examples:\n{examples}",
                       formatter_class=_Formatter)
    _chatter(p, top=False)
    return p


def build_parser() -> argparse.ArgumentParser:
    """The ``nrbundle`` argument parser (sub-commands)."""
    parser = _Parser(prog="nrbundle", description=DESCRIPTION, epilog=EPILOG, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"nrbundle {__version__}",
                        help="print the version and exit")
    _chatter(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=_Parser)
    json_help = "print one JSON object on stdout instead of the table (keys in docs/cli.md)"
    workers_help = "worker processes (default: all cores)"

    p = _command(sub, "resonances")
    _common(p)
    p.add_argument("--target", metavar="NA,NB,NM",
                   help="photon, phonon and magnon numbers of the target |NA NB NM->; default: the paper's |101-> "
                        "and |110->")
    p.add_argument("--direction", default="both", metavar="left|right|both",
                   help="drive direction(s)")
    p.add_argument("--shift-order", default="4", metavar="K",
                   help="order of the level shifts: 0 (closed forms S18-S22) or 2..8 (first-order shifts vanish)")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_cmd_resonances)

    p = _command(sub, "derive")
    _common(p)
    p.add_argument("--latex", metavar="PATH", help="path of the .tex file to write (required)")
    p.add_argument("--pdf", action="store_true",
                   help="also compile it with pdflatex (in a temporary folder; only the PDF is kept, beside PATH)")
    p.add_argument("--shift-order", default="4", metavar="K",
                   help="order of the level shifts in the document: 0 or 2..8")
    _force(p, "a .tex or .pdf file")
    p.set_defaults(func=_cmd_derive)

    p = _command(sub, "spectrum")
    _common(p)
    p.add_argument("--target", required=True, metavar="NA,NB,NM",
                   help="photon, phonon and magnon numbers of the target |NA NB NM-> (required)")
    p.add_argument("--direction", required=True, metavar="left|right", help="drive direction (required)")
    p.add_argument("--cutoff", default="4", metavar="N|NA,NB,NM", help="Fock levels kept per mode")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_cmd_spectrum)

    p = _command(sub, "steady")
    _common(p)
    p.add_argument("--direction", required=True, metavar="left|right", help="drive direction (required)")
    p.add_argument("--delta-ad", default=None, metavar="X|resonance",
                   help="drive detuning Delta_ad in the preset's units (required without --target; with --target, "
                        "'resonance' or no --delta-ad drives at the target's analytic corrected resonance)")
    p.add_argument("--target", default=None, metavar="NA,NB,NM",
                   help="also the statistics of the bundle B = a^NA b^NB m^NM (g1_B, g2_B, emission rate, purity, "
                        "each with its truncation estimate) in a 'bundle' object; the other keys stay as they are")
    p.add_argument("--cutoff", default="auto", metavar="auto|N|NA,NB,NM",
                   help="Fock levels kept per mode; auto raises them until the observables settle")
    p.add_argument("--rtol", type=float, default=None, metavar="X",
                   help="cutoff auto: largest relative change of an observable under a one-level raise "
                        "(default 1e-3)")
    p.add_argument("--max-cutoff", type=int, default=None, metavar="N",
                   help="cutoff auto: most Fock levels per mode (default 8; with --target 16)")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_cmd_steady)

    p = _command(sub, "crosscheck")
    _common(p)
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_cmd_crosscheck)

    p = _command(sub, "sweep")
    _common(p)
    p.add_argument("point_func", metavar="FUNC",
                   help="'steady' (built in: the observables of nrbundle steady) or module:function of your own")
    p.add_argument("--axis", action="append", default=[], metavar="SPEC",
                   help="NAME=START:STOP:NUM[:log] or NAME=a,b,c; repeat for a product grid (docs/sweeps.md)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="sweep folder: checkpoints, result.npz, result.nc, result.json (required)")
    p.add_argument("--base", action="append", default=[], metavar="NAME=VALUE",
                   help="a fixed argument of the point function, e.g. Delta_ad=1.3408 or cutoff=4 (repeatable; "
                        "numbers or JSON values)")
    p.add_argument("--executor", default="process", metavar="serial|process|dask",
                   help="where points run: this process, worker processes, or a Dask cluster")
    p.add_argument("--workers", default=None, metavar="N", help=workers_help)
    p.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="with --executor dask: tcp://HOST:PORT of a running scheduler, or local (default: local)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar or progress lines for this sweep (as -q, but warnings of the sweep stay)")
    p.add_argument("--restart", action="store_true",
                   help="discard this sweep's own checkpoints and results and start afresh")
    p.add_argument("--keep-failed", action="store_true", help="on resume, do not retry points that failed")
    p.add_argument("--allow-version-change", action="store_true",
                   help="resume a sweep that another nrbundle version started (keeps its checkpoints)")
    p.set_defaults(func=_cmd_sweep)

    p = _command(sub, "map")
    _common(p)
    p.add_argument("--x", required=True, metavar="NAME=START:STOP:NUM[:log]",
                   help="first map axis: a parameter name and its values, as sweep --axis (required)")
    p.add_argument("--y", required=True, metavar="NAME=START:STOP:NUM[:log]",
                   help="second map axis, another parameter (required)")
    p.add_argument("--target", required=True, metavar="NA,NB,NM",
                   help="the bundle |NA NB NM-> whose corrected resonance places Delta_ad (required)")
    p.add_argument("--direction", default=None, metavar="left|right",
                   help="resonant drive direction (default: left for 1,0,1 and other targets, right for 1,1,0)")
    p.add_argument("--ratio-threshold", default="10", metavar="R",
                   help="isolation ratio above which a point counts as nonreciprocal (the outline)")
    p.add_argument("--cutoff", default=None, metavar="auto|N|NA,NB,NM",
                   help="Fock levels per mode (default: 2n+3 per bundle mode, 3 otherwise; with --quick the smallest "
                        "on which g2_B is defined)")
    p.add_argument("--checks", default="all", metavar="all|corners|centre|none",
                   help="points with the exact-diagonalization check and, at a fixed cutoff, the truncation estimate")
    p.add_argument("--quick", action="store_true", help="small fixed cutoffs (QUICK stamp): a preview")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="map folder (default: nrbundle-map-<target>-<x>-<y>, with --quick ...-quick)")
    p.add_argument("--executor", default="process", metavar="serial|process|dask",
                   help="where points run: this process, worker processes, or a Dask cluster")
    p.add_argument("--workers", default=None, metavar="N", help=workers_help)
    p.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="with --executor dask: tcp://HOST:PORT of a running scheduler, or local (default: local)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    p.add_argument("--restart", action="store_true", help="discard this map's checkpoints and start afresh")
    p.add_argument("--json", action="store_true", help="print the map's summary as one JSON object (docs/beyond.md)")
    p.set_defaults(func=_cmd_map)

    p = _command(sub, "figures")
    _common(p)
    p.add_argument("--which", default="1,2,3,4", metavar="LIST", help="comma-separated figure numbers")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: nrbundle-out/figures, with --quick nrbundle-out-quick/figures)")
    p.add_argument("--quick", action="store_true", help="coarse grids and cutoffs checked to 10 %%: under a minute")
    p.add_argument("--workers", default=None, metavar="N", help=workers_help)
    _force(p, "figure files")
    p.set_defaults(func=_cmd_figures)

    p = _command(sub, "reproduce")
    p.add_argument("--preset", default="fig1", metavar="fig1|physical",
                   help="parameter preset of the derivation, resonances, crosscheck and figures (the headline "
                        "numbers always use physical)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: ./nrbundle-out, with --quick ./nrbundle-out-quick)")
    p.add_argument("--quick", action="store_true", help="coarse grids and cutoffs checked to 10 %%: under a minute")
    p.add_argument("--workers", default=None, metavar="N", help=workers_help)
    _force(p, "reproduction files")
    p.set_defaults(func=_cmd_reproduce)

    for name in ("dynamics", "trajectory"):
        p = _command(sub, name)
        _common(p)
        p.add_argument("--direction", required=True, metavar="left|right", help="drive direction (required)")
        p.add_argument("--delta-ad", default=None, metavar="X",
                       help="drive detuning in the preset's units (default: the exact resonance of --target)")
        p.add_argument("--target", default=None, metavar="NA,NB,NM",
                       help="pair state whose exact resonance to sit on (default: 1,0,1)")
        p.add_argument("--cutoff", default="4" if name == "dynamics" else "3", metavar="N|NA,NB,NM",
                       help="Fock levels kept per mode")
        p.add_argument("--points", default="1000" if name == "dynamics" else "2000", metavar="N",
                       help="number of output times")
        p.add_argument("--out", default="nrbundle-out/runs", metavar="DIR", help="output folder")
        _force(p, "run files of the same name")
        if name == "dynamics":
            p.add_argument("--t-max", default=None, metavar="T",
                           help="final time in 1/(preset unit) (default: 2.5 super-Rabi transfer times)")
            p.add_argument("--open", action="store_true",
                           help="master equation Eq. (2) with decay instead of the closed (Hamiltonian) dynamics")
            p.set_defaults(func=_cmd_dynamics)
        else:
            p.add_argument("--t-max", default="20000", metavar="T", help="final time in 1/(preset unit)")
            p.add_argument("--seed", default="1", metavar="S", help="random seed (same seed, same jumps)")
            p.add_argument("--window", default=None, metavar="W",
                           help="bundle coincidence window (default: from the decay rates of the pair)")
            p.set_defaults(func=_cmd_trajectory)

    return parser


def _warning_line(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    return f"nrbundle: warning: {shorten(str(message), MAX_LINE)}\n"


class _StderrHandler(logging.Handler):
    """Log records of the ``nrbundle`` loggers as ``nrbundle: <level>: <message>`` lines on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.levelno >= logging.ERROR:
                level = "error"
            else:
                level = "warning" if record.levelno >= logging.WARNING else "info"
            sys.stderr.write(f"nrbundle: {level}: {shorten(record.getMessage(), MAX_LINE)}\n")
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def _configure_logging(verbose: bool) -> None:
    """Warnings of the ``nrbundle`` loggers as one line each on stderr; with ``-v`` their INFO records too."""
    log = logging.getLogger("nrbundle")
    handler = next((h for h in log.handlers if isinstance(h, _StderrHandler)), None)
    if handler is None:
        handler = _StderrHandler()
        log.addHandler(handler)
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    log.setLevel(logging.INFO if verbose else logging.NOTSET)


def _verbosity(args: argparse.Namespace) -> int:
    """``-q``/``-v`` -> the level of :mod:`nrbundle.progress` (and the logging level; the clock starts now)."""
    quiet, verbose = bool(getattr(args, "quiet", False)), int(getattr(args, "verbose", 0) or 0)
    if quiet and verbose:
        raise InputError("--quiet: cannot be combined with --verbose")
    progress.start_clock()
    _configure_logging(verbose > 0)
    return progress.QUIET if quiet else progress.VERBOSE if verbose else progress.NORMAL


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (captured in tests)
        pass


def _os_error_line(exc: OSError) -> str:
    """``"cannot write '/ro/x': Permission denied"``-style text of an OSError (its own text if it has none)."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: {str(exc.filename)!r}"
    return str(exc) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nrbundle`` console script; returns the exit status (module docstring)."""
    import warnings

    warnings.formatwarning = _warning_line  # one readable line per warning (e.g. TruncationWarning)
    _configure_logging(False)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:  # `nrbundle` or `python -m nrbundle` alone: what it can do
        parser.print_help()
        return EXIT_STATUS["ok"]
    try:
        with progress.verbosity_as(_verbosity(args)):
            status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe fails here, inside the handlers below, not at interpreter exit
        return status
    except InputError as exc:
        sys.stderr.write(f"nrbundle: error: {shorten(_with_flag(str(exc), args), MAX_LINE)}\n")
        return EXIT_STATUS["input"]
    except MemoryLimitError as exc:
        sys.stderr.write(f"nrbundle: error: {shorten(_with_flag(str(exc), args), MAX_LINE)}\n")
        return EXIT_STATUS["memory"]
    except NrbundleError as exc:
        sys.stderr.write(f"nrbundle: failed: {shorten(_with_flag(str(exc), args), MAX_LINE)}\n")
        return EXIT_STATUS["failed"]
    except MemoryError:
        sys.stderr.write("nrbundle: error: out of memory (lower the cutoff, the number of points or the grid)\n")
        return EXIT_STATUS["memory"]
    except BrokenPipeError:
        _silence_stdout()
        sys.stderr.write("nrbundle: error: the output pipe was closed before all output was written\n")
        return EXIT_STATUS["os"]
    except OSError as exc:
        sys.stderr.write(f"nrbundle: error: {shorten(_with_flag(_os_error_line(exc), args), MAX_LINE)}\n")
        return EXIT_STATUS["os"]
    except KeyboardInterrupt:
        sys.stderr.write("nrbundle: interrupted\n")
        return EXIT_STATUS["interrupted"]
    except Exception as exc:  # noqa: BLE001 - an unexpected error is still one line, never a traceback
        if os.environ.get("NRBUNDLE_TRACEBACK"):
            traceback.print_exc()
        sys.stderr.write(f"nrbundle: internal error: {shorten(f'{type(exc).__name__}: {exc}', MAX_LINE)} "
                         "(set NRBUNDLE_TRACEBACK=1 to see where)\n")
        return EXIT_STATUS["failed"]


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``nrbundle`` console script and of ``python -m nrbundle``: exit with :func:`main`'s status.

    After :func:`main` has returned, the exit handlers run (``atexit``: logging, multiprocessing, temporary files),
    stdout and stderr are flushed, and the process ends with ``os._exit``: the interpreter's teardown, which frees
    every object of the loaded libraries one by one, is skipped (about one CPU-second after ``nrbundle reproduce``).
    Only where nothing else could still be running: with a non-daemon thread alive, or without
    ``atexit._run_exitfuncs``, the exit is the usual ``sys.exit``.
    """
    status = main(argv)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if run_exit_handlers is None or others:
        sys.exit(status)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # a closed pipe (reported by main already) or a closed stream
            pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
