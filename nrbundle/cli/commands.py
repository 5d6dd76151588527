"""The commands: each handler reads its options, calls the library layers and prints (no physics here).

One handler per command (:data:`HANDLERS`, ``nrbundle COMMAND``), with the option values they share checked here
(:func:`resolve_params` for ``--preset``/``--set``, the drive directions, ``--workers``, ``--shift-order``,
cutoffs). Results go to stdout (a table, or one JSON object with ``--json``: keys in ``docs/cli.md``).
"""

from __future__ import annotations

__all__ = ["HANDLERS", "resolve_params"]

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import progress
from ..errors import InputError, shorten
from ..outputs import check_output_dir, check_replace_outputs
from ..params import (
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
from ..provenance import dumps, read_json
from ..transitions import PAPER_TARGETS
from .messages import EXIT_STATUS, MAX_LINE, with_flag


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
        raise InputError(with_flag(message) if message.startswith("overrides: ") else f"--set {message}") from None


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
    from ..analytic.effective import SHIFT_ORDERS

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
    from ..analytic.predict import resonance_table

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
    from ..analytic.latex import write_latex

    what = "derivation and pdflatex, about 15 s" if args.pdf else "derivation, a few seconds"
    with progress.stage("derive", what):
        path = write_latex(Path(args.latex), params=params, shift_order=shift_order, pdf=args.pdf, force=args.force)
    print(str(path))
    return 0


# ------------------------------------------------------------------ numeric
def _cutoff_arg(text: str, allow_auto: bool) -> Any:
    from ..numeric.model import parse_cutoff

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
    from ..numeric.spectrum import avoided_crossing

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
    from ..analytic.effective import corrected_resonance

    res = corrected_resonance(params, target, direction, shift_order=_RESONANCE_SHIFT_ORDER)
    if not res.valid:
        raise InputError(f"target: |{''.join(map(str, target))}-> has no resonance with |000+> for the {direction} "
                         "drive (no S16 degeneracy); give --delta-ad")
    return float(res.Delta_ad), f"corrected resonance (analytic, shift order {_RESONANCE_SHIFT_ORDER})"


def _bundle_block(stats: Any, Delta_ad: float, source: str, state_observables: Sequence[str]) -> dict[str, Any]:
    """The ``"bundle"`` object of ``nrbundle steady --target`` (keys in docs/cli.md and docs/bundles.md)."""
    from ..numeric.bundles import BUNDLE_DEFINITIONS, BUNDLE_KEYS

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
    from ..numeric.bundles import solve_bundle_steady, state_observables
    from ..numeric.steady import solve_steady, steady_observables

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
    from ..crosscheck import run_checks

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
    from ..study.points import steady_point  # QuTiP and SciPy load only for the built-in function

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
    from ..numeric.model import parse_cutoff

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

    from ..study.points import steady_point

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
    from ..sweep import EXECUTORS, Grid, parse_axis, run_sweep

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
    from ..sweep import parse_axis

    try:
        return parse_axis(spec)
    except InputError as exc:  # "axis kappa: ..." -> "x kappa: ..." (printed as "--x kappa: ...")
        text = str(exc)
        raise InputError(f"{name}{text[4:]}" if text.startswith("axis") else f"{name}: {text}") from None


def _cmd_map(args: argparse.Namespace) -> int:
    from ..sweep import EXECUTORS

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
    from ..figures.beyond import make_map_figure
    from ..study.design_map import design_map

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
    from ..figures import FIGURES

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
        from ..reproduce import DEFAULT_OUT

        args.out = str(Path(DEFAULT_OUT[bool(args.quick)]) / "figures")
    out = check_output_dir(args.out)
    for k in which:  # a figure of other parameters, or a file nrbundle did not write, is not replaced
        check_replace_outputs(out, f"fig{k}", ("pdf", "png", "npz", "json"),
                              {"params": params.to_dict(), "quick": bool(args.quick)}, force=args.force)
    from ..figures import make_figures

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
    from ..study.tasks import fewer_collections

    with fewer_collections():  # the imports allocate ~1e6 objects as well: ~0.4 CPU-s of collections saved
        from ..reproduce import DEFAULT_OUT, reproduce

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
    from ..numeric.model import parse_cutoff

    cutoff = parse_cutoff(args.cutoff)
    points = check_integer("points", args.points, minimum=10)
    check_output_dir(args.out)
    return params, direction, Delta_ad, target, cutoff, points


def _cmd_dynamics(args: argparse.Namespace) -> int:
    params, direction, Delta_ad, target, cutoff, points = _run_common(args)
    t_max = None if args.t_max is None else check_finite("t_max", args.t_max)
    from ..runs import run_dynamics

    for path in run_dynamics(params, direction, Path(args.out), Delta_ad=Delta_ad, target=target, t_max=t_max,
                             points=points, cutoff=cutoff, open_system=args.open, force=args.force):
        print(path)
    return 0


def _cmd_trajectory(args: argparse.Namespace) -> int:
    params, direction, Delta_ad, target, cutoff, points = _run_common(args)
    t_max = check_finite("t_max", args.t_max)
    seed = check_integer("seed", args.seed, minimum=0)
    window = None if args.window is None else check_finite("window", args.window)
    from ..runs import run_trajectory

    for path in run_trajectory(params, direction, Path(args.out), Delta_ad=Delta_ad, target=target, t_max=t_max,
                               points=points, cutoff=cutoff, seed=seed, window=window, force=args.force):
        print(path)
    return 0


#: The handler of each command: ``func(args) -> exit status`` (the parser sets it as the command's ``func``).
HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "resonances": _cmd_resonances,
    "derive": _cmd_derive,
    "spectrum": _cmd_spectrum,
    "steady": _cmd_steady,
    "crosscheck": _cmd_crosscheck,
    "sweep": _cmd_sweep,
    "map": _cmd_map,
    "figures": _cmd_figures,
    "reproduce": _cmd_reproduce,
    "dynamics": _cmd_dynamics,
    "trajectory": _cmd_trajectory,
}
